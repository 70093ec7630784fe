"""The alert settings page in chromium, under the Content-Security-Policy: add a signed
webhook (its secret shown once), send a test (through Celery, eagerly), read the log."""

import pytest

from notifications.models import Delivery, Destination
from tests.conftest import PASSWORD
from tests.notifications.conftest import receiver, receivers  # noqa: F401 - webhook receivers
from tests.reports.conftest import eager  # noqa: F401 - the test's sends run in the server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("eager")
def test_add_a_webhook_send_a_test_and_read_the_log(tab, alice, receiver):  # noqa: F811
    tab.sign_in("alice", PASSWORD)
    tab.open("/notifications/")
    tab.page.select_option("select[name=kind]", "webhook")
    tab.page.fill("input[name=name]", "Our receiver")
    tab.page.fill("input[name=url]", receiver.url)
    tab.page.click("form[action='/notifications/destinations/'] button[type=submit]")
    secret = tab.page.inner_text("code.secret")
    assert secret == Destination.objects.get(name="Our receiver").secret

    tab.open("/notifications/")
    page = tab.page.content()
    assert secret not in page and receiver.url not in page
    assert "http://127.0.0.1/…" in page  # the masked URL

    tab.page.click("text=Turn off >> nth=0")  # the email destination: alice's is unconfirmed
    tab.page.click("button:has-text('Send a test')")
    tab.page.wait_for_selector("text=A test is on its way to 1 destination(s).")
    [request] = receiver.requests
    assert b'"kind":"test"' in request.body
    log = tab.page.inner_text("table.delivery-log")
    assert "Test alert from metricsdash" in log and "Our receiver" in log and "200" in log
    assert Delivery.objects.get().status == "sent"
    tab.screenshot("alert-settings")
    assert tab.foreign_requests() == []
