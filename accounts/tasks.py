"""Celery tasks for people's mail: invitations and address confirmations.

Tasks take ids only (never a link or a token: the worker signs the link when it sends).
An invitation is mailed once (claimed by conditional UPDATE); a confirmation mailed twice
only carries the same kind of link twice.
"""

import smtplib

from celery import shared_task

from . import confirmation, invitations

# SMTP trouble is worth a few retries; anything else is a bug, logged by Celery.
RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(ignore_result=True, **RETRY)
def send_invitation(invitation_id: int) -> bool:
    """Mail an invitation's sign-up link (no-op when mailed or used already)."""
    return invitations.deliver(invitation_id)


@shared_task(ignore_result=True, **RETRY)
def send_confirmation(user_id: int) -> bool:
    """Mail the link that confirms a person's current address."""
    return confirmation.deliver(user_id)
