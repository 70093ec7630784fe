"""Retries with backoff, the log of attempts, and sending once (notifications/sending.py).

Time is frozen (time-machine) and moved past each backoff by hand; the tick and the send
task are called as the worker would call them.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction

from notifications import sending, tasks
from notifications.delivery import Message, notify
from notifications.models import Delivery

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SPIKE = Message(
    kind="spike",
    title="@alice_bakes: a Tweet is doing 6.2x its usual",
    text="Sourdough at dawn has 4,812 impressions at 1 h; usually 776.",
    url="https://metrics.example.com/dashboard/tweets/1/",
    fields={"Account": "@alice_bakes", "Impressions": "4,812", "Usual": "776"},
    severity="warning",
)


def raise_alert(users, key="spike:1:2117"):
    with transaction.atomic():
        return notify(users, SPIKE, key)


def test_a_receiver_that_fails_twice_then_accepts_gets_one_delivery(alice, receiver):
    email_off(alice)
    webhook(alice, receiver.url)
    receiver.answers = [500, 500]
    with time_machine.travel(START, tick=False) as traveller:
        [delivery] = raise_alert([alice])
        assert tasks.send_delivery(delivery.pk) == "pending"  # 500: tried again later
        first_retry = Delivery.objects.get(pk=delivery.pk).due_at
        assert timedelta(seconds=30) <= first_retry - START <= timedelta(seconds=36)

        traveller.move_to(START + timedelta(seconds=20))
        assert sending.queue_due() == []  # not due yet
        assert tasks.send_delivery(delivery.pk).startswith("not due")
        assert len(receiver.requests) == 1

        traveller.move_to(first_retry)
        assert sending.queue_due() == [delivery.pk]
        assert tasks.send_delivery(delivery.pk) == "pending"  # the second 500
        second_retry = Delivery.objects.get(pk=delivery.pk).due_at
        assert timedelta(minutes=2) <= second_retry - first_retry <= timedelta(seconds=144)

        traveller.move_to(second_retry + timedelta(seconds=1))
        assert sending.queue_due() == [delivery.pk]
        assert tasks.send_delivery(delivery.pk) == "sent"

        # A replayed task, a second tick, an hour later: nothing more goes out.
        traveller.move_to(START + timedelta(hours=1))
        assert sending.queue_due() == []
        assert tasks.send_delivery(delivery.pk).startswith("not due")
        assert raise_alert([alice]) == []

    delivery.refresh_from_db()
    log = list(delivery.log.values_list("status_code", "error"))
    print("receiver got", len(receiver.requests), "requests; log:", log)
    assert len(receiver.requests) == 3
    assert [code for code, _ in log] == [500, 500, 200]
    assert "500" in log[0][1] and log[2][1] == ""
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 3, 200)
    assert delivery.sent_at == second_retry + timedelta(seconds=1)
    # One delivery id on every attempt: a receiver drops repeats by it.
    ids = {r.headers["X-Metricsdash-Delivery"] for r in receiver.requests}
    assert ids == {str(delivery.pk)}


def test_after_the_last_delay_the_delivery_fails(alice, receiver, settings):
    settings.ALERT_RETRY_DELAYS = [timedelta(seconds=30), timedelta(minutes=2)]
    email_off(alice)
    webhook(alice, receiver.url)
    receiver.answers = [503, 503, 503, 503]
    with time_machine.travel(START, tick=False) as traveller:
        [delivery] = raise_alert([alice])
        for _ in range(3):
            tasks.send_delivery(delivery.pk)
            traveller.move_to(Delivery.objects.get(pk=delivery.pk).due_at)
        assert sending.queue_due() == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert len(receiver.requests) == 3


def test_a_4xx_is_not_retried(alice, receiver):
    email_off(alice)
    webhook(alice, receiver.url)
    receiver.answers = [404]
    with time_machine.travel(START, tick=False):
        [delivery] = raise_alert([alice])
        assert tasks.send_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("The receiver answered 404")


def test_a_lapsed_lease_is_sent_again(alice, receiver, settings):
    """A worker died mid-send (its claim is there, no attempt recorded): after the lease
    the tick puts the row back and it is sent."""
    email_off(alice)
    webhook(alice, receiver.url)
    with time_machine.travel(START, tick=False) as traveller:
        [delivery] = raise_alert([alice])
        assert sending.claim(delivery.pk, START) is not None  # the worker that died
        assert tasks.send_delivery(delivery.pk).startswith("not due")  # held by its lease
        traveller.move_to(START + settings.ALERT_DELIVERY_LEASE + timedelta(seconds=1))
        assert sending.queue_due() == [delivery.pk]
        assert sending.queue_due() == []  # queued once per lease
        assert tasks.send_delivery(delivery.pk) == "sent"
    assert len(receiver.requests) == 1


def test_notify_twice_with_one_key_creates_nothing_new(alice, bob, receiver):
    webhook(alice, receiver.url)
    first = raise_alert([alice, bob])
    # alice: email and webhook; bob: email (created on first use).
    assert len(first) == 3
    assert raise_alert([alice, bob]) == []
    assert Delivery.objects.count() == 3
    assert len(raise_alert([alice, bob], key="spike:1:2118")) == 3


def test_a_destination_removed_while_sending_ends_quietly(alice, receiver):
    email_off(alice)
    hook, _ = webhook(alice, receiver.url)
    with time_machine.travel(START, tick=False):
        [delivery] = raise_alert([alice])
        claimed = sending.claim(delivery.pk, START)
        outcome = sending.attempt(claimed, START)
        hook.delete()  # the person pressed Remove meanwhile
        assert sending.record(claimed, outcome, START, 5) == "removed"
    assert len(receiver.requests) == 1 and not Delivery.objects.exists()
