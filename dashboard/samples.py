"""One Tweet's samples, read for its page and for the compare page.

A Tweet's series reads its own samples through the (tweet, captured_at) unique index (and a
video's through (media, captured_at)); every series carries at most MAX_POINTS points,
whatever the Tweet's age: `thinned` keeps the last sample per minute / hour / day / week
of any Tweet or video with too many.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import RowNumber, Trunc

from tweets.metrics import TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS
from tweets.models import Tweet, TweetSample, VideoSample
from tweets.periods import MAX_POINTS, bucket_label, bucket_starts, hour_of, local_midnight
from tweets.rollups import FUNNEL_STEPS, ratio

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


def thinning_bucket(span: timedelta) -> str:
    """The finest bucket that keeps a series over `span` short enough (one point is kept
    free for the value that holds until the last poll)."""
    for kind, size in THINNING:
        if span / size + 1 < MAX_POINTS:
            return kind
    return "month"


def latest_per_bucket(samples, kind: str, tz=UTC, partition=()):
    """The last sample of each bucket (cumulative counts: the bucket's closing value)."""
    slot = Trunc("captured_at", kind, tzinfo=tz)
    return samples.annotate(
        rank=Window(RowNumber(), partition_by=[*partition, slot], order_by=F("captured_at").desc())
    ).filter(rank=1)


def thinned(samples, span: timedelta, per: str):
    """The samples of one or more Tweets or videos (`per`: "tweet" or "media"), thinned in
    the database: each one with fewer than MAX_POINTS samples keeps them all, each one with
    more keeps the last of each `thinning_bucket(span)`."""
    slot = Trunc("captured_at", thinning_bucket(span), tzinfo=UTC)
    return samples.annotate(
        n_samples=Window(Count("id"), partition_by=[F(per)]),
        rank=Window(RowNumber(), partition_by=[F(per), slot], order_by=F("captured_at").desc()),
    ).filter(Q(n_samples__lt=MAX_POINTS) | Q(rank=1))


def _age_hours(moment: datetime, posted: datetime) -> float:
    return round((moment - posted).total_seconds() / 3600, 4)


def tweet_series(tweet: Tweet) -> dict:
    """Every metric of a Tweet by age since posting: its samples (thinned in the database to
    the last sample per minute / hour / day when there are too many), plus the last values
    again at the last poll, since they hold until then."""
    samples = TweetSample.objects.filter(tweet=tweet)
    count = samples.count()
    span = (tweet.last_sampled_at or tweet.created_at) - tweet.created_at
    rows = list(
        thinned(samples, span, "tweet")
        .order_by("captured_at")
        .values("captured_at", *TWEET_SAMPLE_COLUMNS)
    )
    # Fewer rows than samples: some buckets kept only their last sample.
    resolution = thinning_bucket(span) if len(rows) < count else "sample"
    held = rows and tweet.last_polled_at and tweet.last_polled_at > rows[-1]["captured_at"]
    if held:
        rows.append({**rows[-1], "captured_at": tweet.last_polled_at})
    return {
        "tweet": str(tweet.pk),
        "created_at": tweet.created_at,
        "resolution": resolution,
        "samples": count,
        "holds_until": tweet.last_polled_at,
        "captured_at": [row["captured_at"] for row in rows],
        "age_hours": [_age_hours(row["captured_at"], tweet.created_at) for row in rows],
        "metrics": {name: [row[name] for row in rows] for name in TWEET_SAMPLE_COLUMNS},
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
        latest_per_bucket(samples, interval, tz=UTC if interval == "hour" else tz)
        .order_by("captured_at")
        .values("captured_at", metric)
    )
    first_bucket = hour_of(tweet.created_at) if interval == "hour" else tweet.created_at
    starts = bucket_starts(first_bucket, last + timedelta(microseconds=1), tz, interval)
    index = {start: i for i, start in enumerate(starts)}

    def slot(moment):
        if interval == "hour":
            return index[hour_of(moment)]
        return index[local_midnight(moment.astimezone(tz).date(), tz)]

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
        ).values("media_id", "captured_at", *VIDEO_SAMPLE_COLUMNS)
    }
    span = max((v.last_sampled_at or tweet.created_at) - tweet.created_at for v in videos)
    rows = list(
        thinned(VideoSample.objects.filter(media__in=videos), span, "media")
        .order_by("captured_at")
        .values("media_id", "captured_at", "views")
    )
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
                        "step": step.label,
                        "count": _pick(sample, step.name),
                        "organic": _pick(sample, step.column("organic")),
                        "promoted": _pick(sample, step.column("promoted")),
                        "retention": _retention(sample, step.name),
                    }
                    for step in FUNNEL_STEPS
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
    return ratio(sample[name], sample[FUNNEL_STEPS[0].name])


def compare_series(tweets, metric: str, window: str, normalise: bool) -> list[dict]:
    """Several Tweets' curves of one metric by age over the first 24 hours / 7 / 30 days,
    raw or as a share of each Tweet's final value (its latest sample)."""
    span = COMPARE_WINDOWS[window]
    base = TweetSample.objects.filter(
        tweet__in=tweets, captured_at__lt=F("tweet__created_at") + span
    )
    rows = list(
        thinned(base, span, "tweet")
        .order_by("captured_at")
        .values("tweet_id", "captured_at", metric)
    )
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


def first_sampled(tweets) -> dict[int, float]:
    """Each Tweet's age, in hours, at its first sample: a curve read at a younger age is
    empty, since metricsdash did not watch it then."""
    firsts = (
        TweetSample.objects.filter(tweet__in=tweets)
        .values("tweet_id")
        .annotate(first=Min("captured_at"))
        .values_list("tweet_id", "first")
    )
    posted = {tweet.pk: tweet.created_at for tweet in tweets}
    return {pk: _age_hours(first, posted[pk]) for pk, first in firsts}
