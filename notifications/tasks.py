"""Celery tasks: the beat tick that hands due deliveries to the worker, and one send per
delivery.

Tasks take ids only. Both are safe to run twice: a send first claims its row with a
conditional UPDATE (pending and due -> sending), and the tick marks each row it queues
for one lease, so the next tick leaves it alone.
"""

import logging

from celery import shared_task

from . import sending

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def tick() -> int:
    """Every ALERT_TICK_SECONDS (beat): one send task per due delivery."""
    ids = sending.queue_due()
    for pk in ids:
        send_delivery.delay(pk)
    if ids:
        logger.info("Queued %d alert deliver(ies)", len(ids))
    return len(ids)


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Well inside ALERT_DELIVERY_LEASE: a send is one SMTP exchange or one HTTP request.
    soft_time_limit=90,
    time_limit=120,
)
def send_delivery(delivery_id: int) -> str:
    """One attempt at one delivery; a row not due, being sent, finished or gone is a no-op.
    A failed attempt is retried by the tick when its backoff is over, not by Celery."""
    return sending.deliver(delivery_id)
