"""Celery tasks take ids, never tokens; nothing secret reaches a log or a task message."""

import json
import logging
from datetime import datetime, timedelta

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.core.management import call_command

from accounts.models import XAccount
from metricsdash.celery import app
from tweets import polling, tasks
from tweets.models import PollRun, TweetSample

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """Every task message published while the test runs (headers and body as sent)."""
    messages = []

    def record(sender=None, body=None, headers=None, **kwargs):
        messages.append({"task": sender, "body": body, "headers": headers})

    before_task_publish.connect(record, weak=False)
    yield messages
    before_task_publish.disconnect(record)
    app.control.purge()


def secrets_of(account) -> list[str]:
    return [value for value in account.get_tokens().values() if value]


def test_tick_publishes_poll_tasks_with_the_account_id_and_its_claim_only(clock, link, published):
    accounts = [link("sandbox_demo"), link("sandbox_newcomer", kind="oauth1")]
    assert tasks.tick() == 2
    polls = [m for m in published if m["task"] == "tweets.tasks.poll_account"]
    claim = (clock.now() + settings.POLL_CLAIM_LEASE).isoformat()
    assert sorted(list(m["body"][0]) for m in polls) == sorted([a.pk, claim] for a in accounts)
    wire = json.dumps(published, default=str)
    for account in accounts:
        for secret in secrets_of(account):
            assert secret not in wire


@pytest.fixture
def all_logs():
    """Every log record at DEBUG and above, from every logger, while the test runs."""
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(level)


def test_no_token_in_logs_during_polls_and_refresh(clock, link, all_logs):
    oauth2 = link("sandbox_demo")
    oauth1 = link("sandbox_newcomer", kind="oauth1")
    secrets = secrets_of(oauth2) + secrets_of(oauth1)
    clock.advance(7200 - 60)  # the OAuth 2.0 token is refreshed on the way
    for account in (oauth2, oauth1):
        runs = polling.poll_account(account)
        assert runs[0].outcome == PollRun.Outcome.OK, runs[0].error
    oauth2.refresh_from_db()
    secrets += secrets_of(oauth2)
    logged = "\n".join(r.getMessage() + repr(r.args) for r in all_logs)
    assert "X GET" in logged  # the client did log its requests, without secrets
    for secret in secrets:
        assert secret not in logged


def test_poll_command_prints_one_line_per_account(clock, link, capsys):
    link("sandbox_demo")
    link("sandbox_newcomer", kind="oauth1")
    call_command("poll", "--all")
    lines = [line for line in capsys.readouterr().out.splitlines() if "[poll]" in line]
    assert len(lines) == 2
    assert lines[0].startswith("@sandbox_demo [poll]: ok, ")
    assert "requests" in lines[0] and "Tweets sampled" in lines[0]
    assert "rate limit remaining" in lines[0]


def test_poll_command_refuses_an_unknown_account(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No linked account @nobody"):
        call_command("poll", "--account", "nobody")


def poll_tasks(published) -> list[list]:
    """The arguments of every poll task published so far."""
    return [list(m["body"][0]) for m in published if m["task"] == "tweets.tasks.poll_account"]


def test_a_replayed_poll_task_calls_x_not_at_all(clock, link, published, x_api):
    account = link("sandbox_demo")
    assert tasks.tick() == 1
    (args,) = poll_tasks(published)
    clock.advance(1)  # the worker takes the message a moment after the tick
    tasks.poll_account(*args)
    assert PollRun.objects.filter(account=account, outcome="ok").count() == 2  # poll, sweep
    requests, samples = x_api.requests_made(), TweetSample.objects.count()

    clock.advance(30)
    tasks.poll_account(*args)  # the same message again: redelivered, or replayed
    assert x_api.requests_made() == requests
    assert PollRun.objects.count() == 2
    assert TweetSample.objects.count() == samples


def test_a_poll_task_whose_claim_lapsed_and_was_taken_again_does_nothing(
    clock, link, published, x_api
):
    account = link("sandbox_demo")
    assert tasks.tick() == 1
    (late,) = poll_tasks(published)
    clock.advance(settings.POLL_CLAIM_LEASE.total_seconds() + 1)  # no worker took it
    assert tasks.tick() == 1  # due again: claimed again
    (_, fresh) = poll_tasks(published)
    before = x_api.requests_made()

    tasks.poll_account(*late)  # the first message, at last: its claim is not its own
    assert x_api.requests_made() == before
    assert not PollRun.objects.exists()
    clock.advance(1)
    tasks.poll_account(*fresh)
    assert PollRun.objects.filter(account=account, kind="poll", outcome="ok").count() == 1


def test_the_tick_closes_runs_whose_claim_lapsed_as_worker_lost(clock, link):
    account = link("sandbox_demo")
    lease = settings.POLL_CLAIM_LEASE
    lost = PollRun.objects.create(account=account, started_at=clock.now())
    clock.advance(60)
    alive = PollRun.objects.create(account=account, started_at=clock.now())

    clock.move_to(lost.started_at + lease)  # the claim lapses now, not before
    tasks.tick()
    lost.refresh_from_db()
    assert lost.outcome == PollRun.Outcome.RUNNING

    clock.advance(1)
    tasks.tick()
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.outcome, lost.error, lost.finished_at) == ("failed", "worker lost", clock.now())
    assert alive.outcome == PollRun.Outcome.RUNNING


def test_the_tick_claims_what_falls_due_before_the_next_tick_to_start_at_its_slot(
    clock, link, published
):
    """A poll due 59 s after a tick starts at its slot, not a tick later (whose lateness
    each poll would pass on to the next, as its next slot counts from its start)."""
    tick = timedelta(seconds=settings.POLL_TICK_SECONDS)
    now_due, soon, after_next_tick = (
        link("sandbox_demo"),
        link("sandbox_newcomer", kind="oauth1"),
        link("sandbox_big"),
    )
    slot = clock.now() + tick - timedelta(seconds=1)
    XAccount.objects.filter(pk=soon.pk).update(next_poll_at=slot)
    later = clock.now() + tick + timedelta(seconds=1)
    XAccount.objects.filter(pk=after_next_tick.pk).update(next_poll_at=later)
    assert tasks.tick() == 2
    etas = {
        m["body"][0][0]: datetime.fromisoformat(m["headers"]["eta"])
        for m in published
        if m["task"] == "tweets.tasks.poll_account"
    }
    assert etas == {now_due.pk: clock.now(), soon.pk: slot}
    assert XAccount.objects.get(pk=after_next_tick.pk).next_poll_at == later  # the next tick's
