"""Signing in: Django's username and password check, and the signed-in person read with
their profile (the timezone every dashboard page needs) in one query per request, a query
the ORM builds once per process (accounts/compiled.py). On the dashboard's pages
(`accounts_with_user`), the accounts the person may see come in the same round trip, and
so do the statements the page ran for them last time (accounts/ahead.py)."""

import contextvars
import logging
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections

from . import ahead
from .compiled import CompiledQuery, run_together
from .models import visible_query


def _user_with_profile(pk):
    return get_user_model()._default_manager.select_related("profile").filter(pk=pk)


logger = logging.getLogger(__name__)
_users = CompiledQuery(_user_with_profile)
# Whether the person read now should come with the accounts they may see.
_WITH_ACCOUNTS = contextvars.ContextVar("accounts_with_user", default=False)


@contextmanager
def accounts_with_user():
    """Within it, the signed-in person is read with the accounts they may see, in one round
    trip: for the dashboard's views, which all read both (XAccount.objects.visible_list
    takes the accounts read so, once; the person object is that request's own)."""
    token = _WITH_ACCOUNTS.set(True)
    try:
        yield
    finally:
        _WITH_ACCOUNTS.reset(token)


class ProfileBackend(ModelBackend):
    """ModelBackend whose get_user (called once per request by AuthenticationMiddleware)
    joins the profile, so `Profile.of_request_user` needs no query of its own."""

    def get_user(self, user_id):
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        with_accounts = _WITH_ACCOUNTS.get()
        calls = [(_users, (pk,))] + ([(visible_query, (pk,))] if with_accounts else [])
        along = ahead.to_send(pk)
        try:
            results = run_together(*calls, along=along)
        except DatabaseError:
            # A statement sent ahead failed (it costs nothing else): read the person alone.
            if not along or connections[_users._using].in_atomic_block:
                raise
            logger.warning("A read sent ahead failed; the person is read alone", exc_info=True)
            along = []
            results = run_together(*calls, along=along)
        ahead.sent(along, results[len(calls) :])
        found = results[0]
        if not found or not self.user_can_authenticate(found[0]):
            return None
        if with_accounts:
            found[0]._visible_accounts = results[1]
        return found[0]

    async def aget_user(self, user_id):
        users = get_user_model()._default_manager.select_related("profile")
        try:
            user = await users.aget(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
