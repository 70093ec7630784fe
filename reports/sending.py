"""Claiming due reports, the send-once ledger, and sending (DESIGN.md section 7).

1. The beat claims each due subscription with a conditional UPDATE of next_send_at (only
   one beat can move it from the value it read) and, in the same transaction, writes the
   ledger row for the period that just ended. The row is unique per (subscription,
   period): a second beat, a replayed tick or a late claim finds it there and sends nothing.
2. `deliver` sends one ledger row, under a row lock, only while it is still pending, and
   records the outcome; a replayed or concurrent task finds it sent (or locked) and stops.
   A temporary SMTP failure is recorded and raised, so the task retries with backoff.
   A person whose address is not confirmed (accounts/confirmation.py) gets nothing: the
   row is skipped with that reason.

The one window left is a worker dying after the SMTP server accepted the message and
before the row was marked sent: the retry then sends it again (at least once, never lost).
"""

import logging
import smtplib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import confirmation

from .message import report_message
from .models import ReportDelivery, ReportSubscription, zone_of
from .schedule import next_send_at, period_from_instants, report_period

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500


class TemporaryFailure(Exception):
    """Sending failed in a way worth retrying (SMTP refused for now, network trouble)."""


def schedule(subscription: ReportSubscription, now=None, tz=None) -> None:
    """Set next_send_at from the subscription's settings (None while it is off); unsaved."""
    if not subscription.enabled:
        subscription.next_send_at = None
        return
    subscription.next_send_at = next_send_at(
        subscription.frequency,
        subscription.local_hour,
        tz or zone_of(subscription.user),
        after=now or timezone.now(),
    )


def reschedule_for_timezone(sender, instance, **kwargs) -> None:
    """post_save of a Profile (its timezone may have changed, on any page): move the
    person's next reports to their hour in that timezone. One already due is left as is,
    for the beat to send."""
    profile = instance
    now = timezone.now()
    waiting = ReportSubscription.objects.filter(
        user_id=profile.user_id, enabled=True, next_send_at__gt=now
    )
    for subscription in waiting:
        schedule(subscription, now, tz=profile.zone)
        ReportSubscription.objects.filter(pk=subscription.pk, next_send_at__gt=now).update(
            next_send_at=subscription.next_send_at
        )


def claim_due_reports(now=None) -> list[int]:
    """Claim every due subscription and write its ledger row; returns the new rows' ids."""
    now = now or timezone.now()
    due = ReportSubscription.objects.filter(enabled=True, next_send_at__lte=now).select_related(
        "user__profile"
    )[:CLAIM_BATCH]
    created_ids = []
    for subscription in due:
        tz = zone_of(subscription.user)
        with transaction.atomic():
            claimed = ReportSubscription.objects.filter(
                pk=subscription.pk, enabled=True, next_send_at=subscription.next_send_at
            ).update(
                next_send_at=next_send_at(
                    subscription.frequency, subscription.local_hour, tz, after=now
                )
            )
            if claimed != 1:
                continue  # another beat won it
            period = report_period(subscription.frequency, tz, now).period
            delivery, created = ReportDelivery.objects.get_or_create(
                subscription=subscription,
                period_start=period.start,
                period_end=period.end,
                defaults={"time_zone": tz.key, "queued_at": now},
            )
        if created:
            created_ids.append(delivery.pk)
        else:
            logger.info("Report %s for %s was already on the ledger", subscription, period)
    return created_ids


def requeue_stale(now=None) -> list[int]:
    """Pending rows that no worker ever tried (their task was lost): claim and return them."""
    now = now or timezone.now()
    stale = ReportDelivery.objects.filter(
        status=ReportDelivery.Status.PENDING,
        attempts=0,
        queued_at__lt=now - settings.REPORT_REQUEUE_AFTER,
        created_at__gte=now - settings.REPORT_GIVE_UP_AFTER,
    ).values_list("pk", "queued_at")[:CLAIM_BATCH]
    won = []
    for pk, queued_at in stale:
        if ReportDelivery.objects.filter(pk=pk, queued_at=queued_at, attempts=0).update(
            queued_at=now
        ):
            won.append(pk)
    return won


def _finish(delivery: ReportDelivery, status: str, error: str = "") -> str:
    delivery.status = status
    delivery.error = error[:2000]
    delivery.save(update_fields=["status", "error", "attempts", "last_attempt_at", "sent_at"])
    return str(status)


def deliver(delivery_id: int) -> str:
    """Send one ledger row's report unless it was sent already; returns the row's status.

    Raises TemporaryFailure after recording a failure that a retry may cure.
    """
    failure = None
    with transaction.atomic():
        # skip_locked: a second worker holding the same task leaves it to the first.
        delivery = (
            ReportDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "missing or being sent"
        if delivery.status != ReportDelivery.Status.PENDING:
            return str(delivery.status)
        subscription = delivery.subscription
        user = subscription.user
        if not subscription.enabled:
            return _finish(delivery, ReportDelivery.Status.SKIPPED, "Unsubscribed before sending.")
        if not user.email:
            return _finish(delivery, ReportDelivery.Status.SKIPPED, "The person has no address.")
        if not confirmation.is_confirmed(user):
            reason = "The address has not been confirmed by its owner."
            return _finish(delivery, ReportDelivery.Status.SKIPPED, reason)
        if not subscription.report_accounts():
            return _finish(delivery, ReportDelivery.Status.SKIPPED, "No linked account to report.")
        period = period_from_instants(
            subscription.frequency, delivery.period_start, delivery.period_end, delivery.zone
        )
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        try:
            message = report_message(subscription, period)
        except Exception as exc:
            # A bug of ours: recorded on the row (the admin shows it), never retried blindly.
            logger.exception("Report %s could not be built", delivery.pk)
            status = ReportDelivery.Status.FAILED
            return _finish(delivery, status, f"Internal error: {type(exc).__name__}: {exc}")
        delivery.recipient = user.email
        delivery.message_id = message.extra_headers["Message-ID"]
        delivery.save(update_fields=["recipient", "message_id"])
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as exc:
            failure = f"{type(exc).__name__}: {exc}"
            gave_up = delivery.attempts >= settings.REPORT_MAX_ATTEMPTS
            logger.warning("Report %s: attempt %d failed: %s", delivery.pk, delivery.attempts, exc)
            status = ReportDelivery.Status.FAILED if gave_up else ReportDelivery.Status.PENDING
            _finish(delivery, status, failure)
            if gave_up:
                return str(status)
        else:
            delivery.sent_at = timezone.now()
            logger.info("Sent report %s to its subscriber", delivery.pk)
            return _finish(delivery, ReportDelivery.Status.SENT)
    # Raised outside the transaction, so the failure recorded above is committed.
    raise TemporaryFailure(failure)
