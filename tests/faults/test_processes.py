"""Faults with real processes: a worker killed mid-poll, Redis restarted under running
workers and beat, Postgres stopped and started, two beats at once.

Each test starts its own Celery processes (tests/conftest.py `celery_processes`), with
polls due every few seconds and claims that lapse in seconds, and asserts with SQL that no
sample was lost or written twice. Each prints one "FAULT" line with its figures, which
docs/RELIABILITY.md quotes. Select them with `-m faults`.

The X API faults (429 storms, 5xx, slow answers, malformed bodies, revoked tokens) are
tested without extra processes in tests/tweets/test_polling.py and tests/xapi/.
"""

import itertools
import os
import signal
import socket
import time

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import XAccount
from metricsdash.celery import app
from tests.conftest import wait_for
from tweets.models import PollRun, Tweet, TweetSample

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

# Polls due every 3 s; a claim lapses 8 s after its poll started.
FAST = {"POLL_SCHEDULE": "6h:3s,7d:1h,30d:6h", "POLL_CLAIM_LEASE": "8s"}


def sql(query: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def duplicated_samples() -> int:
    """Samples beyond the first for any (Tweet, instant); the unique index forbids them."""
    return sql("SELECT count(*) - count(DISTINCT (tweet_id, captured_at)) FROM tweets_tweetsample")


def tweets_without_samples() -> int:
    return sql(
        "SELECT count(*) FROM tweets_tweet t WHERE NOT EXISTS"
        " (SELECT 1 FROM tweets_tweetsample s WHERE s.tweet_id = t.id)"
    )


def ok_polls(account, after=None):
    runs = PollRun.objects.filter(account=account, kind="poll", outcome="ok")
    return runs.filter(started_at__gt=after) if after else runs


def test_a_worker_killed_mid_poll_loses_nothing_and_its_run_ends_worker_lost(
    x_api, link, celery_processes
):
    account = link("sandbox_demo")
    # The first timeline request hangs for 20 s at X: the kill lands while it is in flight.
    x_api.fault(kind="slow", seconds=20, endpoint="users_tweets", times=1)
    first = celery_processes(name="first", x_api=x_api, env=FAST)
    wait_for(lambda: x_api.requests_made("users_tweets") == 1, what="the poll to reach X")
    (killed,) = PollRun.objects.filter(account=account, outcome="running")

    first.kill()
    killed_at = time.monotonic()
    celery_processes(name="second", x_api=x_api, env=FAST)
    wait_for(
        lambda: PollRun.objects.get(pk=killed.pk).outcome == "failed",
        timeout=30,
        what="the killed run to be closed",
    )
    closed_after = time.monotonic() - killed_at
    wait_for(lambda: ok_polls(account).exists(), timeout=30, what="a later poll")
    recovered_after = time.monotonic() - killed_at

    killed.refresh_from_db()
    assert (killed.outcome, killed.error) == ("failed", "worker lost")
    later = ok_polls(account).earliest("started_at")
    assert later.started_at > killed.started_at
    instant = killed.started_at.replace(microsecond=0)
    assert TweetSample.objects.filter(captured_at=instant).count() == 0  # nothing partial
    # The later poll found every Tweet, Retweets included (the killed run stored none).
    found_at = later.started_at.replace(microsecond=0)
    assert not Tweet.objects.filter(account=account, first_seen_at__lt=found_at).exists()
    mine = Tweet.objects.filter(account=account, first_seen_at=found_at)
    tweets = mine.count()
    assert tweets == later.tweets_sampled > 0
    assert tweets_without_samples() == 0
    assert duplicated_samples() == 0
    print(
        f"\nFAULT worker SIGKILLed mid-poll: run closed 'worker lost' {closed_after:.1f} s"
        f" after the kill (claim lease 8 s), next poll ok {recovered_after:.1f} s after;"
        f" {tweets} Tweets, {TweetSample.objects.count()} samples, lost 0, duplicates 0"
    )


def pool_processes(hostname: str) -> list[int]:
    """The pids of a worker's pool processes, as the worker itself reports them."""
    stats = app.control.inspect(destination=[hostname], timeout=10).stats() or {}
    return stats[hostname]["pool"]["processes"]


def test_a_poll_redelivered_after_its_worker_process_died_does_not_call_x_again(
    x_api, link, celery_processes
):
    account = link("sandbox_demo")
    x_api.fault(kind="slow", seconds=20, endpoint="users_tweets", times=1)
    worker = celery_processes(name="worker", x_api=x_api, env=FAST)
    wait_for(lambda: x_api.requests_made("users_tweets") == 1, what="the poll to reach X")
    (child,) = pool_processes(f"worker@{socket.gethostname()}")  # running the poll

    os.kill(child, signal.SIGKILL)  # the worker requeues the message (reject_on_worker_lost)
    killed_at = time.monotonic()
    wait_for(
        lambda: "its claim is no longer this task's" in worker.output(),
        timeout=20,
        what="the redelivered message to be run",
    )
    redelivered_after = time.monotonic() - killed_at
    assert x_api.requests_made("users_tweets") == 1  # the copy never called X
    wait_for(lambda: ok_polls(account).exists(), timeout=30, what="a later poll")
    recovered_after = time.monotonic() - killed_at
    # The later poll was claimed ahead, to start when the lost one's lease ran out; the
    # tick after that closes the lost run.
    lost = PollRun.objects.filter(kind="poll").exclude(outcome__in=["ok", "running"])
    wait_for(lost.exists, timeout=10, what="the lost run to be closed")
    assert lost.get().error == "worker lost"
    assert duplicated_samples() == 0
    assert tweets_without_samples() == 0
    print(
        f"\nFAULT pool process SIGKILLed mid-poll: message redelivered {redelivered_after:.1f} s"
        f" after the kill, did not call X; run closed 'worker lost', next poll ok"
        f" {recovered_after:.1f} s after the kill; lost 0, duplicates 0"
    )


def test_polling_resumes_within_30_s_after_redis_restarts(
    x_api, link, celery_processes, redis_server
):
    server = redis_server()
    accounts = [link("sandbox_demo"), link("sandbox_newcomer", kind="oauth1")]
    celery_processes(broker_url=server.url(), x_api=x_api, env=FAST)
    wait_for(lambda: all(ok_polls(a).exists() for a in accounts), timeout=60, what="polls")

    server.stop()
    stopped_at = time.monotonic()
    down_since = PollRun.objects.latest("started_at").started_at
    # Down until every account is overdue: polls fall due while Redis is away.
    wait_for(
        lambda: all(XAccount.objects.get(pk=a.pk).next_poll_at < timezone.now() for a in accounts),
        timeout=30,
        what="every account to fall due",
    )
    server.start()  # same port, empty: every queued message is gone
    restarted_at = time.monotonic()
    wait_for(
        lambda: all(ok_polls(a, after=down_since).exists() for a in accounts),
        timeout=30,
        what="polling to resume",
    )
    resumed_after = time.monotonic() - restarted_at
    wait_for(
        lambda: all(ok_polls(a, after=down_since).count() >= 2 for a in accounts),
        timeout=30,
        what="polling to go on on schedule",
    )

    assert resumed_after < 30
    for account in accounts:
        starts = list(
            ok_polls(account, after=down_since)
            .order_by("started_at")
            .values_list("started_at", flat=True)
        )
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
        assert all(gap < 3 + 8 + 2 for gap in gaps), gaps  # interval + lease + a tick
    assert not PollRun.objects.filter(outcome="running", started_at__lt=down_since).exists()
    assert duplicated_samples() == 0
    assert tweets_without_samples() == 0
    print(
        f"\nFAULT Redis restarted (down {restarted_at - stopped_at:.1f} s, restarted empty):"
        f" polling resumed {resumed_after:.1f} s after; every account polled again,"
        f" {TweetSample.objects.count()} samples, duplicates 0"
    )


def test_two_beats_at_once_claim_each_due_poll_once(x_api, link, celery_processes):
    accounts = [link("sandbox_demo"), link("sandbox_newcomer", kind="oauth1")]
    slow = {**FAST, "POLL_SCHEDULE": "6h:1h,7d:1h,30d:6h"}  # one poll each, then not due
    celery_processes(name="worker", beat=False, x_api=x_api, env=slow, args=("-c", "2"))
    beats = [celery_processes(name=f"beat{n}", worker=False, env=slow) for n in (1, 2)]
    wait_for(
        lambda: all(b.output().count("Sending due task poll-tick") >= 5 for b in beats),
        timeout=45,
        what="five ticks from each beat",
    )
    wait_for(lambda: all(ok_polls(a).exists() for a in accounts), what="the polls")
    ticks = [b.output().count("Sending due task poll-tick") for b in beats]
    polls = [PollRun.objects.filter(account=a, kind="poll").count() for a in accounts]
    print(f"\nFAULT two beats: {sum(ticks)} ticks ({ticks}), poll runs per account {polls}")
    assert polls == [1, 1]
    assert duplicated_samples() == 0


def copy_rows(url: str, table: str, ids: list[int]) -> None:
    """Copy rows from the test database into another, as they are (tokens encrypted)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = ANY(%s)", [ids])
        columns = ", ".join(column.name for column in cursor.description)
        rows = cursor.fetchall()
    marks = ", ".join(["%s"] * len(rows[0]))
    with psycopg.connect(url) as conn:
        conn.cursor().executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def test_polls_that_failed_while_postgres_was_down_are_retried(
    x_api, link, celery_processes, postgres_cluster
):
    account = link("sandbox_demo")
    url = postgres_cluster.create_database("metricsdash")
    copy_rows(url, "auth_user", [account.owner_id])
    copy_rows(url, "accounts_xaccount", [account.pk])
    worker = celery_processes(database=url, x_api=x_api, env=FAST)

    def there(query: str) -> int:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute(query).fetchone()[0]

    ok = "SELECT count(*) FROM tweets_pollrun WHERE kind = 'poll' AND outcome = 'ok'"
    wait_for(lambda: there(ok) >= 1, timeout=60, what="a first poll")
    # The next poll is at X (3 s there) when the database stops: it cannot store.
    x_api.fault(kind="slow", seconds=3, endpoint="users_tweets", times=1)
    asked = x_api.requests_made("users_tweets")
    wait_for(lambda: x_api.requests_made("users_tweets") > asked, what="a poll in flight")

    postgres_cluster.stop()
    stopped_at = time.monotonic()
    wait_for(
        lambda: "Poll of @sandbox_demo failed unexpectedly" in worker.output(),
        timeout=30,
        what="the poll in flight to fail on the stopped database",
    )
    postgres_cluster.start()
    restarted_at = time.monotonic()
    before = there(ok)
    wait_for(lambda: there(ok) >= before + 2, timeout=30, what="polling to resume")
    resumed_after = time.monotonic() - restarted_at
    stale = (
        "SELECT count(*) FROM tweets_pollrun"
        " WHERE outcome = 'running' AND started_at < now() - interval '8 seconds'"
    )
    wait_for(lambda: there(stale) == 0, timeout=20, what="interrupted runs to be closed")

    duplicates = there(
        "SELECT count(*) - count(DISTINCT (tweet_id, captured_at)) FROM tweets_tweetsample"
    )
    missing = there(
        "SELECT count(*) FROM tweets_tweet t WHERE NOT EXISTS"
        " (SELECT 1 FROM tweets_tweetsample s WHERE s.tweet_id = t.id)"
    )
    tweets = there("SELECT count(*) FROM tweets_tweet")
    failed = there("SELECT count(*) FROM tweets_pollrun WHERE outcome = 'failed'")
    assert (duplicates, missing) == (0, 0)
    assert tweets > 0
    assert failed >= 1  # the poll in flight, closed once its claim lapsed, then done again
    print(
        f"\nFAULT Postgres stopped and started (down {restarted_at - stopped_at:.1f} s):"
        f" polling resumed {resumed_after:.1f} s after; {failed} run(s) closed as failed,"
        f" {tweets} Tweets all sampled, duplicates 0"
    )
