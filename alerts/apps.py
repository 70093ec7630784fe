"""Alerts: spike and threshold rules on an account's Tweets, health incidents of its polling,
and the ledger that makes each alert happen once. Delivery is `notifications`' job."""

from django.apps import AppConfig
from django.db import transaction


def after_poll(sender, run, **kwargs) -> None:
    """poll_finished: check the poll's Tweets and the account's health in a task of its own,
    once the poll's writes are committed (a failing check never fails a poll)."""
    if run.kind != run.Kind.POLL:
        return
    from .tasks import check_poll

    transaction.on_commit(lambda: check_poll.delay(run.pk))


class AlertsConfig(AppConfig):
    name = "alerts"

    def ready(self):
        from tweets.signals import poll_finished

        poll_finished.connect(after_poll, dispatch_uid="alerts.after_poll")
