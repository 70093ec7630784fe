"""Sending deliveries: claims with a lease, one attempt at a time, the log, retries.

1. `deliver` claims a row with a conditional UPDATE (pending and due -> sending, with a
   lease of ALERT_DELIVERY_LEASE and one more attempt counted): of two workers holding the
   same task, one wins and the other does nothing.
2. One attempt is made and written to the log (DeliveryAttempt) with its status code,
   error and duration. Then the row becomes sent; or pending again, due after the next
   of ALERT_RETRY_DELAYS with up to 20 % jitter (a 5xx, 408, 429, a timeout or a refused
   connection, an SMTP failure); or failed after the last delay, or at once when a retry
   cannot help (another 4xx, a 3xx, a URL now refused by the rules). The update is
   conditional on the claim still being ours.
3. `queue_due` (the beat tick) hands the worker the rows that are due and not queued in
   the last lease (their task was lost, or they waited out quiet hours or a backoff), and
   puts back rows whose lease lapsed (their worker died mid-send).

Email goes only to the person's confirmed address (accounts/confirmation.py); otherwise
the row is skipped and the log says why. The one window left: a worker that dies after
the receiver accepted and before the row says sent; its lease lapses and the message goes
again, with the same delivery id header so the receiver can drop the repeat.
"""

import logging
import random
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import confirmation

from . import mail, payloads, targets, transport
from .models import Delivery, DeliveryAttempt, Destination

logger = logging.getLogger(__name__)

QUEUE_BATCH = 500
RETRYABLE_CODES = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Outcome:
    """How one attempt went. `retry`: a later attempt may succeed."""

    status: str
    status_code: int | None = None
    error: str = ""
    retry: bool = False


def backoff(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failed attempt, with jitter."""
    delays = settings.ALERT_RETRY_DELAYS
    delay = delays[min(attempt, len(delays)) - 1].total_seconds()
    return delay * random.uniform(1.0, 1.2)


def claim(delivery_id: int, now: datetime) -> Delivery | None:
    """The row, claimed for one attempt, if it was pending and due; else None."""
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Delivery.Status.PENDING, due_at__lte=now
    ).update(
        status=Delivery.Status.SENDING,
        claimed_until=now + settings.ALERT_DELIVERY_LEASE,
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return None
    return Delivery.objects.select_related("destination__user").get(pk=delivery_id)


def _send_email(delivery: Delivery) -> Outcome:
    user = delivery.destination.user
    if not user.email:
        return Outcome(Delivery.Status.SKIPPED, error="Not sent: the person has no address.")
    if not confirmation.is_confirmed(user):
        reason = "Not sent: the address has not been confirmed by its owner."
        return Outcome(Delivery.Status.SKIPPED, error=reason)
    try:
        mail.alert_email(delivery.message, user.email, delivery.pk).send()
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(Delivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}", retry=True)
    return Outcome(Delivery.Status.SENT)


def request_for(delivery: Delivery, now: datetime) -> tuple[bytes, dict]:
    """The body and headers one attempt posts to the delivery's webhook."""
    destination = delivery.destination
    headers = {
        "Content-Type": "application/json",
        "User-Agent": payloads.USER_AGENT,
        # The same on every attempt: receivers drop repeats by it.
        "X-Metricsdash-Delivery": str(delivery.pk),
    }
    if destination.kind == Destination.Kind.SLACK:
        body = payloads.encode(payloads.slack(delivery.message))
    elif destination.kind == Destination.Kind.DISCORD:
        body = payloads.encode(payloads.discord(delivery.message))
    else:
        body = payloads.encode(payloads.generic(delivery.message, delivery.pk, delivery.key))
        timestamp = str(int(now.timestamp()))
        headers["X-Metricsdash-Timestamp"] = timestamp
        headers["X-Metricsdash-Signature"] = payloads.signature(destination.secret, timestamp, body)
    return body, headers


def _post_webhook(delivery: Delivery, now: datetime) -> Outcome:
    body, headers = request_for(delivery, now)
    try:
        response = transport.post(delivery.destination.url, body, headers)
    except targets.Unresolvable as exc:
        return Outcome(Delivery.Status.FAILED, error=str(exc), retry=True)
    except targets.RefusedURL as exc:
        return Outcome(Delivery.Status.FAILED, error=f"Refused: {exc}")
    except urllib3.exceptions.HTTPError as exc:
        # The path can be the credential (Slack, Discord): never in the log or the admin.
        path = targets.parse(delivery.destination.url)[3]
        error = f"{type(exc).__name__}: {exc}".replace(path, "/…")
        return Outcome(Delivery.Status.FAILED, error=error, retry=True)
    if 200 <= response.status < 300:
        return Outcome(Delivery.Status.SENT, status_code=response.status)
    error = f"The receiver answered {response.status}: {response.text[:300]}".strip()
    retry = response.status in RETRYABLE_CODES
    return Outcome(Delivery.Status.FAILED, status_code=response.status, error=error, retry=retry)


def attempt(delivery: Delivery, now: datetime) -> Outcome:
    """Send the delivery once, by its destination's kind; never raises for its failures."""
    if not delivery.destination.enabled:
        return Outcome(Delivery.Status.SKIPPED, error="Not sent: the destination was turned off.")
    if delivery.destination.kind == Destination.Kind.EMAIL:
        return _send_email(delivery)
    return _post_webhook(delivery, now)


def record(delivery: Delivery, outcome: Outcome, started: datetime, duration_ms: int) -> str:
    """Log the attempt and move the row on (sent, pending until the next retry, failed or
    skipped), if it is still ours; returns the new status ("removed" if the row is gone)."""
    now = timezone.now()
    changes = {
        "claimed_until": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:2000],
    }
    status = outcome.status
    if status == Delivery.Status.SENT:
        changes["sent_at"] = now
    elif outcome.retry and delivery.attempts < len(settings.ALERT_RETRY_DELAYS) + 1:
        status = Delivery.Status.PENDING
        changes["due_at"] = now + timedelta(seconds=backoff(delivery.attempts))
    with transaction.atomic():
        # Locked, so the person cannot remove the destination (and this row) in between.
        if not Delivery.objects.select_for_update().filter(pk=delivery.pk).exists():
            logger.info("Delivery %s was removed with its destination while sending", delivery.pk)
            return "removed"
        DeliveryAttempt.objects.create(
            delivery=delivery,
            at=started,
            status_code=outcome.status_code,
            error=outcome.error[:2000],
            duration_ms=duration_ms,
        )
        ours = Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.SENDING, attempts=delivery.attempts
        ).update(status=status, **changes)
    if not ours:
        logger.warning(
            "Delivery %s: the lease lapsed before attempt %s ended", delivery.pk, delivery.attempts
        )
    settled = status in (Delivery.Status.SENT, Delivery.Status.PENDING)
    logger.log(
        logging.INFO if settled else logging.WARNING,
        "Delivery %s attempt %d: %s %s",
        delivery.pk,
        delivery.attempts,
        status,
        outcome.status_code or "",
    )
    return str(status)


def deliver(delivery_id: int) -> str:
    """Claim, attempt and record one delivery; returns its new status, or why nothing
    was done (not due, being sent, finished or missing)."""
    started = timezone.now()
    delivery = claim(delivery_id, started)
    if delivery is None:
        return "not due, being sent, finished or missing"
    clock = time.monotonic()
    try:
        outcome = attempt(delivery, started)
    except Exception as exc:
        # A bug of ours: logged on the row and given up, never retried blindly.
        logger.exception("Delivery %s could not be sent", delivery.pk)
        outcome = Outcome(Delivery.Status.FAILED, error=f"Internal error: {type(exc).__name__}")
    return record(delivery, outcome, started, round((time.monotonic() - clock) * 1000))


def queue_due(now: datetime | None = None) -> list[int]:
    """Rows the worker should try now, each marked queued for one lease; returns their ids.

    Pending rows that are due and not queued in the last lease; and rows whose sending
    lease lapsed, put back to pending first.
    """
    now = now or timezone.now()
    lease = now + settings.ALERT_DELIVERY_LEASE
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_until__lt=now).update(
        status=Delivery.Status.PENDING, claimed_until=None, due_at=now
    )
    not_queued = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    candidates = Delivery.objects.filter(
        not_queued, status=Delivery.Status.PENDING, due_at__lte=now
    ).values_list("pk", "claimed_until")[:QUEUE_BATCH]
    won = []
    for pk, queued_until in candidates:
        if Delivery.objects.filter(
            pk=pk, status=Delivery.Status.PENDING, claimed_until=queued_until
        ).update(claimed_until=lease):
            won.append(pk)
    return won
