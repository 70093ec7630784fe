"""Signing in: Django's username and password check, and the signed-in person read with
their profile (the timezone every dashboard page needs) in one query per request, a query
the ORM builds once per process (accounts/compiled.py)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .compiled import CompiledQuery


def _user_with_profile(pk):
    return get_user_model()._default_manager.select_related("profile").filter(pk=pk)


_users = CompiledQuery(_user_with_profile)


class ProfileBackend(ModelBackend):
    """ModelBackend whose get_user (called once per request by AuthenticationMiddleware)
    joins the profile, so `Profile.of_request_user` needs no query of its own."""

    def get_user(self, user_id):
        try:
            pk = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = _users(pk)
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    async def aget_user(self, user_id):
        users = get_user_model()._default_manager.select_related("profile")
        try:
            user = await users.aget(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
