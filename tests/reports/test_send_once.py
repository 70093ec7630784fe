"""Retries, replays and a second beat send a period's report exactly once (counted at a
real SMTP server on loopback)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from reports import sending, tasks
from reports.models import ReportDelivery, ReportSubscription

from .conftest import make_account

MONDAY_8AM = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)


def due_subscription(user, when=MONDAY_8AM) -> ReportSubscription:
    make_account(user)
    return ReportSubscription.objects.create(
        user=user, frequency="weekly", local_hour=8, enabled=True, next_send_at=when
    )


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_retries_replays_and_a_second_beat_send_one_message(
    monday, smtp, eager, settings_for_reports, alice
):
    subscription = due_subscription(alice)
    smtp.refuse = 2  # the SMTP server says "try again later" twice

    assert tasks.send_due_reports() == 1

    delivery = ReportDelivery.objects.get()
    print(f"\nrefused {smtp.refused}, accepted {len(smtp.envelopes)}, attempts {delivery.attempts}")
    assert smtp.refused == 2 and len(smtp.envelopes) == 1
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 3, "")
    assert delivery.sent_at == MONDAY_8AM

    # The send task replayed (a broker redelivering it, someone re-running it): nothing.
    tasks.send_report.delay(delivery.pk)
    tasks.send_report.apply(args=[delivery.pk])
    # A second beat in the same minute: the subscription is no longer due.
    assert tasks.send_due_reports() == 0
    # A beat that read next_send_at before the first one moved it wins the claim, but the
    # ledger already holds this period: no new row, no message.
    ReportSubscription.objects.filter(pk=subscription.pk).update(next_send_at=MONDAY_8AM)
    assert tasks.send_due_reports() == 0
    # The lost-task sweep leaves a sent row alone, even much later.
    monday.move_to(MONDAY_8AM + timedelta(hours=1))
    assert tasks.send_due_reports() == 0

    assert len(smtp.envelopes) == 1
    assert ReportDelivery.objects.count() == 1
    subscription.refresh_from_db()
    assert subscription.next_send_at == MONDAY_8AM + timedelta(days=7)


@pytest.mark.django_db
def test_a_report_that_keeps_failing_gives_up_and_says_why(
    monday, smtp, eager, settings_for_reports, alice
):
    settings_for_reports.REPORT_MAX_ATTEMPTS = 3
    due_subscription(alice)
    smtp.refuse = 100

    tasks.send_due_reports()

    delivery = ReportDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "451" in delivery.error and "try again later" in delivery.error
    assert smtp.refused == 3 and smtp.envelopes == []
    tasks.send_report.delay(delivery.pk)  # a replay of a failed row does not try again
    assert smtp.refused == 3


@pytest.mark.django_db
def test_a_lost_send_task_is_queued_again_once(monday, smtp, eager, settings_for_reports, alice):
    due_subscription(alice)
    # The beat claimed the report and wrote its row, but its send task never arrived.
    assert len(sending.claim_due_reports()) == 1
    assert smtp.envelopes == []

    monday.move_to(MONDAY_8AM + timedelta(minutes=5))
    assert tasks.send_due_reports() == 0  # not yet: the task may just be slow
    monday.move_to(MONDAY_8AM + timedelta(minutes=11))
    assert tasks.send_due_reports() == 1
    monday.move_to(MONDAY_8AM + timedelta(minutes=30))
    assert tasks.send_due_reports() == 0

    assert len(smtp.envelopes) == 1
    assert ReportDelivery.objects.get().status == "sent"


def _at_once(work, count=2) -> list:
    """Run `work` in `count` threads released together; each closes its DB connection."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_beats_and_two_workers_at_the_same_moment_send_one_message(
    smtp, settings_for_reports, alice
):
    # Real time and real transactions: each thread has its own database connection.
    now = datetime.now(UTC)
    due_subscription(alice, when=now - timedelta(minutes=1))

    claimed = _at_once(lambda: sending.claim_due_reports(now))
    assert sorted(len(ids) for ids in claimed) == [0, 1]
    (delivery_id,) = [pk for ids in claimed for pk in ids]

    outcomes = _at_once(lambda: sending.deliver(delivery_id))
    print(f"\ntwo workers at once: {sorted(outcomes)}, messages: {len(smtp.envelopes)}")
    assert "sent" in outcomes
    assert len(smtp.envelopes) == 1
    assert ReportDelivery.objects.get().attempts == 1
