"""Mail goes only to addresses that said yes: confirming a person's email address.

A new or changed address starts unconfirmed. `request` queues a mail to it (through the
worker) with a link signed by TimestampSigner under its own salt, carrying the person's
id and the address; following it within EMAIL_CONFIRMATION_MAX_AGE and pressing the
button records the address as confirmed on the Profile, only if it is still the person's
address (a conditional UPDATE). An address confirmed once stays confirmed if the person
changes it away and back. Reports (and anything else that mails people) ask
`is_confirmed` first.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import emails, tasks
from .models import Profile

logger = logging.getLogger(__name__)

SALT = "accounts.confirm-email"
# A resend waits this long after the last request, so the button cannot flood a mailbox.
RESEND_AFTER = timedelta(minutes=1)


class InvalidLink(Exception):
    """A confirmation link that cannot be used; the message says why, for the person."""


def is_confirmed(user) -> bool:
    """Whether mail may go to the person's address: they confirmed this very address."""
    return Profile.of(user).email_confirmed


def request(user, *, again: bool = False, now: datetime | None = None) -> bool:
    """Queue a confirmation mail to the person's current address; False when it is
    confirmed already, there is none, one was asked for within RESEND_AFTER, or (unless
    `again`) one was ever asked for this address."""
    now = now or timezone.now()
    profile = Profile.of(user)
    if not user.email or profile.email_confirmed:
        return False
    if not again and profile.confirmation_sent_to.lower() == user.email.lower():
        return False
    recent = Profile.objects.filter(
        pk=profile.pk, confirmation_sent_to=user.email, confirmation_sent_at__gt=now - RESEND_AFTER
    )
    if recent.exists():
        return False
    Profile.objects.filter(pk=profile.pk).update(
        confirmation_sent_to=user.email, confirmation_sent_at=now
    )
    transaction.on_commit(lambda: tasks.send_confirmation.delay(user.pk))
    return True


def link(user) -> str:
    """The absolute confirmation URL for the person's current address, signed now."""
    token = signing.TimestampSigner(salt=SALT).sign_object(
        {"user": user.pk, "email": user.email}, compress=True
    )
    return settings.SITE_URL + reverse("confirm_email", args=[token])


def read(token: str) -> tuple[int, str]:
    """(user id, address) of a confirmation link; InvalidLink says why it cannot be used."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise InvalidLink("This confirmation link has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise InvalidLink("This confirmation link is not valid (it was altered or cut).") from None
    return data["user"], data["email"]


def confirm(user_id: int, email: str) -> bool:
    """Record `email` as confirmed for the person, only while it is still their address."""
    user = get_user_model().objects.filter(pk=user_id, email__iexact=email).first()
    if user is None:
        return False
    profile = Profile.of(user)
    return (
        Profile.objects.filter(pk=profile.pk, user__email__iexact=email).update(
            confirmed_email=user.email
        )
        == 1
    )


def deliver(user_id: int) -> bool:
    """Mail the confirmation link to the person's address, unless it changed since it was
    asked for or is confirmed already; True when sent."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return False
    profile = Profile.of(user)
    if profile.email_confirmed or profile.confirmation_sent_to.lower() != user.email.lower():
        return False
    context = {
        "user": user,
        "link": link(user),
        "site_url": settings.SITE_URL,
        "days": settings.EMAIL_CONFIRMATION_MAX_AGE.days,
    }
    emails.send("confirm-email", context, user.email)
    logger.info("Confirmation link mailed to user %s", user.pk)
    return True
