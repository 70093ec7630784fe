"""End to end: Celery beat and a real worker, on Redis and Postgres, poll a linked sandbox
account on schedule. The worker is a separate process; the test moves the sandbox clock
and waits for the database to show each poll."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.models import XAccount
from metricsdash.celery import app
from tweets.models import PollRun, Tweet, TweetSample

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout=60.0, what="condition"):
    """Poll the database for a condition (the worker is another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(x_api, tmp_path):
    """`celery worker --beat` with the product's settings, pointed at the test database."""
    app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "X_API_URL": x_api.url,
        "X_WEB_URL": x_api.url,
        "X_CONSUMER_KEY": x_api.config.consumer_key,
        "X_CONSUMER_SECRET": x_api.config.consumer_secret,
        "X_CLIENT_ID": x_api.config.client_id,
        "X_CLIENT_SECRET": x_api.config.client_secret,
        "SECRET_KEY": settings.SECRET_KEY,
        "POLL_TICK_SECONDS": "1",
        "DEBUG": "true",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "metricsdash",
            "worker",
            "--beat",
            "--concurrency=1",
            "--loglevel=INFO",
            "-s",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
    app.control.purge()


@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_poll_a_linked_account_on_schedule(x_api, link, worker, tmp_path):
    account = link("sandbox_demo")  # due now

    def ok_runs():
        return PollRun.objects.filter(account=account, kind="poll", outcome="ok")

    wait_for(lambda: ok_runs().exists(), what="the first poll")
    first = ok_runs().get()
    assert first.tweets_sampled > 0
    assert TweetSample.objects.filter(tweet__account=account).count() > 0
    account.refresh_from_db()
    assert account.next_poll_at > timezone.now()  # rescheduled, not polled again at once

    # Ten minutes pass: on X (the sandbox clock) and in what the product recorded (the
    # worker's clock is the machine's; shifting the recorded times is the same to it).
    x_api.advance(600)
    ten_minutes = timedelta(minutes=10)
    Tweet.objects.filter(account=account).update(last_polled_at=F("last_polled_at") - ten_minutes)
    XAccount.objects.filter(pk=account.pk).update(next_poll_at=F("next_poll_at") - ten_minutes)
    wait_for(lambda: ok_runs().count() == 2, what="the scheduled second poll")
    second = ok_runs().latest("started_at")
    assert second.samples_written > 0
    assert TweetSample.objects.filter(
        tweet__account=account, captured_at__gte=second.started_at.replace(microsecond=0)
    ).exists()
    log = (tmp_path / "worker.log").read_text()
    assert "Traceback" not in log
    for secret in account.get_tokens().values():
        assert secret not in log
