"""OAuth 2.0 Authorization Code with PKCE against the sandbox, over real HTTP."""

import pytest
import requests
from oauthlib.oauth2 import InvalidGrantError
from requests_oauthlib import OAuth2Session

from sandbox.consent import answer_consent
from sandbox.server import RunningSandbox
from tests.conftest import CALLBACK2, sandbox_config

from .flows import SCOPES, bearer, oauth2_authorize, oauth2_link, pkce_pair, query_of


@pytest.fixture(autouse=True)
def _oauthlib_over_plain_http(monkeypatch):
    # requests-oauthlib is the independent client here; the sandbox speaks plain http.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


INVALID_TOKEN = {
    "error": "invalid_request",
    "error_description": "Value passed for the token was invalid.",
}


def token_request(sandbox, data, auth=None):
    auth = auth or (sandbox.config.client_id, sandbox.config.client_secret)
    return requests.post(f"{sandbox.url}/2/oauth2/token", data=data, auth=auth, timeout=10)


def code_grant(sandbox, callback, verifier, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": query_of(callback)["code"],
        "redirect_uri": CALLBACK2,
        "code_verifier": verifier,
    }
    data.update(overrides)
    return token_request(sandbox, data)


def test_pkce_flow_reads_own_private_metrics(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 7200
    assert token["scope"] == SCOPES  # requests-oauthlib splits the space-separated scope
    assert token["refresh_token"]

    user = sandbox.user("sandbox_demo")
    me = requests.get(
        f"{sandbox.url}/2/users/me", headers=bearer(token["access_token"]), timeout=10
    )
    assert me.json()["data"]["username"] == "sandbox_demo"

    tweet = sandbox.world.timeline(user.id, sandbox.now())[0]
    answer = requests.get(
        f"{sandbox.url}/2/tweets",
        params={"ids": tweet.id, "tweet.fields": "non_public_metrics,organic_metrics"},
        headers=bearer(token["access_token"]),
        timeout=10,
    )
    (data,) = answer.json()["data"]
    expected = sandbox.world.tweet_metrics(tweet, sandbox.now())
    assert data["non_public_metrics"] == expected["non_public_metrics"]


def test_cancel_redirects_with_access_denied_and_state(sandbox):
    _session, _verifier, callback = oauth2_authorize(sandbox, None, approve=False)
    params = query_of(callback)
    assert params == {"error": "access_denied", "state": params["state"]}
    assert params["state"]


def test_code_expires_after_30_seconds(sandbox):
    _session, verifier, callback = oauth2_authorize(sandbox, "sandbox_demo")
    sandbox.advance(31)
    answer = code_grant(sandbox, callback, verifier)
    assert answer.status_code == 400
    assert answer.json() == INVALID_TOKEN


def test_code_is_accepted_within_30_seconds_and_only_once(sandbox):
    _session, verifier, callback = oauth2_authorize(sandbox, "sandbox_demo")
    sandbox.advance(29)
    assert code_grant(sandbox, callback, verifier).status_code == 200
    assert code_grant(sandbox, callback, verifier).json() == INVALID_TOKEN


def test_wrong_verifier_or_redirect_is_refused(sandbox):
    _session, verifier, callback = oauth2_authorize(sandbox, "sandbox_demo")
    other_verifier, _ = pkce_pair()
    assert code_grant(sandbox, callback, other_verifier).json() == INVALID_TOKEN
    _session, verifier, callback = oauth2_authorize(sandbox, "sandbox_demo")
    answer = code_grant(sandbox, callback, verifier, redirect_uri="http://testserver/other/")
    assert answer.json() == INVALID_TOKEN


def test_confidential_client_must_use_basic_auth(sandbox):
    _session, verifier, callback = oauth2_authorize(sandbox, "sandbox_demo")
    answer = requests.post(
        f"{sandbox.url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": query_of(callback)["code"],
            "redirect_uri": CALLBACK2,
            "code_verifier": verifier,
            "client_id": sandbox.config.client_id,
        },
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "unauthorized_client"
    bad = token_request(sandbox, {"grant_type": "refresh_token"}, auth=("x", "y"))
    assert bad.status_code == 401


def test_unregistered_redirect_uri_shows_error_page(sandbox):
    session = OAuth2Session(
        sandbox.config.client_id, redirect_uri="http://evil.example/cb", scope=SCOPES
    )
    _verifier, challenge = pkce_pair()
    url, _ = session.authorization_url(
        f"{sandbox.url}/i/oauth2/authorize", code_challenge=challenge, code_challenge_method="S256"
    )
    page = requests.get(url, timeout=10, allow_redirects=False)
    assert page.status_code == 400
    assert "redirect_uri is not registered" in page.text
    with pytest.raises(ValueError):
        answer_consent(url, sandbox.user("sandbox_demo").id)


def test_missing_pkce_challenge_is_refused(sandbox):
    session = OAuth2Session(sandbox.config.client_id, redirect_uri=CALLBACK2, scope=SCOPES)
    url, _state = session.authorization_url(f"{sandbox.url}/i/oauth2/authorize")
    page = requests.get(url, timeout=10, allow_redirects=False)
    assert page.status_code == 302
    assert query_of(page.headers["Location"])["error"] == "invalid_request"


def test_refresh_rotates_and_the_old_refresh_token_dies(sandbox):
    first = oauth2_link(sandbox, "sandbox_demo")
    refreshed = token_request(
        sandbox, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    ).json()
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] != first["refresh_token"]

    reused = token_request(
        sandbox, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert reused.status_code == 400
    assert reused.json() == INVALID_TOKEN

    me = f"{sandbox.url}/2/users/me"
    assert requests.get(me, headers=bearer(first["access_token"]), timeout=10).status_code == 401
    assert (
        requests.get(me, headers=bearer(refreshed["access_token"]), timeout=10).status_code == 200
    )


def test_requests_oauthlib_refresh_works(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")
    session = OAuth2Session(sandbox.config.client_id, token=token)
    new = session.refresh_token(
        f"{sandbox.url}/2/oauth2/token",
        auth=(sandbox.config.client_id, sandbox.config.client_secret),
    )
    assert new["access_token"] != token["access_token"]
    with pytest.raises(InvalidGrantError.__mro__[1]):  # oauthlib's OAuth2Error
        session.refresh_token(
            f"{sandbox.url}/2/oauth2/token",
            refresh_token=token["refresh_token"],
            auth=(sandbox.config.client_id, sandbox.config.client_secret),
        )


def test_access_token_expires(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")
    me = f"{sandbox.url}/2/users/me"
    sandbox.advance(7199)
    assert requests.get(me, headers=bearer(token["access_token"]), timeout=10).status_code == 200
    sandbox.advance(2)
    expired = requests.get(me, headers=bearer(token["access_token"]), timeout=10)
    assert expired.status_code == 401
    assert expired.json()["title"] == "Unauthorized"


def test_no_refresh_token_without_offline_access(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo", scope=["tweet.read", "users.read"])
    assert "refresh_token" not in token


def test_revoke(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")
    answer = requests.post(
        f"{sandbox.url}/2/oauth2/revoke",
        data={"token": token["access_token"]},
        auth=(sandbox.config.client_id, sandbox.config.client_secret),
        timeout=10,
    )
    assert answer.json() == {"revoked": True}
    me = requests.get(
        f"{sandbox.url}/2/users/me", headers=bearer(token["access_token"]), timeout=10
    )
    assert me.status_code == 401


@pytest.fixture
def public_client_sandbox(tmp_path):
    running = RunningSandbox(sandbox_config(tmp_path, client_secret=""))
    yield running
    running.stop()


def test_public_client_sends_client_id_in_body(public_client_sandbox):
    from tests.conftest import SandboxControl

    sandbox = SandboxControl(public_client_sandbox)
    session, verifier, callback = oauth2_authorize(sandbox, "sandbox_newcomer")
    token = session.fetch_token(
        f"{sandbox.url}/2/oauth2/token",
        authorization_response=callback,
        code_verifier=verifier,
        include_client_id=True,
    )
    me = requests.get(
        f"{sandbox.url}/2/users/me", headers=bearer(token["access_token"]), timeout=10
    )
    assert me.json()["data"]["username"] == "sandbox_newcomer"
