"""Webhook URL rules on a hostile internet (notifications/targets.py): https only in
production, no loopback, private, link-local or reserved address, checked when the URL is
saved (a form error, never a 500) and again at every send."""

import pytest
from django.db import transaction

from notifications import targets, tasks
from notifications.delivery import Message, notify

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.ALERT_WEBHOOK_ALLOW_HTTP = False
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False


REFUSED = {
    "http://93.184.215.14/hook": "must start with https://",
    "ftp://93.184.215.14/hook": "must start with https://",
    "https://user:pw@93.184.215.14/hook": "user name or password",
    "https://127.0.0.1/hook": "loopback",
    "https://127.8.9.10:8443/hook": "loopback",
    "https://10.1.2.3/hook": "private",
    "https://192.168.0.10/hook": "private",
    "https://172.16.0.1/hook": "private",
    "https://100.64.0.1/hook": "private",  # carrier-grade NAT, shared
    "https://169.254.169.254/latest/meta-data/": "link-local",  # cloud metadata
    "https://[::1]/hook": "loopback",
    "https://[fe80::1]/hook": "link-local",
    "https://[fd00::1]/hook": "private",
    "https://[::ffff:127.0.0.1]/hook": "loopback",
    "https://224.0.0.1/hook": "multicast",
    "https://0.0.0.0/hook": "reserved",
    "https://240.0.0.1/hook": "reserved",
    "https://localhost/hook": "loopback",  # a name resolving to loopback
    "https://[::1/hook": "not a valid URL",
    "https:///hook": "no host",
    "https://no-such-host.invalid/hook": "could not be found",
}


@pytest.mark.parametrize("url", REFUSED)
def test_refused_in_production(production, url):
    with pytest.raises(targets.RefusedURL, match=REFUSED[url]):
        targets.check(url)


def test_a_public_address_passes(production):
    target = targets.check("https://93.184.215.14:8443/services/T0/B0/xyz?via=md")
    assert (target.scheme, target.addresses, target.port) == ("https", ("93.184.215.14",), 8443)
    assert target.path == "/services/T0/B0/xyz?via=md"


def test_the_operator_may_allow_http_and_private_addresses(settings):
    settings.ALERT_WEBHOOK_ALLOW_HTTP = True
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    assert targets.check("http://127.0.0.1:9/hook").addresses == ("127.0.0.1",)
    assert targets.check("https://[::1]/hook").addresses == ("::1",)


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "http://93.184.215.14/", "x" * 3000])
def test_the_form_says_why(production, client, alice, url):
    client.force_login(alice)
    answer = client.post("/notifications/destinations/", {"kind": "slack", "name": "n", "url": url})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'class="errorlist"' in page
    assert alice.alert_destinations.exclude(kind="email").count() == 0


def test_checked_again_at_send_time(alice, receiver, settings):
    """Saved while the operator allowed loopback; by the time it is sent the rules say no
    (as a name rebound to a private address would be): nothing is posted."""
    email_off(alice)
    webhook(alice, receiver.url)
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    message = Message(kind="test", title="t", text="t", url="https://metrics.example.com/")
    with transaction.atomic():
        [delivery] = notify([alice], message, "test:1")
    assert tasks.send_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("Refused: The host 127.0.0.1 resolves to a loopback")
    assert receiver.requests == []


def test_redirects_are_not_followed(alice, receiver):
    email_off(alice)
    webhook(alice, receiver.url)
    receiver.answers = [302]
    message = Message(kind="test", title="t", text="t", url="https://metrics.example.com/")
    with transaction.atomic():
        [delivery] = notify([alice], message, "test:2")
    assert tasks.send_delivery(delivery.pk) == "failed"
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.last_status_code == 302
