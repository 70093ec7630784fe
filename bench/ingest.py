"""Ingest: samples written per second through the product's write path,
tweets.polling.store(), against a bare COPY of the same rows into the same tables in the
same run (DESIGN.md section 8: at least half of it).

One account of T Tweets (full: 1,000; quick: 200), one in ten promoted and one in ten
carrying a video, polled N times five minutes apart. Each poll hands store() what X's
lookups return (every metric group, by the registry's wire names) with every count grown
since the poll before, so each poll writes a sample per Tweet and per video: the write
path at full load. The first poll (new Tweets, first samples) is not timed.

The baseline takes the rows the timed polls wrote, puts the tables back as they were
before those polls (deleted, then vacuumed), and COPYs them straight in, one COPY per poll
and table in a transaction of its own, as store() commits once per poll. Rounds alternate
the two, and the round with the median ratio is judged; the rounds of the lowest and the
highest ratio are reported beside it, to show how far one run's rounds spread.

A third pass, reported beside them and judged by nothing, puts the tables back again and
COPYs the same rows with one more statement in each transaction: an UPDATE of every polled
Tweet's last_polled_at (the ids as one array). That is the least a write path does that
records each poll on its Tweets, as the schedule needs (DESIGN.md section 5), before it
reads X's answers, compares them with the latest samples or sums the gains: how far under
the bare COPY any such path starts.
"""

import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from accounts.models import XAccount
from bench import dataset
from bench.core import Figure
from tweets.ingest import sample_columns
from tweets.metrics import TWEET_METRICS, VIDEO_METRICS
from tweets.models import Tweet, TweetSample, VideoSample
from tweets.polling import Fetched, store

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
EVERY = timedelta(minutes=5)
FIRST_TWEET_ID = 1_870_000_000_000_000_000
# Totals X hands out only in non_public_metrics; the others come in public_metrics.
NON_PUBLIC = {"url_link_clicks", "user_profile_clicks"} | {
    m.wire for m in VIDEO_METRICS if m.name.startswith("playback_")
}
SIZES = {True: (200, 3, 1), False: (1000, 20, 7)}  # quick -> (Tweets, timed polls, rounds)
TARGET = 0.5


def _groups(metrics, counts: dict[str, int], paid: dict[str, int] | None) -> dict:
    """X's metric groups for these totals: public, non-public and organic (the totals less
    the promoted counts, which X hands out in a request of their own)."""
    return {
        "public_metrics": {w: c for w, c in counts.items() if w not in NON_PUBLIC},
        "non_public_metrics": {w: c for w, c in counts.items() if w in NON_PUBLIC},
        "organic_metrics": {
            m.wire: counts[m.wire] - (paid[m.wire] if paid else 0) for m in metrics if m.split
        },
    }


def fetched_at(poll: int, tweets: int) -> Fetched:
    """What one poll of every Tweet reads from X: counts that grow with every poll."""
    fetched = Fetched()
    created = START - timedelta(days=2)
    for index in range(tweets):
        tid = str(FIRST_TWEET_ID + index)
        counts = {
            m.wire: (index % 97 + 1) * (k + 1) * (poll + 1) * 3 for k, m in enumerate(TWEET_METRICS)
        }
        promoted = index % 10 == 7
        paid = {m.wire: counts[m.wire] // 4 for m in TWEET_METRICS if m.split} if promoted else None
        tweet = {
            "id": tid,
            "text": f"Ingest bench Tweet {index}",
            "created_at": (created + timedelta(minutes=index)).isoformat().replace("+00:00", "Z"),
            **_groups(TWEET_METRICS, counts, paid),
        }
        if promoted:
            fetched.promoted[tid] = paid
        fetched.promoted_checked.add(tid)
        if index % 10 == 3:
            key = f"7_{tid}"
            tweet["attachments"] = {"media_keys": [key]}
            views = {
                m.wire: counts["impression_count"] // (k + 3) for k, m in enumerate(VIDEO_METRICS)
            }
            fetched.media[key] = {
                "media_key": key,
                "type": "video",
                "duration_ms": 30_000,
                **_groups(VIDEO_METRICS, views, None),
            }
        fetched.tweets[tid] = tweet
    return fetched


def _account() -> XAccount:
    owner = get_user_model().objects.create_user(dataset.USERNAME, "bench@example.com")
    return XAccount.objects.create(
        owner=owner,
        x_user_id="4200000001",
        username="bench_ingest",
        auth_kind=XAccount.AuthKind.OAUTH2,
        has_promoted=True,
    )


def _rows_since(model, instant: datetime) -> dict[datetime, list[tuple]]:
    """The rows written at or after `instant`, per instant, in the tables' column order."""
    columns = sample_columns(model)
    out: dict[datetime, list[tuple]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE captured_at >= %s",
            [instant],
        )
        for row in cursor.fetchall():
            out.setdefault(row[1], []).append(row)
    return out


def _copy(model, rows: list[tuple]) -> None:
    statement = f"COPY {model._meta.db_table} ({', '.join(sample_columns(model))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def one_round(tweets: int, polls: int) -> dict:
    """store() over `polls` timed polls, then the bare COPY of the rows they wrote, then
    that COPY with each poll recorded on the Tweets."""
    dataset.clear()
    account = _account()
    instants = [START + EVERY * p for p in range(polls + 1)]
    fetches = [fetched_at(p, tweets) for p in range(polls + 1)]
    store(account, fetches[0], instants[0], final=set())

    store_seconds, written = [], 0
    for fetched, instant in zip(fetches[1:], instants[1:], strict=True):
        started = time.perf_counter()
        written += store(account, fetched, instant, final=set())
        store_seconds.append(time.perf_counter() - started)

    models = (TweetSample, VideoSample)
    rows = {model: _rows_since(model, instants[1]) for model in models}
    copied = sum(len(r) for per_instant in rows.values() for r in per_instant.values())
    if copied != written:
        raise AssertionError(f"store() said {written} samples, the tables hold {copied}")
    copy_seconds = _copied(rows, instants[1:])
    polled = list(Tweet.objects.filter(account=account).values_list("id", flat=True))
    recorded_seconds = _copied(rows, instants[1:], recording=polled)
    dataset.clear()
    return {
        "samples": written,
        "store": written / sum(store_seconds),
        "copy": written / sum(copy_seconds),
        "recorded": written / sum(recorded_seconds),
        "store_ms": statistics.median(store_seconds) * 1000,
        "copy_ms": statistics.median(copy_seconds) * 1000,
    }


def _copied(rows: dict, instants: list[datetime], recording: Sequence[int] = ()) -> list[float]:
    """Seconds per poll to COPY the rows of each instant straight in, a transaction per
    poll, after putting the tables back as they were before (deleted, then vacuumed); with
    `recording`, each transaction also records the poll on those Tweets."""
    models = tuple(rows)
    for model in models:
        model.objects.filter(captured_at__gte=instants[0]).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {', '.join(m._meta.db_table for m in models)}")
    record = f"UPDATE {Tweet._meta.db_table} SET last_polled_at = %s WHERE id = ANY(%s)"
    seconds = []
    for instant in instants:
        started = time.perf_counter()
        with transaction.atomic():
            for model in models:
                _copy(model, rows[model].get(instant, []))
            if recording:
                with connection.cursor() as cursor:
                    cursor.execute(record, [instant, recording])
        seconds.append(time.perf_counter() - started)
    return seconds


def run(quick: bool) -> list[Figure]:
    tweets, polls, rounds = SIZES[quick]
    results = sorted(
        (one_round(tweets, polls) for _ in range(rounds)), key=lambda r: r["store"] / r["copy"]
    )
    median = results[len(results) // 2]
    per_poll = median["samples"] // polls
    return [
        Figure(
            group="ingest",
            name=f"samples/s through store(), {tweets:,} Tweets x {polls} polls",
            value=round(median["store"]),
            unit="samples/s",
            baseline=round(median["copy"]),
            baseline_name="bare COPY of the same rows into the same tables",
            target=f">= {TARGET} x baseline",
            ok=median["store"] >= TARGET * median["copy"],
        ),
        *(
            Figure(
                group="ingest",
                name=f"samples/s through store(), the round of the {which} ratio of {rounds}",
                value=round(result["store"]),
                unit="samples/s",
                baseline=round(result["copy"]),
                baseline_name="bare COPY of the same rows, in that round",
            )
            for which, result in (("lowest", results[0]), ("highest", results[-1]))
        ),
        Figure(
            group="ingest",
            name="samples/s, the COPY plus an UPDATE recording each poll on its Tweets (a floor)",
            value=round(median["recorded"]),
            unit="samples/s",
            baseline=round(median["copy"]),
            baseline_name="bare COPY of the same rows into the same tables",
        ),
        Figure(
            group="ingest",
            name=f"ms per poll through store() ({per_poll:,} samples each), median",
            value=round(median["store_ms"], 1),
            unit="ms",
            baseline=round(median["copy_ms"], 1),
            baseline_name="bare COPY of the same rows",
        ),
    ]
