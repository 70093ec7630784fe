"""Previews ("send me a preview now"): asked for in the request, sent by the worker.

1. `ask` records a ReportPreview and queues `send_preview(id)` once the transaction
   commits; the request does no rendering and no SMTP. The person's row is locked while
   their previews of the last hour are counted, so concurrent requests (on any web
   process) cannot exceed REPORT_PREVIEWS_PER_HOUR between them.
2. `deliver` sends one queued preview, under a row lock, only while it is still queued,
   and only to a confirmed address; an SMTP failure is recorded (the detail for staff and
   the log) and the person reads a plain sentence. A preview is not retried: the person
   asks again.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts import confirmation

from . import tasks
from .message import report_message
from .models import ReportPreview, ReportSubscription, zone_of
from .schedule import report_period

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
SMTP_REFUSED = "The preview could not be sent; the mail server refused it. Try again later."


@dataclass(frozen=True)
class Allowance:
    """How many previews the person may still ask for this hour, and when the next frees."""

    limit: int
    remaining: int
    next_at: datetime | None


def allowance(user, now: datetime | None = None) -> Allowance:
    """The person's previews left in the sliding hour before `now`."""
    now = now or timezone.now()
    recent = list(
        ReportPreview.objects.filter(user=user, requested_at__gt=now - WINDOW)
        .order_by("requested_at")
        .values_list("requested_at", flat=True)
    )
    limit = settings.REPORT_PREVIEWS_PER_HOUR
    remaining = max(0, limit - len(recent))
    # Full: the oldest preview of the hour leaves the window first.
    next_at = recent[len(recent) - limit] + WINDOW if remaining == 0 and recent else None
    return Allowance(limit, remaining, next_at)


def ask(subscription: ReportSubscription, now: datetime | None = None) -> ReportPreview | None:
    """Queue a preview for the worker; None when the hour's allowance is used up."""
    now = now or timezone.now()
    with transaction.atomic():
        # One person's requests queue up here, so two of them never both see room left.
        get_user_model().objects.select_for_update().filter(pk=subscription.user_id).first()
        if allowance(subscription.user, now).remaining == 0:
            return None
        preview = ReportPreview.objects.create(
            subscription=subscription, user_id=subscription.user_id, requested_at=now
        )
        transaction.on_commit(lambda: tasks.send_preview.delay(preview.pk))
    return preview


def _finish(preview: ReportPreview, status: str, error: str = "") -> str:
    preview.status = status
    preview.error = error[:2000]
    preview.save(update_fields=["status", "error", "recipient", "sent_at"])
    return str(status)


def deliver(preview_id: int, now: datetime | None = None) -> str:
    """Send one queued preview (the last complete period, marked as a preview; not on the
    ledger, so the scheduled report still goes out). Returns the row's status."""
    with transaction.atomic():
        preview = (
            # Only this row: the person's row may be locked by a request counting previews.
            ReportPreview.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__user")
            .filter(pk=preview_id)
            .first()
        )
        if preview is None:
            return "missing or being sent"
        if preview.status != ReportPreview.Status.QUEUED:
            return str(preview.status)
        subscription = preview.subscription
        user = subscription.user
        if not confirmation.is_confirmed(user):
            return _finish(preview, ReportPreview.Status.FAILED, "The address is not confirmed.")
        period = report_period(subscription.frequency, zone_of(user), now or timezone.now())
        preview.recipient = user.email
        try:
            report_message(subscription, period, preview=True).send()
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning(
                "Preview %s could not be sent: %s: %s", preview.pk, type(exc).__name__, exc
            )
            return _finish(preview, ReportPreview.Status.FAILED, f"{type(exc).__name__}: {exc}")
        preview.sent_at = timezone.now()
        logger.info("Sent preview %s", preview.pk)
        return _finish(preview, ReportPreview.Status.SENT)
