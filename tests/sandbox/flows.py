"""Complete OAuth flows against the sandbox, driven by requests-oauthlib as any client
would, with the approval page answered by `sandbox.consent`."""

import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from requests_oauthlib import OAuth1Session, OAuth2Session

from sandbox.consent import answer_consent

SCOPES = ["tweet.read", "users.read", "offline.access"]


def oauth1_session(sandbox, token=None, secret=None) -> OAuth1Session:
    return OAuth1Session(
        sandbox.config.consumer_key,
        client_secret=sandbox.config.consumer_secret,
        resource_owner_key=token,
        resource_owner_secret=secret,
        # The sandbox's first registered callback is the OAuth 1.0a one, the second OAuth 2.0.
        callback_uri=sandbox.config.callbacks[0] if token is None else None,
    )


def oauth1_link(sandbox, username: str) -> dict:
    """Three-legged OAuth 1.0a; returns the access token answer."""
    session = oauth1_session(sandbox)
    session.fetch_request_token(f"{sandbox.url}/oauth/request_token")
    authorize_url = session.authorization_url(f"{sandbox.url}/oauth/authorize")
    callback = answer_consent(authorize_url, sandbox.user(username).id)
    session.parse_authorization_response(callback)
    return session.fetch_access_token(f"{sandbox.url}/oauth/access_token")


def oauth1_user_session(sandbox, username: str) -> OAuth1Session:
    token = oauth1_link(sandbox, username)
    return oauth1_session(sandbox, token["oauth_token"], token["oauth_token_secret"])


@contextmanager
def oauthlib_over_plain_http() -> Iterator[None]:
    """Let oauthlib's OAuth 2.0 client speak plain http to the sandbox inside the block.

    oauthlib reads that permission only from the environment; the product does not use
    oauthlib for OAuth 2.0, so only these test clients need it, and only for the call.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        yield


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def oauth2_authorize(sandbox, username: str | None, *, approve=True, scope=SCOPES):
    """Run the consent step; returns (session, verifier, callback URL)."""
    redirect_uri = sandbox.config.callbacks[1]
    session = OAuth2Session(sandbox.config.client_id, redirect_uri=redirect_uri, scope=scope)
    verifier, challenge = pkce_pair()
    with oauthlib_over_plain_http():
        url, _state = session.authorization_url(
            f"{sandbox.url}/i/oauth2/authorize",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    user_id = sandbox.user(username).id if username else None
    callback = answer_consent(url, user_id, approve=approve)
    return session, verifier, callback


def oauth2_link(sandbox, username: str, scope=SCOPES) -> dict:
    """Authorization Code with PKCE S256, confidential client (HTTP Basic)."""
    session, verifier, callback = oauth2_authorize(sandbox, username, scope=scope)
    with oauthlib_over_plain_http():
        return session.fetch_token(
            f"{sandbox.url}/2/oauth2/token",
            authorization_response=callback,
            code_verifier=verifier,
            client_secret=sandbox.config.client_secret,
            include_client_id=False,
        )


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
