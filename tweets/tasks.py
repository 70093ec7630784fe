"""Celery tasks: the beat tick that claims due accounts, and one poll per account.

Tasks take ids, never tokens, and are safe to run twice: a claim is a conditional UPDATE
that only one tick can win, and a replayed poll writes no duplicate sample.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.models import XAccount

from . import polling

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500


def claim_due_accounts(now=None) -> list[int]:
    """Claim every active account whose next poll is due; returns the ids won.

    Each claim moves next_poll_at to now + lease only if it still holds the value we
    read (XAccount.objects.claim), so two beats (or a replayed tick) never claim the same
    account twice. If the poll never reports back, the lease runs out and the account is
    due again.
    """
    now = now or timezone.now()
    return XAccount.objects.claim_due(now, now + settings.POLL_CLAIM_LEASE, CLAIM_BATCH)


@shared_task(ignore_result=True)
def tick() -> int:
    """Every minute (beat): claim due accounts and fan out one poll task each."""
    claimed = claim_due_accounts()
    for pk in claimed:
        poll_account.delay(pk)
    if claimed:
        logger.info("Tick claimed %d account(s)", len(claimed))
    return len(claimed)


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def poll_account(account_id: int) -> None:
    """Poll one account. A missing or no longer active account is a no-op."""
    account = XAccount.objects.filter(pk=account_id).first()
    if account is None or not account.is_pollable:
        return
    for run in polling.poll_account(account):
        logger.info(
            "Polled @%s (%s): %s, %d requests, %d Tweets, %d samples",
            account.username,
            run.kind,
            run.outcome,
            run.requests_made,
            run.tweets_sampled,
            run.samples_written,
        )
