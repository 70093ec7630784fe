"""The numbers people read: KPIs for a period and their change against the previous one.

Shared by the dashboard and the email reports, so both always show the same numbers.
Every figure comes from the hourly rollups (gains per account, hour and context), summed
in the database; raw samples are never scanned for account-level numbers.

Periods are half-open [start, end) in UTC instants; `local_period` builds one from dates
in a person's timezone (DST-correct, since each local midnight maps to its own instant).
"""

import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

from django.db.models import (
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    Sum,
    Window,
)
from django.db.models.functions import Cast, NullIf, RowNumber, Trunc

from accounts.models import XAccount

from .models import (
    CONTEXTS,
    ROLLUP_METRICS,
    SPLIT_METRICS,
    TWEET_SAMPLE_FIELDS,
    HourlyRollup,
    PollRun,
    Tweet,
    TweetSample,
    VideoSample,
)

ENGAGEMENT_PARTS = (
    "likes",
    "retweets",
    "replies",
    "quotes",
    "bookmarks",
    "url_clicks",
    "profile_clicks",
)
ENGAGEMENT_FORMULA = (
    "engagements = likes + reposts + replies + quotes + bookmarks + link clicks + profile"
    " clicks; engagement rate = engagements / impressions"
)
COMPLETION_FORMULA = "video completion = plays to 100 % / plays started"
SUMMED = (
    "impressions",
    *ENGAGEMENT_PARTS,
    "video_views",
    "video_starts",
    "video_completions",
)


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous(self) -> "Period":
        """The period of equal length just before this one."""
        return Period(self.start - self.length, self.start)


def local_period(first: date, last: date, tz: ZoneInfo) -> Period:
    """The local days first..last (inclusive) in `tz`, as UTC instants."""
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    # In UTC, so lengths are real durations (a DST day lasts 23 or 25 hours).
    return Period(start.astimezone(UTC), end.astimezone(UTC))


def last_days(days: int, tz: ZoneInfo, now: datetime) -> Period:
    """The last `days` local days, today included (today is still running)."""
    today = now.astimezone(tz).date()
    return local_period(today - timedelta(days=days - 1), today, tz)


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
    polled = PollRun.objects.filter(
        account_id__in=account_ids,
        outcome=PollRun.Outcome.OK,
        started_at__gte=period.start,
        started_at__lt=period.end,
    ).exists()
    sums = HourlyRollup.objects.filter(
        account_id__in=account_ids,
        context=context,
        bucket__gte=period.start,
        bucket__lt=period.end,
    ).aggregate(**{name: Sum(name) for name in SUMMED})
    if not polled and all(value is None for value in sums.values()):
        return None
    return {name: value or 0 for name, value in sums.items()}


def _ratio(numerator, denominator) -> float | None:
    return numerator / denominator if denominator else None


def kpis_from_totals(current: dict | None, previous: dict | None) -> list[KPI]:
    def pick(values, compute):
        return None if values is None else compute(values)

    def engagements(values):
        return sum(values[name] for name in ENGAGEMENT_PARTS)

    measures = [
        ("impressions", "Impressions", lambda v: v["impressions"], False),
        ("engagements", "Engagements", engagements, False),
        (
            "engagement_rate",
            "Engagement rate",
            lambda v: _ratio(engagements(v), v["impressions"]),
            True,
        ),
        ("url_clicks", "Link clicks", lambda v: v["url_clicks"], False),
        ("profile_clicks", "Profile clicks", lambda v: v["profile_clicks"], False),
        ("video_views", "Video views", lambda v: v["video_views"], False),
        (
            "video_completion_rate",
            "Video completion",
            lambda v: _ratio(v["video_completions"], v["video_starts"]),
            True,
        ),
    ]
    return [
        KPI(name, label, pick(current, compute), pick(previous, compute), is_rate)
        for name, label, compute, is_rate in measures
    ]


def kpis(account_ids, period: Period) -> list[KPI]:
    """The overview's KPI cards: each value in the period and in the previous one."""
    return kpis_from_totals(totals(account_ids, period), totals(account_ids, period.previous))


# --- Charts and tables of the dashboard --------------------------------------------------
#
# Every series is bucketed in the database and carries at most MAX_POINTS points, whatever
# the range (DESIGN.md section 8). Account-level series read the hourly rollups only; a
# Tweet's series reads its own samples through the (tweet, captured_at) unique index.

MAX_POINTS = 2000
MAX_PERIOD_DAYS = 366
INTERVALS = ("hour", "day")
SERIES_METRICS = (*ROLLUP_METRICS, "engagements")
# A Tweet's cumulative metrics, in the dashboard's words.
TWEET_METRICS = {
    "impressions": "Impressions",
    "likes": "Likes",
    "retweets": "Reposts",
    "replies": "Replies",
    "quotes": "Quotes",
    "bookmarks": "Bookmarks",
    "url_clicks": "Link clicks",
    "profile_clicks": "Profile clicks",
}
SPLIT_TWEET_METRICS = tuple(name for name, _ in SPLIT_METRICS)
TOP_SORTS = ("created_at", *TWEET_METRICS, "engagements", "engagement_rate")
FUNNEL_STEPS = (
    ("playback_0", "0 %"),
    ("playback_25", "25 %"),
    ("playback_50", "50 %"),
    ("playback_75", "75 %"),
    ("playback_100", "100 %"),
)
VIDEO_COLUMNS = tuple(
    f"{prefix}{name}"
    for prefix in ("", "organic_", "promoted_")
    for name in ("views", *(step for step, _ in FUNNEL_STEPS))
)
COMPARE_WINDOWS = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
COMPARE_MAX_TWEETS = 10
# Ages (hours) at which the compare table reads each Tweet's curve.
CHECKPOINTS = (1, 6, 24, 72, 168, 720)
# Bucket sizes for thinning a Tweet's samples, finest first (Trunc kinds).
THINNING = (
    ("minute", timedelta(minutes=1)),
    ("hour", timedelta(hours=1)),
    ("day", timedelta(days=1)),
    ("week", timedelta(days=7)),
)


class TooManyPoints(ValueError):
    """A series asked for at a resolution that would exceed MAX_POINTS."""


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def bucket_starts(start: datetime, end: datetime, tz: ZoneInfo, interval: str) -> list:
    """Starts of the hour (UTC hours, as the rollups keep them) or local-day buckets that
    cover [start, end), in UTC; a local day lasts 23 or 25 hours across a DST change."""
    starts = []
    if interval == "hour":
        moment = _hour(start)
        step = timedelta(hours=1)
        if moment < start:
            moment += step  # a half-hour zone's midnight: the rollups' next whole hour
        limit = (end - moment) / step
        if limit > MAX_POINTS:
            raise TooManyPoints(f"{int(limit):,} hourly points; the limit is {MAX_POINTS:,}")
        while moment < end:
            starts.append(moment)
            moment += step
        return starts
    day = start.astimezone(tz).date()
    if (end - start).days > MAX_POINTS:
        raise TooManyPoints(f"{(end - start).days:,} daily points; the limit is {MAX_POINTS:,}")
    while (moment := _local_midnight(day, tz)) < end:
        starts.append(moment)
        day += timedelta(days=1)
    return starts


def auto_interval(period: Period) -> str:
    """Hourly for a week or less (a DST week has one hour more), daily beyond."""
    return "hour" if period.length <= timedelta(days=7, hours=1) else "day"


def as_of(account_ids) -> datetime | None:
    """When the latest poll of any of these accounts ran (how far the numbers go)."""
    return XAccount.objects.filter(pk__in=account_ids).aggregate(last=Max("last_poll_at"))["last"]


def _sum_of(names) -> Sum:
    return Sum(reduce(operator.add, (F(name) for name in names)))


def account_series(
    account_ids, period: Period, tz: ZoneInfo, metric: str = "impressions", interval: str = "auto"
) -> dict:
    """Gains per bucket, organic / promoted / not split (total minus both), from the rollups.

    Buckets are computed in the database (hours as stored; local days with AT TIME ZONE).
    A bucket is missing (None), not zero, when nothing was measured for it: it starts after
    the last poll, or ends before the oldest tracked Tweet was posted.
    """
    interval = auto_interval(period) if interval == "auto" else interval
    starts = bucket_starts(period.start, period.end, tz, interval)
    names = ENGAGEMENT_PARTS if metric == "engagements" else (metric,)
    slot = F("bucket") if interval == "hour" else Trunc("bucket", "day", tzinfo=tz)
    rows = (
        HourlyRollup.objects.filter(
            account_id__in=account_ids, bucket__gte=period.start, bucket__lt=period.end
        )
        .annotate(slot=slot)
        .values("slot", "context")
        .annotate(value=_sum_of(names))
        .order_by()
    )
    found = {(row["slot"], row["context"]): row["value"] for row in rows}
    last_poll = as_of(account_ids)
    oldest = Tweet.objects.filter(account_id__in=account_ids).aggregate(first=Min("created_at"))[
        "first"
    ]
    ends = [*starts[1:], period.end]

    def measured(start, end) -> bool:
        # The bucket holding the last poll is measured (that poll wrote into it).
        return last_poll is not None and start <= last_poll and oldest is not None and end > oldest

    series = {}
    for context in CONTEXTS:
        series[context] = [
            found.get((start, context), 0) if measured(start, end) else None
            for start, end in zip(starts, ends, strict=True)
        ]
    series["unsplit"] = [
        None if total is None else total - organic - promoted
        for total, organic, promoted in zip(
            series["total"], series["organic"], series["promoted"], strict=True
        )
    ]
    partial = (
        next(
            (i for i, (s, e) in enumerate(zip(starts, ends, strict=True)) if s <= last_poll < e),
            None,
        )
        if last_poll
        else None
    )
    return {
        "metric": metric,
        "interval": interval,
        "timezone": str(tz),
        "period": {"start": period.start, "end": period.end},
        "as_of": last_poll,
        "starts": starts,
        "labels": [bucket_label(start, tz, interval) for start in starts],
        "series": series,
        "partial_index": partial,
    }


def bucket_label(start: datetime, tz: ZoneInfo, interval: str) -> str:
    """A bucket's start in local words; the hour that happens twice when clocks go back
    says which one it is (02:00 CEST, then 02:00 CET)."""
    local = start.astimezone(tz)
    if interval != "hour":
        return f"{local:%a %d %b}"
    twice = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    return f"{local:%a %d %b %H:%M}" + (f" {local:%Z}" if twice else "")


def engagements_by_kind(account_ids, period: Period) -> list[dict]:
    """Each kind of engagement in the period and the previous one (None: not measured)."""
    return engagements_from_totals(
        totals(account_ids, period), totals(account_ids, period.previous)
    )


def engagements_from_totals(current: dict | None, previous: dict | None) -> list[dict]:
    """engagements_by_kind from totals already summed (the overview sums them once)."""
    out = []
    for name in ENGAGEMENT_PARTS:
        kpi = KPI(
            name,
            TWEET_METRICS[name],
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


def tweets_posted(account_ids, period: Period) -> int:
    """How many Tweets these accounts posted in the period."""
    return Tweet.objects.filter(
        account_id__in=account_ids, created_at__gte=period.start, created_at__lt=period.end
    ).count()


def top_tweets(
    account_ids, period: Period, sort: str = "impressions", descending: bool = True, limit=None
) -> list[dict]:
    """Tweets posted in the period with their totals as of their latest sample, sorted in the
    database (NULLs last: a metric X did not give is never ranked as zero)."""
    engagements = reduce(operator.add, (F(name) for name in ENGAGEMENT_PARTS))
    key = F("tweet__created_at") if sort == "created_at" else F(sort)
    order = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    rows = (
        TweetSample.objects.filter(
            tweet__account_id__in=account_ids,
            tweet__created_at__gte=period.start,
            tweet__created_at__lt=period.end,
            captured_at=F("tweet__last_sampled_at"),
        )
        .annotate(
            engagements=ExpressionWrapper(engagements, output_field=BigIntegerField()),
            engagement_rate=Cast(F("engagements"), FloatField()) / NullIf(F("impressions"), 0),
        )
        .order_by(order, "-tweet__created_at", "-tweet_id")
        .values(
            "tweet_id",
            "tweet__created_at",
            "tweet__text",
            "tweet__kind",
            "tweet__promoted",
            "tweet__account__username",
            "tweet__last_polled_at",
            *TWEET_METRICS,
            "organic_impressions",
            "promoted_impressions",
            "engagements",
            "engagement_rate",
        )
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "id": str(row["tweet_id"]),  # X ids exceed JavaScript's exact integers
            "created_at": row["tweet__created_at"],
            "text": row["tweet__text"],
            "kind": row["tweet__kind"],
            "promoted": row["tweet__promoted"],
            "account": row["tweet__account__username"],
            "as_of": row["tweet__last_polled_at"],
            **{name: row[name] for name in TWEET_METRICS},
            "organic_impressions": row["organic_impressions"],
            "promoted_impressions": row["promoted_impressions"],
            "engagements": row["engagements"],
            "engagement_rate": row["engagement_rate"],
        }
        for row in rows
    ]


# --- One Tweet ---------------------------------------------------------------------------


def _thinning(count: int, span: timedelta) -> str | None:
    """None when every sample fits; else the finest bucket that keeps the series short
    enough (one point is kept free for the value that holds until the last poll)."""
    if count < MAX_POINTS:
        return None
    for kind, size in THINNING:
        if span / size + 1 < MAX_POINTS:
            return kind
    return "month"


def _latest_per_bucket(queryset, kind: str, tz=UTC, partition=()):
    """The last sample of each bucket (cumulative counts: the bucket's closing value)."""
    slot = Trunc("captured_at", kind, tzinfo=tz)
    return queryset.annotate(
        rank=Window(RowNumber(), partition_by=[*partition, slot], order_by=F("captured_at").desc())
    ).filter(rank=1)


def _age_hours(moment: datetime, posted: datetime) -> float:
    return round((moment - posted).total_seconds() / 3600, 4)


def tweet_series(tweet: Tweet) -> dict:
    """Every metric of a Tweet by age since posting: its samples (thinned in the database to
    the last sample per minute / hour / day when there are too many), plus the last values
    again at the last poll, since they hold until then."""
    samples = TweetSample.objects.filter(tweet=tweet)
    count = samples.count()
    span = (tweet.last_sampled_at or tweet.created_at) - tweet.created_at
    kind = _thinning(count, span)
    chosen = samples if kind is None else _latest_per_bucket(samples, kind)
    rows = list(chosen.order_by("captured_at").values("captured_at", *TWEET_SAMPLE_FIELDS))
    held = rows and tweet.last_polled_at and tweet.last_polled_at > rows[-1]["captured_at"]
    if held:
        rows.append({**rows[-1], "captured_at": tweet.last_polled_at})
    return {
        "tweet": str(tweet.pk),
        "created_at": tweet.created_at,
        "resolution": kind or "sample",
        "samples": count,
        "holds_until": tweet.last_polled_at,
        "captured_at": [row["captured_at"] for row in rows],
        "age_hours": [_age_hours(row["captured_at"], tweet.created_at) for row in rows],
        "metrics": {name: [row[name] for row in rows] for name in TWEET_SAMPLE_FIELDS},
    }


def _minus(a, b):
    return None if a is None or b is None else a - b


def tweet_gains(tweet: Tweet, metric: str, tz: ZoneInfo) -> dict:
    """Gains of one metric per hour (per local day for Tweets sampled over 83 days), counted
    as the rollups count them: a first sample's counts in the posting hour, each later
    change in the hour of the poll that saw it."""
    samples = TweetSample.objects.filter(tweet=tweet)
    last = tweet.last_sampled_at or tweet.created_at
    interval = "hour" if (last - tweet.created_at) / timedelta(hours=1) + 2 < MAX_POINTS else "day"
    first = samples.order_by("captured_at").values("captured_at", metric).first()
    empty = {"metric": metric, "interval": interval, "timezone": str(tz)}
    if first is None:
        return {**empty, "starts": [], "labels": [], "gains": []}
    closing = list(
        _latest_per_bucket(samples, interval, tz=UTC if interval == "hour" else tz)
        .order_by("captured_at")
        .values("captured_at", metric)
    )
    first_bucket = _hour(tweet.created_at) if interval == "hour" else tweet.created_at
    starts = bucket_starts(first_bucket, last + timedelta(microseconds=1), tz, interval)
    index = {start: i for i, start in enumerate(starts)}

    def slot(moment):
        if interval == "hour":
            return index[_hour(moment)]
        return index[_local_midnight(moment.astimezone(tz).date(), tz)]

    gains = [0] * len(starts)
    gains[slot(tweet.created_at)] = first[metric]
    before = first[metric]
    for row in closing:
        i = slot(row["captured_at"])
        delta = _minus(row[metric], before)
        # A change X's NULL hides is unknown, never zero.
        gains[i] = None if delta is None or gains[i] is None else gains[i] + delta
        before = row[metric]
    return {
        **empty,
        "starts": starts,
        "labels": [bucket_label(start, tz, interval) for start in starts],
        "gains": gains,
    }


def tweet_videos(tweet: Tweet) -> list[dict]:
    """Each video of a Tweet: its quartile funnel as of the latest sample (counts and
    retention against the plays started) and its views by age since the Tweet's posting.
    A video's counts are X's, summed over every Tweet that carries it."""
    videos = list(tweet.media.filter(type="video").order_by("media_key"))
    if not videos:
        return []
    latest = {
        row["media_id"]: row
        for row in VideoSample.objects.filter(
            media__in=videos, captured_at=F("media__last_sampled_at")
        ).values("media_id", "captured_at", *VIDEO_COLUMNS)
    }
    samples = VideoSample.objects.filter(media__in=videos)
    counts = dict(samples.values("media_id").annotate(n=Count("id")).values_list("media_id", "n"))
    dense = [v.pk for v in videos if counts.get(v.pk, 0) >= MAX_POINTS]
    span = max((v.last_sampled_at or tweet.created_at) - tweet.created_at for v in videos)
    rows = list(samples.exclude(media_id__in=dense).values("media_id", "captured_at", "views"))
    if dense:
        thinned = _latest_per_bucket(
            samples.filter(media_id__in=dense), _thinning(MAX_POINTS, span), partition=[F("media")]
        )
        rows += list(thinned.values("media_id", "captured_at", "views"))
    rows.sort(key=lambda row: row["captured_at"])
    out = []
    for video in videos:
        sample = latest.get(video.pk)
        views = [row for row in rows if row["media_id"] == video.pk]
        if views and tweet.last_polled_at and tweet.last_polled_at > views[-1]["captured_at"]:
            views.append({**views[-1], "captured_at": tweet.last_polled_at})  # holds till then
        ages = [_age_hours(row["captured_at"], tweet.created_at) for row in views]
        out.append(
            {
                "media_key": video.pk,
                "duration_ms": video.duration_ms,
                "duration_seconds": None
                if video.duration_ms is None
                else round(video.duration_ms / 1000, 1),
                "as_of": sample["captured_at"] if sample else None,
                "views": sample["views"] if sample else None,
                "funnel": [
                    {
                        "step": label,
                        "count": _pick(sample, name),
                        "organic": _pick(sample, f"organic_{name}"),
                        "promoted": _pick(sample, f"promoted_{name}"),
                        "retention": _retention(sample, name),
                    }
                    for name, label in FUNNEL_STEPS
                ],
                "views_over_time": {
                    "captured_at": [row["captured_at"] for row in views],
                    "age_hours": ages,
                    "views": [row["views"] for row in views],
                },
            }
        )
    return out


def _pick(row, name):
    return None if row is None else row[name]


def _retention(sample, name) -> float | None:
    """Share of the plays started that reached this quartile."""
    if sample is None or sample[name] is None:
        return None
    return _ratio(sample[name], sample["playback_0"])


def compare_series(tweets, metric: str, window: str, normalise: bool) -> list[dict]:
    """Several Tweets' curves of one metric by age over the first 24 hours / 7 / 30 days,
    raw or as a share of each Tweet's final value (its latest sample)."""
    span = COMPARE_WINDOWS[window]
    base = TweetSample.objects.filter(
        tweet__in=tweets, captured_at__lt=F("tweet__created_at") + span
    )
    counts = dict(base.values("tweet_id").annotate(n=Count("id")).values_list("tweet_id", "n"))
    dense = [t.pk for t in tweets if counts.get(t.pk, 0) >= MAX_POINTS]
    rows = list(base.exclude(tweet_id__in=dense).values("tweet_id", "captured_at", metric))
    if dense:
        thinned = _latest_per_bucket(
            base.filter(tweet_id__in=dense), _thinning(MAX_POINTS, span), partition=[F("tweet")]
        )
        rows += list(thinned.values("tweet_id", "captured_at", metric))
    rows.sort(key=lambda row: row["captured_at"])
    finals = dict(
        TweetSample.objects.filter(
            tweet__in=tweets, captured_at=F("tweet__last_sampled_at")
        ).values_list("tweet_id", metric)
    )
    out = []
    for tweet in tweets:
        points = [row for row in rows if row["tweet_id"] == tweet.pk]
        ages = [_age_hours(row["captured_at"], tweet.created_at) for row in points]
        values = [row[metric] for row in points]
        # The last value holds until the last poll (or the window's end, if sooner).
        held = min(tweet.last_polled_at, tweet.created_at + span) if tweet.last_polled_at else None
        if points and held and held > points[-1]["captured_at"]:
            ages.append(_age_hours(held, tweet.created_at))
            values.append(values[-1])
        final = finals.get(tweet.pk)
        if normalise:
            values = [None if v is None or not final else round(v / final, 6) for v in values]
        seen = ages[-1] if ages else None
        out.append(
            {
                "id": str(tweet.pk),
                "text": tweet.text,
                "created_at": tweet.created_at,
                "final": final,
                "age_hours": ages,
                "values": values,
                "checkpoints": {
                    f"{hours}h": _value_at(ages, values, hours, seen)
                    for hours in CHECKPOINTS
                    if timedelta(hours=hours) <= span
                },
            }
        )
    return out


def _value_at(ages, values, hours, seen):
    """The curve's value at an age, or None when the Tweet was not watched that long."""
    if seen is None or seen < hours:
        return None
    at = None
    for age, value in zip(ages, values, strict=True):
        if age > hours:
            break
        at = value
    return at


# --- Email reports (reports/) ------------------------------------------------------------
#
# Added for the email reports. Everything else a report shows comes from the functions
# above (totals / kpis_from_totals, account_series, top_tweets), so the email and the
# dashboard always show the same numbers.


def top_videos(account_ids, period: Period, limit: int = 3) -> list[dict]:
    """Videos first posted in the period with their totals as of their latest sample (views
    and the playback funnel), most viewed first: what top_tweets is for Tweets."""
    steps = [step for step, _ in FUNNEL_STEPS]
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
            "funnel": [(label, row[step]) for step, label in FUNNEL_STEPS],
        }
        for row in rows
    ]
