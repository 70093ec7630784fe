"""OAuth 1.0a three-legged flow against the sandbox, over real HTTP."""

import pytest
import requests
from authlib.integrations.requests_client import OAuth1Session as AuthlibOAuth1Session
from requests_oauthlib import OAuth1Session
from requests_oauthlib.oauth1_session import TokenRequestDenied

from sandbox.consent import answer_consent
from tests.conftest import CALLBACK

from .flows import oauth1_link, oauth1_session, query_of

PRIVATE = "public_metrics,non_public_metrics,organic_metrics,created_at"


def own_recent_tweet(sandbox, username):
    user = sandbox.user(username)
    return next(t for t in sandbox.world.timeline(user.id, sandbox.now()) if t.kind == "original")


def test_requests_oauthlib_flow_reads_own_private_metrics(sandbox):
    token = oauth1_link(sandbox, "sandbox_demo")
    user = sandbox.user("sandbox_demo")
    assert token["user_id"] == user.id
    assert token["screen_name"] == "sandbox_demo"
    assert token["oauth_token"].startswith(f"{user.id}-")
    assert "oauth_authorized_realms" not in token

    session = oauth1_session(sandbox, token["oauth_token"], token["oauth_token_secret"])
    me = session.get(f"{sandbox.url}/2/users/me", timeout=10)
    assert me.json() == {"data": {"id": user.id, "name": user.name, "username": "sandbox_demo"}}

    tweet = own_recent_tweet(sandbox, "sandbox_demo")
    answer = session.get(
        f"{sandbox.url}/2/tweets", params={"ids": tweet.id, "tweet.fields": PRIVATE}, timeout=10
    )
    assert answer.status_code == 200
    (data,) = answer.json()["data"]
    expected = sandbox.world.tweet_metrics(tweet, sandbox.now())
    assert data["non_public_metrics"] == expected["non_public_metrics"]
    assert data["organic_metrics"] == expected["organic_metrics"]


def test_another_standard_client_authlib_works(sandbox):
    """Authlib's independent OAuth 1.0a implementation completes the same flow."""
    client = AuthlibOAuth1Session(
        sandbox.config.consumer_key, sandbox.config.consumer_secret, redirect_uri=CALLBACK
    )
    client.fetch_request_token(f"{sandbox.url}/oauth/request_token")
    url = client.create_authorization_url(f"{sandbox.url}/oauth/authorize")
    callback = answer_consent(url, sandbox.user("sandbox_newcomer").id)
    client.parse_authorization_response(callback)
    token = client.fetch_access_token(f"{sandbox.url}/oauth/access_token")
    assert token["screen_name"] == "sandbox_newcomer"

    tweet = own_recent_tweet(sandbox, "sandbox_newcomer")
    answer = client.get(
        f"{sandbox.url}/2/tweets/{tweet.id}", params={"tweet.fields": PRIVATE}, timeout=10
    )
    assert answer.status_code == 200
    assert "organic_metrics" in answer.json()["data"]


def test_unregistered_callback_is_refused_with_415(sandbox):
    session = OAuth1Session(
        sandbox.config.consumer_key,
        client_secret=sandbox.config.consumer_secret,
        callback_uri="http://evil.example/callback",
    )
    answer = session.post(f"{sandbox.url}/oauth/request_token", timeout=10)
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == 415


def test_wrong_consumer_secret_is_401(sandbox):
    session = OAuth1Session(
        sandbox.config.consumer_key, client_secret="not-the-secret", callback_uri=CALLBACK
    )
    with pytest.raises(TokenRequestDenied) as exc:
        session.fetch_request_token(f"{sandbox.url}/oauth/request_token")
    assert exc.value.status_code == 401


def test_cancel_redirects_with_denied(sandbox):
    session = oauth1_session(sandbox)
    request_token = session.fetch_request_token(f"{sandbox.url}/oauth/request_token")
    url = session.authorization_url(f"{sandbox.url}/oauth/authorize")
    callback = answer_consent(url, None, approve=False)
    assert callback.startswith(CALLBACK)
    assert query_of(callback) == {"denied": request_token["oauth_token"]}


def test_wrong_verifier_is_401_and_request_token_is_single_use(sandbox):
    session = oauth1_session(sandbox)
    session.fetch_request_token(f"{sandbox.url}/oauth/request_token")
    url = session.authorization_url(f"{sandbox.url}/oauth/authorize")
    callback = answer_consent(url, sandbox.user("sandbox_demo").id)
    params = query_of(callback)

    wrong = oauth1_session(sandbox)
    wrong._client.client.resource_owner_key = params["oauth_token"]
    wrong._client.client.resource_owner_secret = session._client.client.resource_owner_secret
    wrong._client.client.verifier = "x" * 32
    with pytest.raises(TokenRequestDenied) as exc:
        wrong.fetch_access_token(f"{sandbox.url}/oauth/access_token")
    assert exc.value.status_code == 401

    session.parse_authorization_response(callback)
    session.fetch_access_token(f"{sandbox.url}/oauth/access_token")
    with pytest.raises(TokenRequestDenied):  # the request token is spent
        session.fetch_access_token(
            f"{sandbox.url}/oauth/access_token", verifier=params["oauth_verifier"]
        )


def test_replayed_nonce_is_refused(sandbox):
    token = oauth1_link(sandbox, "sandbox_demo")
    session = oauth1_session(sandbox, token["oauth_token"], token["oauth_token_secret"])
    prepared = session.prepare_request(requests.Request("GET", f"{sandbox.url}/2/users/me"))
    first = requests.Session().send(prepared, timeout=10)
    replay = requests.Session().send(prepared, timeout=10)
    assert first.status_code == 200
    assert replay.status_code == 401
    assert replay.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }


def test_stale_timestamp_is_refused(sandbox):
    token = oauth1_link(sandbox, "sandbox_demo")
    session = OAuth1Session(
        sandbox.config.consumer_key,
        client_secret=sandbox.config.consumer_secret,
        resource_owner_key=token["oauth_token"],
        resource_owner_secret=token["oauth_token_secret"],
        timestamp="1700000000",  # 2023: far from both the sandbox clock and the host's
    )
    assert session.get(f"{sandbox.url}/2/users/me", timeout=10).status_code == 401


def test_authenticate_skips_the_question_once_granted(sandbox):
    browser = requests.Session()
    for expected_page in (True, False):
        session = oauth1_session(sandbox)
        session.fetch_request_token(f"{sandbox.url}/oauth/request_token")
        url = session.authorization_url(f"{sandbox.url}/oauth/authenticate")
        page = browser.get(url, allow_redirects=False, timeout=10)
        assert (page.status_code == 200) is expected_page
        callback = answer_consent(url, sandbox.user("sandbox_demo").id, session=browser)
        session.parse_authorization_response(callback)
        session.fetch_access_token(f"{sandbox.url}/oauth/access_token")


def test_authorize_with_unknown_token_shows_error_page(sandbox):
    page = requests.get(f"{sandbox.url}/oauth/authorize?oauth_token=nope", timeout=10)
    assert page.status_code == 400
    assert "invalid or has expired" in page.text
