"""Linking X accounts through the real OAuth flows: the dashboard on the live server, the
sandbox as X, a requests.Session as the person's browser."""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from requests_oauthlib import OAuth1

from accounts.models import XAccount
from accounts.oauth import CANCELLED, OAUTH1_SESSION_KEY, save_link

REFUSED_TEXT = "This link could not be verified"


def users_me(x_api, account: XAccount) -> requests.Response:
    """/2/users/me with the account's stored tokens, signed independently of the product."""
    tokens = account.get_tokens()
    if account.auth_kind == XAccount.AuthKind.OAUTH1:
        auth = OAuth1(
            x_api.config.consumer_key,
            client_secret=x_api.config.consumer_secret,
            resource_owner_key=tokens["oauth_token"],
            resource_owner_secret=tokens["oauth_token_secret"],
        )
        return requests.get(f"{x_api.url}/2/users/me", auth=auth, timeout=10)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    return requests.get(f"{x_api.url}/2/users/me", headers=headers, timeout=10)


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_link_with_oauth1(alice_browser, alice, x_api, live_server):
    authorize = alice_browser.start_link("oauth1")
    assert authorize.startswith(f"{x_api.url}/oauth/authorize?oauth_token=")

    # The request token and its secret wait server-side, in this browser's session.
    (session,) = Session.objects.all()
    assert set(session.get_decoded()[OAUTH1_SESSION_KEY]) == {"token", "secret"}
    callback = alice_browser.consent(authorize, x_api, "sandbox_demo")
    assert callback.startswith(f"{live_server.url}/accounts/link/oauth1/callback/?")
    page = alice_browser.get(callback)

    assert page.url == f"{live_server.url}/accounts/"
    assert "Linked @sandbox_demo" in page.text
    assert "@sandbox_demo</h2>" in page.text
    account = XAccount.objects.get()
    assert account.owner == alice
    assert account.x_user_id == x_api.user("sandbox_demo").id
    assert account.username == "sandbox_demo"
    assert account.auth_kind == XAccount.AuthKind.OAUTH1
    assert account.state == XAccount.State.ACTIVE
    assert account.sandbox is True
    assert set(account.get_tokens()) == {"oauth_token", "oauth_token_secret"}
    me = users_me(x_api, account)
    assert me.status_code == 200
    assert me.json()["data"]["id"] == account.x_user_id
    (session,) = Session.objects.all()
    assert OAUTH1_SESSION_KEY not in session.get_decoded()  # popped on use


def test_link_with_oauth2(alice_browser, alice, x_api, live_server, clock):
    authorize = alice_browser.start_link("oauth2")
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{x_api.url}/i/oauth2/authorize?")
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tweet.read users.read offline.access"]
    assert query["redirect_uri"] == [f"{live_server.url}/accounts/link/oauth2/callback/"]

    page = alice_browser.get(alice_browser.consent(authorize, x_api, "sandbox_demo"))

    assert page.url == f"{live_server.url}/accounts/"
    assert "Linked @sandbox_demo" in page.text
    account = XAccount.objects.get()
    assert (account.owner, account.auth_kind) == (alice, XAccount.AuthKind.OAUTH2)
    assert account.x_user_id == x_api.user("sandbox_demo").id
    assert account.scopes == "offline.access tweet.read users.read"
    assert account.token_expires_at == clock.now() + timedelta(seconds=7200)
    assert account.next_poll_at == clock.now()
    assert set(account.get_tokens()) == {"access_token", "refresh_token"}
    me = users_me(x_api, account)
    assert me.status_code == 200
    assert me.json()["data"]["username"] == "sandbox_demo"


def test_public_client_sends_its_client_id(alice_browser, x_api, settings):
    # The sandbox is configured as a confidential client; a public one must be refused by
    # it, which proves the product really switched to client_id in the body.
    settings.X_CLIENT_SECRET = ""
    page = alice_browser.link(x_api, "oauth2")
    assert "Linking failed: X refused the request" in page.text
    assert not XAccount.objects.exists()


@pytest.mark.parametrize("kind", ["oauth1", "oauth2"])
def test_cancel_stores_nothing(alice_browser, x_api, kind):
    callback = alice_browser.consent(alice_browser.start_link(kind), x_api, approve=False)
    query = parse_qs(urlsplit(callback).query)
    assert ("denied" in query) if kind == "oauth1" else (query["error"] == ["access_denied"])

    page = alice_browser.get(callback)

    assert page.status_code == 200
    assert CANCELLED in page.text
    assert not XAccount.objects.exists()


def test_oauth2_error_from_x_is_a_failure(alice_browser, x_api):
    callback = alice_browser.consent(alice_browser.start_link("oauth2"), x_api, approve=False)

    page = alice_browser.get(with_query(callback, error="invalid_scope"))

    assert "Linking failed: X refused the request (invalid_scope)." in page.text
    assert not XAccount.objects.exists()


def test_oauth2_wrong_state_is_refused(alice_browser, x_api):
    callback = alice_browser.consent(alice_browser.start_link("oauth2"), x_api)

    forged = alice_browser.get(with_query(callback, state="not-the-state-we-issued"))
    assert forged.status_code == 403
    assert REFUSED_TEXT in forged.text
    # The pending flow was spent by the forged attempt: even the genuine callback fails now.
    assert alice_browser.get(callback).status_code == 403
    assert not XAccount.objects.exists()


@pytest.mark.django_db
def test_callback_without_a_started_flow_is_refused(client, alice):
    client.force_login(alice)
    for kind, query in (("oauth1", "oauth_token=t&oauth_verifier=v"), ("oauth2", "state=s&code=c")):
        page = client.get(f"/accounts/link/{kind}/callback/?{query}")
        assert page.status_code == 403
        assert REFUSED_TEXT in page.content.decode()
    assert not XAccount.objects.exists()


@pytest.mark.parametrize("kind", ["oauth1", "oauth2"])
def test_replayed_callback_is_refused(alice_browser, x_api, kind):
    callback = alice_browser.consent(alice_browser.start_link(kind), x_api)
    assert alice_browser.get(callback).status_code == 200
    stored = XAccount.objects.get().tokens_encrypted

    replay = alice_browser.get(callback)

    assert replay.status_code == 403
    assert REFUSED_TEXT in replay.text
    assert XAccount.objects.get().tokens_encrypted == stored


@pytest.mark.parametrize("kind", ["oauth1", "oauth2"])
def test_callback_from_another_browser_session_is_refused(browser_for, alice, bob, x_api, kind):
    alice_browser, bob_browser = browser_for(alice), browser_for(bob)
    alice_browser.start_link(kind)  # alice has a flow of her own pending
    bobs_callback = bob_browser.consent(bob_browser.start_link(kind), x_api, "sandbox_demo")

    stolen = alice_browser.get(bobs_callback)

    assert stolen.status_code == 403
    assert REFUSED_TEXT in stolen.text
    assert not XAccount.objects.exists()
    # Refusing it spent nothing of bob's: his own browser still completes the link.
    assert "Linked @sandbox_demo" in bob_browser.get(bobs_callback).text
    assert XAccount.objects.get().owner == bob


def test_linking_again_updates_the_account(alice_browser, x_api, clock):
    alice_browser.link(x_api, "oauth2")
    account = XAccount.objects.get()
    old_tokens = account.get_tokens()
    XAccount.objects.filter(pk=account.pk).update(
        state=XAccount.State.NEEDS_REAUTH,
        state_reason="X refused the token (401).",
        next_poll_at=None,
        username="old_handle",
    )
    clock.advance(600)

    page = alice_browser.link(x_api, "oauth2")

    assert "Re-linked @sandbox_demo" in page.text
    account = XAccount.objects.get()  # still one row
    assert account.username == "sandbox_demo"
    assert account.state == XAccount.State.ACTIVE
    assert account.state_reason == ""
    assert account.next_poll_at == clock.now()
    assert account.token_expires_at == clock.now() + timedelta(seconds=7200)
    new_tokens = account.get_tokens()
    assert new_tokens["access_token"] != old_tokens["access_token"]
    assert new_tokens["refresh_token"] != old_tokens["refresh_token"]
    assert users_me(x_api, account).status_code == 200


@pytest.mark.django_db
def test_save_link_switches_the_auth_kind_and_keeps_a_pause(alice):
    me = {"id": "1234", "username": "sandbox_demo", "name": "Demo Bakery"}
    tokens2 = {"access_token": "a" * 40, "refresh_token": "r" * 40}
    account, created = save_link(alice, me, auth_kind="oauth2", tokens=tokens2, scopes="x")
    assert created
    XAccount.objects.filter(pk=account.pk).update(state=XAccount.State.PAUSED)

    tokens1 = {"oauth_token": "t" * 40, "oauth_token_secret": "s" * 40}
    account, created = save_link(
        alice, me | {"username": "renamed"}, auth_kind="oauth1", tokens=tokens1
    )

    assert not created
    account = XAccount.objects.get()
    assert (account.auth_kind, account.username) == ("oauth1", "renamed")
    assert account.get_tokens() == tokens1
    assert (account.token_expires_at, account.scopes) == (None, "")
    assert account.state == XAccount.State.PAUSED  # re-linking is not resuming


def test_an_account_linked_by_someone_else_is_refused(browser_for, alice, bob, x_api):
    browser_for(alice).link(x_api, "oauth2")
    stored = XAccount.objects.get().tokens_encrypted

    page = browser_for(bob).link(x_api, "oauth1")

    assert "@sandbox_demo is already linked by another metricsdash user" in page.text
    account = XAccount.objects.get()
    assert account.owner == alice
    assert account.tokens_encrypted == stored


# --- failures end on a message and store nothing -----------------------------------------


@pytest.mark.django_db
def test_x_unreachable_when_starting(client, alice, settings):
    settings.X_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    client.force_login(alice)

    answer = client.post("/accounts/link/oauth1/")

    assert answer["Location"] == "/accounts/"
    page = client.get("/accounts/").content.decode()
    assert "Linking failed: X could not be reached." in page
    assert OAUTH1_SESSION_KEY not in client.session


def test_unregistered_callback_says_where_to_look(client, alice, x_api):
    # The test client's host (testserver) is not among the sandbox's registered callbacks.
    client.force_login(alice)

    page = client.post("/accounts/link/oauth1/", follow=True).content.decode()

    assert "Linking failed: X refused the request (HTTP 403)." in page
    assert "http://testserver/accounts/link/oauth1/callback/ is a registered callback URL" in page
    assert OAUTH1_SESSION_KEY not in client.session


def test_expired_code_is_a_failure(alice_browser, x_api):
    callback = alice_browser.consent(alice_browser.start_link("oauth2"), x_api)
    x_api.advance(31)  # X's authorization codes live 30 seconds

    page = alice_browser.get(callback)

    assert page.url.endswith("/accounts/")
    assert "Linking failed: X refused the request" in page.text
    assert not XAccount.objects.exists()


@pytest.mark.parametrize(
    ("kind", "fault", "message"),
    [
        ("oauth1", {"kind": "client_forbidden"}, "X refused the request (HTTP 403)."),
        ("oauth2", {"kind": "server_error", "status": 503}, "X answered with an error (HTTP 503)."),
        ("oauth2", {"kind": "rate_limit", "reset_in": 60}, "X's rate limit for this was reached"),
    ],
)
def test_users_me_failure_stores_nothing(alice_browser, x_api, kind, fault, message):
    x_api.fault(endpoint="users_me", **fault)

    page = alice_browser.link(x_api, kind)

    assert f"Linking failed: {message}".replace("'", "&#x27;") in page.text
    assert not XAccount.objects.exists()
