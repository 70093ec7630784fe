"""Sharing an account: its owner gives other people of the installation access as viewer
or manager (see accounts/access.py for what each may do), changes it and removes it.

1. `share(account, who, role, by)`: `who` is a username or an email address. Someone here
   named by their username gets the access at once. An email address is invited
   (accounts/invitations.py) with the access waiting on the invitation (PendingAccess);
   whoever accepts the invitation, by signing up or while signed in, gets it.
2. Only staff, who see every person in the admin anyway, have an address that belongs to
   someone here granted at once. For anyone else an address is always invited, so the
   answer never says whether it has an account: it says what the invitation flow says.
3. Invitations are limited per person: SHARING_INVITATIONS_PER_DAY in any 24 hours,
   counted in the database under a lock on the person's row (as report previews are), so
   concurrent requests cannot exceed it between them. A second share with an address
   whose invitation from the same person is still open joins that invitation (one mail).
4. Nothing caches access: a removed access holds from the next request on.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from . import invitations
from .models import AccountAccess, Invitation, PendingAccess, XAccount

INVITATION_WINDOW = timedelta(days=1)


class Refused(Exception):
    """The access could not be given; the message says why, for the owner."""


def share(account: XAccount, who: str, role: str, by, now: datetime | None = None) -> str:
    """Give `who` (a username or an email address) `role` on the account, or invite them;
    a sentence for the owner saying which. Refused says why not."""
    who = who.strip()
    if _is_email(who):
        person = _person_with_email(who) if by.is_staff else None
        if person is None:
            return _invite(account, who, role, by, now or timezone.now())
    else:
        person = get_user_model().objects.filter(username=who, is_active=True).first()
        if person is None:
            raise Refused(
                f"Nobody here has the username “{who}”. "
                "To invite someone new, enter their email address."
            )
    if person.pk == account.owner_id:
        raise Refused(f"{person.get_username()} owns @{account.username}.")
    grant(account, person, role, by)
    return f"{person.get_username()} is now a {role} of @{account.username}."


def grant(account: XAccount, person, role: str, by) -> AccountAccess:
    """Give (or change) `person`'s access to the account."""
    access, _ = AccountAccess.objects.update_or_create(
        account=account, user=person, defaults={"role": role, "granted_by": by}
    )
    return access


def invitations_left(person, now: datetime | None = None) -> int:
    """How many more addresses the person may invite in the 24 hours before `now`."""
    now = now or timezone.now()
    made = Invitation.objects.filter(invited_by=person, created_at__gt=now - INVITATION_WINDOW)
    return max(0, settings.SHARING_INVITATIONS_PER_DAY - made.count())


def _invite(account: XAccount, email: str, role: str, by, now: datetime) -> str:
    with transaction.atomic():
        # One person's requests queue up here, so two of them never both see room left.
        get_user_model().objects.select_for_update().filter(pk=by.pk).first()
        invitation = _open_invitation(email, by, now)
        if invitation is None:
            if invitations_left(by, now) == 0:
                raise Refused(
                    f"You have invited {settings.SHARING_INVITATIONS_PER_DAY} addresses in "
                    "the last 24 hours, the most allowed. Try again tomorrow."
                )
            try:
                invitation = invitations.invite(email, invited_by=by)
            except invitations.SignupClosed as exc:
                raise Refused(str(exc)) from None
        PendingAccess.objects.update_or_create(
            invitation=invitation, account=account, defaults={"role": role, "granted_by": by}
        )
    return (
        f"An invitation is on its way to {email}; they become a {role} of "
        f"@{account.username} when they accept it."
    )


def _open_invitation(email: str, by, now: datetime) -> Invitation | None:
    """The person's invitation to this address that can still be accepted, if any."""
    usable = Invitation.objects.filter(
        email__iexact=email, invited_by=by, accepted_at__isnull=True
    ).exclude(sent_at__lt=now - settings.INVITATION_MAX_AGE)
    return usable.order_by("-created_at").first()


def _person_with_email(email: str):
    return get_user_model().objects.filter(email__iexact=email, is_active=True).first()


def _is_email(who: str) -> bool:
    try:
        validate_email(who)
    except ValidationError:
        return False
    return True
