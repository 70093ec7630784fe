"""A deterministic history to measure against: A accounts, T Tweets, D days of samples
every S minutes, written straight into the tables with binary COPY.

The default (1 account, 1,000 Tweets, 30 days, 5 minutes) is the 8.64 million TweetSample
rows DESIGN.md section 8 sets its read targets at. Every Tweet is sampled at every instant
of the window, so the row count is exactly T x D x 1440 / S: the Tweets were posted over
the D days before the window (the youngest just at its start), and their curves grow from
zero at posting towards a plateau (1 - e^(-age / tau)), with a tenth of the reach
trickling in over 90 days, so every hour of the window gains; integer, never falling. One
Tweet in ten is promoted (organic / promoted splits), one in ten carries a video (its
VideoSamples at the same instants). The samples of a flat stretch are all kept: the figure
is about rows stored, not about "only when changed".

Around the samples, what the product maintains as it polls: the hourly rollups (gains per
account, hour and context, a first sample's gains in the hour the Tweet was posted, as
tweets.polling.store adds them), a PollRun per poll, the Tweets' poll times, and an
audience sample and its net follows per hour. Columns are written by name, from the
metric registry and the database's own column types, never by position.

Curves are computed with numpy a block of Tweets at a time, so the full size takes about
a minute and a quick size well under a second.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from accounts.models import Profile, XAccount
from tweets.metrics import CONTEXTS, TWEET_METRICS, VIDEO_METRICS
from tweets.models import (
    AudienceHourly,
    AudienceSample,
    HourlyRollup,
    Media,
    PollRun,
    Tweet,
    TweetSample,
    VideoSample,
)
from tweets.polling import TWEET_ROLLUP_COLUMNS, VIDEO_ROLLUP_COLUMNS

USERNAME = "bench"
TIMEZONE = "Europe/Berlin"  # a zone with DST and an offset, so local buckets are exercised
SEED = 10
FIRST_TWEET_ID = 1_860_000_000_000_000_000
FIRST_USER_ID = 4_100_000_000
TWEETS_PER_BLOCK = 64
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
TAIL, TAIL_HOURS = 0.1, 90 * 24  # the share of a Tweet's reach that trickles in slowly
HOUR_US = 3_600_000_000
# A share of impressions per engagement kind, before each Tweet's own factor.
RATES = {
    "impressions": 1.0,
    "likes": 0.02,
    "retweets": 0.003,
    "replies": 0.002,
    "quotes": 0.0005,
    "bookmarks": 0.003,
    "url_clicks": 0.005,
    "profile_clicks": 0.004,
}
# A video's views per impression, and the share of views that reached each quartile.
VIDEO_SHARES = {
    "views": 0.3,
    "playback_0": 0.3,
    "playback_25": 0.21,
    "playback_50": 0.15,
    "playback_75": 0.1,
    "playback_100": 0.06,
}
NUMPY_TYPES = {"smallint": ">i2", "integer": ">i4", "bigint": ">i8"}
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") * 2
COPY_TRAILER = b"\xff\xff"
# Everything the builder fills; emptied first, so a build is the whole history there is.
TABLES = (
    TweetSample,
    VideoSample,
    HourlyRollup,
    AudienceSample,
    AudienceHourly,
    PollRun,
    Tweet.media.through,
    Media,
    Tweet,
)


@dataclass
class Dataset:
    owner: object  # the User who owns every account
    accounts: list[XAccount]
    tweet_ids: list[int]
    video_tweet_ids: list[int]
    promoted_tweet_ids: list[int]
    start: datetime  # the first sampling instant
    end: datetime  # the last one (every account's last poll)
    every: timedelta
    tweet_samples: int = 0
    video_samples: int = 0
    rollup_rows: int = 0
    counts: dict = field(default_factory=dict)


def _pg_micros(moments: np.ndarray) -> np.ndarray:
    """datetime64[us] -> microseconds since Postgres' epoch (binary timestamptz)."""
    return (moments - np.datetime64(PG_EPOCH.replace(tzinfo=None), "us")).astype(np.int64)


def _column_types(model) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = %s AND table_schema = current_schema()",
            [model._meta.db_table],
        )
        return dict(cursor.fetchall())


def _copy_binary(model, key: str, keys: np.ndarray, moments: np.ndarray, columns: dict) -> None:
    """COPY rows (key, captured_at, *columns) in PostgreSQL's binary format, built as one
    numpy record array: a row is its field count, then each field's length and value."""
    types = _column_types(model)
    names = [key, "captured_at", *columns]
    layout = [("count", ">i2")]
    for index, name in enumerate(names):
        if name == key and keys.dtype.kind == "S":
            kind = keys.dtype  # a text key of fixed length (media keys)
        elif name == "captured_at":
            kind = ">i8"
        else:
            kind = NUMPY_TYPES[types[name]]
        layout += [(f"len{index}", ">i4"), (f"val{index}", kind)]
    rows = np.empty(len(keys), dtype=np.dtype(layout))
    rows["count"] = len(names)
    for index, values in enumerate((keys, _pg_micros(moments), *columns.values())):
        kind = rows.dtype[f"val{index}"]
        rows[f"len{index}"] = kind.itemsize
        rows[f"val{index}"] = values.astype(kind)
    table = model._meta.db_table
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(COPY_SIGNATURE)
        copy.write(rows.tobytes())
        copy.write(COPY_TRAILER)


def _split(totals: dict[str, np.ndarray], promoted_share: np.ndarray | None, metrics) -> dict:
    """The sample columns: totals, organic_* (all of it when not promoted), promoted_*."""
    columns = dict(totals)
    for m in metrics:
        if not m.split:
            continue
        total = totals[m.name]
        paid = np.zeros_like(total) if promoted_share is None else total * promoted_share
        paid = np.floor(paid).astype(np.int64)
        columns[m.column("organic")] = total - paid
        if promoted_share is not None:
            columns[m.column("promoted")] = paid
    return columns


class Gains:
    """Hourly gains per context and rollup column, summed as tweets.polling.store does:
    each sample's delta in the hour of its instant, a first sample's in the posting hour."""

    def __init__(self, first_hour: datetime, hours: int):
        self.first_hour = first_hour
        self.hours = hours
        self.sums: dict[tuple[str, str], np.ndarray] = {}

    def add(self, columns: dict, pairs: dict, sample_hours: np.ndarray, posted_hours) -> None:
        for context, context_pairs in pairs.items():
            for rollup, column in context_pairs:
                values = columns.get(column)
                if values is None:
                    continue
                later = np.diff(values, axis=1).sum(axis=0)
                gains = np.bincount(sample_hours[1:], weights=later, minlength=self.hours)
                gains += np.bincount(posted_hours, weights=values[:, 0], minlength=self.hours)
                total = self.sums.setdefault((context, rollup), np.zeros(self.hours))
                total += gains

    def rows(self, account: XAccount) -> list[HourlyRollup]:
        out = []
        for context in CONTEXTS:
            named = {r: v for (c, r), v in self.sums.items() if c == context}
            if not named:
                continue
            for hour in np.flatnonzero(np.any([v != 0 for v in named.values()], axis=0)):
                out.append(
                    HourlyRollup(
                        account=account,
                        bucket=self.first_hour + timedelta(hours=int(hour)),
                        context=context,
                        **{name: int(values[hour]) for name, values in named.items()},
                    )
                )
        return out


def _media_key(index: int) -> str:
    """Every key has the same length, so binary COPY can carry them as fixed-size fields."""
    return f"7_{FIRST_TWEET_ID + int(index)}"


def _grid_end(every: timedelta) -> datetime:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    step = int(every.total_seconds() // 60)
    return now - timedelta(minutes=now.minute % step)


def clear() -> None:
    """Empty every table the builder fills (and whatever refers to their rows), and remove
    the bench's person and accounts."""
    tables = ", ".join(model._meta.db_table for model in TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} CASCADE")
    get_user_model().objects.filter(username=USERNAME).delete()


def settle() -> None:
    """What autovacuum would do to a table that has been live for a while: statistics for
    the planner, and (outside a transaction) the visibility map that index-only scans
    need. Right after a bulk load neither exists yet."""
    tables = ", ".join(model._meta.db_table for model in TABLES)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables}")
        else:
            cursor.execute(f"VACUUM ANALYZE {tables}")


@transaction.atomic
def build(
    accounts: int = 1,
    tweets: int = 1000,
    days: int = 30,
    every_minutes: int = 5,
    end: datetime | None = None,
) -> Dataset:
    """Empty the tables, then write the history (see the module docstring)."""
    clear()
    every = timedelta(minutes=every_minutes)
    instants = days * 1440 // every_minutes
    end = end or _grid_end(every)
    start = end - every * (instants - 1)
    rng = np.random.default_rng(SEED)

    owner = get_user_model().objects.create_user(USERNAME, f"{USERNAME}@example.com")
    Profile.objects.update_or_create(user=owner, defaults={"timezone": TIMEZONE})
    owned = XAccount.objects.bulk_create(
        XAccount(
            owner=owner,
            x_user_id=str(FIRST_USER_ID + a),
            username=f"bench_{a}",
            auth_kind=XAccount.AuthKind.OAUTH2,
            last_poll_at=end,
            next_poll_at=end + every,
            linked_at=start - timedelta(days=days),
            has_promoted=True,
        )
        for a in range(accounts)
    )

    # Posting times: evenly over the `days` before the window, each a little earlier than
    # its slot; the youngest Tweet is posted just before the first sample.
    spacing = timedelta(days=days) / tweets
    offsets = rng.uniform(0, spacing.total_seconds() * 0.9, tweets)
    created = [
        start - spacing * (tweets - 1 - i) - timedelta(seconds=math.ceil(offsets[i]))
        for i in range(tweets)
    ]
    impressions = np.exp(rng.normal(8.5, 1.0, tweets))
    factors = rng.lognormal(0.0, 0.4, (tweets, len(RATES)))
    taus = rng.uniform(4, 48, tweets)  # hours to reach 63 % of the plateau
    promoted = np.arange(tweets) % 10 == 7
    shares = rng.uniform(0.2, 0.7, tweets)
    video = np.arange(tweets) % 10 == 3

    tweet_objects = [
        Tweet(
            id=FIRST_TWEET_ID + i,
            account=owned[i % accounts],
            text=f"Bench Tweet {i}: a history to measure the dashboard against.",
            created_at=created[i],
            promoted=bool(promoted[i]),
            first_seen_at=start,
            last_polled_at=end,
            last_sampled_at=end,
        )
        for i in range(tweets)
    ]
    Tweet.objects.bulk_create(tweet_objects, batch_size=2000)
    media = [
        Media(
            media_key=_media_key(i),
            account=owned[i % accounts],
            type="video",
            duration_ms=30_000,
            last_sampled_at=end,
        )
        for i in np.flatnonzero(video)
    ]
    Media.objects.bulk_create(media, batch_size=2000)
    Tweet.media.through.objects.bulk_create(
        [Tweet.media.through(tweet_id=int(m.media_key[2:]), media_id=m.media_key) for m in media],
        batch_size=2000,
    )

    first_hour = min(created).replace(minute=0, second=0, microsecond=0)
    hours = math.ceil((end - first_hour) / timedelta(hours=1)) + 1
    grid = np.datetime64(start.replace(tzinfo=None), "us") + np.arange(instants) * np.timedelta64(
        every_minutes * 60_000_000, "us"
    )
    first_us = np.datetime64(first_hour.replace(tzinfo=None), "us")
    sample_hours = ((grid - first_us).astype(np.int64) // HOUR_US).astype(np.int64)
    posted = np.array([c.replace(tzinfo=None) for c in created], dtype="datetime64[us]")
    ages = (grid[None, :] - posted[:, None]).astype(np.int64) / HOUR_US  # (tweets, instants)

    dataset = Dataset(
        owner=owner,
        accounts=owned,
        tweet_ids=[t.id for t in tweet_objects],
        video_tweet_ids=[FIRST_TWEET_ID + int(i) for i in np.flatnonzero(video)],
        promoted_tweet_ids=[FIRST_TWEET_ID + int(i) for i in np.flatnonzero(promoted)],
        start=start,
        end=end,
        every=every,
    )
    rollups = []
    for a, account in enumerate(owned):
        gains = Gains(first_hour, hours)
        for is_promoted in (False, True):
            mine = np.flatnonzero((np.arange(tweets) % accounts == a) & (promoted == is_promoted))
            for block in range(0, len(mine), TWEETS_PER_BLOCK):
                index = mine[block : block + TWEETS_PER_BLOCK]
                dataset.tweet_samples += _write_block(
                    index, ages, impressions, factors, taus, shares, video, is_promoted,
                    grid, sample_hours, posted, first_us, gains, dataset,
                )  # fmt: skip
        rollups += gains.rows(account)
    HourlyRollup.objects.bulk_create(rollups, batch_size=5000)
    dataset.rollup_rows = len(rollups)
    for account in owned:
        _write_polls_and_audience(account, grid, len(dataset.tweet_ids) // accounts, rng)
    dataset.counts = {model.__name__: model.objects.count() for model in TABLES[2:6]}
    return dataset


def _write_block(
    index, ages, impressions, factors, taus, shares, video, is_promoted,
    grid, sample_hours, posted, first_us, gains, dataset,
) -> int:  # fmt: skip
    """COPY one block of Tweets' samples (and their videos'), and add their gains."""
    # (block, instants), 0 -> 1: most of the reach in the first days, then a trickle
    # until TAIL_HOURS, so every hour of the window gains something.
    burst = -np.expm1(-ages[index] / taus[index, None])
    growth = (1 - TAIL) * burst + TAIL * np.minimum(ages[index] / TAIL_HOURS, 1.0)
    plateau = impressions[index, None] * factors[index]  # (block, metrics)
    totals = {
        name: np.floor(growth * (plateau[:, k, None] * rate)).astype(np.int64)
        for k, (name, rate) in enumerate(RATES.items())
    }
    share = shares[index, None] if is_promoted else None
    columns = _split(totals, share, TWEET_METRICS)
    posted_hours = ((posted[index] - first_us).astype(np.int64) // HOUR_US).astype(np.int64)
    gains.add(columns, TWEET_ROLLUP_COLUMNS, sample_hours, posted_hours)
    ids = np.repeat(FIRST_TWEET_ID + index.astype(np.int64), len(grid))
    moments = np.tile(grid, len(index))
    _copy_binary(TweetSample, "tweet_id", ids, moments, {k: v.ravel() for k, v in columns.items()})

    with_video = video[index]
    if with_video.any():
        vindex = index[with_video]
        views = totals["impressions"][with_video]
        vtotals = {
            name: np.floor(views * (share_of / VIDEO_SHARES["views"])).astype(np.int64)
            for name, share_of in VIDEO_SHARES.items()
        }
        vshare = shares[vindex, None] if is_promoted else None
        vcolumns = _split(vtotals, vshare, VIDEO_METRICS)
        gains.add(vcolumns, VIDEO_ROLLUP_COLUMNS, sample_hours, posted_hours[with_video])
        keys = np.repeat(np.array([_media_key(i).encode() for i in vindex]), len(grid))
        _copy_binary(
            VideoSample, "media_id", keys, np.tile(grid, len(vindex)),
            {k: v.ravel() for k, v in vcolumns.items()},
        )  # fmt: skip
        dataset.video_samples += len(keys)
    return len(ids)


def _write_polls_and_audience(account: XAccount, grid: np.ndarray, tweets: int, rng) -> None:
    """A successful PollRun per instant, an audience sample and net follows per hour."""
    moments = [np.datetime64(m, "us").item().replace(tzinfo=UTC) for m in grid]
    PollRun.objects.bulk_create(
        (
            PollRun(
                account=account,
                started_at=moment,
                finished_at=moment + timedelta(seconds=2),
                outcome=PollRun.Outcome.OK,
                requests_made=1 + tweets // 100,
                tweets_sampled=tweets,
                samples_written=tweets,
                audience_read=moment.minute == 0,
            )
            for moment in moments
        ),
        batch_size=5000,
    )
    hourly = [m for m in moments if m.minute == 0]
    follows = rng.poisson(3.0, len(hourly))
    followers = 12_000 + np.cumsum(follows)
    AudienceSample.objects.bulk_create(
        AudienceSample(
            account=account,
            captured_at=moment,
            followers=int(count),
            following=321,
            tweets=tweets,
            listed=42,
            likes=5_000,
        )
        for moment, count in zip(hourly, followers, strict=True)
    )
    AudienceHourly.objects.bulk_create(
        AudienceHourly(account=account, bucket=moment, net_follows=int(gain))
        for moment, gain in zip(hourly[1:], follows[1:], strict=True)
        if gain
    )
