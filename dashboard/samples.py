"""One Tweet's samples, read for its page and for the compare page.

A Tweet's samples are read through their (tweet, captured_at) key (a video's through
(media, captured_at)); every series carries at most MAX_POINTS points, whatever the
Tweet's age: the last sample per minute / hour / day / week of any Tweet or video with too
many. A Tweet's page and its JSON read its samples once per request (`read`): the series,
the gains, the totals now, the samples table and the count all come from that one query;
the compare page thins several Tweets at once with `thinned`.
"""

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import RowNumber, Trunc

from accounts import prepared
from accounts.compiled import CompiledQuery
from tweets.metrics import TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS
from tweets.models import Media, Tweet, TweetSample, VideoSample
from tweets.periods import MAX_POINTS, bucket_starts, hour_of, labels, local_midnight
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


def thinned(samples, span: timedelta, per: str):
    """The samples of one or more Tweets or videos (`per`: "tweet" or "media"), thinned in
    the database: each one with fewer than MAX_POINTS samples keeps them all, each one with
    more keeps the last of each `thinning_bucket(span)`."""
    slot = Trunc("captured_at", thinning_bucket(span), tzinfo=UTC)
    return samples.annotate(
        n_samples=Window(Count("captured_at"), partition_by=[F(per)]),
        rank=Window(RowNumber(), partition_by=[F(per), slot], order_by=F("captured_at").desc()),
    ).filter(Q(n_samples__lt=MAX_POINTS) | Q(rank=1))


def _age_hours(moment: datetime, posted: datetime) -> float:
    return round((moment - posted).total_seconds() / 3600, 4)


def gains_interval(tweet: Tweet) -> str:
    """Hourly gains, or local days for a Tweet sampled over more than MAX_POINTS hours."""
    last = tweet.last_sampled_at or tweet.created_at
    return "hour" if (last - tweet.created_at) / timedelta(hours=1) + 2 < MAX_POINTS else "day"


@dataclass
class Read:
    """What a Tweet's page and its JSON show of its samples, from one read of them."""

    count: int | None  # every sample stored (None: not counted, read_closings)
    thin: list[tuple]  # the series' rows, thinned as `thinned` thins them, oldest first
    first: tuple | None
    closing: list[tuple]  # the last sample of each gains bucket, oldest first
    page: list[tuple]  # the samples table's page, newest first
    columns: dict[str, int]  # column name -> index in a row


HOUR = timedelta(hours=1)
# Each bucket kind's length, as a Postgres interval (a week starts on Monday, as date_trunc's).
STEPS = {
    "minute": "1 minute",
    "hour": "1 hour",
    "day": "1 day",
    "week": "7 days",
    "month": "1 month",
}
TABLE = TweetSample._meta.db_table
_EPOCH = itemgetter(1)  # a READ_SQL row's captured_at, as epoch seconds
READ_COLUMNS = ("captured_at", *TWEET_SAMPLE_COLUMNS)
COLUMN_INDEX = {name: index for index, name in enumerate(READ_COLUMNS)}
# captured_at as epoch seconds: psycopg reads a float in C, while Django's loader for a
# timestamptz parses its text in Python (770 per read of a 30-day Tweet). Named apart, so
# the ORDER BY captured_at below still walks the key.
EPOCH = "extract(epoch FROM captured_at)::float8 AS captured_epoch"
ROW = ", ".join((EPOCH, *TWEET_SAMPLE_COLUMNS))
# The closing sample of each bucket of `step` in `tz` between a Tweet's first and last
# sample: one backward step through the (tweet, captured_at) key per bucket, so a month of
# 5-minute samples costs 720 index probes for hourly buckets, not a scan of 8,640 rows. An
# empty bucket repeats the sample before it.
CLOSINGS = f"""
    SELECT closing.*, n
    FROM stats,
        generate_series(
            date_trunc(%({{kind}})s, first AT TIME ZONE %({{tz}})s),
            last AT TIME ZONE %({{tz}})s,
            %({{step}})s::interval
        ) AS bucket,
        LATERAL (
            SELECT {{row}} FROM {TABLE}
            WHERE tweet_id = %(tweet)s
                AND captured_at < (bucket + %({{step}})s::interval) AT TIME ZONE %({{tz}})s
            ORDER BY captured_at DESC LIMIT 1
        ) AS closing
"""
# A Tweet's samples for its page and JSON in one query, each row tagged with what it is
# read for, and the count beside it: every sample when there are fewer than MAX_POINTS,
# else the thinning buckets' closing samples ('thin'); the gains buckets' closing samples
# ('closing', unless they are the thinning ones); the samples table's page; the first.
# In no order: read() sorts each tag's rows by time.
READ_SQL = f"""
    WITH stats AS MATERIALIZED (
        SELECT count(*) AS n, min(captured_at) AS first, max(captured_at) AS last
        FROM {TABLE} WHERE tweet_id = %(tweet)s
    )
    SELECT 'thin' AS tag, * FROM (
        {CLOSINGS.format(kind="thin", tz="utc", step="thin_step", row=ROW)}
        WHERE n >= %(max)s) AS thin
    UNION ALL
    SELECT 'thin', {ROW}, n FROM {TABLE}, stats WHERE tweet_id = %(tweet)s AND n < %(max)s
    UNION ALL
    SELECT 'closing', * FROM ({CLOSINGS.format(kind="gain", tz="tz", step="gain_step", row=ROW)}
        WHERE n < %(max)s OR NOT %(same)s) AS closing
    UNION ALL
    SELECT 'page', page.*, n FROM stats, (
        SELECT {ROW} FROM {TABLE} WHERE tweet_id = %(tweet)s
        ORDER BY captured_at DESC OFFSET %(offset)s LIMIT %(per_page)s
    ) AS page
    UNION ALL
    SELECT 'first', first.*, n FROM stats, (
        SELECT {ROW} FROM {TABLE} WHERE tweet_id = %(tweet)s ORDER BY captured_at LIMIT 1
    ) AS first
"""


# Only what gains.json shows: captured_at and one metric of the gains buckets' closing
# samples and of the first. Its first and last instants are one step through the key each
# (Postgres reads min() and max() of a key's column so), where READ_SQL counts every
# sample for its thinning and its page (1.4 of its 5.8 ms for a Tweet of 30 days, 8,640
# samples), and one column, not 20, comes back (a third of the statement's time, read
# whole, went to sending and parsing its 722 rows).
@functools.cache
def closings_sql(metric: str) -> str:
    if metric not in TWEET_SAMPLE_COLUMNS:
        raise ValueError(f"{metric!r} is not a column of {TABLE}")
    row = f"{EPOCH}, {metric}"
    return f"""
        WITH stats AS MATERIALIZED (
            SELECT NULL::bigint AS n, min(captured_at) AS first, max(captured_at) AS last
            FROM {TABLE} WHERE tweet_id = %(tweet)s
        )
        SELECT 'closing' AS tag, * FROM (
            {CLOSINGS.format(kind="gain", tz="tz", step="gain_step", row=row)}
        ) AS closing
        UNION ALL
        SELECT 'first', first.*, n FROM stats, (
            SELECT {row} FROM {TABLE} WHERE tweet_id = %(tweet)s ORDER BY captured_at LIMIT 1
        ) AS first
    """


def read_params(tweet: Tweet, tz: ZoneInfo, page: int, per_page: int) -> dict:
    """READ_SQL's parameters (and its twin's, _read_in_python): how the series is thinned,
    the gains' buckets and their zone (UTC for hours), the page of the samples table."""
    span = (tweet.last_sampled_at or tweet.created_at) - tweet.created_at
    thin, gain = thinning_bucket(span), gains_interval(tweet)
    gain_tz = "UTC" if gain == "hour" else str(tz)
    return {
        "tweet": tweet.pk,
        "max": MAX_POINTS,
        "thin": thin,
        "thin_step": STEPS[thin],
        "utc": "UTC",
        "gain": gain,
        "gain_step": STEPS[gain],
        "tz": gain_tz,
        "same": (thin, "UTC") == (gain, gain_tz),
        "offset": (page - 1) * per_page,
        "per_page": per_page,
    }


def read(tweet: Tweet, tz: ZoneInfo = UTC, page: int = 1, per_page: int = 50) -> Read:
    """A Tweet's samples for its page and JSON, in one query (READ_SQL): the thinned series,
    the gains' closing samples, a page of the samples table, the first and the last, and
    the count; at most about MAX_POINTS + one per gains bucket + a page of rows."""
    params = read_params(tweet, tz, page, per_page)
    if connection.vendor != "postgresql":
        return _read_in_python(tweet, params, ZoneInfo(params["tz"]))
    rows, picked = _picked(READ_SQL, params)
    count = rows[0][-1] if rows else 0
    thinned = count >= MAX_POINTS
    return Read(
        count=count,
        thin=picked["thin"],
        first=picked["first"][0] if picked["first"] else None,
        closing=picked["thin"] if params["same"] and thinned else picked["closing"],
        page=picked["page"][::-1],
        columns=COLUMN_INDEX,
    )


def read_closings(tweet: Tweet, tz: ZoneInfo, metric: str) -> Read:
    """What tweet_gains() reads of a Tweet's samples (closings_sql): captured_at and
    `metric` of the first sample and of the gains buckets' closing ones; no count, no
    series, no page."""
    params = read_params(tweet, tz, 1, 0)
    if connection.vendor != "postgresql":
        return _read_in_python(tweet, params, ZoneInfo(params["tz"]))
    _rows, picked = _picked(closings_sql(metric), params)
    return Read(
        count=None,
        thin=[],
        first=picked["first"][0] if picked["first"] else None,
        closing=picked["closing"],
        page=[],
        columns={"captured_at": 0, metric: 1},
    )


def _picked(statement: str, params: dict) -> tuple[list[tuple], dict[str, list[tuple]]]:
    """The statement's rows, and per tag its rows by time with captured_at as an instant."""
    with connection.cursor() as cursor:
        (rows,) = prepared.fetch_together(cursor, [(statement, params)])
    tagged = {"thin": [], "closing": [], "page": [], "first": []}
    for row in rows:
        tagged[row[0]].append(row)
    picked = {}
    for tag, some in tagged.items():
        # Each tag's rows by time, sorted here: the statement's own ORDER BY took about 1 ms
        # of its 12 on the loaded machine, this one a few hundredths (they come nearly so).
        some.sort(key=_EPOCH)
        kept = picked[tag] = []
        for _tag, epoch, *values, _n in some:
            moment = datetime.fromtimestamp(epoch, UTC)
            if not kept or kept[-1][0] != moment:  # an empty bucket repeats the one before
                kept.append((moment, *values))
    return rows, picked


def _bucket(moment: datetime, kind: str, tz: ZoneInfo):
    """The bucket of `kind` holding `moment` in `tz`, as Postgres' date_trunc has it."""
    local = moment.astimezone(tz)
    if kind == "minute":
        return local.replace(second=0, microsecond=0)
    if kind == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if kind == "week":
        return day - timedelta(days=day.weekday())
    return (day.year, day.month) if kind == "month" else day


def _closing(rows: list[tuple], kind: str, tz: ZoneInfo) -> list[tuple]:
    """The last row of each bucket, for rows in time order (captured_at first)."""
    keys = [_bucket(row[0], kind, tz) for row in rows]
    return [
        row for row, key, after in zip(rows, keys, [*keys[1:], None], strict=True) if key != after
    ]


def _read_in_python(tweet: Tweet, params: dict, gain_tz: ZoneInfo) -> Read:
    """read() for databases without READ_SQL's functions (SQLite, the embedded demo): the
    same picks, in one pass over all of the Tweet's samples."""
    rows = list(
        TweetSample.objects.filter(tweet=tweet).order_by("captured_at").values_list(*READ_COLUMNS)
    )
    count, start = len(rows), params["offset"]
    thin = rows if count < MAX_POINTS else _closing(rows, params["thin"], UTC)
    return Read(
        count=count,
        thin=thin,
        first=rows[0] if rows else None,
        closing=_closing(rows, params["gain"], gain_tz),
        page=rows[::-1][start : start + params["per_page"]],
        columns=COLUMN_INDEX,
    )


def tweet_series(tweet: Tweet, samples: Read | None = None) -> dict:
    """Every metric of a Tweet by age since posting: its samples (thinned in the database to
    the last sample per minute / hour / day when there are too many), plus the last values
    again at the last poll, since they hold until then."""
    samples = samples or read(tweet, per_page=0)
    rows = list(samples.thin)
    # Fewer rows than samples: some buckets kept only their last sample.
    span = (tweet.last_sampled_at or tweet.created_at) - tweet.created_at
    resolution = thinning_bucket(span) if len(rows) < samples.count else "sample"
    held = rows and tweet.last_polled_at and tweet.last_polled_at > rows[-1][0]
    if held:
        rows.append((tweet.last_polled_at, *rows[-1][1:]))
    columns = list(zip(*rows, strict=True)) or [()] * len(READ_COLUMNS)
    posted = tweet.created_at
    return {
        "tweet": str(tweet.pk),
        "created_at": posted,
        "resolution": resolution,
        "samples": samples.count,
        "holds_until": tweet.last_polled_at,
        "captured_at": list(columns[0]),
        "age_hours": [_age_hours(moment, posted) for moment in columns[0]],
        "metrics": {name: list(columns[samples.columns[name]]) for name in TWEET_SAMPLE_COLUMNS},
    }


def _minus(a, b):
    return None if a is None or b is None else a - b


def tweet_gains(tweet: Tweet, metric: str, tz: ZoneInfo, samples: Read | None = None) -> dict:
    """Gains of one metric per hour (per local day for Tweets sampled over 83 days), counted
    as the rollups count them: a first sample's counts in the posting hour, each later
    change in the hour of the poll that saw it."""
    samples = samples or read_closings(tweet, tz, metric)
    last = tweet.last_sampled_at or tweet.created_at
    interval = gains_interval(tweet)
    empty = {"metric": metric, "interval": interval, "timezone": str(tz)}
    if samples.first is None:
        return {**empty, "starts": [], "labels": [], "gains": []}
    column = samples.columns[metric]
    first_bucket = hour_of(tweet.created_at) if interval == "hour" else tweet.created_at
    starts = bucket_starts(first_bucket, last + timedelta(microseconds=1), tz, interval)
    index = {start: i for i, start in enumerate(starts)} if interval == "day" else {}

    def slot(moment):
        if interval == "hour":  # UTC hours since the first: arithmetic, not a lookup
            return (moment - first_bucket) // HOUR
        return index[local_midnight(moment.astimezone(tz).date(), tz)]

    gains = [0] * len(starts)
    gains[slot(tweet.created_at)] = before = samples.first[column]
    for row in samples.closing:
        i = slot(row[0])
        delta = _minus(row[column], before)
        # A change X's NULL hides is unknown, never zero.
        gains[i] = None if delta is None or gains[i] is None else gains[i] + delta
        before = row[column]
    return {
        **empty,
        "starts": starts,
        "labels": labels(starts, tz, interval),
        "gains": gains,
    }


VIDEOS = VideoSample._meta.db_table
# Of each sample but a video's latest, the views chart shows only its views: its other
# columns are sent only for the latest (the funnel's), the row the statement marks `latest`.
FUNNEL_ONLY = tuple(c for c in VIDEO_SAMPLE_COLUMNS if c != "views")
VIEWS_ROW = ", ".join(
    (
        EPOCH,
        "captured_at = stats.last AS latest",
        "views",
        *(f"CASE WHEN captured_at = stats.last THEN {c} END AS {c}" for c in FUNNEL_ONLY),
    )
)
# Videos' samples, thinned like a Tweet's: each video with fewer than MAX_POINTS samples
# keeps them all, each one with more the closing sample of each UTC bucket, one backward
# step through the (media, captured_at) key per bucket, as CLOSINGS steps through a
# Tweet's (a month of 5-minute samples: 721 probes, not a window pass over 8,640 rows; an
# empty bucket repeats the sample before it). The count stops at MAX_POINTS: only which
# side of it a video is on matters. Every column only of each video's latest sample
# (VIEWS_ROW): every column of 721 rows took about 2 ms more to send and read, for a chart
# of views.
VIDEO_READ_SQL = f"""
    WITH stats AS MATERIALIZED (
        SELECT media.id,
            (SELECT count(*) FROM (
                SELECT FROM {VIDEOS} WHERE media_id = media.id LIMIT %(max)s) AS enough) AS n,
            (SELECT min(captured_at) FROM {VIDEOS} WHERE media_id = media.id) AS first,
            (SELECT max(captured_at) FROM {VIDEOS} WHERE media_id = media.id) AS last
        FROM unnest(%(media)s::text[]) AS media(id)
    )
    SELECT stats.id, closing.*
    FROM stats,
        generate_series(
            date_trunc(%(thin)s, first AT TIME ZONE 'UTC'), last AT TIME ZONE 'UTC',
            %(step)s::interval
        ) AS bucket,
        LATERAL (
            SELECT {VIEWS_ROW} FROM {VIDEOS}
            WHERE media_id = stats.id
                AND captured_at < (bucket + %(step)s::interval) AT TIME ZONE 'UTC'
            ORDER BY captured_at DESC LIMIT 1
        ) AS closing
    WHERE n >= %(max)s
    UNION ALL
    SELECT stats.id, every.* FROM stats, LATERAL (
        SELECT {VIEWS_ROW} FROM {VIDEOS} WHERE media_id = stats.id
    ) AS every
    WHERE n < %(max)s
    ORDER BY 1, 2
"""
# A Tweet's media by media key (at most four; the videos are picked from them): the ORM
# builds the query once per process, not at every page and video.json (about 0.7 ms of
# Python for a statement the database answers in 0.1).
_media_of = CompiledQuery(
    lambda tweet_id: Media.objects.filter(tweets=tweet_id).order_by("media_key")
)


def tweet_videos(tweet: Tweet) -> list[dict]:
    """Each video of a Tweet: its quartile funnel as of the latest sample (counts and
    retention against the plays started) and its views by age since the Tweet's posting.
    A video's counts are X's, summed over every Tweet that carries it."""
    videos = [media for media in _media_of(tweet.pk) if media.type == "video"]
    if not videos:
        return []
    span = max((v.last_sampled_at or tweet.created_at) - tweet.created_at for v in videos)
    params = {"media": [v.pk for v in videos], "max": MAX_POINTS, "thin": thinning_bucket(span)}
    if connection.vendor != "postgresql":
        rows = _video_rows_in_python(params)
    else:
        rows = _video_rows(params)
    out = []
    for video in videos:
        views = [row for row in rows if row["media_id"] == video.pk]
        sample = views[-1] if views else None
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


def _video_rows(params: dict) -> list[dict]:
    """Each video's samples as VIDEO_READ_SQL thins them, as dicts by video and time: its
    media_id, captured_at and views, and the latest one (the last) with every column.
    (Measured on a month of 5-minute samples, the probes take 12 ms where a window pass
    over the key took 31, beside the bare DISTINCT ON's 51, interleaved on the loaded
    machine.)"""
    with connection.cursor() as cursor:
        statement = (VIDEO_READ_SQL, {**params, "step": STEPS[params["thin"]]})
        (rows,) = prepared.fetch_together(cursor, [statement])
    out = []
    for media_id, epoch, latest, views, *rest in rows:
        moment = datetime.fromtimestamp(epoch, UTC)
        if out and out[-1]["media_id"] == media_id and out[-1]["captured_at"] == moment:
            continue  # an empty bucket repeats the one before
        row = {"media_id": media_id, "captured_at": moment, "views": views}
        if latest:
            row.update(zip(FUNNEL_ONLY, rest, strict=True))
        out.append(row)
    return out


def _video_rows_in_python(params: dict) -> list[dict]:
    """_video_rows for databases without its functions (the embedded demo)."""
    columns = ("captured_at", "views", *FUNNEL_ONLY)
    out = []
    for key in params["media"]:
        rows = list(
            VideoSample.objects.filter(media_id=key).order_by("captured_at").values_list(*columns)
        )
        kept = rows if len(rows) < params["max"] else _closing(rows, params["thin"], UTC)
        # every sample's views, and every column of the latest
        out += [{"media_id": key, "captured_at": row[0], "views": row[1]} for row in kept[:-1]]
        out += [{"media_id": key, **dict(zip(columns, row, strict=True))} for row in kept[-1:]]
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
