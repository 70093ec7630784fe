"""Who may do what with an account, as views ask it.

Someone who cannot see an account never learns that it exists: 404, as for an id that was
never used. Someone who can see it but may not do this (a viewer pausing, a manager
unlinking) gets a 403 that says who may. The rights, lowest first:

- viewer: its dashboards, exports, JSON and reports;
- manager: also pause, resume, poll now and its alert rules;
- owner: also re-link, unlink, and share it (grant, change and remove access).

Every call reads the database, so a removed access holds from the next request on.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import OWNER, ROLE_RANK, AccountAccess, XAccount

VIEWER = AccountAccess.Role.VIEWER.value
MANAGER = AccountAccess.Role.MANAGER.value
WHO_MAY = {
    VIEWER: "people it is shared with",
    MANAGER: "its owner and managers",
    OWNER: "its owner",
}


def may(account: XAccount, user, min_role: str) -> bool:
    """Whether `user` has at least `min_role` on the account."""
    return ROLE_RANK.get(account.role_of(user), 0) >= ROLE_RANK[min_role]


def account_for(user, account_id: int, min_role: str = VIEWER) -> XAccount:
    """The account, when `user` may act on it as `min_role`: Http404 when they cannot see
    it, PermissionDenied (403, saying who may) when they see it without the right."""
    account = XAccount.objects.visible_to(user).filter(pk=account_id).first()
    if account is None:
        raise Http404("No such account among yours.")
    if not may(account, user, min_role):
        raise PermissionDenied(f"Only {WHO_MAY[min_role]} can do this to @{account.username}.")
    return account
