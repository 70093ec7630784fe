"""The OAuth calls to X: OAuth 1.0a request and access tokens; OAuth 2.0's authorize URL
(PKCE S256), code exchange, refresh and revoke.

Every call takes an `XApp`: who metricsdash is at X, where X is, and the one timeout.
The OAuth 2.0 calls are plain form POSTs with requests, not oauthlib: oauthlib allows plain
http only through an environment variable, and nothing here changes process-wide state.
Our own rule (`plain_http_allowed`) decides instead: https always, plain http only to the
sandbox or a loopback host. OAuth 1.0a is signed by requests-oauthlib.

Failures are the typed errors of `xapi.client`; none of their texts holds a token, a
secret or a signature, and nothing here logs one.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth1Session
from requests_oauthlib.oauth1_session import TokenRequestDenied

from .client import (
    _REASON_MAX,
    USER_AGENT,
    BadResponse,
    Forbidden,
    RateLimited,
    ServerError,
    TimedOut,
    Unauthorized,
    Unreachable,
    XAPIError,
    _json_or_none,
    _ms_since,
    _reason,
)

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_ERROR_CODE_RE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True)
class XApp:
    """metricsdash as an app registered at X, and where that X is.

    `sandbox` says the X behind these URLs is the sandbox (plain http is allowed to it);
    `timeout` is the (connect, read) seconds of every call.
    """

    api_url: str
    web_url: str
    consumer_key: str
    consumer_secret: str
    client_id: str
    client_secret: str
    timeout: tuple[float, float]
    sandbox: bool = False


class InsecureTransport(XAPIError):
    """Refused before sending: plain http to an address that is neither the sandbox nor a
    loopback host."""


class OAuthError(Unauthorized):
    """X's token or revoke endpoint answered an OAuth 2.0 error; `error` is its code
    (invalid_request, invalid_grant, unauthorized_client, ...) or "unknown_error"."""

    def __init__(self, message: str, *, error: str, **kwargs):
        super().__init__(message, **kwargs)
        self.error = error


# --- the rules every call follows -------------------------------------------------------


def plain_http_allowed(url: str, *, sandbox: bool) -> bool:
    """Whether OAuth may go to `url`: https always; plain http only to the sandbox or to a
    loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (sandbox or parts.hostname in LOOPBACK_HOSTS)


def _require_secure(url: str, app: XApp) -> None:
    if not plain_http_allowed(url, sandbox=app.sandbox):
        parts = urlsplit(url)
        raise InsecureTransport(
            f"X API: {parts.scheme}://{parts.hostname} is not https, and it is not the sandbox"
        )


def client_auth(app: XApp) -> tuple[HTTPBasicAuth | None, dict[str, str]]:
    """(auth, extra form fields) for X's token and revoke endpoints: a confidential client
    (one with a secret) authenticates by HTTP Basic, a public one names itself in the body."""
    if app.client_secret:
        return HTTPBasicAuth(app.client_id, app.client_secret), {}
    return None, {"client_id": app.client_id}


def _transport_error(endpoint: str, exc: requests.RequestException) -> XAPIError:
    name = type(exc).__name__
    logger.info("X POST %s: %s", endpoint, name)
    if isinstance(exc, requests.Timeout):  # before ConnectionError: ConnectTimeout is both
        return TimedOut(f"X API {endpoint}: {name}")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return Unreachable(f"X API {endpoint}: {name}")
    return XAPIError(f"X API {endpoint}: {name}")


def _status_error(endpoint: str, status: int, body: Any, *, oauth2: bool) -> XAPIError:
    """The typed error for a refused call; OAuth 2.0 error bodies keep their code."""
    error = body.get("error") if oauth2 and isinstance(body, dict) else None
    if isinstance(error, str):
        reason = " ".join(f"{error}: {body.get('error_description', '')}".split())
    else:
        reason = _reason(body)
    message = f"X API {endpoint}: {status} {reason[:_REASON_MAX]}"
    details = {"status": status, "body": body}
    if status >= 500:
        return ServerError(message, **details)
    if status == 429:
        return RateLimited(message, **details)
    if isinstance(error, str) and status >= 400:
        code = error if _ERROR_CODE_RE.fullmatch(error) else "unknown_error"
        return OAuthError(message, error=code, **details)
    if status == 401 or (oauth2 and status == 400):
        return Unauthorized(message, **details)
    if status == 403:
        return Forbidden(message, **details)
    return XAPIError(message, **details)


# --- OAuth 1.0a (three-legged) ----------------------------------------------------------


def _oauth1_token(endpoint: str, fetch: Callable[..., dict], url: str, app: XApp) -> dict:
    started = time.monotonic()
    try:
        answer = fetch(url, timeout=app.timeout)
    except TokenRequestDenied as exc:
        status = exc.response.status_code
        logger.info("X POST %s -> %d in %.0f ms", endpoint, status, _ms_since(started))
        body, _ = _json_or_none(exc.response)
        raise _status_error(endpoint, status, body, oauth2=False) from None
    except requests.RequestException as exc:
        raise _transport_error(endpoint, exc) from None
    except ValueError:  # TokenMissing, or an answer that is not form-encoded
        raise BadResponse(f"X API {endpoint}: the answer holds no token", status=200) from None
    logger.info("X POST %s -> 200 in %.0f ms", endpoint, _ms_since(started))
    return dict(answer)


def oauth1_request_token(app: XApp, *, callback: str) -> dict:
    """POST /oauth/request_token for a flow that returns to `callback`; X's answer
    (oauth_token, oauth_token_secret, oauth_callback_confirmed)."""
    with OAuth1Session(
        app.consumer_key, client_secret=app.consumer_secret, callback_uri=callback
    ) as session:
        url = f"{app.api_url}/oauth/request_token"
        return _oauth1_token("oauth1_request_token", session.fetch_request_token, url, app)


def oauth1_authorize_url(app: XApp, request_token: str) -> str:
    """X's OAuth 1.0a approval page for a request token."""
    return f"{app.api_url}/oauth/authorize?{urlencode({'oauth_token': request_token})}"


def oauth1_access_token(app: XApp, *, token: str, token_secret: str, verifier: str) -> dict:
    """POST /oauth/access_token: trade an approved request token for the access token pair
    (X's answer: oauth_token, oauth_token_secret, user_id, screen_name)."""
    with OAuth1Session(
        app.consumer_key,
        client_secret=app.consumer_secret,
        resource_owner_key=token,
        resource_owner_secret=token_secret,
        verifier=verifier,
    ) as session:
        url = f"{app.api_url}/oauth/access_token"
        return _oauth1_token("oauth1_access_token", session.fetch_access_token, url, app)


# --- OAuth 2.0 with PKCE ----------------------------------------------------------------


def s256_challenge(code_verifier: str) -> str:
    """The PKCE S256 code challenge of a verifier (RFC 7636)."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def oauth2_authorize_url(
    app: XApp, *, redirect_uri: str, scopes: Iterable[str], state: str, code_verifier: str
) -> str:
    """X's OAuth 2.0 approval page, with the S256 challenge of `code_verifier`.

    Raises InsecureTransport for plain http to an X that is not the sandbox or loopback.
    """
    url = f"{app.web_url}/i/oauth2/authorize"
    _require_secure(url, app)
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scopes),
        "state": state,
        "code_challenge": s256_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    return f"{url}?{urlencode(query, quote_via=quote)}"


def _post_form(app: XApp, endpoint: str, path: str, data: dict[str, str]) -> Any:
    """POST a form to X as this app (client_auth); the parsed answer of a 200, else the
    typed error. Sent once, never retried."""
    url = f"{app.api_url}{path}"
    _require_secure(url, app)
    auth, extra = client_auth(app)
    started = time.monotonic()
    try:
        response = requests.post(
            url,
            data={**data, **extra},
            auth=auth,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            timeout=app.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise _transport_error(endpoint, exc) from None
    status = response.status_code
    logger.info("X POST %s -> %d in %.0f ms", endpoint, status, _ms_since(started))
    body, _ = _json_or_none(response)
    if status != 200:
        raise _status_error(endpoint, status, body, oauth2=True)
    return body


def _token(app: XApp, data: dict[str, str]) -> dict:
    body = _post_form(app, "oauth2_token", "/2/oauth2/token", data)
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise BadResponse("X API oauth2_token: 200 answer holds no access_token", status=200)
    return body


def exchange_code(app: XApp, *, code: str, code_verifier: str, redirect_uri: str) -> dict:
    """POST /2/oauth2/token with the authorization code grant; X's answer (access_token,
    expires_in, scope and, with offline.access, refresh_token).

    A refused code or client raises OAuthError (an Unauthorized) with X's error code.
    """
    grant = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    return _token(app, grant)


def refresh(app: XApp, refresh_token: str) -> dict:
    """POST /2/oauth2/token with the refresh grant; X's answer (access_token, expires_in,
    scope and, with offline.access, the new refresh_token).

    Sent once, never retried: X may have rotated the pair even when the answer was lost,
    and a replayed refresh token is refused. A refused refresh token (400) or client (401)
    raises Unauthorized; 5xx, timeouts and connection errors ServerError; an answer without
    an access token BadResponse.
    """
    return _token(app, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke(app: XApp, token: str) -> None:
    """POST /2/oauth2/revoke for one token (access or refresh); raises unless X confirms."""
    body = _post_form(app, "oauth2_revoke", "/2/oauth2/revoke", {"token": token})
    if not isinstance(body, dict) or body.get("revoked") is not True:
        raise BadResponse("X API oauth2_revoke: 200 answer does not say revoked", status=200)
