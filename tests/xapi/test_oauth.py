"""The OAuth calls over real HTTP against the sandbox, and the rules every call follows:
https, or plain http only to the sandbox or loopback; one client authentication."""

import os
from urllib.parse import parse_qs, urlsplit

import pytest
from requests.auth import HTTPBasicAuth

from sandbox.consent import answer_consent
from tests.sandbox.flows import oauth2_link
from xapi import oauth
from xapi.client import BearerAuth, Forbidden, Unauthorized, Unreachable, XClient, oauth1_auth

from .conftest import app_for

SCOPES = ("tweet.read", "users.read", "offline.access")


def me(app, auth) -> dict:
    with XClient(app.api_url, auth, timeout=app.timeout, max_attempts=1) as client:
        return client.me()


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def approved_code(sandbox, app, verifier: str) -> tuple[str, str]:
    """Run the OAuth 2.0 approval as @sandbox_demo; returns (code, redirect_uri)."""
    redirect_uri = sandbox.config.callbacks[1]
    url = oauth.oauth2_authorize_url(
        app, redirect_uri=redirect_uri, scopes=SCOPES, state="s" * 43, code_verifier=verifier
    )
    callback = answer_consent(url, sandbox.user("sandbox_demo").id)
    assert query_of(callback)["state"] == "s" * 43
    return query_of(callback)["code"], redirect_uri


# --- plain http only to the sandbox or loopback -----------------------------------------


@pytest.mark.parametrize(
    ("url", "sandbox", "allowed"),
    [
        ("https://api.x.com", False, True),
        ("http://api.x.com", False, False),
        ("http://example.com", False, False),
        ("http://127.0.0.1:8001", False, True),
        ("http://localhost:8001", False, True),
        ("http://[::1]:8001", False, True),
        ("http://sandbox:8001", True, True),
        ("http://sandbox:8001", False, False),
        ("ftp://127.0.0.1", True, False),
    ],
)
def test_plain_http_allowed(url, sandbox, allowed):
    assert oauth.plain_http_allowed(url, sandbox=sandbox) is allowed


def test_plain_http_to_another_host_is_refused_before_sending(sandbox):
    app = app_for(sandbox, api_url="http://example.com", web_url="http://example.com")
    with pytest.raises(oauth.InsecureTransport) as caught:
        oauth.oauth2_authorize_url(
            app, redirect_uri="http://x/cb", scopes=SCOPES, state="s", code_verifier="v" * 43
        )
    assert "http://example.com is not https" in str(caught.value)
    for call in (
        lambda: oauth.exchange_code(app, code="c", code_verifier="v", redirect_uri="http://x"),
        lambda: oauth.refresh(app, "refresh-token"),
        lambda: oauth.revoke(app, "access-token"),
    ):
        with pytest.raises(oauth.InsecureTransport):
            call()
    assert sandbox.requests_made() == 0
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ


def test_the_sandbox_flag_allows_plain_http_to_its_host():
    app = oauth.XApp(
        api_url="http://sandbox:8001",
        web_url="http://sandbox:8001",
        consumer_key="key",
        consumer_secret="secret",
        client_id="id",
        client_secret="",
        timeout=(5, 30),
        sandbox=True,
    )
    url = oauth.oauth2_authorize_url(
        app, redirect_uri="http://x/cb", scopes=SCOPES, state="st", code_verifier="v" * 43
    )
    assert url.startswith("http://sandbox:8001/i/oauth2/authorize?")
    assert query_of(url)["code_challenge"] == oauth.s256_challenge("v" * 43)


# --- one client authentication ----------------------------------------------------------


def test_a_confidential_client_uses_http_basic(sandbox):
    auth, extra = oauth.client_auth(app_for(sandbox))
    assert isinstance(auth, HTTPBasicAuth)
    assert (auth.username, auth.password) == (
        sandbox.config.client_id,
        sandbox.config.client_secret,
    )
    assert extra == {}


def test_a_public_client_names_itself_in_the_body(sandbox):
    assert oauth.client_auth(app_for(sandbox, client_secret="")) == (
        None,
        {"client_id": sandbox.config.client_id},
    )


# --- OAuth 2.0 against the sandbox ------------------------------------------------------


def test_authorize_url_carries_the_s256_challenge(sandbox_app):
    url = oauth.oauth2_authorize_url(
        sandbox_app, redirect_uri="http://x/cb", scopes=SCOPES, state="st", code_verifier="v" * 86
    )
    query = query_of(url)
    assert query == {
        "response_type": "code",
        "client_id": sandbox_app.client_id,
        "redirect_uri": "http://x/cb",
        "scope": "tweet.read users.read offline.access",
        "state": "st",
        "code_challenge": oauth.s256_challenge("v" * 86),
        "code_challenge_method": "S256",
    }
    # RFC 7636's own example.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth.s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_code_exchange_gives_a_working_token_pair(sandbox, sandbox_app):
    code, redirect_uri = approved_code(sandbox, sandbox_app, "v" * 86)

    answer = oauth.exchange_code(
        sandbox_app, code=code, code_verifier="v" * 86, redirect_uri=redirect_uri
    )

    assert answer["scope"] == "tweet.read users.read offline.access"
    assert answer["refresh_token"] and answer["expires_in"] == 7200
    assert me(sandbox_app, BearerAuth(answer["access_token"]))["username"] == "sandbox_demo"


def test_code_exchange_with_the_wrong_verifier_is_an_oauth_error(sandbox, sandbox_app):
    code, redirect_uri = approved_code(sandbox, sandbox_app, "v" * 86)

    with pytest.raises(oauth.OAuthError) as caught:
        oauth.exchange_code(
            sandbox_app, code=code, code_verifier="w" * 86, redirect_uri=redirect_uri
        )

    assert (caught.value.status, caught.value.error) == (400, "invalid_request")
    assert code not in str(caught.value)


def test_a_public_client_is_refused_by_a_confidential_app(sandbox, sandbox_app):
    code, redirect_uri = approved_code(sandbox, sandbox_app, "v" * 86)
    public = app_for(sandbox, client_secret="")

    with pytest.raises(oauth.OAuthError) as caught:
        oauth.exchange_code(public, code=code, code_verifier="v" * 86, redirect_uri=redirect_uri)

    assert (caught.value.status, caught.value.error) == (401, "unauthorized_client")


def test_refresh_rotates_the_pair(sandbox, sandbox_app):
    linked = oauth2_link(sandbox, "sandbox_demo")
    answer = oauth.refresh(sandbox_app, linked["refresh_token"])
    assert answer["expires_in"] == 7200
    assert answer["access_token"] != linked["access_token"]
    assert answer["refresh_token"] != linked["refresh_token"]
    assert me(sandbox_app, BearerAuth(answer["access_token"]))["username"] == "sandbox_demo"

    with pytest.raises(Unauthorized) as caught:
        oauth.refresh(sandbox_app, linked["refresh_token"])  # the old one died with the rotation
    assert caught.value.status == 400
    assert "Value passed for the token was invalid." in str(caught.value)
    assert linked["refresh_token"] not in str(caught.value)


def test_revoke_retires_both_tokens(sandbox, sandbox_app):
    linked = oauth2_link(sandbox, "sandbox_demo")
    assert me(sandbox_app, BearerAuth(linked["access_token"]))["username"] == "sandbox_demo"

    oauth.revoke(sandbox_app, linked["refresh_token"])
    oauth.revoke(sandbox_app, linked["access_token"])

    with pytest.raises(Unauthorized):
        me(sandbox_app, BearerAuth(linked["access_token"]))
    with pytest.raises(Unauthorized):
        oauth.refresh(sandbox_app, linked["refresh_token"])


def test_revoke_by_a_public_client_at_a_confidential_app_is_refused(sandbox):
    linked = oauth2_link(sandbox, "sandbox_demo")
    public = app_for(sandbox, client_secret="")

    with pytest.raises(oauth.OAuthError) as caught:
        oauth.revoke(public, linked["access_token"])

    assert (caught.value.status, caught.value.error) == (401, "unauthorized_client")
    assert me(app_for(sandbox), BearerAuth(linked["access_token"]))["username"] == "sandbox_demo"


def test_x_unreachable_is_unreachable(sandbox):
    app = app_for(sandbox, api_url="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(Unreachable) as caught:
        oauth.revoke(app, "access-token")
    assert caught.value.status is None
    assert "access-token" not in str(caught.value)


# --- OAuth 1.0a against the sandbox -----------------------------------------------------


def test_oauth1_three_legs_give_a_working_token_pair(sandbox, sandbox_app):
    answer = oauth.oauth1_request_token(sandbox_app, callback=sandbox.config.callbacks[0])
    assert answer["oauth_callback_confirmed"] == "true"
    authorize = oauth.oauth1_authorize_url(sandbox_app, answer["oauth_token"])
    assert authorize == f"{sandbox.url}/oauth/authorize?oauth_token={answer['oauth_token']}"
    callback = answer_consent(authorize, sandbox.user("sandbox_demo").id)

    pair = oauth.oauth1_access_token(
        sandbox_app,
        token=answer["oauth_token"],
        token_secret=answer["oauth_token_secret"],
        verifier=query_of(callback)["oauth_verifier"],
    )

    auth = oauth1_auth(
        sandbox_app.consumer_key,
        sandbox_app.consumer_secret,
        pair["oauth_token"],
        pair["oauth_token_secret"],
    )
    assert me(sandbox_app, auth)["username"] == "sandbox_demo"


def test_oauth1_unregistered_callback_is_forbidden(sandbox, sandbox_app):
    with pytest.raises(Forbidden) as caught:
        oauth.oauth1_request_token(sandbox_app, callback="http://evil.example/cb")
    assert caught.value.status == 403
    assert sandbox_app.consumer_secret not in str(caught.value)
