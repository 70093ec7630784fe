"""The accounts page and the per-account actions: pause, resume, poll now, unlink."""

import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import XAccount
from tweets.models import PollRun

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_account(owner, username="sandbox_demo", kind="oauth1", **fields) -> XAccount:
    fields.setdefault("next_poll_at", LATER)
    account = XAccount(
        owner=owner,
        x_user_id=str(zlib.crc32(username.encode())),
        username=username,
        auth_kind=kind,
        **fields,
    )
    if kind == "oauth1":
        account.set_tokens({"oauth_token": "t-" + username, "oauth_token_secret": "s-" + username})
    else:
        account.set_tokens({"access_token": "a-" + username, "refresh_token": "r-" + username})
    account.save()
    return account


@pytest.fixture
def account(alice):
    return make_account(alice)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


# --- who may do what ---------------------------------------------------------------------

ACTIONS = ["pause", "resume", "poll-now", "unlink"]


@pytest.mark.parametrize("action", ACTIONS)
def test_outsider_gets_404(client, charlie, account, action):
    client.force_login(charlie)
    before = XAccount.objects.values().get(pk=account.pk)

    assert client.post(f"/accounts/{account.pk}/{action}/", {"what": "delete"}).status_code == 404
    if action == "unlink":
        assert client.get(f"/accounts/{account.pk}/unlink/").status_code == 404
    assert XAccount.objects.values().get(pk=account.pk) == before


def test_outsider_does_not_see_the_account(client, charlie, account):
    client.force_login(charlie)
    page = client.get("/accounts/")
    assert "@sandbox_demo" not in page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/",
        "/accounts/1/unlink/",
        "/accounts/link/oauth1/callback/?oauth_token=t&oauth_verifier=v",
        "/accounts/link/oauth2/callback/?state=s&code=c",
        "/auth/password/",
        "/",
    ],
)
def test_anonymous_get_is_sent_to_sign_in(client, path):
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/auth/login/?next=")


@pytest.mark.parametrize(
    "path", ["/accounts/link/oauth1/", "/accounts/link/oauth2/", "/accounts/1/pause/"]
)
def test_anonymous_post_is_sent_to_sign_in(client, path):
    answer = client.post(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/auth/login/?next=")


def test_actions_refuse_get(signed_in, account):
    for action in ("pause", "resume", "poll-now"):
        assert signed_in.get(f"/accounts/{account.pk}/{action}/").status_code == 405
    assert signed_in.get("/accounts/link/oauth1/").status_code == 405


# --- pause, resume, poll now -------------------------------------------------------------


def test_pause_and_resume(signed_in, account):
    page = signed_in.post(f"/accounts/{account.pk}/pause/", follow=True)
    account.refresh_from_db()
    assert account.state == XAccount.State.PAUSED
    assert "Paused @sandbox_demo" in page.content.decode()
    assert f'action="/accounts/{account.pk}/resume/"' in page.content.decode()

    page = signed_in.post(f"/accounts/{account.pk}/resume/", follow=True)
    account.refresh_from_db()
    assert account.state == XAccount.State.ACTIVE
    assert account.state_reason == ""
    assert account.next_poll_at == NOW
    assert "queued, within a minute" in page.content.decode()


def test_poll_now(signed_in, account):
    page = signed_in.post(f"/accounts/{account.pk}/poll-now/", follow=True)

    account.refresh_from_db()
    assert account.next_poll_at == NOW
    assert "Poll of @sandbox_demo queued, within a minute." in page.content.decode()


def test_actions_that_do_not_fit_the_state_change_nothing(signed_in, alice):
    account = make_account(alice, state=XAccount.State.NEEDS_REAUTH, state_reason="401")
    for action in ("pause", "resume", "poll-now"):
        page = signed_in.post(f"/accounts/{account.pk}/{action}/", follow=True)
        assert page.status_code == 200
    account.refresh_from_db()
    assert (account.state, account.next_poll_at) == (XAccount.State.NEEDS_REAUTH, LATER)
    assert "is not active, so it cannot be polled" in page.content.decode()


# --- the page ----------------------------------------------------------------------------


def test_empty_state_offers_both_flows(signed_in):
    page = signed_in.get("/accounts/").content.decode()
    assert "Link an account" in page
    assert 'action="/accounts/link/oauth1/"' in page
    assert 'action="/accounts/link/oauth2/"' in page


def test_only_configured_flows_are_offered(signed_in, settings):
    settings.X_CLIENT_ID = ""
    page = signed_in.get("/accounts/").content.decode()
    assert 'action="/accounts/link/oauth1/"' in page
    assert 'action="/accounts/link/oauth2/"' not in page

    page = signed_in.post("/accounts/link/oauth2/", follow=True).content.decode()
    assert "Linking with OAuth 2.0 is not configured" in page


def test_page_shows_state_reason_relink_and_latest_poll(signed_in, alice):
    account = make_account(
        alice,
        kind="oauth2",
        state=XAccount.State.NEEDS_REAUTH,
        state_reason="X refused the token: it was revoked.",
        last_poll_at=NOW - timedelta(hours=1),
    )
    PollRun.objects.create(account=account, started_at=NOW - timedelta(hours=2), outcome="ok")
    PollRun.objects.create(
        account=account,
        started_at=NOW - timedelta(hours=1),
        outcome=PollRun.Outcome.UNAUTHORIZED,
        requests_made=1,
        error="401 Unauthorized",
    )

    page = signed_in.get("/accounts/").content.decode()

    assert "Needs re-authorisation" in page
    assert "X refused the token: it was revoked." in page
    assert ">Re-link</button>" in page
    assert 'action="/accounts/link/oauth2/"' in page
    assert "2026-11-03 11:00 UTC" in page  # last poll
    assert "1 request, 0 Tweets sampled" in page  # the latest run, not the older one
    assert "401 Unauthorized" in page


def test_page_says_when_the_next_poll_is(signed_in, alice):
    make_account(alice, "due_now", next_poll_at=NOW - timedelta(seconds=5))
    make_account(alice, "later", next_poll_at=LATER)
    page = signed_in.get("/accounts/").content.decode()
    assert "due now (within a minute)" in page
    assert "2026-11-03 15:00 UTC" in page


# --- unlink ------------------------------------------------------------------------------


def test_unlink_asks_first(signed_in, account):
    page = signed_in.get(f"/accounts/{account.pk}/unlink/").content.decode()
    assert 'value="keep"' in page and 'value="delete"' in page

    answer = signed_in.post(f"/accounts/{account.pk}/unlink/", {})  # no choice made
    assert answer.status_code == 200
    assert XAccount.objects.get(pk=account.pk).state == XAccount.State.ACTIVE


def test_unlink_keeping_the_history(signed_in, account):
    PollRun.objects.create(account=account, outcome="ok")

    page = signed_in.post(f"/accounts/{account.pk}/unlink/", {"what": "keep"}, follow=True)

    account.refresh_from_db()
    assert account.state == XAccount.State.REVOKED
    assert account.tokens_encrypted == ""
    assert account.get_tokens() == {}
    assert account.next_poll_at is None
    assert account.poll_runs.count() == 1
    text = page.content.decode()
    assert "Unlinked @sandbox_demo; its history is kept." in text
    assert "Delete history" in text


def test_unlink_deleting_everything(signed_in, account):
    PollRun.objects.create(account=account, outcome="ok")

    signed_in.post(f"/accounts/{account.pk}/unlink/", {"what": "delete"})

    assert not XAccount.objects.exists()
    assert not PollRun.objects.exists()


def test_a_kept_history_can_only_be_deleted(signed_in, alice):
    account = make_account(alice, state=XAccount.State.REVOKED)
    page = signed_in.get(f"/accounts/{account.pk}/unlink/").content.decode()
    assert 'value="keep"' not in page
    assert signed_in.post(f"/accounts/{account.pk}/unlink/", {"what": "keep"}).status_code == 200
    assert signed_in.post(f"/accounts/{account.pk}/unlink/", {"what": "delete"}).status_code == 302
    assert not XAccount.objects.exists()
