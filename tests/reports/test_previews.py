"""Previews ("send me a preview now"): queued by the request, sent by the worker, at most
REPORT_PREVIEWS_PER_HOUR (3) per person per hour, and a refused message reads as a plain
sentence while its detail goes to the log."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from metricsdash.celery import app
from reports import previews, tasks
from reports.models import ReportPreview, ReportSubscription
from tests.conftest import wait_for

from .conftest import free_port, make_account

NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def mailing_worker(smtp, settings, celery_processes):
    """The real Celery worker process, sending mail to the test's SMTP server. Without
    beat: the request queues the previews, and nothing here is due on a schedule."""
    app.control.purge()
    yield celery_processes(beat=False, env={"EMAIL_URL": f"smtp://127.0.0.1:{settings.EMAIL_PORT}"})
    app.control.purge()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_ten_previews_sends_three_through_the_worker(
    client, alice, smtp, mailing_worker
):
    make_account(alice)
    client.force_login(alice)
    client.get("/reports/")

    answers = [
        client.post("/reports/preview/weekly/", follow=True).content.decode() for _ in range(10)
    ]

    queued = [a for a in answers if "is on its way to alice@example.com" in a]
    refused = [a for a in answers if "You have asked for 3 previews in the last hour" in a]
    assert (len(queued), len(refused)) == (3, 7)
    assert "Previews: 0 of 3 left this hour; the next one at" in answers[-1]
    wait_for(
        lambda: ReportPreview.objects.filter(status="sent").count() == 3,
        timeout=60,
        what="the worker to send the three previews",
    )
    assert ReportPreview.objects.count() == 3  # nothing else was queued, so nothing else sent
    assert len(smtp.messages) == 3, [m["Subject"] for m in smtp.messages]
    assert all("[Preview] Your weekly X report" in m["Subject"] for m in smtp.messages)
    assert {m["To"] for m in smtp.messages} == {"alice@example.com"}


@pytest.mark.django_db
def test_the_allowance_is_a_sliding_hour_per_person(alice, bob, settings):
    with time_machine.travel(NOW, tick=False) as clock:
        for minute in (0, 10, 20):
            clock.move_to(NOW + timedelta(minutes=minute))
            subscription = alice.report_subscriptions.get_or_create(frequency="daily")[0]
            assert previews.ask(subscription) is not None
        assert previews.ask(subscription) is None
        left = previews.allowance(alice)
        assert (left.remaining, left.next_at) == (0, NOW + timedelta(hours=1))
        # bob's allowance is his own.
        assert previews.ask(bob.report_subscriptions.create(frequency="weekly")) is not None
        # An hour after the first, one frees up.
        clock.move_to(NOW + timedelta(hours=1, seconds=1))
        assert previews.allowance(alice).remaining == 1
        assert previews.ask(subscription) is not None
    assert ReportPreview.objects.filter(user=alice).count() == 4


@pytest.mark.django_db
def test_the_request_never_speaks_smtp_and_a_refusal_reads_plainly(
    client, alice, settings, caplog, django_capture_on_commit_callbacks
):
    # No SMTP server at all: the request must not notice.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    make_account(alice)
    client.force_login(alice)
    client.get("/reports/")

    with django_capture_on_commit_callbacks(execute=True) as queued:
        answer = client.post("/reports/preview/weekly/")
    app.control.purge()  # the task went to the broker; this test runs it itself

    assert answer.status_code == 302
    assert len(queued) == 1  # send_preview(id), handed to the broker after the commit
    preview = ReportPreview.objects.get()
    assert preview.status == "queued"

    with caplog.at_level(logging.WARNING, logger="reports.previews"):
        assert tasks.send_preview(preview.pk) == "failed"
    preview.refresh_from_db()
    assert "ConnectionRefusedError" in preview.error  # the detail, for staff
    assert "ConnectionRefusedError" in caplog.text  # and the log
    page = client.get("/reports/").content.decode()
    assert previews.SMTP_REFUSED in page
    assert "ConnectionRefused" not in page and "Errno" not in page
    assert tasks.send_preview(preview.pk) == "failed"  # a replayed task sends nothing


@pytest.mark.django_db(transaction=True)
def test_a_preview_is_sent_while_a_request_holds_the_persons_row(alice, smtp):
    make_account(alice)
    subscription = ReportSubscription.objects.create(user=alice, frequency="weekly")
    preview = ReportPreview.objects.create(subscription=subscription, user=alice)
    locked, release = threading.Event(), threading.Event()

    def ask_meanwhile():
        # What `previews.ask` holds while it counts: a lock on the person's row.
        with transaction.atomic():
            get_user_model().objects.select_for_update().get(pk=alice.pk)
            locked.set()
            release.wait(10)
        connection.close()

    request = threading.Thread(target=ask_meanwhile)
    request.start()
    try:
        assert locked.wait(10)
        assert previews.deliver(preview.pk) == "sent"
    finally:
        release.set()
        request.join()
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_no_previews_at_all_when_the_allowance_is_zero(client, alice, settings):
    settings.REPORT_PREVIEWS_PER_HOUR = 0
    make_account(alice)
    client.force_login(alice)
    client.get("/reports/")
    page = client.post("/reports/preview/daily/", follow=True).content.decode()
    assert "Previews are turned off on this installation." in page
    assert not ReportPreview.objects.exists()
