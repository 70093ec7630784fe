"""The one door into notifications: `notify(users, message, key)`.

Alerts (and the "send a test" button) describe what happened as a `Message`; `notify`
writes one ledger row per (key, destination) of each person and hands the rows due now to
the worker once the caller's transaction commits. The key is the caller's idempotency key
(e.g. "spike:<rule>:<tweet>"): a second call with the same key finds the rows there and
creates nothing, so a replayed poll or a second beat never alerts twice. Rows raised in a
person's quiet hours are due when those hours end; the beat tick sends them then.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import tasks
from .models import Delivery, Destination
from .quiet import quiet_until

logger = logging.getLogger(__name__)

KINDS = ("spike", "threshold", "reauth", "failing", "rate_limited", "recovered", "test")
SEVERITIES = ("info", "warning")


@dataclass(frozen=True)
class Message:
    """What an alert says, whatever carries it: email, Slack, Discord or signed JSON."""

    kind: str  # one of KINDS
    title: str
    text: str  # plain text, one or two lines
    url: str  # absolute link into the dashboard (SITE_URL)
    fields: dict = field(default_factory=dict)  # small str -> str facts
    severity: str = "info"  # one of SEVERITIES

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Unknown message kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"Unknown severity {self.severity!r}")

    def as_json(self) -> dict:
        """For the ledger; the facts as [name, value] pairs, since jsonb keeps no key order."""
        return {**asdict(self), "fields": [[str(k), str(v)] for k, v in self.fields.items()]}


def notify(users: Iterable, message: Message, key: str) -> list[Delivery]:
    """Queue `message` to every enabled destination of each (active) person; returns the
    deliveries this call created (none when `key` was notified already).

    Call it inside the transaction that records the alert: the rows commit with it, and
    the worker hears of them only after the commit.
    """
    now = timezone.now()
    body = message.as_json()
    created = []
    for user in users:
        if not user.is_active:
            continue
        Destination.email_of(user)
        due_at = quiet_until(user, now) or now
        # Due now: handed to the worker below, so the tick leaves it alone for a lease.
        queued = now + settings.ALERT_DELIVERY_LEASE if due_at <= now else None
        for destination in Destination.objects.filter(user=user, enabled=True):
            delivery, new = Delivery.objects.get_or_create(
                key=key,
                destination=destination,
                defaults={"message": body, "due_at": due_at, "claimed_until": queued},
            )
            if new:
                created.append(delivery)
    due_now = [delivery.pk for delivery in created if delivery.due_at <= now]
    if due_now:
        transaction.on_commit(partial(_hand_to_worker, due_now))
    return created


def _hand_to_worker(ids: list[int]) -> None:
    try:
        for pk in ids:
            tasks.send_delivery.delay(pk)
    except OperationalError:
        # The broker is down: the rows are committed, and the beat tick sends them later.
        logger.warning("Could not queue alert deliveries %s; the tick will", ids)


TEST_WINDOW = timedelta(hours=1)


def tests_left(user, now: datetime | None = None) -> int:
    """How many more "send a test" the person may ask for in the sliding hour."""
    now = now or timezone.now()
    sent = (
        Delivery.objects.filter(
            destination__user=user, message__kind="test", created_at__gt=now - TEST_WINDOW
        )
        .values("key")
        .distinct()
        .count()
    )
    return max(0, settings.ALERT_TESTS_PER_HOUR - sent)


def send_test(user) -> list[Delivery] | None:
    """One "test" message to each of the person's enabled destinations; None when the
    hour's allowance (ALERT_TESTS_PER_HOUR) is used up."""
    now = timezone.now()
    with transaction.atomic():
        # One person's requests queue up here, so two of them never both see room left.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if tests_left(user, now) == 0:
            return None
        message = Message(
            kind="test",
            title="Test alert from metricsdash",
            text="Alerts reach this place. Nothing else happened.",
            url=settings.SITE_URL + reverse("notifications:settings"),
            fields={"Sent by": user.get_username()},
        )
        return notify([user], message, key=f"test:{user.pk}:{uuid.uuid4().hex}")
