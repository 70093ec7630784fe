"""Celery tasks: the beat task that claims due reports, one send per ledger row, and one
per preview asked for.

Tasks take ids only. All are safe to run twice: a claim is a conditional UPDATE plus a
unique ledger row, and a send happens only while its row is still pending (or queued).
"""

import logging

from celery import shared_task
from django.conf import settings

from . import previews, sending

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_due_reports() -> int:
    """Every minute (beat): claim due reports, re-queue lost ones, one send task each."""
    ids = sending.claim_due_reports() + sending.requeue_stale()
    for pk in ids:
        send_report.delay(pk)
    if ids:
        logger.info("Queued %d report(s)", len(ids))
    return len(ids)


@shared_task(
    bind=True,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # sending.deliver gives up after REPORT_MAX_ATTEMPTS, on the ledger
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def send_report(self, delivery_id: int) -> None:
    """Send one ledger row's report. A missing, sent or locked row is a no-op."""
    try:
        sending.deliver(delivery_id)
    except sending.TemporaryFailure as exc:
        # 1, 2, 4, 8... minutes between attempts (REPORT_RETRY_BACKOFF seconds at first).
        countdown = settings.REPORT_RETRY_BACKOFF * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def send_preview(preview_id: int) -> str:
    """Send one "send me a preview now". A missing, sent, failed or locked row is a no-op."""
    return previews.deliver(preview_id)
