"""The signed one-click unsubscribe link: works once without login; forged or altered
links are refused; GET only asks (link scanners must not unsubscribe anyone)."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import signing
from django.test import Client

from reports import tasks, unsubscribe
from reports.models import ReportSubscription

from .conftest import make_account

pytestmark = pytest.mark.django_db
MONDAY_8AM = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)


@pytest.fixture
def sent_report(alice, eager, mailoutbox, settings_for_reports):
    """A weekly report really sent to alice; returns (subscription, unsubscribe path)."""
    make_account(alice)
    subscription = ReportSubscription.objects.create(
        user=alice, frequency="weekly", local_hour=8, enabled=True, next_send_at=MONDAY_8AM
    )
    with time_machine.travel(MONDAY_8AM, tick=False):
        tasks.send_due_reports()
    (message,) = mailoutbox
    url = re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert url in message.body  # the same link in the text
    assert url.startswith("https://metrics.example.com/reports/unsubscribe/")
    return subscription, urlsplit(url).path


def one_click(client, path):
    """What a mail client sends for RFC 8058 one-click: a POST with no cookie, no token."""
    return client.post(path, {"List-Unsubscribe": "One-Click"})


def test_the_link_from_the_email_works_once_without_login(sent_report):
    subscription, path = sent_report
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie: a mail client

    asked = client.get(path)
    assert asked.status_code == 200
    assert "Stop the weekly X report for alice?" in asked.content.decode()
    subscription.refresh_from_db()
    assert subscription.enabled  # GET changed nothing

    done = one_click(client, path)
    assert done.status_code == 200
    assert "You are unsubscribed from the weekly X report" in done.content.decode()
    subscription.refresh_from_db()
    assert not subscription.enabled and subscription.next_send_at is None
    assert subscription.unsubscribed_at is not None

    for again in (one_click(client, path), client.get(path)):
        assert again.status_code == 200
        assert "already unsubscribed" in again.content.decode()


def test_no_report_goes_out_after_unsubscribing(sent_report, mailoutbox):
    subscription, path = sent_report
    one_click(Client(), path)
    ReportSubscription.objects.filter(pk=subscription.pk).update(next_send_at=MONDAY_8AM)
    with time_machine.travel(datetime(2026, 11, 16, 8, tzinfo=UTC), tick=False):
        assert tasks.send_due_reports() == 0
    assert len(mailoutbox) == 1


def altered(token: str) -> list[str]:
    """The token with its payload, timestamp or signature changed, and shortened."""
    payload, stamp, signature = token.split(":")
    flip = {"A": "B"}.get(signature[0], "A")
    other = signing.dumps({"s": 999, "u": 999}, salt=unsubscribe.SALT).split(":")[0]
    return [
        f"{other}:{stamp}:{signature}",  # someone else's subscription, old signature
        f"{payload}:{stamp[:-1]}x:{signature}",
        f"{payload}:{stamp}:{flip}{signature[1:]}",
        f"{payload}:{stamp}:{signature[:-2]}",
        f"{payload}:{stamp}",
    ]


def test_forged_or_altered_links_are_refused(sent_report, alice):
    subscription, path = sent_report
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = [
        *altered(token),
        # Signed, but with another salt (as any other signed value the product makes).
        signing.dumps({"s": subscription.pk, "u": alice.pk}, salt="something.else"),
        # Signed with another secret key.
        signing.dumps({"s": subscription.pk, "u": alice.pk}, key="x" * 50, salt=unsubscribe.SALT),
        "not-a-token",
    ]
    client = Client()
    for bad in forged:
        bad_path = f"/reports/unsubscribe/{bad}/"
        for response in (client.get(bad_path), one_click(client, bad_path)):
            assert response.status_code == 400, bad
            assert "This unsubscribe link is not valid" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.enabled


def test_a_link_to_a_deleted_report_says_so(sent_report, alice):
    subscription, path = sent_report
    subscription.delete()
    page = one_click(Client(), path)
    assert page.status_code == 200
    assert "This report no longer exists" in page.content.decode()
