"""The admin's delivery log: each delivery with its attempts and response codes, read-only;
destinations with the URL masked and the secret nowhere."""

import pytest
from django.db import transaction

from notifications import tasks
from notifications.delivery import Message, notify

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    return client


def test_a_delivery_shows_its_attempts_and_cannot_be_changed(staff_client, alice, receiver):
    email_off(alice)
    hook, secret = webhook(alice, receiver.url)
    receiver.answers = [502]
    message = Message(kind="test", title="Checking the log", text="t", url="https://m.example/")
    with transaction.atomic():
        [delivery] = notify([alice], message, "test:admin")
    tasks.send_delivery(delivery.pk)

    url = f"/admin/notifications/delivery/{delivery.pk}/change/"
    page = staff_client.get(url).content.decode()
    assert "Checking the log" in staff_client.get("/admin/notifications/delivery/").content.decode()
    assert "502" in page and "The receiver answered 502" in page
    assert 'name="_save"' not in page  # view only
    assert staff_client.post(url, {"status": "sent"}).status_code == 403
    assert staff_client.get("/admin/notifications/delivery/add/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "pending"

    change = staff_client.get(f"/admin/notifications/destination/{hook.pk}/change/")
    text = change.content.decode()
    assert hook.masked_url in text and receiver.url not in text and secret not in text
