"""Through a real Celery worker with beat (another process, the test's database and
broker): a receiver that fails twice and then accepts gets exactly one delivery, retried
by the beat tick, and the log shows the three attempts."""

import pytest

from metricsdash.celery import app
from notifications.delivery import Message, notify
from notifications.models import Delivery
from tests.conftest import wait_for

from .conftest import email_off, webhook

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_receiver_failing_twice_gets_one_delivery_through_the_worker(
    alice, receiver, celery_processes
):
    email_off(alice)
    webhook(alice, receiver.url)
    receiver.answers = [500, 503]
    app.control.purge()
    worker = celery_processes(
        env={
            "ALERT_WEBHOOK_ALLOW_PRIVATE": "true",
            # The real backoff, shortened so the test takes seconds.
            "ALERT_RETRY_DELAYS": "1s,1s",
            "ALERT_TICK_SECONDS": "1",
        }
    )
    message = Message(kind="spike", title="A spike", text="6x", url="https://m.example.com/")
    [delivery] = notify([alice], message, "spike:9:1")  # autocommit: queued at once

    wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "sent", what="the delivery")
    worker.stop(warm=False)  # no attempt after this one: the counts below are final
    delivery.refresh_from_db()
    codes = list(delivery.log.values_list("status_code", flat=True))
    print("attempts", delivery.attempts, "codes", codes, "requests", len(receiver.requests))
    assert codes == [500, 503, 200]
    assert delivery.attempts == 3 and len(receiver.requests) == 3
    assert {r.headers["X-Metricsdash-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
