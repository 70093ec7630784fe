"""Quiet hours in the person's timezone: an alert raised inside them waits and is
delivered when they end, on the clock of that day, across a DST change (frozen time)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from notifications import sending, tasks
from notifications.delivery import Message, notify
from notifications.models import Delivery, QuietHours
from notifications.quiet import end_of_quiet
from tests.reports.conftest import set_timezone

from .conftest import email_off, webhook

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MESSAGE = Message(
    kind="failing",
    title="@alice_bakes: polls failing",
    text="For an hour.",
    url="https://metrics.example.com/accounts/",
)


def local(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


@pytest.mark.django_db
def test_held_across_berlins_autumn_change_and_delivered_at_seven(alice, receiver):
    """Quiet 22:00 to 07:00; raised at 23:30 on Saturday 24 October 2026 (CEST, +2). The
    clocks go back at 03:00 on Sunday, so 07:00 that morning is 06:00 UTC (CET, +1): seven
    and a half hours on the wall clock, eight and a half of real time. Not 05:00 UTC, as
    the evening's offset would say."""
    set_timezone(alice, "Europe/Berlin")
    QuietHours.objects.create(user=alice, start=22, end=7)
    email_off(alice)
    webhook(alice, receiver.url)
    raised = local(BERLIN, 2026, 10, 24, 23, 30)
    with time_machine.travel(raised, tick=False) as traveller:
        with transaction.atomic():
            [delivery] = notify([alice], MESSAGE, "failing:3:1")
        assert delivery.due_at == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
        assert tasks.send_delivery(delivery.pk).startswith("not due")

        traveller.move_to(datetime(2026, 10, 25, 5, 59, tzinfo=UTC))  # 06:59 CET
        assert sending.queue_due() == []
        assert receiver.requests == []

        traveller.move_to(datetime(2026, 10, 25, 6, 0, 5, tzinfo=UTC))  # 07:00:05 CET
        assert sending.queue_due() == [delivery.pk]
        assert tasks.send_delivery(delivery.pk) == "sent"
    delivery.refresh_from_db()
    print("raised", raised.isoformat(), "delivered", delivery.sent_at.isoformat())
    assert delivery.sent_at.astimezone(BERLIN).hour == 7
    assert delivery.sent_at - raised == timedelta(hours=8, minutes=30, seconds=5)
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_outside_quiet_hours_nothing_waits(alice, receiver):
    set_timezone(alice, "America/New_York")
    QuietHours.objects.create(user=alice, start=22, end=7)
    seven = local(NEW_YORK, 2026, 11, 1, 7, 0)
    with time_machine.travel(seven, tick=False), transaction.atomic():
        deliveries = notify([alice], MESSAGE, "failing:3:2")
    assert {d.due_at for d in deliveries} == {local(NEW_YORK, 2026, 11, 1, 7, 0)}
    assert Delivery.objects.filter(due_at__gt=local(NEW_YORK, 2026, 11, 1, 7, 0)).count() == 0


@pytest.mark.parametrize(
    ("start", "end", "zone", "now", "until"),
    [
        # New York falls back at 02:00 on 1 November 2026: 01:30 comes twice.
        (
            23,
            6,
            NEW_YORK,
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
        ),
        (
            23,
            6,
            NEW_YORK,
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
            datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
        ),
        # Berlin springs forward at 02:00 on 29 March 2026; 02:00 does not exist that day.
        (
            0,
            2,
            BERLIN,
            datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
            datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        ),
        (
            22,
            7,
            BERLIN,
            datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 5, 0, tzinfo=UTC),
        ),
        # Within one day, and the edges: the start hour is quiet, the end hour is not.
        (
            1,
            5,
            BERLIN,
            datetime(2026, 7, 1, 23, 0, tzinfo=UTC),
            datetime(2026, 7, 2, 3, 0, tzinfo=UTC),
        ),
        (1, 5, BERLIN, datetime(2026, 7, 2, 3, 0, tzinfo=UTC), None),
        (22, 7, BERLIN, datetime(2026, 7, 1, 19, 59, tzinfo=UTC), None),
        (
            22,
            7,
            BERLIN,
            datetime(2026, 7, 1, 20, 0, tzinfo=UTC),
            datetime(2026, 7, 2, 5, 0, tzinfo=UTC),
        ),
        (8, 8, BERLIN, datetime(2026, 7, 1, 6, 0, tzinfo=UTC), None),
    ],
)
def test_end_of_quiet(start, end, zone, now, until):
    assert end_of_quiet(start, end, zone, now) == until
