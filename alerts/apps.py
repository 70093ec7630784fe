"""Alerts: spike and threshold rules on an account's Tweets, health incidents of its polling,
and the ledger that makes each alert happen once. Delivery is `notifications`' job."""

import logging

from django.apps import AppConfig
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def after_poll(sender, run, **kwargs) -> None:
    """poll_finished: check the poll's Tweets and the account's health in a task of its own,
    once the poll's writes are committed, so a failing check never fails a poll."""
    if run.kind != run.Kind.POLL:
        return
    transaction.on_commit(lambda: _queue_check(run.pk))


def _queue_check(run_id: int) -> None:
    from .tasks import check_poll

    try:
        check_poll.delay(run_id)
    except OperationalError as exc:
        # The broker is down: the poll stands. The beat checks health when it is back, and
        # the Tweets of this poll are judged again with their next new sample.
        logger.warning("Alerts check of poll run %d not queued: %s", run_id, exc)


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        from tweets.signals import poll_finished

        poll_finished.connect(after_poll, dispatch_uid="alerts.after_poll")
