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
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Q, Sum, Window
from django.db.models.functions import RowNumber, Trunc

from accounts.models import XAccount
from xapi.client import BadResponse, RateLimited, ServerError, XClient

from .models import AudienceHourly, AudienceSample, PollRun, Tweet
from .periods import Period, auto_interval, bucket_starts, labels, partial_index
from .rollups import KPI, as_of, ratio

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


def net_follows_with_previous(account_ids, period: Period) -> tuple[int | None, int | None]:
    """Followers gained less followers lost in the period and in the previous one, summed
    in one query; None for a period where no poll read them."""
    previous = period.previous
    sums = AudienceHourly.objects.filter(
        account_id__in=account_ids, bucket__gte=previous.start, bucket__lt=period.end
    ).aggregate(
        now=Sum("net_follows", filter=Q(bucket__gte=period.start)),
        before=Sum("net_follows", filter=Q(bucket__lt=period.start)),
    )
    return (
        _read_or_none(account_ids, period, sums["now"]),
        _read_or_none(account_ids, previous, sums["before"]),
    )


def _read_or_none(account_ids, period: Period, total: int | None) -> int | None:
    """A sum of net follows, 0 when polls read the audience but nobody came or went, None
    when none did (the poll runs are asked only when there is no sum)."""
    if total is not None:
        return total
    read = PollRun.objects.filter(
        account_id__in=account_ids,
        audience_read=True,
        started_at__gte=period.start,
        started_at__lt=period.end,
    ).exists()
    return 0 if read else None


def audience_kpis(account_ids, period: Period, current: dict | None, previous: dict | None):
    """Net follows and follows per 1,000 impressions, against the previous period;
    `current` and `previous` are the periods' rollup totals (rollups.totals)."""

    def per_thousand(follows, totals):
        if follows is None or totals is None:
            return None
        return ratio(follows * 1000, totals["impressions"])

    now, before = net_follows_with_previous(account_ids, period)
    return [
        KPI("net_follows", AUDIENCE_LABELS["net_follows"], now, before),
        KPI(
            "follows_per_1k",
            AUDIENCE_LABELS["follows_per_1k"],
            per_thousand(now, current),
            per_thousand(before, previous),
        ),
    ]


def _slot(field: str, interval: str, tz: ZoneInfo):
    # Hours as the rollups keep them (UTC); days local.
    return (
        Trunc(field, "hour", tzinfo=UTC) if interval == "hour" else Trunc(field, "day", tzinfo=tz)
    )


def _latest_followers(account_ids, before, slot=None):
    """Each account's last follower count before `before` (per slot, when one is given)."""
    partition = [F("account_id")] + ([slot] if slot is not None else [])
    rows = AudienceSample.objects.filter(
        account_id__in=account_ids, followers__isnull=False, captured_at__lt=before
    )
    if slot is not None:
        rows = rows.annotate(slot=slot)
    return rows.annotate(
        rank=Window(RowNumber(), partition_by=partition, order_by=F("captured_at").desc())
    ).filter(rank=1)


def audience_series(
    account_ids,
    period: Period,
    tz: ZoneInfo,
    interval: str = "auto",
    last_poll: datetime | None = None,
) -> dict:
    """Followers at the end of each bucket (summed over the accounts, each one's last count
    carried forward), net follows per bucket, and the Tweets posted per bucket (Retweets
    left out: they are not the account's own). Buckets as the impressions chart has them;
    a bucket that starts after the last poll is missing (None), and so is a follower count
    until every account has one. `last_poll` is read when not given."""
    interval = auto_interval(period) if interval == "auto" else interval
    starts = bucket_starts(period.start, period.end, tz, interval)
    index = {start: i for i, start in enumerate(starts)}
    last_poll = last_poll or as_of(account_ids)

    def measured(start) -> bool:
        return last_poll is not None and start <= last_poll

    gains = (
        AudienceHourly.objects.filter(
            account_id__in=account_ids, bucket__gte=period.start, bucket__lt=period.end
        )
        .annotate(slot=_slot("bucket", interval, tz))
        .values("slot")
        .annotate(value=Sum("net_follows"))
        .order_by()
    )
    net = [0 if measured(start) else None for start in starts]
    for row in gains:
        net[index[row["slot"]]] = row["value"]

    posted = (
        Tweet.objects.filter(
            account_id__in=account_ids, created_at__gte=period.start, created_at__lt=period.end
        )
        .filter(~Q(kind=Tweet.Kind.RETWEET))
        .annotate(slot=_slot("created_at", interval, tz))
        .values("slot")
        .annotate(n=Count("id"))
        .order_by()
    )
    posts = [0] * len(starts)
    for row in posted:
        posts[index[row["slot"]]] = row["n"]

    latest = {
        row["account_id"]: row["followers"]
        for row in _latest_followers(account_ids, period.start).values("account_id", "followers")
    }
    closing: dict[int, list[tuple[int, int]]] = {}
    in_period = _latest_followers(account_ids, period.end, _slot("captured_at", interval, tz))
    for row in in_period.filter(captured_at__gte=period.start).values(
        "slot", "account_id", "followers"
    ):
        closing.setdefault(index[row["slot"]], []).append((row["account_id"], row["followers"]))
    followers = []
    for i, start in enumerate(starts):
        latest.update(closing.get(i, []))
        known = measured(start) and len(latest) == len(set(account_ids))
        followers.append(sum(latest.values()) if known else None)

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
