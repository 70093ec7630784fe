"""Email alerts go to a confirmed address only, over real SMTP (tests/reports' `smtp`)."""

import pytest
from django.db import transaction

from notifications import tasks
from notifications.delivery import Message, notify
from notifications.models import Delivery
from tests.reports.conftest import confirm_address

pytestmark = pytest.mark.django_db

MESSAGE = Message(
    kind="spike",
    title="@alice_bakes: a Tweet is doing 6.2x its usual",
    text="Sourdough at dawn has 4,812 impressions at 1 h; usually 776.",
    url="https://metrics.example.com/dashboard/tweets/1/",
    fields={"Impressions": "4,812", "Usual": "776"},
)


def send(users) -> list[Delivery]:
    with transaction.atomic():
        deliveries = notify(users, MESSAGE, "spike:7:2117")
    for delivery in deliveries:
        tasks.send_delivery(delivery.pk)
    return [Delivery.objects.get(pk=d.pk) for d in deliveries]


def test_a_confirmed_address_gets_text_and_html(alice, smtp):
    confirm_address(alice)
    [delivery] = send([alice])
    assert delivery.status == "sent"
    [message] = smtp.messages
    assert smtp.envelopes[0].rcpt_tos == ["alice@example.com"]
    assert message["Subject"] == "[metricsdash] @alice_bakes: a Tweet is doing 6.2x its usual"
    assert message["List-Id"] == "metricsdash alerts <alerts.metrics.example.com>"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "4,812 impressions at 1 h" in text and "Impressions: 4,812" in text
    assert "https://metrics.example.com/dashboard/tweets/1/" in text
    assert 'href="https://metrics.example.com/dashboard/tweets/1/"' in html
    assert "https://metrics.example.com/notifications/" in text


def test_an_unconfirmed_address_gets_nothing_and_the_log_says_why(bob, smtp, client):
    [delivery] = send([bob])
    assert smtp.messages == []
    assert delivery.status == "skipped"
    assert delivery.last_error == "Not sent: the address has not been confirmed by its owner."
    [attempt] = delivery.log.all()
    assert attempt.error == delivery.last_error
    client.force_login(bob)
    page = client.get("/notifications/").content.decode()
    assert "the address has not been confirmed by its owner" in page


def test_an_smtp_refusal_is_retried(alice, smtp):
    confirm_address(alice)
    smtp.refuse = 1
    [delivery] = send([alice])
    assert delivery.status == "pending" and smtp.messages == []
    assert "451" in delivery.last_error
