"""End to end: a Tweet the sandbox makes take off, polled with the clock, checked by a
real Celery worker (another process: the poll's signal queues alerts.tasks.check_poll on
commit), delivered by it over real SMTP and to a local webhook receiver with a valid
signature, once."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest

from accounts.models import Profile
from alerts.models import Alert, AlertRule
from metricsdash.celery import app
from notifications.models import Delivery
from tests.conftest import wait_for
from tests.notifications.conftest import Receiver, webhook
from tests.reports.conftest import smtp  # noqa: F401
from tweets.models import TweetSample

pytestmark = pytest.mark.django_db(transaction=True)


def signed_by(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, as docs/ALERTS.md tells it."""
    signed = headers["X-Metricsdash-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Metricsdash-Signature"])


@pytest.fixture
def receiver(settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    settings.ALERT_WEBHOOK_ALLOW_HTTP = True
    running = Receiver()
    running.thread.start()
    yield running
    running.stop()


def test_a_spike_arrives_by_smtp_and_signed_webhook_once(
    walk,
    clock,
    alice,
    smtp,  # noqa: F811 (the fixture imported above)
    receiver,
    celery_processes,
    settings,
):
    Profile.objects.update_or_create(user=alice, defaults={"confirmed_email": alice.email})
    _, secret = webhook(alice, receiver.url)
    app.control.purge()
    celery_processes(
        beat=False,  # the test polls, with its clock; the worker checks and delivers
        env={
            "EMAIL_URL": f"smtp://127.0.0.1:{settings.EMAIL_PORT}",
            "ALERT_WEBHOOK_ALLOW_PRIVATE": "true",
            "ALERT_WEBHOOK_ALLOW_HTTP": "true",
        },
    )
    walker = walk(check=False)  # the worker checks every poll, from the poll's signal
    walker.through(clock.now() + timedelta(days=1))  # history; no rule yet, nothing to say
    made = clock.control.control(
        "POST", "takeoff", {"username": "sandbox_demo", "next": True, "factor": 30}
    )
    posted = datetime.fromisoformat(made["created_at"])
    walker.through(posted - timedelta(seconds=1))
    rule = AlertRule.objects.create(account=walker.account, kind="spike", factor=10)

    walker.poll(posted + timedelta(minutes=2))  # one polling slot after it took off

    wait_for(
        lambda: Alert.objects.filter(rule=rule, tweet_id=int(made["tweet_id"])).exists(),
        what="the worker's check to raise the alert",
    )
    alert = Alert.objects.get(rule=rule, tweet_id=int(made["tweet_id"]))
    wait_for(
        lambda: (
            set(Delivery.objects.filter(key=alert.key).values_list("status", flat=True)) == {"sent"}
        ),
        what="both deliveries sent",
    )
    walker.poll(posted + timedelta(minutes=2))  # a replay at the same instant
    walker.poll(posted + timedelta(minutes=7))  # the next slot
    # Then X refuses the token: its alert, checked by the one worker after the replays'
    # checks, marks the point by which they were done.
    clock.control.control("POST", "revoke", {"user_id": walker.account.x_user_id})
    walker.poll(posted + timedelta(minutes=12))
    wait_for(
        lambda: (
            Delivery.objects.filter(key__in=reauth_keys(walker.account), status="sent").count() == 2
        ),
        what="the re-authorisation alert's deliveries",
    )

    # Raised from the Tweet's first sample, taken one polling slot after it took off.
    first = TweetSample.objects.filter(tweet=alert.tweet).earliest("captured_at")
    slot = (posted + timedelta(minutes=2)).replace(microsecond=0)
    assert (alert.value, first.captured_at) == (first.impressions, slot)
    assert Alert.objects.filter(rule=rule).count() == 1
    subjects = [m["Subject"] for m in smtp.messages]
    assert sum(alert.title in subject for subject in subjects) == 1
    assert all(m["To"] == alice.email for m in smtp.messages)
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["key"] for b in bodies].count(alert.key) == 1
    assert all(signed_by(secret, r.headers, r.body) for r in receiver.requests)
    [spike] = [b for b in bodies if b["key"] == alert.key]
    assert (spike["kind"], spike["title"]) == ("spike", alert.title)
    print(
        f"{alert.title}: 1 email and 1 signed webhook of {len(subjects)} mails and"
        f" {len(bodies)} webhooks; raised from its first sample, {slot - posted} after posting"
    )


def reauth_keys(account) -> list[str]:
    return [a.key for a in Alert.objects.filter(account=account, incident__kind="reauth")]
