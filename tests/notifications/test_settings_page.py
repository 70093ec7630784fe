"""The alert settings page: destinations shown masked, a secret shown once, the test
button (rate-limited), quiet hours, bad input as form errors, outsiders get 404."""

import pytest

from notifications.models import Delivery, Destination, QuietHours

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T000SECRET/B000SECRET/XXXXtokenpartYYYY"


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def test_the_page_never_shows_a_full_url_or_a_secret(signed_in, alice, receiver, settings):
    webhook(alice, SLACK_URL, kind="slack", name="Team channel")
    answer = signed_in.post(
        "/notifications/destinations/",
        {"kind": "webhook", "name": "Our receiver", "url": receiver.url},
    )
    assert answer.status_code == 200
    signed = Destination.objects.get(name="Our receiver")
    secret = signed.secret
    assert secret in answer.content.decode()  # shown once, on creation
    page = signed_in.get("/notifications/").content.decode()
    assert "Team channel" in page and "https://hooks.slack.com/…YYYY" in page
    assert "T000SECRET" not in page and "XXXXtokenpart" not in page
    assert receiver.url not in page and "/hooks/metricsdash" not in page
    assert secret not in page

    alice.is_staff = alice.is_superuser = True
    alice.save()
    for url in (
        "/admin/notifications/destination/",
        f"/admin/notifications/destination/{signed.pk}/change/",
    ):
        admin_page = signed_in.get(url).content.decode()
        assert signed.masked_url in admin_page
        assert secret not in admin_page and receiver.url not in admin_page
        assert signed.credentials not in admin_page


@pytest.mark.usefixtures("eager")
def test_the_test_button_sends_one_test_message(
    signed_in, alice, receiver, django_capture_on_commit_callbacks
):
    email_off(alice)
    webhook(alice, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in.post("/notifications/test/", follow=True)
    assert "A test is on its way to 1 destination(s)." in answer.content.decode()
    [request] = receiver.requests
    assert b'"kind":"test"' in request.body
    [delivery] = Delivery.objects.all()
    assert (delivery.kind, delivery.status) == ("test", "sent")
    page = signed_in.get("/notifications/").content.decode()
    assert "Test alert from metricsdash" in page and ">200</span>" in page


def test_the_test_button_is_rate_limited(signed_in, alice, receiver, settings):
    settings.ALERT_TESTS_PER_HOUR = 5
    email_off(alice)
    webhook(alice, receiver.url)
    for _ in range(5):
        signed_in.post("/notifications/test/")
    answer = signed_in.post("/notifications/test/", follow=True)
    assert "the most tests there can be in an hour" in answer.content.decode()
    assert Delivery.objects.values("key").distinct().count() == 5
    assert "0 left this hour" in answer.content.decode()


def test_quiet_hours_are_saved_and_turned_off(signed_in, alice):
    signed_in.post("/notifications/quiet-hours/", {"enabled": "on", "start": "22", "end": "7"})
    assert QuietHours.objects.filter(user=alice, start=22, end=7).exists()
    signed_in.post("/notifications/quiet-hours/", {"start": "22", "end": "7"})
    assert not QuietHours.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"enabled": "on", "start": "7", "end": "7"},
        {"enabled": "on", "start": "24", "end": "7"},
        {"enabled": "on", "start": "-1", "end": "x"},
        {"enabled": "on", "start": "\x00", "end": "7"},
    ],
)
def test_bad_quiet_hours_are_a_form_error(signed_in, alice, data):
    answer = signed_in.post("/notifications/quiet-hours/", data)
    assert answer.status_code == 400
    assert 'class="errorlist' in answer.content.decode()
    assert not QuietHours.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"kind": "email", "name": "x", "url": SLACK_URL},
        {"kind": "slack", "name": "", "url": SLACK_URL},
        {"kind": "slack", "name": "x" * 81, "url": SLACK_URL},
        {"kind": "slack", "name": "x", "url": "not a url"},
        {"kind": "slack", "name": "x", "url": "https://[zz]/"},
        {"kind": "slack", "name": "x", "url": "https://\x00/"},
    ],
)
def test_bad_destinations_are_a_form_error(signed_in, alice, data):
    answer = signed_in.post("/notifications/destinations/", data)
    assert answer.status_code == 400
    assert 'class="errorlist' in answer.content.decode()
    assert not Destination.objects.filter(user=alice).exclude(kind="email").exists()


def test_at_most_ten_destinations(signed_in, alice, receiver):
    Destination.email_of(alice)
    for n in range(9):
        webhook(alice, SLACK_URL, kind="slack", name=f"c{n}")
    answer = signed_in.post(
        "/notifications/destinations/", {"kind": "slack", "name": "one more", "url": receiver.url}
    )
    assert answer.status_code == 400
    assert "the most there can be" in answer.content.decode()


def test_turning_off_and_removing(signed_in, alice):
    hook, _ = webhook(alice, SLACK_URL, kind="slack")
    email = Destination.email_of(alice)
    signed_in.post(f"/notifications/destinations/{email.pk}/toggle/")
    assert not Destination.objects.get(pk=email.pk).enabled
    assert signed_in.post(f"/notifications/destinations/{email.pk}/remove/").status_code == 404
    signed_in.post(f"/notifications/destinations/{hook.pk}/remove/")
    assert not Destination.objects.filter(pk=hook.pk).exists()


def test_an_outsider_gets_404(client, alice, charlie):
    hook, _ = webhook(alice, SLACK_URL, kind="slack")
    client.force_login(charlie)
    for action in ("toggle", "remove"):
        assert client.post(f"/notifications/destinations/{hook.pk}/{action}/").status_code == 404
    hook.refresh_from_db()
    assert hook.enabled
    assert "Ops hook" not in client.get("/notifications/").content.decode()
