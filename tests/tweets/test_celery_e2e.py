"""End to end: Celery beat and a real worker, on Redis and Postgres, poll a linked sandbox
account on schedule. The worker is a separate process; the test moves the sandbox clock
and waits for the database to show each poll."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.models import XAccount
from metricsdash.celery import app
from tests.conftest import wait_for
from tweets.models import Media, PollRun, Tweet, TweetSample, VideoSample


@pytest.fixture
def worker(x_api, celery_processes):
    """The shared worker fixture with every Tweet in the 5-minute band. The sandbox runs on
    the machine's clock here (the worker is another process, time-machine cannot reach it),
    and @sandbox_demo posts by a daily rhythm: at some hours of the day none of its Tweets
    is younger than the default first band (6 h), and the second poll would find nothing
    due. With one band the test no longer depends on the time of day."""
    app.control.purge()
    yield celery_processes(x_api=x_api, env={"POLL_SCHEDULE": "30d:5m"})
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
    ago = timedelta(minutes=10)
    Tweet.objects.filter(account=account).update(
        last_polled_at=F("last_polled_at") - ago, last_sampled_at=F("last_sampled_at") - ago
    )
    TweetSample.objects.filter(tweet__account=account).update(captured_at=F("captured_at") - ago)
    Media.objects.filter(account=account).update(last_sampled_at=F("last_sampled_at") - ago)
    VideoSample.objects.filter(media__account=account).update(captured_at=F("captured_at") - ago)
    XAccount.objects.filter(pk=account.pk).update(next_poll_at=F("next_poll_at") - ago)
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
