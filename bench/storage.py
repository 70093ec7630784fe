"""Storage: bytes per stored sample with its indexes (DESIGN.md section 8: at most 160), and
the share of rows that "only when changed" saves.

1. Bytes per sample. The history of bench/dataset.py (full: 1,000 Tweets x 30 days of
   5-minute samples, 8.64 million TweetSamples; quick: 20 Tweets x 2 days, 11,520) is
   written in key order, (Tweet, instant), which packs the key's index tighter than polls
   do. So the samples are then written again as polls write them, instant after instant
   across all Tweets, and both are measured after VACUUM ANALYZE:
   pg_total_relation_size (heap, indexes, free-space and visibility maps) / rows. The
   polls' order is the figure held to the target; the baseline beside it is the heap alone.
2. "Only when changed" over a simulated month (quick: two days): @sandbox_demo's Tweets in
   the sandbox's world (sandbox/world.py, what the sandbox answers), polled privately on the
   product's default schedule (tweets/schedule.py, on the poller's five-minute tick), each
   answer read as the poller reads it (tweets.polling.tweet_sample_values); a sample is
   kept only when a value changed. Beside it: every poll kept. Retweets (sampled once) and
   videos are left out.
"""

import math
from datetime import UTC, datetime, timedelta

from django.db import connection

from bench import dataset
from bench.core import Figure
from sandbox.world import World
from tweets.metrics import TWEET_SAMPLE_COLUMNS
from tweets.models import TweetSample
from tweets.polling import tweet_sample_values
from tweets.schedule import PRIVATE_WINDOW, Schedule

SIZES = {True: (20, 2), False: (1000, 30)}  # quick -> (Tweets, days) of the history
SIMULATED_DAYS = {True: 2, False: 30}
TARGET_BYTES = 160
WORLD_SEED = 20261101
WORLD_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
USERNAME = "sandbox_demo"
TICK = timedelta(minutes=5)  # the poller's discovery interval


def _sizes(table: str) -> tuple[int, int, int]:
    """(rows, all bytes with indexes and maps, bytes of the heap alone)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(
            f"SELECT count(*), pg_total_relation_size('{table}'), pg_relation_size('{table}')"
            f" FROM {table}"
        )
        return cursor.fetchone()


def _rewrite_in_poll_order(table: str) -> None:
    """Write the samples again as polls do: every Tweet's sample of one instant, then the
    next instant, each row finding its place in the key's index."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_samples AS SELECT * FROM {table}")
        cursor.execute(f"TRUNCATE {table}")
        cursor.execute(
            f"INSERT INTO {table} SELECT * FROM bench_samples ORDER BY captured_at, tweet_id"
        )
        cursor.execute("DROP TABLE bench_samples")


def bytes_per_sample(quick: bool) -> list[Figure]:
    tweets, days = SIZES[quick]
    dataset.build(tweets=tweets, days=days)
    table = TweetSample._meta.db_table
    rows, key_order, _ = _sizes(table)
    _rewrite_in_poll_order(table)
    rows_again, total, heap = _sizes(table)
    dataset.clear()
    if rows_again != rows:
        raise AssertionError(f"{rows} samples written, {rows_again} after the rewrite")
    return [
        Figure(
            group="storage",
            name=f"bytes per TweetSample with its index, {rows:,} written as polls write them",
            value=round(total / rows, 1),
            unit="bytes",
            baseline=round(heap / rows, 1),
            baseline_name="the rows alone (heap, no index)",
            target=f"<= {TARGET_BYTES}",
            ok=total / rows <= TARGET_BYTES,
        ),
        Figure(
            group="storage",
            name=f"bytes per TweetSample with its index, {rows:,} written in key order",
            value=round(key_order / rows, 1),
            unit="bytes",
            baseline=round(heap / rows, 1),
            baseline_name="the rows alone (heap, no index)",
        ),
    ]


def _ticks_after(moment: datetime) -> datetime:
    """The first poller tick at or after `moment` (ticks on a five-minute grid)."""
    steps = math.ceil((moment - WORLD_EPOCH) / TICK)
    return WORLD_EPOCH + steps * TICK


def poll_instants(created: datetime, end: datetime, schedule: Schedule):
    """When the product polls a Tweet's private metrics: discovered at the first tick after
    posting, then at each tick at which Schedule.private_due holds (its interval passed, or
    the final snapshot's window opened), until day 30."""
    stop = min(end, created + PRIVATE_WINDOW)
    final = _ticks_after(created + PRIVATE_WINDOW - schedule.final_window)
    moment = _ticks_after(created)
    while moment < stop:
        yield moment
        following = _ticks_after(moment + schedule.interval(moment - created))
        while following - moment < schedule.interval(following - created):
            following += TICK
        moment = min(following, final) if moment < final else following


def _values(world: World, tweet, moment: datetime) -> tuple:
    metrics = world.tweet_metrics(tweet, moment)
    values = tweet_sample_values(metrics, metrics.get("promoted_metrics"))
    return tuple(values[c] for c in TWEET_SAMPLE_COLUMNS)


def only_when_changed(quick: bool) -> list[Figure]:
    """Samples kept against samples polled, for one sandbox account over the window."""
    days = SIMULATED_DAYS[quick]
    world = World(WORLD_SEED, WORLD_EPOCH)
    start, end = WORLD_EPOCH, WORLD_EPOCH + timedelta(days=days)
    schedule = Schedule.from_settings()
    user = world.user_by_username(USERNAME)
    live = [
        t
        for t in world.timeline(user.id, end)
        if t.kind != "retweet" and t.created_at > start - PRIVATE_WINDOW
    ]
    polled = kept = 0
    for tweet in live:
        instants = list(poll_instants(tweet.created_at, end, schedule))
        before = [m for m in instants if m < start]
        last = _values(world, tweet, before[-1]) if before else None
        for moment in instants[len(before) :]:
            values = _values(world, tweet, moment)
            polled += 1
            if values != last:
                kept += 1
            last = values
    return [
        Figure(
            group="storage",
            name=f"samples kept only when changed, @{USERNAME} over {days} simulated days",
            value=kept,
            unit="samples",
            baseline=polled,
            baseline_name="samples a writer keeping every poll would store",
        ),
        Figure(
            group="storage",
            name=f"share of rows 'only when changed' saves, @{USERNAME} over {days} days",
            value=round(100 * (1 - kept / polled), 1),
            unit="%",
        ),
    ]


def run(quick: bool) -> list[Figure]:
    return bytes_per_sample(quick) + only_when_changed(quick)
