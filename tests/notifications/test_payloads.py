"""What each kind of webhook receives, over real HTTP (notifications/payloads.py), and
the signature a receiver checks with its secret, as docs/ALERTS.md tells it to."""

import hashlib
import hmac
import json

import pytest
from django.db import transaction

from notifications import tasks
from notifications.delivery import Message, notify

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db

MESSAGE = Message(
    kind="reauth",
    title="@alice_bakes needs re-authorising",
    text="X refused its token <!channel> @everyone & more; polling has stopped.",
    url="https://metrics.example.com/accounts/",
    fields={"Account": "@alice_bakes", "Since": "12:04"},
    severity="warning",
)


def deliver_to(user, receiver, kind) -> tuple[dict, dict, bytes, str | None]:
    """(JSON body, headers, raw body, secret) of the one request the receiver got."""
    email_off(user)
    _, secret = webhook(user, receiver.url, kind=kind)
    with transaction.atomic():
        [delivery] = notify([user], MESSAGE, f"reauth:{kind}")
    assert tasks.send_delivery(delivery.pk) == "sent"
    [request] = receiver.requests
    return json.loads(request.body), request.headers, request.body, secret


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's side, as in docs/ALERTS.md."""
    signed = headers["X-Metricsdash-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Metricsdash-Signature"])


def test_signed_json_verifies_with_the_secret(alice, receiver):
    body, headers, raw, secret = deliver_to(alice, receiver, "webhook")
    assert secret and len(secret) >= 40
    assert verify(secret, headers, raw)
    assert not verify(secret, headers, raw.replace(b"alice_bakes", b"alice_bakez"))
    assert not verify("another-secret", headers, raw)
    stale = {**headers, "X-Metricsdash-Timestamp": str(int(headers["X-Metricsdash-Timestamp"]) - 1)}
    assert not verify(secret, stale, raw)  # the timestamp is part of what is signed
    assert body["kind"] == "reauth" and body["severity"] == "warning"
    assert body["key"] == "reauth:webhook"
    assert str(body["delivery"]) == headers["X-Metricsdash-Delivery"]
    assert body["fields"] == {"Account": "@alice_bakes", "Since": "12:04"}
    assert headers["Content-Type"] == "application/json"
    assert secret not in raw.decode() and secret not in str(headers)


def test_slack_payload(alice, receiver):
    body, headers, _, secret = deliver_to(alice, receiver, "slack")
    assert secret is None and "X-Metricsdash-Signature" not in headers
    assert set(body) == {"text", "blocks"}
    assert body["text"].startswith("@alice_bakes needs re-authorising: X refused its token")
    assert "<!channel>" not in json.dumps(body)  # escaped: a Tweet cannot ping a channel
    assert "&lt;!channel&gt;" in body["blocks"][1]["text"]["text"]
    header, section, facts, context = body["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "@alice_bakes needs re-authorising"},
    }
    assert section["text"]["type"] == "mrkdwn"
    assert facts["fields"][0] == {"type": "mrkdwn", "text": "*Account*\n@alice_bakes"}
    assert (
        context["elements"][0]["text"]
        == "<https://metrics.example.com/accounts/|Open in metricsdash>"
    )


def test_discord_payload(alice, receiver):
    body, _, _, _ = deliver_to(alice, receiver, "discord")
    assert set(body) == {"content", "embeds", "allowed_mentions"}
    assert body["content"] == "@alice_bakes needs re-authorising"
    assert body["allowed_mentions"] == {"parse": []}  # "@everyone" in a Tweet pings nobody
    [embed] = body["embeds"]
    assert embed["title"] == MESSAGE.title
    assert embed["url"] == MESSAGE.url
    assert embed["description"] == MESSAGE.text
    assert embed["color"] == 0xE0A000
    assert embed["fields"] == [
        {"name": "Account", "value": "@alice_bakes", "inline": True},
        {"name": "Since", "value": "12:04", "inline": True},
    ]
