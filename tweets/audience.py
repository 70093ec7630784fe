"""The account's audience: its own public_metrics (followers and the rest), read from
GET /2/users/me during a poll and stored like Tweet samples.

The rule for when a poll reads them (one extra request at most, never every poll):

1. at most once per AUDIENCE_INTERVAL per account (the last run that read them says when);
2. not when the token's known users/me window has fewer than USERS_ME_RESERVE requests
   left (X allows 75 per 15 minutes; linking and re-linking need some too);
3. one attempt only: a 5xx, a timeout or a 429 on users/me skips the audience for this
   poll and leaves the Tweets' poll alone; a malformed answer fails the poll like any other.

Samples are written only when a value changed, NULL where X gave nothing. Net follows per
hour (AudienceHourly) are the change in followers against the latest earlier sample that
has a count, in the hour of the later sample; a sample without one gains nothing.

The dashboard and the reports read the audience here too: net follows, follows per 1,000
impressions, and followers over time with the Tweets posted, bucketed like the impressions.
"""

import logging
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, Max, Sum

from accounts.models import XAccount
from xapi.client import BadResponse, RateLimited, ServerError, XClient

from .models import AudienceHourly, AudienceSample, PollRun, Tweet
from .periods import Period, auto_interval, bucket_starts, labels, partial_index
from .rollups import KPI, SERIES_BUCKETS, Read, alone, as_of, bucket_params, ratio

logger = logging.getLogger(__name__)

AUDIENCE_INTERVAL = timedelta(hours=1)
USERS_ME_RESERVE = 10
USER_FIELDS = ("public_metrics",)
# AudienceSample column -> X's public_metrics field.
WIRE_NAMES = {
    "followers": "followers_count",
    "following": "following_count",
    "tweets": "tweet_count",
    "listed": "listed_count",
    "likes": "like_count",
}


def audience_due(account: XAccount, client: XClient, now: datetime) -> bool:
    """Whether this poll may read the account's public_metrics (rules 1 and 2 above)."""
    last = PollRun.objects.filter(account=account, audience_read=True).aggregate(
        last=Max("started_at")
    )["last"]
    if last is not None and now - last < AUDIENCE_INTERVAL:
        return False
    window = client.known_rate_limit("users_me")
    return window is None or window.reset <= now or window.remaining >= USERS_ME_RESERVE


def audience_values(user: dict, account: XAccount) -> dict:
    """AudienceSample columns from a users/me `data` object; None where X gave nothing."""
    if str(user.get("id")) != account.x_user_id:
        raise BadResponse("users/me answered for another user")
    metrics = user.get("public_metrics")
    if metrics is None:
        metrics = {}
    if not isinstance(metrics, dict):
        raise BadResponse("users/me public_metrics is not an object")
    values = {}
    for column, wire in WIRE_NAMES.items():
        value = metrics.get(wire)
        if value is not None and (type(value) is not int or value < 0):
            raise BadResponse(f"{wire} is not a count: {value!r}")
        values[column] = value
    return values


def read_audience(client: XClient, account: XAccount) -> dict | None:
    """One users/me request (rule 3): the sample's values, or None when X could not answer."""
    try:
        user = client.me(USER_FIELDS, max_attempts=1)
    except (RateLimited, ServerError) as exc:
        logger.warning("Audience of @%s not read this poll: %s", account.username, exc)
        return None
    return audience_values(user, account)


def write_audience(account: XAccount, values: dict, instant: datetime) -> bool:
    """Store one read inside the poll's transaction (the caller holds the account's row
    lock). Returns whether a sample was written."""
    samples = AudienceSample.objects.filter(account=account)
    latest = samples.order_by("-captured_at").values("captured_at", *AudienceSample.COLUMNS)
    latest = latest.first()
    if latest is not None and (
        latest["captured_at"] >= instant
        or all(latest[c] == values[c] for c in AudienceSample.COLUMNS)
    ):
        return False
    AudienceSample.objects.create(account=account, captured_at=instant, **values)
    if values["followers"] is None:
        return True
    before = (
        samples.filter(captured_at__lt=instant, followers__isnull=False)
        .order_by("-captured_at")
        .values_list("followers", flat=True)
        .first()
    )
    if before is not None and values["followers"] != before:
        bucket = instant.replace(minute=0, second=0, microsecond=0)
        AudienceHourly.objects.get_or_create(account=account, bucket=bucket)
        AudienceHourly.objects.filter(account=account, bucket=bucket).update(
            net_follows=F("net_follows") + (values["followers"] - before)
        )
    return True


# --- reads for people ------------------------------------------------------------------

AUDIENCE_LABELS = {
    "net_follows": "Net follows",
    "follows_per_1k": "Follows per 1,000 impressions",
}


AUDIENCE_HOURLY = AudienceHourly._meta.db_table
AUDIENCE_SAMPLES = AudienceSample._meta.db_table
TWEETS = Tweet._meta.db_table
# Whether a poll of these accounts read the audience in [since, until): a period with no
# net follows is 0 when one did, not measured (None) when none did.
AUDIENCE_READ_SQL = f"""EXISTS (
    SELECT 1 FROM {PollRun._meta.db_table} WHERE account_id = ANY(%(ids)s) AND audience_read
        AND started_at >= %({{since}})s AND started_at < %({{until}})s
)"""
# Both periods' net follows in one pass, and whether each period read the audience.
# Written once: the ORM took longer to build the aggregate than the database to answer it.
NET_FOLLOWS_SQL = f"""
    SELECT (sum(net_follows) FILTER (WHERE bucket >= %(start)s))::bigint,
        (sum(net_follows) FILTER (WHERE bucket < %(start)s))::bigint,
        {AUDIENCE_READ_SQL.format(since="start", until="end")},
        {AUDIENCE_READ_SQL.format(since="before", until="start")}
    FROM {AUDIENCE_HOURLY}
    WHERE account_id = ANY(%(ids)s) AND bucket >= %(before)s AND bucket < %(end)s
"""  # fmt: skip


def net_follows_with_previous_read(account_ids, period: Period) -> Read:
    """Followers gained less followers lost in the period and in the previous one, summed
    in one query; None for a period where no poll read them."""
    params = {
        "ids": list(account_ids),
        "before": period.previous.start,
        "start": period.start,
        "end": period.end,
    }
    return Read(
        NET_FOLLOWS_SQL,
        params,
        _net_follows_with_previous,
        lambda: tuple(_net_follows_in_python(account_ids, p) for p in (period, period.previous)),
    )


net_follows_with_previous = alone(net_follows_with_previous_read)


def _net_follows_with_previous(rows: list) -> tuple[int | None, int | None]:
    now, before, read, read_before = rows[0]
    return _read_or_none(now, read), _read_or_none(before, read_before)


def _net_follows_in_python(account_ids, period: Period) -> int | None:
    """One period's net follows through the ORM, for databases without NET_FOLLOWS_SQL."""
    total = AudienceHourly.objects.filter(
        account_id__in=account_ids, bucket__gte=period.start, bucket__lt=period.end
    ).aggregate(total=Sum("net_follows"))["total"]
    read = PollRun.objects.filter(
        account_id__in=account_ids,
        audience_read=True,
        started_at__gte=period.start,
        started_at__lt=period.end,
    ).exists()
    return _read_or_none(total, read)


def _read_or_none(total: int | None, read: bool) -> int | None:
    """A sum of net follows, 0 when polls read the audience but nobody came or went, None
    when none did."""
    return total if total is not None else 0 if read else None


def audience_kpis(
    account_ids,
    period: Period,
    current: dict | None,
    previous: dict | None,
    net_follows: tuple[int | None, int | None] | None = None,
):
    """Net follows and follows per 1,000 impressions, against the previous period;
    `current` and `previous` are the periods' rollup totals (rollups.totals), `net_follows`
    the periods' net follows when already read (net_follows_with_previous)."""

    def per_thousand(follows, totals):
        if follows is None or totals is None:
            return None
        return ratio(follows * 1000, totals["impressions"])

    now, before = net_follows or net_follows_with_previous(account_ids, period)
    return [
        KPI("net_follows", AUDIENCE_LABELS["net_follows"], now, before),
        KPI(
            "follows_per_1k",
            AUDIENCE_LABELS["follows_per_1k"],
            per_thousand(now, current),
            per_thousand(before, previous),
        ),
    ]


# One row per bucket, generated in the database as the impressions chart has them
# (rollups.SERIES_BUCKETS: UTC hours, or local days), each with its net follows, the Tweets
# posted (Retweets are not the account's own), and the followers at its end: each account's
# latest count before then, one step down its (account, captured_at) key, summed only when
# every account has one.
AUDIENCE_SERIES_SQL = f"""
    SELECT extract(epoch FROM b.start)::float8,
        (SELECT sum(net_follows)::bigint FROM {AUDIENCE_HOURLY}
         WHERE account_id = ANY(%(ids)s)
             AND bucket >= greatest(b.start, %(start)s) AND bucket < b.stop),
        (SELECT count(*) FROM {TWEETS}
         WHERE account_id = ANY(%(ids)s) AND kind <> '{Tweet.Kind.RETWEET.value}'
             AND created_at >= greatest(b.start, %(start)s) AND created_at < b.stop),
        (SELECT CASE WHEN count(latest.followers) = cardinality(%(ids)s::bigint[])
                THEN sum(latest.followers)::bigint END
         FROM unnest(%(ids)s::bigint[]) AS account(id) LEFT JOIN LATERAL (
             SELECT followers FROM {AUDIENCE_SAMPLES}
             WHERE account_id = account.id AND followers IS NOT NULL AND captured_at < b.stop
             ORDER BY captured_at DESC LIMIT 1
         ) AS latest ON true)
    FROM (
        SELECT start, least(lead(start) OVER (ORDER BY start), %(end)s) AS stop
        FROM {{buckets}} AS buckets(start)
    ) AS b
    ORDER BY b.start
"""  # fmt: skip
AUDIENCE_SERIES_STATEMENTS = {
    interval: AUDIENCE_SERIES_SQL.format(buckets=buckets)
    for interval, (buckets, _slot) in SERIES_BUCKETS.items()
}


def _audience_rows_in_python(account_ids, period: Period, tz: ZoneInfo, interval: str):
    """AUDIENCE_SERIES_SQL's rows through the ORM, for databases without its SQL."""
    starts = bucket_starts(period.start, period.end, tz, interval)
    stops = [*starts[1:], period.end]
    gained: list[int | None] = [None] * len(starts)
    posted = [0] * len(starts)
    hourly = AudienceHourly.objects.filter(
        account_id__in=account_ids, bucket__gte=period.start, bucket__lt=period.end
    ).values_list("bucket", "net_follows")
    # Each value in the bucket it falls in; none before the first (as the SQL's buckets).
    for bucket, follows in hourly:
        if (i := bisect_right(starts, bucket) - 1) >= 0:
            gained[i] = (gained[i] or 0) + follows
    tweets = Tweet.objects.filter(
        account_id__in=account_ids, created_at__gte=period.start, created_at__lt=period.end
    ).exclude(kind=Tweet.Kind.RETWEET)
    for created in tweets.values_list("created_at", flat=True):
        if (i := bisect_right(starts, created) - 1) >= 0:
            posted[i] += 1
    samples = AudienceSample.objects.filter(
        account_id__in=account_ids, followers__isnull=False, captured_at__lt=period.end
    ).order_by("captured_at")
    samples = list(samples.values_list("captured_at", "account_id", "followers"))
    latest, followers, position = {}, [], 0
    for stop in stops:  # each account's latest count before the bucket's end
        while position < len(samples) and samples[position][0] < stop:
            _, account, count = samples[position]
            latest[account] = count
            position += 1
        followers.append(sum(latest.values()) if len(latest) == len(account_ids) else None)
    return [
        (start.timestamp(), *values)
        for start, *values in zip(starts, gained, posted, followers, strict=True)
    ]


def audience_series_read(
    account_ids,
    period: Period,
    tz: ZoneInfo,
    interval: str = "auto",
    last_poll: datetime | None = None,
) -> Read:
    """Followers at the end of each bucket (summed over the accounts, each one's last count
    carried forward), net follows per bucket, and the Tweets posted per bucket (Retweets
    left out: they are not the account's own), in one query (AUDIENCE_SERIES_SQL). Buckets
    as the impressions chart has them; a bucket that starts after the last poll is missing
    (None), and so is a follower count until every account has one. `last_poll` is read
    when not given."""
    interval = auto_interval(period) if interval == "auto" else interval
    params = bucket_params(account_ids, period, tz, interval)

    def finish(rows: list) -> dict:
        return _audience_series(rows, account_ids, period, tz, interval, last_poll)

    return Read(
        AUDIENCE_SERIES_STATEMENTS[interval],
        params,
        finish,
        lambda: finish(_audience_rows_in_python(params["ids"], period, tz, interval)),
    )


audience_series = alone(audience_series_read)


def _audience_series(rows, account_ids, period: Period, tz: ZoneInfo, interval, last_poll):
    """audience_series from AUDIENCE_SERIES_SQL's rows."""
    last_poll = last_poll or as_of(account_ids)
    starts, net, posts, followers = [], [], [], []
    for epoch, gained, posted, count in rows:
        start = datetime.fromtimestamp(epoch, UTC)
        measured = last_poll is not None and start <= last_poll
        starts.append(start)
        net.append(gained if gained is not None else 0 if measured else None)
        posts.append(posted)
        followers.append(count if measured else None)

    partial = partial_index(starts, period.end, last_poll)
    return {
        "interval": interval,
        "timezone": str(tz),
        "period": {"start": period.start, "end": period.end},
        "as_of": last_poll,
        "starts": starts,
        "labels": labels(starts, tz, interval),
        "followers": followers,
        "net_follows": net,
        "posts": posts,
        "partial_index": partial,
    }
