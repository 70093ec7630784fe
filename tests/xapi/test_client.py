"""The X API client over real HTTP: against the live sandbox, and against recorded bodies
of the variants the sandbox does not produce (served by pytest-httpserver)."""

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
import requests
from django.core.cache.backends.locmem import LocMemCache

from tests.conftest import EPOCH
from tests.sandbox.flows import oauth1_link, oauth2_link
from xapi.client import (
    BadResponse,
    BearerAuth,
    CacheRateBudget,
    Forbidden,
    InvalidRequest,
    NotFound,
    Page,
    RateLimit,
    RateLimited,
    ServerError,
    Unauthorized,
    XClient,
    oauth1_auth,
)
from xapi.oauth import refresh

X_PROBLEMS = "https://api.x.com/2/problems/"
SANDBOX_NOW = EPOCH.replace(day=3)  # where the `sandbox` fixture freezes the sandbox's clock
RESET = SANDBOX_NOW + timedelta(minutes=15)  # a 15-minute window opened then
RATE_HEADERS = {
    "x-rate-limit-limit": "900",
    "x-rate-limit-remaining": "0",
    "x-rate-limit-reset": str(int(RESET.timestamp())),
}


class MemoryBudget:
    """A RateBudget in a dict: enough to watch the client's budget decisions."""

    def __init__(self):
        self.entries: dict[str, RateLimit] = {}

    def get(self, key):
        return self.entries.get(key)

    def set(self, key, value):
        self.entries[key] = value


def client_for(sandbox, auth, **kwargs) -> XClient:
    """A client on the sandbox whose budget decisions follow the sandbox's frozen clock."""
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("clock", sandbox.now)
    kwargs.setdefault("timeout", (5, 30))
    return XClient(sandbox.url, auth, **kwargs)


@pytest.fixture
def demo_token(sandbox):
    return oauth2_link(sandbox, "sandbox_demo")["access_token"]


@pytest.fixture
def demo(sandbox, demo_token):
    return client_for(sandbox, BearerAuth(demo_token))


@pytest.fixture
def app_token(sandbox):
    config = sandbox.config
    return requests.post(
        f"{sandbox.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(config.consumer_key, config.consumer_secret),
        timeout=10,
    ).json()["access_token"]


def oauth1_client(sandbox, username, **kwargs) -> tuple[XClient, dict]:
    token = oauth1_link(sandbox, username)
    auth = oauth1_auth(
        sandbox.config.consumer_key,
        sandbox.config.consumer_secret,
        token["oauth_token"],
        token["oauth_token_secret"],
    )
    return client_for(sandbox, auth, **kwargs), token


def timeline(sandbox, username):
    return sandbox.world.timeline(sandbox.user(username).id, sandbox.now())


def recent(sandbox, username, days=2):
    since = sandbox.now() - timedelta(days=days)
    return [t for t in timeline(sandbox, username) if t.created_at >= since]


# --- successful calls against the sandbox ---------------------------------------------


def test_me_returns_the_user_and_reads_the_rate_limit_headers(sandbox, demo):
    me = demo.me(["public_metrics"])
    assert me["username"] == "sandbox_demo"
    assert me["id"] == sandbox.user("sandbox_demo").id
    assert "followers_count" in me["public_metrics"]
    # 75 per 15 minutes on users_me; the window opened at the frozen 12:00:00.
    assert sandbox.now() == SANDBOX_NOW
    assert demo.last_rate_limit == RateLimit(limit=75, remaining=74, reset=RESET)
    assert demo.requests_made == 1


def test_iter_user_tweets_follows_next_token_to_the_end(sandbox, demo):
    expected = [t.id for t in recent(sandbox, "sandbox_demo")]
    assert len(expected) > 10  # several pages of 5
    pages = list(
        demo.iter_user_tweets(
            sandbox.user("sandbox_demo").id,
            tweet_fields=["created_at", "public_metrics"],
            start_time=sandbox.now() - timedelta(days=2),
            max_results=5,
        )
    )
    assert [t["id"] for page in pages for t in page.data] == expected
    assert all("next_token" in p.meta for p in pages[:-1])
    assert "next_token" not in pages[-1].meta
    assert demo.requests_made == len(pages) == -(-len(expected) // 5)
    assert all("public_metrics" in t for page in pages for t in page.data)


def test_iter_user_tweets_goes_on_past_empty_pages(sandbox, demo):
    # With promoted_metrics, never-promoted Tweets drop out of a page: a page can hold
    # nothing and still carry a next_token.
    # Four days: the world's first promoted Tweet before the frozen clock is three days old.
    tweets = recent(sandbox, "sandbox_demo", days=4)
    promoted = [t.id for t in tweets if t.promoted]
    assert promoted and not tweets[0].promoted
    pages = list(
        demo.iter_user_tweets(
            sandbox.user("sandbox_demo").id,
            tweet_fields=["promoted_metrics"],
            start_time=sandbox.now() - timedelta(days=4),
            max_results=10,
        )
    )
    assert pages[0].data == [] and pages[0].meta["result_count"] == 0
    assert "next_token" in pages[0].meta
    assert [t["id"] for page in pages for t in page.data] == promoted


def test_user_tweets_since_id(sandbox, demo):
    tweets = recent(sandbox, "sandbox_demo")
    page = demo.user_tweets(sandbox.user("sandbox_demo").id, since_id=tweets[3].id)
    assert [t["id"] for t in page.data] == [t.id for t in tweets[:3]]
    assert page.meta["result_count"] == 3


def test_tweets_keeps_owned_data_beside_field_errors(sandbox, demo):
    own = next(t for t in recent(sandbox, "sandbox_demo") if t.media_keys[:1] == ("7_" + t.id,))
    other = recent(sandbox, "sandbox_other")[0]
    page = demo.tweets(
        [own.id, other.id],
        tweet_fields=["public_metrics", "non_public_metrics", "organic_metrics", "attachments"],
        expansions=["attachments.media_keys"],
        media_fields=["type", "duration_ms", "public_metrics", "non_public_metrics"],
    )
    assert [t["id"] for t in page.data] == [own.id]
    assert set(page.data[0]["non_public_metrics"]) == {
        "impression_count",
        "url_link_clicks",
        "user_profile_clicks",
    }
    refused = page.problems("not-authorized-for-field")
    assert len(refused) == 9 == len(page.errors)
    assert {e["resource_id"] for e in refused} == {other.id}
    assert page.problems("resource-not-found") == []
    assert [m["media_key"] for m in page.media] == [f"7_{own.id}"]
    assert "playback_25_count" in page.media[0]["non_public_metrics"]
    assert page.rate_limit is not None and page.rate_limit.limit == 900


def test_promoted_metrics_quirk_is_an_empty_page(sandbox, demo):
    plain = [t.id for t in recent(sandbox, "sandbox_demo") if not t.promoted][:5]
    page = demo.tweets(plain, tweet_fields=["promoted_metrics", "public_metrics"])
    assert (page.data, page.errors, page.includes, page.meta) == ([], [], {}, {})
    assert page.media == []
    assert page.rate_limit is not None


def test_tweets_refuses_bad_id_counts_before_sending(sandbox, demo):
    for ids in ([], [str(n) for n in range(1, 102)], "12345"):
        with pytest.raises(ValueError):
            demo.tweets(ids)
    assert demo.requests_made == 0
    assert sandbox.requests_made("tweets_lookup") == 0


# --- errors from the sandbox ----------------------------------------------------------


def test_revoked_token_is_unauthorized(sandbox, demo, demo_token):
    sandbox.control("POST", "revoke", {"user_id": sandbox.user("sandbox_demo").id})
    with pytest.raises(Unauthorized) as caught:
        demo.me()
    assert caught.value.status == 401
    assert caught.value.body["title"] == "Unauthorized"
    assert demo_token not in str(caught.value)
    assert "\n" not in str(caught.value)
    assert demo.requests_made == 1  # never retried


def test_app_only_token_on_users_me_is_forbidden(sandbox, app_token):
    app = client_for(sandbox, BearerAuth(app_token))
    with pytest.raises(Forbidden) as caught:
        app.me()
    assert caught.value.status == 403
    assert caught.value.problem_type == "unsupported-authentication"
    assert "Unsupported Authentication" in str(caught.value)
    assert app_token not in str(caught.value)


def test_client_forbidden_fault_is_forbidden(sandbox, demo):
    sandbox.fault(kind="client_forbidden", endpoint="tweets_lookup", times=1)
    with pytest.raises(Forbidden) as caught:
        demo.tweets(["20"])
    assert caught.value.problem_type == "client-forbidden"
    assert caught.value.body["reason"] == "client-not-enrolled"


def test_bad_id_is_invalid_request_with_xs_message(sandbox, demo):
    with pytest.raises(InvalidRequest) as caught:
        demo.get("tweets_lookup", "/2/tweets", {"ids": "abc"})
    assert caught.value.status == 400
    assert "The `ids` query parameter value [abc] is not valid" in str(caught.value)
    assert caught.value.problem_type == "invalid-request"


def test_unknown_route_is_not_found(sandbox, demo):
    with pytest.raises(NotFound):
        demo.get("users_me", "/2/users/by/nothing/here")


# --- rate limits ------------------------------------------------------------------------


def test_429_then_the_budget_refuses_without_sending(sandbox, demo_token):
    tweet_id = recent(sandbox, "sandbox_demo")[0].id
    budget = MemoryBudget()
    client = client_for(sandbox, BearerAuth(demo_token), budget=budget, budget_key="acct1")
    assert client.tweets([tweet_id]).rate_limit.remaining == 899
    assert budget.get("acct1:tweets_lookup").remaining == 899

    sandbox.fault(kind="rate_limit", reset_in=120, endpoint="tweets_lookup", times=1)
    with pytest.raises(RateLimited) as caught:
        client.tweets([tweet_id])
    reset = sandbox.now() + timedelta(seconds=120)
    assert caught.value.sent is True and caught.value.status == 429
    assert caught.value.reset_at == reset
    assert caught.value.usage_capped is False
    assert budget.get("acct1:tweets_lookup") == RateLimit(900, 0, reset)

    sent_so_far = sandbox.requests_made()
    with pytest.raises(RateLimited) as refused:
        client.tweets([tweet_id])
    assert refused.value.sent is False
    assert refused.value.reset_at == reset
    assert sandbox.requests_made() == sent_so_far
    assert client.requests_made == 2
    # Other endpoints of the same token keep their own budget.
    assert client.me()["username"] == "sandbox_demo"

    sandbox.advance(121)
    assert client.tweets([tweet_id]).data[0]["id"] == tweet_id


def test_429_budget_in_the_django_cache_under_time_machine(sandbox, demo_token, time_machine):
    # The default clock (django.utils.timezone.now) moved to the sandbox's frozen time.
    time_machine.move_to(sandbox.now(), tick=False)
    client = XClient(
        sandbox.url,
        BearerAuth(demo_token),
        budget=CacheRateBudget(),
        budget_key=uuid.uuid4().hex,
        timeout=(5, 30),
        backoff=0.01,
    )
    tweet_id = recent(sandbox, "sandbox_demo")[0].id
    sandbox.fault(kind="rate_limit", reset_in=120, endpoint="tweets_lookup", times=1)
    with pytest.raises(RateLimited):
        client.tweets([tweet_id])
    with pytest.raises(RateLimited) as refused:
        client.tweets([tweet_id])
    assert refused.value.sent is False
    assert client.requests_made == 1

    time_machine.shift(121)
    sandbox.advance(121)
    assert client.tweets([tweet_id]).data[0]["id"] == tweet_id
    assert client.requests_made == 2


# --- retries ----------------------------------------------------------------------------


def test_5xx_twice_then_success(sandbox, demo):
    sandbox.fault(kind="server_error", status=503, endpoint="users_me", times=2)
    assert demo.me()["username"] == "sandbox_demo"
    assert demo.requests_made == 3
    assert sandbox.requests_made("users_me") == 3


def test_5xx_forever_is_server_error_after_max_attempts(sandbox, demo):
    sandbox.fault(kind="server_error", status=502, endpoint="tweets_lookup")
    with pytest.raises(ServerError) as caught:
        demo.tweets(["20"])
    assert caught.value.status == 502
    assert "502" in str(caught.value)
    assert demo.requests_made == 3 == sandbox.requests_made("tweets_lookup")


def test_slow_answers_time_out_are_retried_then_server_error(sandbox, demo_token):
    sandbox.fault(kind="slow", seconds=2, endpoint="tweets_lookup")
    client = client_for(sandbox, BearerAuth(demo_token), timeout=(1, 0.3), max_attempts=2)
    with pytest.raises(ServerError) as caught:
        client.tweets(["20"])
    assert caught.value.status is None
    assert "Timeout" in str(caught.value)
    assert client.requests_made == 2 == sandbox.requests_made("tweets_lookup")


def test_malformed_json_is_bad_response_not_retried(sandbox, demo):
    sandbox.fault(kind="malformed_json", endpoint="tweets_lookup", times=1)
    with pytest.raises(BadResponse) as caught:
        demo.tweets(["20"])
    assert caught.value.status == 200
    assert demo.requests_made == 1


def test_oauth1_retries_are_signed_afresh(sandbox):
    client, _ = oauth1_client(sandbox, "sandbox_demo")
    sandbox.fault(kind="server_error", status=503, endpoint="users_me", times=1)
    assert client.me()["username"] == "sandbox_demo"
    assert client.requests_made == 2

    # What re-signing prevents: the sandbox refuses a replayed nonce.
    prepared = requests.Request("GET", f"{sandbox.url}/2/users/me", auth=client.auth).prepare()
    with requests.Session() as session:
        assert session.send(prepared, timeout=10).status_code == 200
        assert session.send(prepared, timeout=10).status_code == 401


# --- nothing secret in the logs -------------------------------------------------------


@pytest.fixture
def captured_logs():
    """Every record at DEBUG from every logger, urllib3's and the OAuth libraries'
    included. (A handler of its own: `make test` may run with the logging plugin off.)"""
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(f"{record.name} {record.levelname} {record.getMessage()}")

    names = ("", "urllib3", "requests_oauthlib", "oauthlib", "xapi")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    handler = Collect(level=logging.DEBUG)
    logging.getLogger().addHandler(handler)
    yield records
    logging.getLogger().removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def signature_of(authorization: bytes | str) -> str:
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    return unquote(re.search(r'oauth_signature="([^"]+)"', authorization).group(1))


def test_logs_hold_no_token_secret_or_signature(
    sandbox, sandbox_app, demo_token, captured_logs, monkeypatch
):
    sent: list[str] = []
    session = requests.Session()
    session.hooks["response"].append(
        lambda response, **_: sent.append(response.request.headers["Authorization"])
    )
    client, token = oauth1_client(sandbox, "sandbox_demo", session=session)
    captured_logs.clear()
    client.me()
    client.tweets([recent(sandbox, "sandbox_demo")[0].id], tweet_fields=["non_public_metrics"])
    bearer = client_for(sandbox, BearerAuth(demo_token), session=session)
    bearer.me()
    linked = oauth2_link(sandbox, "sandbox_newcomer")
    refreshed = refresh(sandbox_app, linked["refresh_token"])

    signatures = [signature_of(header) for header in sent[:2]]
    secrets = [token["oauth_token"], token["oauth_token_secret"], demo_token, *signatures]
    secrets += [sandbox.config.consumer_secret, sandbox.config.client_secret]
    secrets += [linked["refresh_token"], refreshed["access_token"], refreshed["refresh_token"]]
    secrets += [requests.utils.quote(s, safe="") for s in signatures]
    text = "\n".join(captured_logs)
    assert "xapi.client DEBUG X GET users_me -> 200" in text  # our own lines are there
    assert "xapi.oauth INFO X POST oauth2_token -> 200" in text
    assert "urllib3" in text  # and DEBUG from the libraries is captured
    for secret in secrets:
        assert secret not in text

    # Teeth: without the client's filter, oauthlib would have logged the signature.
    for name in ("oauthlib.oauth1.rfc5849", "requests_oauthlib.oauth1_auth"):
        monkeypatch.setattr(logging.getLogger(name), "filters", [])
    client.me()
    assert signature_of(sent[-1]) in "\n".join(captured_logs)


# --- recorded variants the sandbox does not produce (pytest-httpserver) -----------------


@pytest.fixture
def recorded(httpserver):
    """A client on a local server that answers with recorded bodies."""
    return XClient(
        httpserver.url_for("").rstrip("/"),
        BearerAuth("recorded-token"),
        timeout=(5, 30),
        backoff=0.01,
        budget=MemoryBudget(),
        budget_key="acct",
        clock=lambda: RESET - timedelta(minutes=5),
    )


def test_problem_types_on_the_x_host(httpserver, recorded):
    field_error = {
        "title": "Field Authorization Error",
        "type": X_PROBLEMS + "not-authorized-for-field",
        "resource_type": "tweet",
        "field": "organic_metrics.like_count",
        "section": "data",
        "parameter": "ids",
        "resource_id": "21",
        "value": "21",
        "detail": "Sorry, you are not authorized to access 'organic_metrics.like_count' on"
        " the Tweet with ids : [21].",
    }
    httpserver.expect_request("/2/tweets").respond_with_json(
        {
            "data": [{"id": "20", "text": "hi", "edit_history_tweet_ids": ["20"]}],
            "errors": [field_error],
        },
        content_type="application/json; charset=utf-8",
    )
    page = recorded.tweets(["20", "21"], tweet_fields=["organic_metrics"])
    assert [t["id"] for t in page.data] == ["20"]
    assert page.problems("not-authorized-for-field") == [field_error]
    assert page.problems("not-authorized-for") == []  # the whole name, not a prefix
    assert httpserver.log[0][0].args["ids"] == "20,21"
    assert httpserver.log[0][0].args["tweet.fields"] == "organic_metrics"

    httpserver.expect_request("/2/users/me").respond_with_json(
        {
            "title": "Client Forbidden",
            "type": X_PROBLEMS + "client-forbidden",
            "reason": "client-not-enrolled",
        },
        status=403,
        content_type="application/problem+json",
    )
    with pytest.raises(Forbidden) as caught:
        recorded.me()
    assert caught.value.problem_type == "client-forbidden"


def test_v1_style_429_body_with_code_88(httpserver, recorded):
    httpserver.expect_request("/2/tweets").respond_with_json(
        {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        status=429,
        headers=RATE_HEADERS,
    )
    with pytest.raises(RateLimited) as caught:
        recorded.tweets(["20"])
    assert caught.value.reset_at == RESET
    assert caught.value.usage_capped is False and caught.value.sent is True
    assert "Rate limit exceeded (code 88)" in str(caught.value)
    assert len(httpserver.log) == 1  # a 429 is never retried
    # The recorded budget now refuses the next call without sending it.
    with pytest.raises(RateLimited) as refused:
        recorded.tweets(["20"])
    assert refused.value.sent is False
    assert len(httpserver.log) == 1


def test_429_without_headers_has_no_reset(httpserver, recorded):
    httpserver.expect_request("/2/tweets").respond_with_json(
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        status=429,
        content_type="application/problem+json",
    )
    with pytest.raises(RateLimited) as caught:
        recorded.tweets(["20"])
    assert caught.value.reset_at is None
    assert recorded.last_rate_limit is None


def test_usage_capped_429(httpserver, recorded):
    headers = dict(RATE_HEADERS, **{"x-rate-limit-remaining": "812"})
    httpserver.expect_request("/2/tweets").respond_with_json(
        {
            "title": "UsageCapExceeded",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": X_PROBLEMS + "usage-capped",
            "period": "Monthly",
            "scope": "Product",
        },
        status=429,
        headers=headers,
        content_type="application/problem+json",
    )
    with pytest.raises(RateLimited) as caught:
        recorded.tweets(["20"])
    assert caught.value.usage_capped is True
    assert caught.value.problem_type == "usage-capped"
    assert "period Monthly, scope Product" in str(caught.value)
    # The 15-minute window is not what ran out; the budget keeps its figures.
    assert recorded.budget.get("acct:tweets_lookup").remaining == 812


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"id": "20", "text": "hi"}},
        {"data": ["20"]},
        {"data": [], "errors": {"title": "oops"}},
        {"data": [], "includes": {"media": {"media_key": "7_1"}}},
        ["20"],
    ],
)
def test_wrong_shapes_on_tweets_lookup_are_bad_response(httpserver, recorded, body):
    httpserver.expect_request("/2/tweets").respond_with_json(body)
    with pytest.raises(BadResponse):
        recorded.tweets(["20"])
    assert len(httpserver.log) == 1


def test_html_200_is_bad_response(httpserver, recorded):
    httpserver.expect_request("/2/users/me").respond_with_data(
        "<html><body>Hello</body></html>", content_type="text/html"
    )
    with pytest.raises(BadResponse) as caught:
        recorded.me()
    assert "text/html" in str(caught.value)


def test_html_502_is_retried_then_server_error(httpserver, recorded):
    httpserver.expect_request("/2/tweets").respond_with_data(
        "<html><body><h1>502 Bad Gateway</h1></body></html>", status=502, content_type="text/html"
    )
    with pytest.raises(ServerError) as caught:
        recorded.tweets(["20"])
    assert caught.value.status == 502 and caught.value.body is None
    assert recorded.requests_made == 3 == len(httpserver.log)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "12"},
        {"x-rate-limit-limit": "lots", "x-rate-limit-remaining": "1", "x-rate-limit-reset": "1"},
        {"x-rate-limit-limit": "9", "x-rate-limit-remaining": "1", "x-rate-limit-reset": "1e99"},
        {"x-rate-limit-limit": "9", "x-rate-limit-remaining": "1", "x-rate-limit-reset": "9" * 30},
        {"x-rate-limit-limit": "9", "x-rate-limit-remaining": "-1", "x-rate-limit-reset": "1"},
    ],
)
def test_missing_or_garbled_rate_headers_give_no_rate_limit(httpserver, recorded, headers):
    httpserver.expect_request("/2/tweets").respond_with_json({"meta": {}}, headers=headers)
    page = recorded.tweets(["20"])
    assert page == Page(rate_limit=None)
    assert recorded.last_rate_limit is None
    assert recorded.budget.entries == {}


def test_bearer_header_and_timeouts_are_sent(httpserver, recorded):
    httpserver.expect_request(
        "/2/users/me", headers={"Authorization": "Bearer recorded-token"}
    ).respond_with_json({"data": {"id": "1", "name": "n", "username": "u"}})
    assert recorded.me() == {"id": "1", "name": "n", "username": "u"}
    assert recorded.timeout == (5, 30)
    assert "recorded-token" not in repr(recorded.auth)


# --- the shared budget ----------------------------------------------------------------


def test_cache_rate_budget_round_trip_over_the_default_cache():
    budget = CacheRateBudget(prefix=f"test-{uuid.uuid4().hex}")
    value = RateLimit(limit=900, remaining=0, reset=datetime.now(UTC) + timedelta(minutes=5))
    assert budget.get("acct:tweets_lookup") is None
    budget.set("acct:tweets_lookup", value)
    try:
        assert budget.get("acct:tweets_lookup") == value
        assert budget.get("acct:users_me") is None
        assert CacheRateBudget(prefix=budget.prefix).get("acct:tweets_lookup") == value
    finally:
        # A window already over is removed rather than stored.
        budget.set("acct:tweets_lookup", RateLimit(900, 5, datetime.now(UTC) - timedelta(1)))
    assert budget.get("acct:tweets_lookup") is None


def test_cache_rate_budget_entries_expire_at_reset(time_machine):
    # Redis keeps its own (real) clock; a locmem cache follows time-machine.
    time_machine.move_to(RESET - timedelta(minutes=10), tick=False)
    budget = CacheRateBudget(LocMemCache(f"xapi-{uuid.uuid4().hex}", {}))
    value = RateLimit(limit=900, remaining=0, reset=RESET)
    budget.set("acct:tweets_lookup", value)
    time_machine.shift(timedelta(minutes=9, seconds=59))
    assert budget.get("acct:tweets_lookup") == value
    time_machine.shift(timedelta(seconds=2))
    assert budget.get("acct:tweets_lookup") is None
