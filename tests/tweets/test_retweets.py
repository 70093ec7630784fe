"""Only the account's own reach counts: Retweets made by the account (FACTS.md, "Retweets
made by the account") are stored as reposts but never add to rollups, KPIs, top Tweets or
reports, and no private group is ever asked for them."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from reports.content import build_report
from reports.schedule import ReportPeriod
from tweets import polling, rollups
from tweets.models import HourlyRollup, PollRun, Tweet
from tweets.periods import Period

pytestmark = pytest.mark.django_db

# The hours at which the account is polled: the first poll and its sweep, a private poll,
# and the next day's poll with its sweep.
POLL_HOURS = (0, 3, 26)


def own_gains(account_id: int, period: Period | None = None) -> dict[str, int]:
    """Independent SQL: the gains of the account's own Tweets from their samples, each
    sample's value less the one before (NULL on either side gains nothing), the first
    sample's dated at posting; optionally only gains in the period's hours."""
    pairs = polling.TWEET_ROLLUP_COLUMNS["total"]
    gains = ", ".join(
        f"CASE WHEN LAG(s.captured_at) OVER w IS NULL THEN s.{c}"
        f" ELSE s.{c} - LAG(s.{c}) OVER w END AS {r}"
        for r, c in pairs
    )
    sums = ", ".join(f"COALESCE(SUM({r}), 0)" for r, _ in pairs)
    where, params = "", [account_id]
    if period is not None:
        where = "WHERE date_trunc('hour', at) >= %s AND date_trunc('hour', at) < %s"
        params += [period.start, period.end]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {sums} FROM (
              SELECT {gains},
                     CASE WHEN LAG(s.captured_at) OVER w IS NULL THEN t.created_at
                          ELSE s.captured_at END AS at
              FROM tweets_tweetsample s JOIN tweets_tweet t ON t.id = s.tweet_id
              WHERE t.account_id = %s AND t.kind <> 'retweet'
              WINDOW w AS (PARTITION BY s.tweet_id ORDER BY s.captured_at)
            ) gains {where}
            """,
            params,
        )
        row = cursor.fetchone()
    return {rollup: int(value) for (rollup, _), value in zip(pairs, row, strict=True)}


def retweet_retweets(account_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(s.retweets), 0) FROM tweets_tweetsample s"
            " JOIN tweets_tweet t ON t.id = s.tweet_id"
            " WHERE t.account_id = %s AND t.kind = 'retweet'",
            [account_id],
        )
        return cursor.fetchone()[0]


def test_retweets_are_reposts_and_add_nothing(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    start = clock.now()
    for hours in POLL_HOURS:
        clock.move_to(start + timedelta(hours=hours))
        runs = polling.poll_account(account)
        assert [r.outcome for r in runs] == [PollRun.Outcome.OK] * len(runs), runs[0].error
        account.refresh_from_db()
    end = clock.now()

    # X was never asked a private group for a Retweet.
    assert x_api.requests_made("private_fields_refused") == 0

    # Every Retweet of the window is kept as a repost, naming the original's author.
    user = x_api.user("sandbox_demo")
    window = timedelta(days=30) - timedelta(minutes=1)
    expected = {
        t.id: t
        for t in x_api.world.timeline(user.id, end)
        if t.kind == "retweet" and t.created_at >= start - window
    }
    assert len(expected) >= 3
    stored = Tweet.objects.filter(account=account, kind=Tweet.Kind.RETWEET)
    assert {str(t.id) for t in stored} == set(expected)
    for tweet in stored:
        original = x_api.world.tweet(expected[str(tweet.id)].referenced_tweets[0][1], end)
        assert tweet.original_author == x_api.world.user(original.author_id).username
    # Their samples hold the originals' reposts: counted, they would change the totals.
    assert retweet_retweets(account.pk) > 0

    # Rollups, KPIs, top Tweets and the report equal the sums over the own Tweets only.
    own = own_gains(account.pk)
    rollup_sums = {
        name: sum(
            HourlyRollup.objects.filter(account=account, context="total").values_list(
                name, flat=True
            )
        )
        for name in own
    }
    assert rollup_sums == own
    print(
        f"{len(expected)} Retweets stored, {retweet_retweets(account.pk)} reposts on them left out;"
    )
    print(f"own Tweets: {own['impressions']} impressions, {own['likes']} likes (rollups equal)")
    assert own["impressions"] > 0

    everything = Period(start - timedelta(days=60), end + timedelta(hours=1))
    kpi = {k.name: k.value for k in rollups.kpis([account.pk], everything)}
    engagements = sum(own[name] for name in rollups.ENGAGEMENT_PARTS)
    assert kpi["impressions"] == own["impressions"]
    assert kpi["engagements"] == engagements
    assert kpi["engagement_rate"] == pytest.approx(engagements / own["impressions"])
    assert kpi["url_clicks"] == own["url_clicks"]
    assert kpi["profile_clicks"] == own["profile_clicks"]

    top = rollups.top_tweets([account.pk], everything, limit=None)
    assert Tweet.Kind.RETWEET not in {row["kind"] for row in top}
    assert sum(row["impressions"] or 0 for row in top) == own["impressions"]
    assert rollups.tweets_posted([account.pk], everything) == len(top)
    assert {str(t.id) for t in rollups.reposts([account.pk], everything)} == set(expected)

    tz = ZoneInfo("UTC")
    day = end.astimezone(UTC).date()
    report = build_report([account], ReportPeriod("monthly", day.replace(day=1), day, tz))
    report_period = ReportPeriod("monthly", day.replace(day=1), day, tz).period
    in_report = rollups.totals([account.pk], report_period)
    assert report.kpi["impressions"].value == in_report["impressions"]
    assert report.kpi["impressions"].value == own_gains(account.pk, report_period)["impressions"]
    assert Tweet.Kind.RETWEET not in {row["kind"] for row in report.top_tweets}
