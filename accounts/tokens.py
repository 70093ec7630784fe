"""Ready-to-use X clients for linked accounts, refreshing OAuth 2.0 tokens in time.

An OAuth 2.0 access token lives two hours and each refresh kills the previous refresh
token (FACTS.md), so refreshes happen under a per-account row lock and the new pair is
saved in the same transaction that replaces the old one: two workers racing end with one
refresh and a working token.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xapi import oauth
from xapi.client import BearerAuth, CacheRateBudget, Unauthorized, XClient, oauth1_auth

from .models import XAccount

logger = logging.getLogger(__name__)

# Refresh this long before expiry, so a poll never starts with a token about to die.
REFRESH_MARGIN = timedelta(minutes=5)


def x_app() -> oauth.XApp:
    """metricsdash's app at X, from settings: the one place they are read for the calls."""
    return oauth.XApp(
        api_url=settings.X_API_URL,
        web_url=settings.X_WEB_URL,
        consumer_key=settings.X_CONSUMER_KEY,
        consumer_secret=settings.X_CONSUMER_SECRET,
        client_id=settings.X_CLIENT_ID,
        client_secret=settings.X_CLIENT_SECRET,
        timeout=settings.X_HTTP_TIMEOUT,
        sandbox=settings.X_SANDBOX,
    )


def needs_refresh(account: XAccount, now=None) -> bool:
    if account.auth_kind != XAccount.AuthKind.OAUTH2 or account.token_expires_at is None:
        return False
    return account.token_expires_at - (now or timezone.now()) <= REFRESH_MARGIN


def fresh_tokens(account: XAccount) -> dict:
    """The account's tokens, refreshed first if an OAuth 2.0 access token is about to expire.

    Raises Unauthorized when X refuses the refresh token (the account must be re-linked).
    """
    if not needs_refresh(account):
        return account.get_tokens()
    with transaction.atomic():
        locked = XAccount.objects.select_for_update().get(pk=account.pk)
        if not needs_refresh(locked):  # another worker refreshed while we waited
            account.refresh_from_db()
            return locked.get_tokens()
        tokens = locked.get_tokens()
        if not tokens.get("refresh_token"):
            raise Unauthorized("the access token expired and there is no refresh token")
        answer = oauth.refresh(x_app(), tokens["refresh_token"])
        locked.set_tokens(
            {
                "access_token": answer["access_token"],
                # X rotates refresh tokens; keep the old one only if none came back.
                "refresh_token": answer.get("refresh_token", tokens["refresh_token"]),
            }
        )
        locked.token_expires_at = timezone.now() + timedelta(seconds=int(answer["expires_in"]))
        if answer.get("scope"):
            locked.scopes = answer["scope"]
        locked.save(update_fields=["tokens_encrypted", "token_expires_at", "scopes"])
        logger.info("Refreshed the OAuth 2.0 token of @%s", locked.username)
    account.refresh_from_db()
    return account.get_tokens()


def budget_key(account: XAccount) -> str:
    """Identifies the account's token in shared rate-limit storage, without the token."""
    return hashlib.sha256(f"{account.pk}:{account.x_user_id}".encode()).hexdigest()[:16]


def client_for(account: XAccount) -> XClient:
    """An XClient acting as the account (user context), with the shared rate-limit budget."""
    tokens = fresh_tokens(account)
    app = x_app()
    if account.auth_kind == XAccount.AuthKind.OAUTH1:
        auth = oauth1_auth(
            app.consumer_key,
            app.consumer_secret,
            tokens["oauth_token"],
            tokens["oauth_token_secret"],
        )
    else:
        auth = BearerAuth(tokens["access_token"])
    return XClient(
        app.api_url,
        auth,
        budget=CacheRateBudget(),
        budget_key=budget_key(account),
        timeout=app.timeout,
        max_attempts=settings.X_RETRY_ATTEMPTS,
        backoff=settings.X_RETRY_BACKOFF,
    )
