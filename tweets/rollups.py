"""The numbers people read about their accounts: shared by the dashboard and the reports,
so both always show the same numbers.

KPIs and account charts come from the hourly rollups (gains per account, hour and context),
summed in the database; raw samples are never scanned for account-level numbers. The top
Tweets and videos of a period read each one's latest sample through the
(tweet, captured_at) and (media, captured_at) unique indexes.
"""

import functools
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    F,
    Max,
    Min,
    Sum,
)

from accounts import prepared
from accounts.models import XAccount

from .metrics import (
    CONTEXTS,
    ENGAGEMENT_PARTS,
    LABELS,
    ROLLUP_COLUMNS,
    TWEET_METRICS,
    VIDEO_METRICS,
)
from .models import HourlyRollup, PollRun, Tweet, TweetSample, VideoSample
from .periods import Period, auto_interval, bucket_span, bucket_starts, labels, partial_index

# What account_series can chart: every rollup column, and the engagements they add up to.
SERIES_METRICS = (*ROLLUP_COLUMNS, "engagements")
# What the top Tweets can be sorted by.
TOP_SORTS = ("created_at", *(m.name for m in TWEET_METRICS), "engagements", "engagement_rate")
# A video's funnel: the share of plays that reached each quartile.
FUNNEL_STEPS = tuple(m for m in VIDEO_METRICS if m.name.startswith("playback_"))


@dataclass(frozen=True)
class KPI:
    name: str
    label: str
    value: float | None  # None: nothing was measured in the period ("—", never 0)
    previous: float | None
    is_rate: bool = False

    @property
    def change(self) -> float | None:
        """Relative change against the previous period; None when it cannot be said."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


def totals(account_ids, period: Period, context: str = "total") -> dict[str, int] | None:
    """Sums of the hourly gains in the period, or None if no poll covered it at all."""
    sums = HourlyRollup.objects.filter(
        account_id__in=account_ids,
        context=context,
        bucket__gte=period.start,
        bucket__lt=period.end,
    ).aggregate(**{name: Sum(name) for name in ROLLUP_COLUMNS})
    return _measured(account_ids, period, sums)


def on_postgres() -> bool:
    """Whether the statements written here can run: PostgreSQL's SQL. Elsewhere (the
    embedded demo's SQLite) each read has a twin through the ORM and Python, slower and
    the same numbers (tests/tweets/test_portable_reads.py compares them)."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Read:
    """One read of the numbers: a statement written here, its parameters, what its rows
    become (`finish`), and the same result on databases without its SQL (`portable`, its
    twin through the ORM). `result()` runs it alone; read_together runs several in one
    round trip, as a page that shows them all does."""

    statement: str
    params: dict
    finish: Callable[[list], Any]
    portable: Callable[[], Any]

    def result(self):
        return read_together(self)[0]


def read_together(*reads: Read) -> list:
    """Each read's result. On PostgreSQL their statements are sent in one round trip
    (accounts.prepared.fetch_together, prepared once per session); elsewhere each read's
    twin runs."""
    if not on_postgres():
        return [read.portable() for read in reads]
    with connection.cursor() as cursor:
        rows = prepared.fetch_together(cursor, [(read.statement, read.params) for read in reads])
    return [read.finish(found) for read, found in zip(reads, rows, strict=True)]


def alone(read: Callable[..., Read]) -> Callable:
    """The function that runs what `read` builds on its own (Read.result), named without
    its `_read`: each read here has both, the Read for a page that sends several together
    (read_together), the function for a single use."""

    @functools.wraps(read)
    def run(*args, **kwargs):
        return read(*args, **kwargs).result()

    run.__name__ = run.__qualname__ = read.__name__.removesuffix("_read")
    return run


def bucket_params(account_ids, period: Period, tz: ZoneInfo, interval: str) -> dict:
    """The parameters of a statement over SERIES_BUCKETS: the accounts, the period, the zone
    and the first and last bucket (bucket_span)."""
    first, last = bucket_span(period.start, period.end, tz, interval)
    return {
        "ids": sorted(set(account_ids)),
        "tz": tz.key,
        "start": period.start,
        "end": period.end,
        "first": first,
        "last": last,
    }


ROLLUPS = HourlyRollup._meta.db_table
POLL_RUNS = PollRun._meta.db_table
# Whether an ok poll of these accounts ran in [since, until): `_measured`'s question, asked
# in the same statement as the sums (a query of its own cost more to build in the ORM than
# the database took to answer it).
POLLED_SQL = f"""EXISTS (
    SELECT 1 FROM {POLL_RUNS} WHERE account_id = ANY(%(ids)s)
        AND outcome = '{PollRun.Outcome.OK.value}' AND started_at >= %({{since}})s
        AND started_at < %({{until}})s
)"""
# Both periods' sums in one pass over the hourly-rollup index (account, context, bucket),
# and whether each period was polled. Written once: the ORM rebuilds these 2 x 11 filtered
# sums on every call, which took longer than the database takes to add them up.
TOTALS_WITH_PREVIOUS_SQL = f"""
    SELECT {", ".join(f"(sum({c}) FILTER (WHERE bucket >= %(start)s))::bigint"
                      for c in ROLLUP_COLUMNS)},
        {", ".join(f"(sum({c}) FILTER (WHERE bucket < %(start)s))::bigint"
                   for c in ROLLUP_COLUMNS)},
        {POLLED_SQL.format(since="start", until="end")},
        {POLLED_SQL.format(since="before", until="start")}
    FROM {ROLLUPS}
    WHERE account_id = ANY(%(ids)s) AND context = %(context)s
        AND bucket >= %(before)s AND bucket < %(end)s
"""  # fmt: skip


def totals_with_previous_read(account_ids, period: Period, context: str = "total") -> Read:
    """totals() of the period and of the previous one, summed in one query."""
    previous = period.previous
    params = {
        "ids": list(account_ids),
        "context": context,
        "before": previous.start,
        "start": period.start,
        "end": period.end,
    }
    return Read(
        TOTALS_WITH_PREVIOUS_SQL,
        params,
        _totals_with_previous,
        lambda: (totals(account_ids, period, context), totals(account_ids, previous, context)),
    )


totals_with_previous = alone(totals_with_previous_read)


def _totals_with_previous(rows: list) -> tuple:
    *sums, polled, polled_before = rows[0]
    width = len(ROLLUP_COLUMNS)
    return tuple(
        _as_totals(dict(zip(ROLLUP_COLUMNS, values, strict=True)), polled)
        for values, polled in ((sums[:width], polled), (sums[width:], polled_before))
    )


def _measured(account_ids, period: Period, sums: dict) -> dict[str, int] | None:
    """Sums as totals; None when there are none and no poll ran in the period (the poll
    runs are asked only then: any gain means the period was measured)."""
    measured = any(value is not None for value in sums.values()) or (
        PollRun.objects.filter(
            account_id__in=account_ids,
            outcome=PollRun.Outcome.OK,
            started_at__gte=period.start,
            started_at__lt=period.end,
        ).exists()
    )
    return _as_totals(sums, measured)


def _as_totals(sums: dict, polled: bool) -> dict[str, int] | None:
    """Sums as totals (a missing sum is 0); None when there is no sum at all and no poll
    ran in the period: not measured, which is not zero."""
    if not polled and all(value is None for value in sums.values()):
        return None
    return {name: value or 0 for name, value in sums.items()}


def ratio(numerator, denominator) -> float | None:
    """numerator / denominator, or None (not zero) when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def _engagements(values: dict) -> int:
    return sum(values[name] for name in ENGAGEMENT_PARTS)


# The KPI cards: each one's name, how it follows from a period's totals, whether a rate.
KPI_MEASURES = (
    ("impressions", lambda v: v["impressions"], False),
    ("engagements", _engagements, False),
    ("engagement_rate", lambda v: ratio(_engagements(v), v["impressions"]), True),
    ("url_clicks", lambda v: v["url_clicks"], False),
    ("profile_clicks", lambda v: v["profile_clicks"], False),
    ("video_views", lambda v: v["video_views"], False),
    ("video_completion_rate", lambda v: ratio(v["video_completions"], v["video_starts"]), True),
)


def kpis_from_totals(current: dict | None, previous: dict | None) -> list[KPI]:
    """The KPI cards from two periods' totals (None: not measured)."""

    def pick(values, compute):
        return None if values is None else compute(values)

    return [
        KPI(name, LABELS[name], pick(current, compute), pick(previous, compute), is_rate)
        for name, compute, is_rate in KPI_MEASURES
    ]


def kpis(account_ids, period: Period) -> list[KPI]:
    """The overview's KPI cards: each value in the period and in the previous one."""
    return kpis_from_totals(*totals_with_previous(account_ids, period))


def as_of(account_ids) -> datetime | None:
    """When the latest poll of any of these accounts ran (how far the numbers go)."""
    return XAccount.objects.filter(pk__in=account_ids).aggregate(last=Max("last_poll_at"))["last"]


# One row per bucket, generated in the database (UTC hours as the rollups keep them, or
# local days: `day AT TIME ZONE tz` is the instant a local day starts), with the sums per
# context of the buckets that have rollups, and when the accounts' oldest Tweet was posted
# (one step into each account's (account, created_at) index: min() over `= ANY` read every
# Tweet's entry, 1,000 for one account).
# Instants as epoch seconds: psycopg reads a float in C, while Django's loader for a
# timestamptz parses its text in Python (1,440 of them took longer than the query).
SERIES_SQL = f"""
    SELECT extract(epoch FROM buckets.start)::float8,
        {", ".join(f"sums.{context}" for context in CONTEXTS)},
        extract(epoch FROM (
            SELECT min(first.created_at) FROM unnest(%(ids)s::bigint[]) AS account(id),
                LATERAL (
                    SELECT created_at FROM {Tweet._meta.db_table} WHERE account_id = account.id
                    ORDER BY created_at LIMIT 1
                ) AS first
        ))::float8
    FROM {{buckets}} AS buckets(start)
    LEFT JOIN (
        SELECT {{slot}} AS start,
            {", ".join(f"(sum({{value}}) FILTER (WHERE context = '{c}'))::bigint AS {c}"
                       for c in CONTEXTS)}
        FROM {ROLLUPS}
        WHERE account_id = ANY(%(ids)s) AND bucket >= %(start)s AND bucket < %(end)s
        GROUP BY 1
    ) AS sums USING (start)
    ORDER BY buckets.start
"""  # fmt: skip
SERIES_BUCKETS = {
    "hour": (
        "generate_series(%(first)s::timestamptz, %(last)s::timestamptz, interval '1 hour')",
        "bucket",
    ),
    "day": (
        "(SELECT day AT TIME ZONE %(tz)s FROM generate_series("
        "%(first)s::timestamp, %(last)s::timestamp, interval '1 day') AS day)",
        "date_trunc('day', bucket, %(tz)s)",
    ),
}
# Each metric's series statement, written once.
SERIES_STATEMENTS = {
    (metric, interval): SERIES_SQL.format(
        buckets=buckets,
        slot=slot,
        value=" + ".join(ENGAGEMENT_PARTS if metric == "engagements" else (metric,)),
    )
    for metric in SERIES_METRICS
    for interval, (buckets, slot) in SERIES_BUCKETS.items()
}


def account_series_read(
    account_ids,
    period: Period,
    tz: ZoneInfo,
    metric: str = "impressions",
    interval: str = "auto",
    last_poll: datetime | None = None,
) -> Read:
    """Gains per bucket, organic / promoted / not split (total minus both), from the rollups.

    The buckets and their sums come from the database in one query (SERIES_SQL). A bucket
    is missing (None), not zero, when nothing was measured for it: it starts after the last
    poll (`last_poll`, read when not given), or ends before the oldest tracked Tweet was
    posted.
    """
    interval = auto_interval(period) if interval == "auto" else interval

    def finish(rows: list) -> dict:
        return _series(rows, account_ids, period, tz, metric, interval, last_poll)

    return Read(
        SERIES_STATEMENTS[metric, interval],
        bucket_params(account_ids, period, tz, interval),
        finish,
        lambda: finish(_series_rows_in_python(account_ids, period, tz, metric, interval)),
    )


account_series = alone(account_series_read)


def _series(rows, account_ids, period: Period, tz: ZoneInfo, metric, interval, last_poll):
    """account_series from SERIES_SQL's rows."""
    last_poll = last_poll or as_of(account_ids)
    starts = [datetime.fromtimestamp(row[0], UTC) for row in rows]
    oldest = rows[0][-1] if rows else None
    oldest = None if oldest is None else datetime.fromtimestamp(oldest, UTC)
    ends = [*starts[1:], period.end]

    series = {context: [] for context in (*CONTEXTS, "unsplit")}
    for (_, *sums, _), start, end in zip(rows, starts, ends, strict=True):
        # The bucket holding the last poll is measured (that poll wrote into it).
        if last_poll is None or start > last_poll or oldest is None or end <= oldest:
            for values in series.values():
                values.append(None)
            continue
        total, organic, promoted = (value or 0 for value in sums)
        series["total"].append(total)
        series["organic"].append(organic)
        series["promoted"].append(promoted)
        series["unsplit"].append(total - organic - promoted)
    return {
        "metric": metric,
        "interval": interval,
        "timezone": str(tz),
        "period": {"start": period.start, "end": period.end},
        "as_of": last_poll,
        "starts": starts,
        "labels": labels(starts, tz, interval),
        "series": series,
        "partial_index": partial_index(starts, period.end, last_poll),
    }


def _series_rows_in_python(account_ids, period: Period, tz: ZoneInfo, metric, interval):
    """SERIES_SQL's rows (bucket start and oldest posting as epoch seconds, a sum per
    context or None) from the ORM, for databases without its SQL (the demo's SQLite)."""
    starts = bucket_starts(period.start, period.end, tz, interval)
    parts = ENGAGEMENT_PARTS if metric == "engagements" else (metric,)
    sums = [dict.fromkeys(CONTEXTS) for _ in starts]
    rollups = HourlyRollup.objects.filter(
        account_id__in=account_ids, bucket__gte=period.start, bucket__lt=period.end
    ).values_list("bucket", "context", *parts)
    for bucket, context, *values in rollups:
        i = bisect_right(starts, bucket) - 1
        if i >= 0 and context in sums[i]:
            sums[i][context] = (sums[i][context] or 0) + sum(v or 0 for v in values)
    oldest = Tweet.objects.filter(account_id__in=account_ids).aggregate(o=Min("created_at"))["o"]
    oldest = None if oldest is None else oldest.timestamp()
    return [
        (start.timestamp(), *(bucket[c] for c in CONTEXTS), oldest)
        for start, bucket in zip(starts, sums, strict=True)
    ]


def engagements_by_kind(account_ids, period: Period) -> list[dict]:
    """Each kind of engagement in the period and the previous one (None: not measured)."""
    return engagements_from_totals(*totals_with_previous(account_ids, period))


def engagements_from_totals(current: dict | None, previous: dict | None) -> list[dict]:
    """engagements_by_kind from totals already summed (the overview sums them once)."""
    out = []
    for name in ENGAGEMENT_PARTS:
        kpi = KPI(
            name,
            LABELS[name],
            None if current is None else current[name],
            None if previous is None else previous[name],
        )
        out.append(
            {
                "kind": name,
                "label": kpi.label,
                "value": kpi.value,
                "previous": kpi.previous,
                "change": kpi.change,
            }
        )
    return out


# How many Tweets of their own the accounts posted in the period (Retweets aside), and the
# Retweets they made, newest first, in one statement: a row for the count, with each
# Retweet joined to it (none: one row of NULLs). Written once; the ORM took longer to build
# the two queries than the database to answer them.
_REPOST_FIELDS = ("id", "account_id", "kind", "text", "created_at")
POSTED_AND_REPOSTS_SQL = f"""
    SELECT posted.n, {", ".join(f"r.{name}" for name in _REPOST_FIELDS)}, r.username
    FROM (
        SELECT count(*) AS n FROM {Tweet._meta.db_table}
        WHERE account_id = ANY(%(ids)s) AND kind <> '{Tweet.Kind.RETWEET.value}'
            AND created_at >= %(start)s AND created_at < %(end)s
    ) AS posted
    LEFT JOIN LATERAL (
        SELECT {", ".join(f"t.{name}" for name in _REPOST_FIELDS)}, a.username
        FROM {Tweet._meta.db_table} t JOIN {XAccount._meta.db_table} a ON a.id = t.account_id
        WHERE t.account_id = ANY(%(ids)s) AND t.kind = '{Tweet.Kind.RETWEET.value}'
            AND t.created_at >= %(start)s AND t.created_at < %(end)s
    ) AS r ON true
    ORDER BY r.created_at DESC, r.id DESC
"""  # fmt: skip


def posted_and_reposts_read(account_ids, period: Period) -> Read:
    """How many Tweets of their own these accounts posted in the period (Retweets aside),
    and the Retweets they made in it, newest first: shown as reposts, never counted, since
    their counts belong to the original (FACTS.md). Each Retweet is a Tweet with these
    fields and its account's username (the rest deferred)."""
    params = {"ids": list(account_ids), "start": period.start, "end": period.end}
    return Read(
        POSTED_AND_REPOSTS_SQL,
        params,
        _posted_and_reposts,
        lambda: _posted_and_reposts_in_python(account_ids, period),
    )


posted_and_reposts = alone(posted_and_reposts_read)


def _posted_and_reposts(rows: list) -> tuple[int, list[Tweet]]:
    db = connection.alias
    reposts = []
    for _posted, *values, username in rows:
        if values[0] is None:
            continue  # no Retweet: the count's row alone
        tweet = Tweet.from_db(db, _REPOST_FIELDS, values)
        account = XAccount.from_db(db, ("id", "username"), (tweet.account_id, username))
        Tweet.account.field.set_cached_value(tweet, account)
        reposts.append(tweet)
    return rows[0][0], reposts


def _posted_and_reposts_in_python(account_ids, period: Period) -> tuple[int, list[Tweet]]:
    """posted_and_reposts through the ORM, for databases without its SQL (SQLite)."""
    tweets = Tweet.objects.filter(
        account_id__in=account_ids, created_at__gte=period.start, created_at__lt=period.end
    )
    reposts = tweets.filter(kind=Tweet.Kind.RETWEET).select_related("account")
    return (
        tweets.exclude(kind=Tweet.Kind.RETWEET).count(),
        list(reposts.order_by("-created_at", "-id")),
    )


def tweets_posted(account_ids, period: Period) -> int:
    """How many Tweets of their own these accounts posted in the period (Retweets aside)."""
    return posted_and_reposts(account_ids, period)[0]


def reposts(account_ids, period: Period) -> list[Tweet]:
    """The Retweets these accounts made in the period, newest first (posted_and_reposts)."""
    return posted_and_reposts(account_ids, period)[1]


# The top Tweets: each one's latest sample through the (tweet, captured_at) key, sorted in
# the database, NULLs last. One statement per sort column and direction, written once. The
# account's username is a subquery, which Postgres runs for the rows kept after the LIMIT:
# as a join it was planned and probed for every Tweet (planning 1.0 -> 0.4 ms at 90 days).
TOP_COLUMNS = (
    "id",
    "created_at",
    "text",
    "kind",
    "promoted",
    "account",
    "as_of",
    *(m.name for m in TWEET_METRICS),
    "organic_impressions",
    "promoted_impressions",
    "engagements",
    "engagement_rate",
)
_ENGAGEMENTS = " + ".join(f"s.{name}" for name in ENGAGEMENT_PARTS)
TOP_SQL = f"""
    SELECT t.id, t.created_at, t.text, t.kind, t.promoted,
        (SELECT username FROM {XAccount._meta.db_table} a WHERE a.id = t.account_id),
        t.last_polled_at,
        {", ".join(f"s.{m.name}" for m in TWEET_METRICS)},
        s.organic_impressions, s.promoted_impressions,
        {_ENGAGEMENTS} AS engagements,
        ({_ENGAGEMENTS})::float / nullif(s.impressions, 0) AS engagement_rate
    FROM {Tweet._meta.db_table} t
    JOIN {TweetSample._meta.db_table} s
        ON s.tweet_id = t.id AND s.captured_at = t.last_sampled_at
    WHERE t.account_id = ANY(%(ids)s) AND t.kind <> '{Tweet.Kind.RETWEET.value}'
        AND t.created_at >= %(start)s AND t.created_at < %(end)s
    ORDER BY {{key}} {{order}} NULLS LAST, t.created_at DESC, t.id DESC
    LIMIT %(limit)s
"""
_TOP_KEYS = {
    "created_at": "t.created_at",
    "engagements": "engagements",
    "engagement_rate": "engagement_rate",
}
TOP_STATEMENTS = {
    (sort, descending): TOP_SQL.format(
        key=_TOP_KEYS.get(sort, f"s.{sort}"), order="DESC" if descending else "ASC"
    )
    for sort in TOP_SORTS
    for descending in (True, False)
}


def top_tweets_read(
    account_ids, period: Period, sort: str = "impressions", descending: bool = True, limit=None
) -> Read:
    """Tweets posted in the period with their totals as of their latest sample, sorted in the
    database (NULLs last: a metric X did not give is never ranked as zero). Retweets are
    left out: their counts are the original's."""
    params = {"ids": list(account_ids), "start": period.start, "end": period.end, "limit": limit}
    return Read(
        TOP_STATEMENTS[sort, descending],
        params,
        _top_tweets,
        lambda: _top_tweets(_top_rows_in_python(account_ids, period, sort, descending, limit)),
    )


top_tweets = alone(top_tweets_read)


def _top_tweets(rows: list) -> list[dict]:
    out = [dict(zip(TOP_COLUMNS, row, strict=True)) for row in rows]
    for row in out:
        row["id"] = str(row["id"])  # X ids exceed JavaScript's exact integers
    return out


def _top_rows_in_python(account_ids, period: Period, sort: str, descending: bool, limit):
    """TOP_SQL's rows through the ORM and sorted here, for databases without its SQL."""
    metrics = [m.name for m in TWEET_METRICS]
    samples = (
        TweetSample.objects.filter(
            tweet__account_id__in=account_ids,
            tweet__created_at__gte=period.start,
            tweet__created_at__lt=period.end,
            captured_at=F("tweet__last_sampled_at"),
        )
        .exclude(tweet__kind=Tweet.Kind.RETWEET)
        .values_list(
            "tweet_id", "tweet__created_at", "tweet__text", "tweet__kind", "tweet__promoted",
            "tweet__account__username", "tweet__last_polled_at",
            *metrics, "organic_impressions", "promoted_impressions",
        )
    )  # fmt: skip
    rows = []
    for row in samples:
        values = dict(zip(metrics, row[7 : 7 + len(metrics)], strict=True))
        parts = [values[name] for name in ENGAGEMENT_PARTS]
        engagements = None if None in parts else sum(parts)
        impressions = values["impressions"]
        rate = None if engagements is None or not impressions else engagements / impressions
        rows.append((*row, engagements, rate))
    key = TOP_COLUMNS.index(sort)
    # ORDER BY key NULLS LAST, created_at DESC, id DESC: stable sorts, the last one first.
    rows.sort(key=lambda r: (r[1], r[0]), reverse=True)
    ranked = sorted(
        (r for r in rows if r[key] is not None), key=lambda r: r[key], reverse=descending
    )
    rows = ranked + [r for r in rows if r[key] is None]
    return rows if limit is None else rows[:limit]


def top_videos(account_ids, period: Period, limit: int = 3) -> list[dict]:
    """Videos first posted in the period with their totals as of their latest sample (views
    and the playback funnel), most viewed first: what top_tweets is for Tweets."""
    steps = [step.name for step in FUNNEL_STEPS]
    rows = list(
        VideoSample.objects.filter(
            media__account_id__in=account_ids, captured_at=F("media__last_sampled_at")
        )
        .annotate(first_posted=Min("media__tweets__created_at"))
        .filter(first_posted__gte=period.start, first_posted__lt=period.end)
        .order_by(F("views").desc(nulls_last=True), "-first_posted", "media_id")
        .values("media_id", "first_posted", "views", *steps)[:limit]
    )
    links = Tweet.media.through.objects.filter(media_id__in=[row["media_id"] for row in rows])
    first_tweet = {}
    for link in links.select_related("tweet__account").order_by("-tweet__created_at"):
        first_tweet[link.media_id] = link.tweet  # oldest last, so the first posting wins
    return [
        {
            "media_key": row["media_id"],
            "first_posted": row["first_posted"],
            "tweet": first_tweet.get(row["media_id"]),
            "views": row["views"],
            "funnel": [(step.label, row[step.name]) for step in FUNNEL_STEPS],
        }
        for row in rows
    ]
