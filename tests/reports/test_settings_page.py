"""The report settings page: choose reports, hours and accounts; "send me a preview now"."""

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import Profile
from reports import tasks
from reports.models import ReportDelivery, ReportPreview, ReportSubscription
from reports.sending import schedule

from .conftest import make_account, set_timezone

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def form_data(**overrides) -> dict:
    data = {"email": "alice@example.org"}
    for frequency in ("daily", "weekly", "monthly"):
        data[f"{frequency}-local_hour"] = "8"
    data.update(overrides)
    return data


def test_signing_in_is_required(client):
    assert client.get("/reports/").status_code == 302
    assert client.post("/reports/preview/weekly/").status_code == 302


def test_a_person_turns_on_a_weekly_report_for_one_account(client, alice):
    demo = make_account(alice, "sandbox_demo")
    make_account(alice, "sandbox_newcomer")
    client.force_login(alice)
    # The timezone has one page, Settings; the reports page says which it is and links there.
    client.post("/dashboard/settings/", {"timezone": "Europe/Berlin"})

    page = client.get("/reports/").content.decode()
    assert "Daily report" in page and "Weekly report" in page and "Monthly report" in page
    assert "@sandbox_demo" in page and "Send me a preview now" in page
    assert "Europe/Berlin" in page and 'href="/dashboard/settings/"' in page

    answer = client.post(
        "/reports/",
        form_data(**{"weekly-enabled": "on", "weekly-local_hour": "9", "weekly-accounts": demo.pk}),
    )

    assert answer.status_code == 302
    weekly = ReportSubscription.objects.get(user=alice, frequency="weekly")
    assert weekly.enabled and weekly.local_hour == 9
    assert weekly.report_accounts() == [demo]
    # Monday 9 November, 09:00 in Berlin (CET, UTC+1).
    assert weekly.next_send_at == datetime(2026, 11, 9, 8, tzinfo=UTC)
    assert not ReportSubscription.objects.get(user=alice, frequency="daily").enabled
    alice.refresh_from_db()
    assert alice.email == "alice@example.org"
    assert Profile.of(alice).timezone == "Europe/Berlin"
    assert "Next: " in client.get("/reports/").content.decode()


def test_no_account_of_someone_else_can_be_chosen(client, alice, charlie):
    alices = make_account(alice, "sandbox_demo")
    client.force_login(charlie)

    answer = client.post(
        "/reports/", form_data(**{"weekly-enabled": "on", "weekly-accounts": alices.pk})
    )

    assert answer.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in answer.content.decode()
    assert not ReportSubscription.objects.filter(user=charlie, enabled=True).exists()
    assert "@sandbox_demo" not in client.get("/reports/").content.decode()


def test_preview_now_sends_the_report_and_leaves_the_schedule_alone(
    client, alice, mailoutbox, eager, settings_for_reports, frozen
):
    make_account(alice)
    set_timezone(alice, "Europe/Berlin")
    client.force_login(alice)
    client.post("/reports/", form_data(email="alice@example.com", **{"weekly-enabled": "on"}))

    answer = client.post("/reports/preview/weekly/", follow=True)

    assert "A preview of your weekly report is on its way to alice@example.com." in (
        answer.content.decode()
    )
    assert mailoutbox == []  # the worker sends it
    queued = ReportPreview.objects.get(user=alice)
    assert tasks.send_preview(queued.pk) == "sent"
    (preview,) = mailoutbox
    assert preview.subject.startswith("[Preview] Your weekly X report, 26 October")
    assert preview.to == ["alice@example.com"]
    assert "PREVIEW" in preview.body
    assert not ReportDelivery.objects.exists()  # not on the ledger...

    frozen.move_to(datetime(2026, 11, 9, 7, tzinfo=UTC))  # Monday 08:00 in Berlin
    assert tasks.send_due_reports() == 1  # ...so the scheduled report still goes out
    assert len(mailoutbox) == 2 and not mailoutbox[1].subject.startswith("[Preview]")


def test_preview_needs_an_address_and_an_account(client, alice, mailoutbox):
    alice.email = ""
    alice.save()
    client.force_login(alice)
    client.get("/reports/")

    page = client.post("/reports/preview/daily/", follow=True).content.decode()
    assert "Add the address reports go to first" in page

    alice.email = "alice@example.com"
    alice.save()
    page = client.post("/reports/preview/daily/", follow=True).content.decode()
    assert "Link an X account first" in page
    assert mailoutbox == []
    assert client.post("/reports/preview/yearly/").status_code == 404


def test_a_timezone_changed_elsewhere_moves_the_next_report(alice, frozen):
    make_account(alice)
    weekly = ReportSubscription.objects.create(user=alice, frequency="weekly", enabled=True)
    daily = ReportSubscription.objects.create(
        user=alice,
        frequency="daily",
        enabled=True,
        next_send_at=NOW,  # due: left alone
    )
    schedule(weekly)
    weekly.save()
    assert weekly.next_send_at == datetime(2026, 11, 9, 8, tzinfo=UTC)  # 08:00 UTC

    profile = Profile.of(alice)
    profile.timezone = "Asia/Tokyo"  # as the dashboard's settings page saves it
    profile.save()

    weekly.refresh_from_db()
    daily.refresh_from_db()
    assert weekly.next_send_at == datetime(2026, 11, 8, 23, tzinfo=UTC)  # Mon 08:00 in Tokyo
    assert daily.next_send_at == NOW
