"""Which Tweets an account's rules alert on, from the samples a poll just wrote.

Runs after every poll, so it asks X nothing and reads only the Tweets whose latest sample
is new (last_sampled_at at or after the poll's start). Only Tweets found in their first
hour are watched: the first poll of a newly linked account finds 30 days of Tweets, which
are history, not news.

A threshold rule alerts on a Tweet whose value is at or above the number and was below it
in the Tweet's previous sample (no previous sample counts as zero).

"Usual" for a Tweet at age a: the median, over the account's REFERENCES most recent other
Tweets of the same kind posted before it (never Retweets, whose counts are the original's)
that were sampled by age a, looked for among its SCANNED latest earlier ones, of their
value at age a: the latest sample taken at or before that age (a step: samples are written
only when a value changed, so the latest one holds until the next). A Tweet alerts only
when at least MIN_REFERENCES of them give a usual value above zero: a median of two says
nothing. Same kind, because a reply reaches a fraction of an original's audience. A
reference polled hourly gives its value up to an hour early: usual leans low, never high.

Each rule alerts at most once per Tweet (the ledger, alerts/ledger.py).
"""

import statistics
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F

from accounts.models import XAccount
from tweets.metrics import TWEET_METRICS
from tweets.models import Tweet, TweetSample

from . import ledger
from .models import Alert, AlertRule

METRIC_COLUMNS = {metric.name for metric in TWEET_METRICS}
REFERENCES = 20
MIN_REFERENCES = 5
# How many earlier Tweets are looked at to find the references: the first weeks after an
# account is linked, most of its Tweets were never sampled young, and a walk through all of
# them (thousands for a busy account) would cost every poll.
SCANNED = 3 * REFERENCES
# A spike is worth acting on while the Tweet is young; a threshold while X still counts.
WATCH = {AlertRule.Kind.SPIKE: timedelta(days=7), AlertRule.Kind.THRESHOLD: timedelta(days=90)}
# Only Tweets found within this age are watched: those found older (the first poll of a
# newly linked account finds 30 days of them) are history, not news.
FOUND_YOUNG = timedelta(hours=1)

TWEETS = Tweet._meta.db_table
SAMPLES = TweetSample._meta.db_table
ALERTS = Alert._meta.db_table

# The Tweets a poll sampled (by tweet_account_created_idx), with their latest value, and
# not yet alerted by this rule.
CANDIDATES = f"""
    SELECT t.id, t.kind, t.created_at, s.captured_at, s.captured_at - t.created_at AS age,
           s.{{column}} AS value
    FROM {TWEETS} t
    JOIN {SAMPLES} s ON s.tweet_id = t.id AND s.captured_at = t.last_sampled_at
    WHERE t.account_id = %(account)s
      AND t.created_at >= %(oldest)s
      AND t.first_seen_at <= t.created_at + %(found_young)s
      AND t.last_sampled_at >= %(since)s
      AND t.kind <> 'retweet'
      AND s.{{column}} IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM {ALERTS} a WHERE a.rule_id = %(rule)s AND a.tweet_id = t.id)
"""

# Crossed: at or above the number now, below it in the Tweet's previous sample (none
# counts as zero), so a rule set above a Tweet's value does not fire on it.
THRESHOLD = f"""
    SELECT c.id, c.value, NULL, NULL
    FROM ({CANDIDATES}) c
    LEFT JOIN LATERAL (
        SELECT p.{{column}} AS value FROM {SAMPLES} p
        WHERE p.tweet_id = c.id AND p.captured_at < c.captured_at
        ORDER BY p.captured_at DESC LIMIT 1
    ) previous ON true
    WHERE c.value >= %(threshold)s AND COALESCE(previous.value, 0) < %(threshold)s
"""

# For each candidate, walk the account's SCANNED latest earlier Tweets of its kind, newest
# first (tweet_account_created_idx), keeping those with a sample by the candidate's age (the
# samples' primary key serves that lookup), until REFERENCES are found; then their median.
SPIKE = f"""
    SELECT c.id, c.value, usual.value, usual.n
    FROM ({CANDIDATES}) c
    CROSS JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ref.value) AS value, count(*) AS n
        FROM (
            SELECT at_age.value
            FROM (
                SELECT r.id, r.created_at FROM {TWEETS} r
                WHERE r.account_id = %(account)s
                  AND r.kind = c.kind
                  AND r.id <> c.id
                  AND r.created_at <= c.created_at
                ORDER BY r.created_at DESC
                LIMIT {SCANNED}
            ) r
            CROSS JOIN LATERAL (
                SELECT rs.{{column}} AS value FROM {SAMPLES} rs
                WHERE rs.tweet_id = r.id AND rs.captured_at <= r.created_at + c.age
                ORDER BY rs.captured_at DESC LIMIT 1
            ) at_age
            WHERE at_age.value IS NOT NULL
            ORDER BY r.created_at DESC
            LIMIT {REFERENCES}
        ) ref
    ) usual
    WHERE usual.n >= {MIN_REFERENCES}
      AND usual.value > 0
      AND c.value >= %(factor)s * usual.value
"""


def findings(rule: AlertRule, since: datetime, now: datetime) -> list[tuple]:
    """(tweet id, value, usual, references) for every Tweet sampled since `since` that
    `rule` alerts on and has not alerted on yet."""
    if rule.metric not in METRIC_COLUMNS:
        raise ValueError(f"Rule {rule.pk} names no metric: {rule.metric!r}")
    if connection.vendor != "postgresql":
        return findings_in_python(rule, since, now)
    params = {
        "account": rule.account_id,
        "oldest": now - WATCH[rule.kind],
        "found_young": FOUND_YOUNG,
        "since": since,
        "rule": rule.pk,
        "threshold": rule.threshold,
        "factor": rule.factor,
    }
    sql = SPIKE if rule.kind == AlertRule.Kind.SPIKE else THRESHOLD
    with connection.cursor() as cursor:
        cursor.execute(sql.format(column=rule.metric), params)
        return cursor.fetchall()


def findings_in_python(rule: AlertRule, since: datetime, now: datetime) -> list[tuple]:
    """The same findings with the ORM, a query per reference: for the embedded demo's
    SQLite (no LATERAL, no percentile_cont), and a second opinion in the tests."""
    column = rule.metric
    candidates = (
        Tweet.objects.filter(
            account_id=rule.account_id,
            created_at__gte=now - WATCH[rule.kind],
            first_seen_at__lte=F("created_at") + FOUND_YOUNG,
            last_sampled_at__gte=since,
        )
        .exclude(kind=Tweet.Kind.RETWEET)
        .exclude(pk__in=Alert.objects.filter(rule=rule).values("tweet"))
    )
    found = []
    for tweet in candidates:
        samples = TweetSample.objects.filter(tweet=tweet).order_by("-captured_at")
        value = samples.filter(captured_at=tweet.last_sampled_at).values_list(column, flat=True)
        value = value.first()
        if value is None:
            continue
        if rule.kind == AlertRule.Kind.THRESHOLD:
            before = samples.filter(captured_at__lt=tweet.last_sampled_at)
            previous = before.values_list(column, flat=True).first() or 0
            if value >= rule.threshold > previous:
                found.append((tweet.pk, value, None, None))
            continue
        usual, references = _usual(tweet, tweet.last_sampled_at - tweet.created_at, column)
        if references >= MIN_REFERENCES and usual > 0 and value >= rule.factor * Decimal(usual):
            found.append((tweet.pk, value, usual, references))
    return found


def _usual(tweet: Tweet, age: timedelta, column: str) -> tuple[float, int]:
    earlier = (
        Tweet.objects.filter(
            account_id=tweet.account_id, kind=tweet.kind, created_at__lte=tweet.created_at
        )
        .exclude(pk=tweet.pk)
        .order_by("-created_at")
    )
    values = []
    for ref in earlier[:SCANNED]:
        value = (
            TweetSample.objects.filter(tweet=ref, captured_at__lte=ref.created_at + age)
            .order_by("-captured_at")
            .values_list(column, flat=True)
            .first()
        )
        if value is not None:
            values.append(value)
            if len(values) == REFERENCES:
                break
    return (float(statistics.median(values)) if values else 0.0), len(values)


def check_tweets(account: XAccount, since: datetime, now: datetime) -> list[Alert]:
    """Raise every alert the account's enabled rules find among the Tweets sampled since
    `since`; returns the alerts this call raised (a replay raises none)."""
    raised = []
    for rule in AlertRule.objects.filter(account=account, enabled=True):
        for tweet_id, value, usual, references in findings(rule, since, now):
            alert = ledger.raise_tweet_alert(rule, tweet_id, value, usual, references, now)
            if alert is not None:
                raised.append(alert)
    return raised
