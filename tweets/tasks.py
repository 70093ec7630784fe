"""Celery tasks: the beat tick that claims due accounts, and one poll per account.

Tasks take ids and timestamps, never tokens, and are safe to run twice: a claim is a
conditional UPDATE that only one tick (and then one task) can win, and a replayed poll
writes no duplicate sample.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.models import XAccount

from . import polling
from .models import PollRun

logger = logging.getLogger(__name__)

CLAIM_BATCH = 500


def lease_until(now: datetime) -> datetime:
    """When a claim taken at `now` lapses, if the poll never reports back."""
    return now + settings.POLL_CLAIM_LEASE


def claim_due_accounts(now=None) -> list[tuple[int, datetime]]:
    """Claim every active account due before the next tick; returns each id won with the
    slot it is due at.

    Each claim moves next_poll_at to lease_until(now) only if it still holds the value we
    read (XAccount.objects.claim), so two beats (or a replayed tick) never claim the same
    account twice. If the poll never reports back, the lease runs out and the account is
    due again.
    """
    now = now or timezone.now()
    before_next_tick = now + timedelta(seconds=settings.POLL_TICK_SECONDS)
    return XAccount.objects.claim_slots(before_next_tick, lease_until(now), CLAIM_BATCH)


@shared_task(ignore_result=True)
def tick() -> int:
    """Every minute (beat): close the runs whose worker was lost, claim the accounts due
    before the next tick and fan out one poll task each, carrying the claim (the
    next_poll_at it set) and starting at the account's slot (an ETA).

    Claiming only what is due already would start every poll up to a tick late, and as
    each poll schedules the next from its own start, the lateness would repeat poll after
    poll: a 5-minute schedule would poll every 6 minutes (docs/BENCHMARKS.md, the scale run).
    """
    now = timezone.now()
    lost = PollRun.objects.close_lost(now, settings.POLL_CLAIM_LEASE)
    if lost:
        logger.warning("Closed %d poll run(s) whose worker was lost", lost)
    claimed = claim_due_accounts(now)
    for pk, slot in claimed:
        poll_account.apply_async((pk, lease_until(now).isoformat()), eta=max(slot, now))
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
def poll_account(account_id: int, claimed_until: str) -> None:
    """Poll one account under the claim the tick took (`claimed_until`, the next_poll_at
    it set). A missing or no longer active account is a no-op.

    Safe to run twice. Before its first request to X the task swaps the tick's claim for
    a lease of its own, from now (XAccount.objects.claim: one conditional UPDATE on
    next_poll_at). A copy of the message redelivered after the broker's visibility
    timeout, or replayed, finds next_poll_at moved (by that swap, by the poll's own
    rescheduling, or by a later tick's claim) and calls X not at all. If the worker dies
    mid-poll, nothing was written (a poll writes in one transaction, and samples are
    unique per Tweet and second); once the lease lapses, the tick closes the run as failed
    ("worker lost") and claims the account again.
    """
    now = timezone.now()
    # The task starts after the tick, so its lease ends later than the claim it replaces.
    if not XAccount.objects.claim(
        account_id, datetime.fromisoformat(claimed_until), lease_until(now)
    ):
        logger.info("Poll of account %d skipped: its claim is no longer this task's", account_id)
        return
    account = XAccount.objects.filter(pk=account_id).first()
    if account is None or not account.is_pollable:
        return
    # The runs start at `now`, so each one's claim lapses at started_at + POLL_CLAIM_LEASE.
    for run in polling.poll_account(account, now=now):
        logger.info(
            "Polled @%s (%s): %s, %d requests, %d Tweets, %d samples",
            account.username,
            run.kind,
            run.outcome,
            run.requests_made,
            run.tweets_sampled,
            run.samples_written,
        )
