"""Rate limits: headers on every response, 429 with X's body past the limit, the window
resets 15 minutes after it opened, buckets per user token and per app."""

import pytest
import requests

from sandbox.server import RunningSandbox
from tests.conftest import EPOCH, SandboxControl, sandbox_config

from .flows import bearer, oauth2_link

TOO_MANY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}


@pytest.fixture
def small_limits(tmp_path):
    """A sandbox configured with small limits (limits are configuration)."""
    config = sandbox_config(
        tmp_path,
        user_limits={"users_me": 3, "tweets_lookup": 5, "tweet_lookup": 5, "users_tweets": 5},
        app_limits={"tweets_lookup": 2, "tweet_lookup": 2, "users_tweets": 2},
    )
    running = RunningSandbox(config)
    control = SandboxControl(running)
    control.set_clock(EPOCH)
    yield control
    running.stop()


def headers_of(response):
    return tuple(
        int(response.headers[f"x-rate-limit-{k}"]) for k in ("limit", "remaining", "reset")
    )


def test_default_limits_are_the_pro_per_user_figures(sandbox):
    limits = sandbox.config.user_limits
    assert limits["tweets_lookup"] == 900
    assert limits["users_tweets"] == 900
    assert limits["users_me"] == 75
    assert sandbox.config.app_limits["tweets_lookup"] == 450


def test_headers_on_every_v2_response_including_errors(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")["access_token"]
    user_id = sandbox.user("sandbox_demo").id
    reset = int(sandbox.now().timestamp()) + 900
    expected = [
        ("/2/users/me", (75, 74, reset)),
        ("/2/tweets?ids=20", (900, 899, reset)),
        ("/2/tweets/20", (900, 899, reset)),  # 404, still counted
        (f"/2/users/{user_id}/tweets", (900, 899, reset)),
        ("/2/tweets?ids=abc", (900, 898, reset)),  # 400, same bucket as the first lookup
    ]
    for path, headers in expected:
        answer = requests.get(f"{sandbox.url}{path}", headers=bearer(token), timeout=10)
        assert headers_of(answer) == headers, path


def test_429_after_the_limit_and_the_window_resets(small_limits):
    sandbox = small_limits
    token = oauth2_link(sandbox, "sandbox_demo")["access_token"]
    me = f"{sandbox.url}/2/users/me"
    opened = int(sandbox.now().timestamp())
    seen = [headers_of(requests.get(me, headers=bearer(token), timeout=10)) for _ in range(3)]
    assert seen == [(3, 2, opened + 900), (3, 1, opened + 900), (3, 0, opened + 900)]

    sandbox.advance(600)
    refused = requests.get(me, headers=bearer(token), timeout=10)
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY
    assert headers_of(refused) == (3, 0, opened + 900)
    assert "retry-after" not in refused.headers

    sandbox.advance(300)  # exactly the reset instant
    again = requests.get(me, headers=bearer(token), timeout=10)
    assert again.status_code == 200
    assert headers_of(again) == (3, 2, opened + 900 + 900)


def test_buckets_are_per_user_token_and_per_endpoint(small_limits):
    sandbox = small_limits
    demo = oauth2_link(sandbox, "sandbox_demo")["access_token"]
    other = oauth2_link(sandbox, "sandbox_other")["access_token"]
    me = f"{sandbox.url}/2/users/me"
    for _ in range(3):
        requests.get(me, headers=bearer(demo), timeout=10)
    assert requests.get(me, headers=bearer(demo), timeout=10).status_code == 429
    assert requests.get(me, headers=bearer(other), timeout=10).status_code == 200
    lookup = requests.get(f"{sandbox.url}/2/tweets?ids=20", headers=bearer(demo), timeout=10)
    assert lookup.status_code == 200
    assert headers_of(lookup)[:2] == (5, 4)


def test_app_bucket(small_limits):
    sandbox = small_limits
    config = sandbox.config
    app = requests.post(
        f"{sandbox.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(config.consumer_key, config.consumer_secret),
        timeout=10,
    ).json()["access_token"]
    url = f"{sandbox.url}/2/tweets?ids=20"
    codes = [requests.get(url, headers=bearer(app), timeout=10).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_usage_cap_429_body(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")["access_token"]
    sandbox.fault(kind="usage_capped", endpoint="tweets_lookup", times=1)
    answer = requests.get(f"{sandbox.url}/2/tweets?ids=20", headers=bearer(token), timeout=10)
    assert answer.status_code == 429
    body = answer.json()
    assert body["type"] == "https://api.twitter.com/2/problems/usage-capped"
    assert (body["period"], body["scope"]) == ("Monthly", "Product")
