"""Who may join (settings.SIGNUP) and staff invitations.

- `open`: anyone signs up at /auth/signup/; `invite`: only with an invitation link;
  `closed`: nobody, and no invitation is made or accepted (`createsuperuser` makes the
  first account).
- `invite(email, invited_by)` records an Invitation and queues its mail; the worker signs
  the link when it sends it (tasks take the invitation's id, never a token).
- A link is a TimestampSigner signature of the invitation's id and address under its own
  salt: altered, it is refused; older than INVITATION_MAX_AGE, refused; used once, refused
  (accepting is a conditional UPDATE on accepted_at IS NULL).
- An invitation may carry access to accounts (an owner shared them with the address, see
  accounts/sharing.py): whoever accepts it gets them, by signing up (`accept`) or, already
  signed in, by joining (`join`).
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import emails, tasks
from .models import Invitation, Profile

logger = logging.getLogger(__name__)

SALT = "accounts.invitation"


class SignupClosed(Exception):
    """SIGNUP is `closed`: nobody joins, not even by invitation."""


class InvalidLink(Exception):
    """An invitation link that cannot be used; the message says why, for the person."""


def signup_open() -> bool:
    """Whether anyone may sign up without an invitation."""
    return settings.SIGNUP == "open"


def invitations_allowed() -> bool:
    """Whether invitations may be made and used (every mode but `closed`)."""
    return settings.SIGNUP != "closed"


def invite(email: str, invited_by) -> Invitation:
    """Invite `email` to join; the mail with the link goes out through the worker."""
    if not invitations_allowed():
        raise SignupClosed("Signing up is closed (SIGNUP=closed): nobody can be invited.")
    invitation = Invitation.objects.create(email=email, invited_by=invited_by)
    queue(invitation)
    return invitation


def queue(invitation: Invitation) -> None:
    """Send the invitation's mail from the worker once the transaction commits."""
    transaction.on_commit(lambda: tasks.send_invitation.delay(invitation.pk))


def link(invitation: Invitation) -> str:
    """The absolute sign-up URL for the invitation, signed now."""
    token = signing.TimestampSigner(salt=SALT).sign_object(
        {"id": invitation.pk, "email": invitation.email}, compress=True
    )
    return settings.SITE_URL + reverse("signup_invited", args=[token])


def read(token: str) -> Invitation:
    """The invitation a link stands for; InvalidLink says why it cannot be used."""
    if not invitations_allowed():
        raise SignupClosed("Signing up is closed.")
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(
            token, max_age=settings.INVITATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise InvalidLink("This invitation has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise InvalidLink("This invitation link is not valid (it was altered or cut).") from None
    invitation = Invitation.objects.filter(pk=data["id"], email=data["email"]).first()
    if invitation is None:
        raise InvalidLink("This invitation was withdrawn.")
    if invitation.accepted_at:
        raise InvalidLink("This invitation was used already. Sign in instead.")
    return invitation


def accept(invitation: Invitation, form, now: datetime | None = None):
    """Create the account from a valid sign-up form, with the invitation's address
    (confirmed: the person followed the link mailed to it). InvalidLink when the
    invitation was used meanwhile; then no account is created."""
    now = now or timezone.now()
    with transaction.atomic():
        user = form.save(commit=False)
        user.email = invitation.email
        user.save()
        if not invitation.accept(user, now):
            transaction.set_rollback(True)
            raise InvalidLink("This invitation was used already. Sign in instead.")
        Profile.objects.update_or_create(user=user, defaults={"confirmed_email": invitation.email})
        invitation.grant_accesses(user)
    return user


def join(invitation: Invitation, user, now: datetime | None = None) -> list:
    """Use the invitation for someone signed in already: they get the accesses it carries
    (their address is left as it is). InvalidLink when it was used meanwhile."""
    with transaction.atomic():
        if not invitation.accept(user, now or timezone.now()):
            raise InvalidLink("This invitation was used already.")
        return invitation.grant_accesses(user)


def deliver(invitation_id: int, now: datetime | None = None) -> bool:
    """Mail one invitation's link unless it was mailed or used already; True when sent.
    The claim is released when SMTP fails, so the task's retry can send it."""
    if not invitations_allowed():
        return False
    invitation = Invitation.objects.select_related("invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.claim_sending(now or timezone.now()):
        return False
    context = {
        "link": link(invitation),
        "invited_by": invitation.invited_by,
        "accounts": [p.account for p in invitation.pending_accesses.select_related("account")],
        "site_url": settings.SITE_URL,
        "days": settings.INVITATION_MAX_AGE.days,
    }
    try:
        emails.send("invitation", context, invitation.email)
    except Exception:
        invitation.release_sending()
        raise
    logger.info("Invitation %s mailed", invitation.pk)
    return True
