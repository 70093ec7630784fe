"""Linked accounts for poller tests: real tokens from the sandbox, stored as the product would."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import XAccount
from tests.sandbox.flows import oauth1_link, oauth2_link


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", "pw-alice-123")


@pytest.fixture
def link(x_api, alice, settings):
    """link(username, kind) -> an XAccount holding tokens the sandbox really issued."""
    settings.X_RETRY_BACKOFF = 0.01  # the real backoff, shortened so retries stay fast

    def _link(username="sandbox_demo", kind="oauth2", owner=None) -> XAccount:
        user = x_api.user(username)
        account = XAccount(
            owner=owner or alice,
            x_user_id=user.id,
            username=user.username,
            name=user.name,
            sandbox=True,
            auth_kind=kind,
            next_poll_at=timezone.now(),
        )
        if kind == "oauth2":
            token = oauth2_link(x_api, username)
            account.set_tokens(
                {"access_token": token["access_token"], "refresh_token": token["refresh_token"]}
            )
            account.token_expires_at = timezone.now() + timedelta(seconds=token["expires_in"])
            account.scopes = " ".join(token["scope"])
        else:
            token = oauth1_link(x_api, username)
            account.set_tokens(
                {
                    "oauth_token": token["oauth_token"],
                    "oauth_token_secret": token["oauth_token_secret"],
                }
            )
        account.save()
        return account

    return _link
