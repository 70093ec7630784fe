"""Celery tasks: the check after each poll, and the beat's health check.

Both take ids (or nothing) and are safe to run twice: every alert is claimed on the
ledger before it is delivered (alerts/ledger.py), so a replay raises nothing new.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from tweets.models import PollRun

from . import detection, health

logger = logging.getLogger(__name__)


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def check_poll(run_id: int) -> int:
    """After one poll: the account's rules on the Tweets it sampled, then its health.
    A missing run is a no-op; returns how many alerts were raised."""
    run = PollRun.objects.select_related("account").filter(pk=run_id).first()
    if run is None:
        return 0
    # As of the poll: a task run late judges the poll's Tweets at the poll's time.
    now = run.finished_at or timezone.now()
    raised = []
    if run.outcome == PollRun.Outcome.OK:
        # Samples of one poll carry its start, to the second (tweets/polling.py).
        since = run.started_at.replace(microsecond=0)
        raised += detection.check_tweets(run.account, since, now)
    raised += health.check(run.account, now)
    return len(raised)


@shared_task(ignore_result=True)
def check_health() -> int:
    """Every minute (beat): the health of accounts that may have changed without a poll
    (re-authorisation asked for from the admin, re-linked, held back, gone quiet)."""
    now = timezone.now()
    raised = sum(len(health.check(account, now)) for account in health.accounts_to_check(now))
    if raised:
        logger.info("Health check raised %d alert(s)", raised)
    return raised
