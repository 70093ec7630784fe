"""Linking X accounts: OAuth 1.0a (three-legged) and OAuth 2.0 Authorization Code with PKCE,
then saving and unlinking them. The calls to X are in `xapi.oauth`; the account's state
changes are on the model.

The views are thin; every decision is made here. A flow's state (the OAuth 1.0a request
token, the OAuth 2.0 state and PKCE verifier) lives in the browser's session and is popped
on first use, so a callback is accepted once, and only by the session that started it.
Token material goes into `XAccount.set_tokens` and nowhere else: not into logs, messages,
URLs or exception texts.
"""

import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xapi import oauth as x_oauth
from xapi.client import (
    BadResponse,
    BearerAuth,
    Forbidden,
    RateLimited,
    ServerError,
    TimedOut,
    Unauthorized,
    Unreachable,
    XAPIError,
    XClient,
    oauth1_auth,
)

from .crypto import InvalidToken
from .models import XAccount
from .tokens import x_app

logger = logging.getLogger(__name__)

SCOPES = ("tweet.read", "users.read", "offline.access")
REQUIRED_SCOPES = {"tweet.read", "users.read"}
OAUTH1_SESSION_KEY = "x_link_oauth1"
OAUTH2_SESSION_KEY = "x_link_oauth2"

CANCELLED = "Linking was cancelled. Nothing was stored."
REFUSED = (
    "This link could not be verified: it was not started from this browser, or it was "
    "already used. Nothing was stored. Start again from the Accounts page."
)


class LinkFailed(Exception):
    """A link flow ended without an account; str() is a message safe to show its owner."""


class LinkCancelled(LinkFailed):
    """The person said no on X's approval page."""


class LinkRefused(LinkFailed):
    """A callback that does not belong to a flow this browser session started (forged,
    replayed or someone else's): refused with 403."""


def oauth1_configured() -> bool:
    """Whether an OAuth 1.0a app (consumer key and secret) is configured."""
    return bool(settings.X_CONSUMER_KEY and settings.X_CONSUMER_SECRET)


def oauth2_configured() -> bool:
    """Whether an OAuth 2.0 app (at least a client id) is configured."""
    return bool(settings.X_CLIENT_ID)


# --- helpers -----------------------------------------------------------------------------


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())


def _reason(step: str, exc: Exception) -> str:
    """Log a failed step by kind only (exception texts can quote X's answer) and say what
    went wrong in words for the person."""
    status = getattr(exc, "status", None)
    logger.warning("X link step %s failed: %s (HTTP %s)", step, type(exc).__name__, status)
    if isinstance(exc, TimedOut):
        return "X did not answer in time."
    if isinstance(exc, Unreachable):
        return "X could not be reached."
    if isinstance(exc, ServerError) and status is None:  # XClient's wrapped network failure
        return "X could not be reached or did not answer in time."
    if isinstance(exc, RateLimited):
        return "X's rate limit for this was reached; wait a few minutes."
    if isinstance(exc, x_oauth.InsecureTransport):
        return "X's address is not https, and it is not the sandbox."
    if isinstance(exc, x_oauth.OAuthError):
        return f"X refused the request ({exc.error})."
    if isinstance(exc, BadResponse):
        return "X gave an answer metricsdash could not use."
    if isinstance(exc, Unauthorized | Forbidden) or status in (401, 403):
        return f"X refused the request (HTTP {status})."
    if status:
        return f"X answered with an error (HTTP {status})."
    return "X gave an answer metricsdash could not use."


def _failed(step: str, exc: Exception) -> LinkFailed:
    return LinkFailed(f"Linking failed: {_reason(step, exc)} Nothing was stored; try again.")


def _identify(auth) -> dict:
    """The linked X user (id, username, name) from /2/users/me with the new tokens."""
    # One attempt: a person is waiting, and can simply try again.
    app = x_app()
    with XClient(app.api_url, auth, timeout=app.timeout, max_attempts=1) as client:
        try:
            me = client.me()
        except XAPIError as exc:
            raise _failed("users/me", exc) from None
    user_id, username = me.get("id"), me.get("username")
    if not (isinstance(user_id, str) and user_id.isdigit() and len(user_id) <= 19):
        raise _failed("users/me", ValueError("no usable user id"))
    if not (isinstance(username, str) and 0 < len(username) <= 50):
        raise _failed("users/me", ValueError("no usable username"))
    return me


# --- OAuth 1.0a --------------------------------------------------------------------------


def start_oauth1(request) -> str:
    """Get a request token, keep it in this browser's session; return X's authorize URL."""
    if not oauth1_configured():
        raise LinkFailed("Linking with OAuth 1.0a is not configured on this installation.")
    request.session.pop(OAUTH1_SESSION_KEY, None)
    callback = request.build_absolute_uri(reverse("accounts:oauth1_callback"))
    app = x_app()
    try:
        answer = x_oauth.oauth1_request_token(app, callback=callback)
    except XAPIError as exc:
        message = str(_failed("oauth1 request_token", exc))
        if exc.status in (401, 403):  # a setup problem: say where to look
            message += (
                " If it keeps failing, check X_CONSUMER_KEY and X_CONSUMER_SECRET, and that "
                f"{callback} is a registered callback URL of the X app."
            )
        raise LinkFailed(message) from None
    if answer.get("oauth_callback_confirmed") != "true" or not answer.get("oauth_token_secret"):
        raise _failed("oauth1 request_token", ValueError("callback not confirmed"))
    request.session[OAUTH1_SESSION_KEY] = {
        "token": answer["oauth_token"],
        "secret": answer["oauth_token_secret"],
    }
    return x_oauth.oauth1_authorize_url(app, answer["oauth_token"])


def finish_oauth1(request) -> tuple[XAccount, bool]:
    """Handle X's redirect back: check the request token, exchange it, save the account.

    Returns (account, created); raises LinkCancelled, LinkRefused or LinkFailed.
    """
    entry = request.session.pop(OAUTH1_SESSION_KEY, None)
    if "denied" in request.GET:
        raise LinkCancelled(CANCELLED)
    token = request.GET.get("oauth_token", "")
    if entry is None or not token or not _same(token, entry["token"]):
        logger.warning("OAuth 1.0a callback refused: no matching request token in this session")
        raise LinkRefused(REFUSED)
    verifier = request.GET.get("oauth_verifier", "")
    if not verifier:
        raise _failed("oauth1 callback", ValueError("no oauth_verifier"))
    app = x_app()
    try:
        answer = x_oauth.oauth1_access_token(
            app, token=entry["token"], token_secret=entry["secret"], verifier=verifier
        )
    except XAPIError as exc:
        raise _failed("oauth1 access_token", exc) from None
    tokens = {
        "oauth_token": answer.get("oauth_token", ""),
        "oauth_token_secret": answer.get("oauth_token_secret", ""),
    }
    if not all(tokens.values()):
        raise _failed("oauth1 access_token", ValueError("no token pair"))
    me = _identify(
        oauth1_auth(
            app.consumer_key,
            app.consumer_secret,
            tokens["oauth_token"],
            tokens["oauth_token_secret"],
        )
    )
    return save_link(request.user, me, auth_kind=XAccount.AuthKind.OAUTH1, tokens=tokens)


# --- OAuth 2.0 with PKCE -----------------------------------------------------------------


def start_oauth2(request) -> str:
    """Keep a fresh state and PKCE verifier in this browser's session; return X's
    authorize URL (S256 challenge)."""
    if not oauth2_configured():
        raise LinkFailed("Linking with OAuth 2.0 is not configured on this installation.")
    request.session.pop(OAUTH2_SESSION_KEY, None)
    redirect_uri = request.build_absolute_uri(reverse("accounts:oauth2_callback"))
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 wants 43 to 128
    try:
        url = x_oauth.oauth2_authorize_url(
            x_app(), redirect_uri=redirect_uri, scopes=SCOPES, state=state, code_verifier=verifier
        )
    except x_oauth.InsecureTransport as exc:
        raise _failed("oauth2 authorize", exc) from None
    request.session[OAUTH2_SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
    }
    return url


def finish_oauth2(request) -> tuple[XAccount, bool]:
    """Handle X's redirect back: check the state, exchange the code, save the account.

    Returns (account, created); raises LinkCancelled, LinkRefused or LinkFailed.
    """
    entry = request.session.pop(OAUTH2_SESSION_KEY, None)
    state = request.GET.get("state", "")
    if entry is None or not state or not _same(state, entry["state"]):
        logger.warning("OAuth 2.0 callback refused: no matching state in this session")
        raise LinkRefused(REFUSED)
    error = request.GET.get("error")
    if error == "access_denied":
        raise LinkCancelled(CANCELLED)
    if error:  # X's error codes are short snake_case words; anything else is not shown
        shown = error if re.fullmatch(r"[a-z_]{1,40}", error) else "unknown error"
        logger.warning("X link step oauth2 callback failed: %s", shown)
        raise LinkFailed(f"Linking failed: X refused the request ({shown}). Nothing was stored.")
    code = request.GET.get("code", "")
    if not code:
        raise _failed("oauth2 callback", ValueError("no code"))

    try:
        answer = x_oauth.exchange_code(
            x_app(), code=code, code_verifier=entry["verifier"], redirect_uri=entry["redirect_uri"]
        )
    except XAPIError as exc:
        raise _failed("oauth2 token", exc) from None

    granted = answer.get("scope") or []
    granted = set(granted.split() if isinstance(granted, str) else granted)
    if not granted >= REQUIRED_SCOPES:
        raise LinkFailed(
            "Linking failed: X did not grant read access to Tweets and the profile "
            f"({' '.join(sorted(REQUIRED_SCOPES))}). Nothing was stored."
        )
    tokens = {
        "access_token": answer["access_token"],
        "refresh_token": answer.get("refresh_token", ""),
    }
    expires_in = answer.get("expires_in")
    expires_at = timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None
    me = _identify(BearerAuth(tokens["access_token"]))
    return save_link(
        request.user,
        me,
        auth_kind=XAccount.AuthKind.OAUTH2,
        tokens=tokens,
        token_expires_at=expires_at,
        scopes=" ".join(sorted(granted)),
    )


# --- saving and managing -----------------------------------------------------------------


def save_link(
    owner, me: dict, *, auth_kind: str, tokens: dict, token_expires_at=None, scopes: str = ""
) -> tuple[XAccount, bool]:
    """Store the X account `me` (from /2/users/me) as linked by `owner`.

    Linking an account again updates its row (tokens, handle, auth kind) and makes it
    active and due now; a paused account stays paused. Returns (account, created).
    Raises LinkFailed when another dashboard user has linked it.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            account = XAccount.objects.select_for_update().filter(x_user_id=me["id"]).first()
            if account is not None and account.owner_id != owner.pk:
                logger.warning("X user %s is already linked by another owner", me["id"])
                raise LinkFailed(
                    f"@{me['username']} is already linked by another metricsdash user, so it "
                    "was not linked again. Nothing was stored."
                )
            created = account is None
            if created:
                account = XAccount(
                    owner=owner, x_user_id=me["id"], sandbox=settings.X_SANDBOX, linked_at=now
                )
            account.username = me["username"]
            account.name = (me.get("name") or "")[:100]
            account.auth_kind = auth_kind
            account.set_tokens(tokens)
            account.token_expires_at = token_expires_at
            account.scopes = scopes
            if account.state != XAccount.State.PAUSED:
                account.state = XAccount.State.ACTIVE
                account.state_reason = ""
                account.next_poll_at = now  # the beat tick picks it up within a minute
            account.save()
    except IntegrityError:  # the same X account linked twice at the same instant
        raise LinkFailed("Linking failed: the account was being linked twice. Try again.") from None
    logger.info("Linked @%s (%s, %s)", account.username, auth_kind, "new" if created else "again")
    return account, created


def revoke_oauth2(tokens: dict) -> None:
    """Ask X to revoke an OAuth 2.0 refresh token and access token.

    Raises LinkFailed with the reason when X could not be asked or did not confirm.
    """
    app = x_app()
    for kind in ("refresh_token", "access_token"):
        if not tokens.get(kind):
            continue
        try:
            x_oauth.revoke(app, tokens[kind])
        except XAPIError as exc:
            raise LinkFailed(_reason("oauth2 revoke", exc)) from None


def unlink(account: XAccount, *, keep_history: bool) -> str | None:
    """Revoke the account's access at X where X allows it, then either keep its history
    (state revoked, tokens wiped, polling stopped) or delete it with everything polled.

    Returns a warning for the owner when X could not revoke; the account is unlinked anyway.
    """
    warning = None
    if account.auth_kind == XAccount.AuthKind.OAUTH2 and account.tokens_encrypted:
        try:
            revoke_oauth2(account.get_tokens())
        except (LinkFailed, InvalidToken) as exc:
            reason = str(exc) if isinstance(exc, LinkFailed) else "The stored token is unreadable."
            warning = (
                f"X did not revoke metricsdash's access to @{account.username}: {reason} "
                "You can revoke it yourself in X's settings (Connected apps)."
            )
    account.unlink(keep_history=keep_history)
    logger.info("Unlinked @%s (%s)", account.username, "kept" if keep_history else "deleted")
    return warning
