"""Mail goes only to addresses that said yes: a new or changed report address gets nothing
(no report, no preview) until its owner follows the confirmation link mailed to it.

Counted at a real SMTP server on loopback. The confirmation mail is sent as the worker
sends it: its task, called after the request returned.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts import confirmation
from accounts import tasks as account_tasks
from reports import tasks
from reports.models import ReportDelivery, ReportPreview, ReportSubscription

from .conftest import make_account

pytestmark = pytest.mark.django_db
MONDAY_8AM = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
NEW_ADDRESS = "bob@elsewhere.example"


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY_8AM, tick=False) as traveller:
        yield traveller


def settings_form(email: str) -> dict:
    data = {"email": email, "weekly-enabled": "on"}
    for frequency in ("daily", "weekly", "monthly"):
        data[f"{frequency}-local_hour"] = "8"
    return data


def make_due(user) -> None:
    ReportSubscription.objects.filter(user=user, frequency="weekly").update(next_send_at=MONDAY_8AM)


def confirmation_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    (path,) = re.findall(r"https://metrics\.example\.com(/auth/confirm-email/[^\s]+/)", body)
    return path


def test_nothing_goes_to_an_unconfirmed_address_until_it_is_confirmed(
    client, bob, monday, smtp, eager, settings_for_reports
):
    # bob (the root persona: his address never confirmed) types a new address.
    make_account(bob)
    client.force_login(bob)
    saved = client.post("/reports/", settings_form(NEW_ADDRESS), follow=True).content.decode()
    assert f"A link to confirm {NEW_ADDRESS} is on its way there." in saved
    page = client.get("/reports/").content.decode()
    assert f"Waiting for confirmation, sent to {NEW_ADDRESS}" in page
    assert "Resend the link" in page

    # The scheduled report comes due: skipped, with the reason on the ledger.
    make_due(bob)
    assert tasks.send_due_reports() == 1
    delivery = ReportDelivery.objects.get()
    assert delivery.status == "skipped"
    assert delivery.error == "The address has not been confirmed by its owner."
    # A preview is refused before it is even queued.
    refused = client.post("/reports/preview/weekly/", follow=True).content.decode()
    assert f"Confirm {NEW_ADDRESS} first" in refused
    assert not ReportPreview.objects.exists()
    assert smtp.messages == []

    # The worker mails the confirmation link, to the new address only.
    assert account_tasks.send_confirmation(bob.pk) is True
    (mail,) = smtp.messages
    assert mail["To"] == NEW_ADDRESS
    path = confirmation_link(mail)
    # Opening the link (or a mail scanner fetching it) confirms nothing by itself.
    button = client.get(path).content.decode()
    assert f"Yes, confirm {NEW_ADDRESS}" in button
    assert not confirmation.is_confirmed(bob)
    done = client.post(path).content.decode()
    assert "is confirmed" in done
    bob.refresh_from_db()
    assert confirmation.is_confirmed(bob)
    assert f"Confirmed: reports go to {NEW_ADDRESS}." in client.get("/reports/").content.decode()

    # Now reports flow: next Monday's goes out, to the confirmed address.
    monday.move_to(MONDAY_8AM + timedelta(days=7))
    assert tasks.send_due_reports() == 1
    assert len(smtp.messages) == 2
    assert smtp.messages[1]["To"] == NEW_ADDRESS
    assert "Your weekly X report, 9 November" in smtp.messages[1]["Subject"]


def test_a_changed_address_starts_unconfirmed_and_changing_back_needs_no_mail(
    client, alice, monday, smtp, eager, settings_for_reports
):
    # alice's address is confirmed (tests/reports/conftest.py); she changes it.
    make_account(alice)
    client.force_login(alice)
    client.post("/reports/", settings_form("alice@new.example"))
    make_due(alice)
    assert tasks.send_due_reports() == 1
    assert ReportDelivery.objects.get().status == "skipped"
    assert smtp.messages == []

    # Back to the address she confirmed before: confirmed again, no new mail asked for.
    client.post("/reports/", settings_form("alice@example.com"))
    alice.refresh_from_db()
    assert confirmation.is_confirmed(alice)
    assert account_tasks.send_confirmation(alice.pk) is False
    assert smtp.messages == []


def test_a_link_for_an_old_address_altered_or_expired_confirms_nothing(
    client, bob, monday, smtp, settings_for_reports
):
    client.force_login(bob)
    client.post("/reports/", settings_form(NEW_ADDRESS))
    account_tasks.send_confirmation(bob.pk)
    path = confirmation_link(smtp.messages[0])
    token = path.split("/")[-2]

    forged = client.post(f"/auth/confirm-email/{token[:-2]}xy/")
    assert forged.status_code == 400 and "not valid" in forged.content.decode()
    monday.move_to(MONDAY_8AM + settings_for_reports.EMAIL_CONFIRMATION_MAX_AGE + timedelta(1))
    expired = client.post(path)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    monday.move_to(MONDAY_8AM + timedelta(minutes=5))
    # The address changed again before the link was followed: it confirms nothing.
    client.post("/reports/", settings_form("bob@third.example"))
    assert "no longer the address" in client.post(path).content.decode()
    bob.refresh_from_db()
    assert not confirmation.is_confirmed(bob)


def test_resending_waits_a_minute(client, bob, monday, smtp, settings_for_reports):
    client.force_login(bob)
    client.post("/reports/", settings_form(NEW_ADDRESS))
    page = client.post("/reports/confirm-address/", follow=True).content.decode()
    assert "No link was sent: one went out less than a minute ago" in page
    monday.move_to(MONDAY_8AM + timedelta(minutes=2))
    page = client.post("/reports/confirm-address/", follow=True).content.decode()
    assert f"A new confirmation link is on its way to {NEW_ADDRESS}." in page
