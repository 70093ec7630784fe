"""Fault injection, the clock, request counting, revocation and restarts."""

import pytest
import requests

from sandbox.server import RunningSandbox
from tests.conftest import EPOCH, SandboxControl, sandbox_config

from .flows import bearer, oauth1_link, oauth1_session, oauth2_link


@pytest.fixture
def demo_token(sandbox):
    return oauth2_link(sandbox, "sandbox_demo")["access_token"]


def lookup(sandbox, token, **kwargs):
    return requests.get(f"{sandbox.url}/2/tweets?ids=20", headers=bearer(token), **kwargs)


def test_server_error_fault_then_recovery(sandbox, demo_token):
    sandbox.fault(kind="server_error", status=503, endpoint="tweets_lookup", times=2)
    codes = [lookup(sandbox, demo_token, timeout=10).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_slow_fault_trips_a_client_timeout(sandbox, demo_token):
    sandbox.fault(kind="slow", seconds=2, endpoint="tweets_lookup", times=1)
    with pytest.raises(requests.Timeout):
        lookup(sandbox, demo_token, timeout=0.2)


def test_malformed_json_fault(sandbox, demo_token):
    sandbox.fault(kind="malformed_json", times=1)
    answer = lookup(sandbox, demo_token, timeout=10)
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()


def test_early_429_holds_until_its_reset(sandbox, demo_token):
    sandbox.fault(kind="rate_limit", reset_in=120, endpoint="tweets_lookup", times=1)
    first = lookup(sandbox, demo_token, timeout=10)
    reset = int(first.headers["x-rate-limit-reset"])
    assert first.status_code == 429
    assert reset == int(sandbox.now().timestamp()) + 120
    assert first.headers["x-rate-limit-remaining"] == "0"
    sandbox.advance(60)
    assert lookup(sandbox, demo_token, timeout=10).status_code == 429  # still inside the hold
    sandbox.advance(60)
    assert lookup(sandbox, demo_token, timeout=10).status_code == 200


def test_faults_can_target_one_caller(sandbox, demo_token):
    other = oauth2_link(sandbox, "sandbox_other")["access_token"]
    sandbox.fault(kind="server_error", caller=f"user:{sandbox.user('sandbox_demo').id}")
    assert lookup(sandbox, demo_token, timeout=10).status_code == 503
    assert lookup(sandbox, other, timeout=10).status_code == 200
    sandbox.control("DELETE", "faults")
    assert lookup(sandbox, demo_token, timeout=10).status_code == 200


def test_bad_fault_rule_is_400(sandbox):
    answer = requests.post(
        f"{sandbox.url}/__sandbox__/faults", json={"kind": "gremlins"}, timeout=10
    )
    assert answer.status_code == 400
    assert "kind must be one of" in answer.json()["error"]


def test_revoked_tokens_are_401(sandbox):
    oauth2 = oauth2_link(sandbox, "sandbox_demo")
    oauth1 = oauth1_link(sandbox, "sandbox_demo")
    sandbox.control("POST", "revoke", {"user_id": sandbox.user("sandbox_demo").id})
    me = f"{sandbox.url}/2/users/me"
    assert requests.get(me, headers=bearer(oauth2["access_token"]), timeout=10).status_code == 401
    session = oauth1_session(sandbox, oauth1["oauth_token"], oauth1["oauth_token_secret"])
    assert session.get(me, timeout=10).status_code == 401
    refresh = requests.post(
        f"{sandbox.url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": oauth2["refresh_token"]},
        auth=(sandbox.config.client_id, sandbox.config.client_secret),
        timeout=10,
    )
    assert refresh.status_code == 400


def test_requests_are_counted_per_endpoint_and_caller(sandbox, demo_token):
    for _ in range(3):
        lookup(sandbox, demo_token, timeout=10)
    requests.get(f"{sandbox.url}/2/users/me", headers=bearer(demo_token), timeout=10)
    assert sandbox.requests_made("tweets_lookup") == 3
    assert sandbox.requests_made("users_me") == 1
    counts = sandbox.control("GET", "requests")["counts"]
    callers = {c["endpoint"]: c["caller"] for c in counts}
    demo = f"user:{sandbox.user('sandbox_demo').id}"
    assert callers == {
        "tweets_lookup": demo,
        "users_me": demo,
        "oauth2_token": f"authorization_code:{sandbox.config.client_id}",
    }
    sandbox.control("DELETE", "requests")
    assert sandbox.requests_made() == 0


def test_clock_control(sandbox):
    state = sandbox.control("POST", "clock", {"now": "2026-11-10T08:00:00Z"})
    assert state["now"] == "2026-11-10T08:00:00Z" and state["frozen"]
    assert (
        sandbox.control("POST", "clock", {"advance_seconds": 90})["now"] == "2026-11-10T08:01:30Z"
    )
    answer = requests.post(f"{sandbox.url}/__sandbox__/clock", json={"now": "soon"}, timeout=10)
    assert answer.status_code == 400


def test_tokens_survive_a_restart(tmp_path):
    config = sandbox_config(tmp_path)
    first = SandboxControl(RunningSandbox(config))
    first.set_clock(EPOCH)
    oauth2 = oauth2_link(first, "sandbox_demo")
    oauth1 = oauth1_link(first, "sandbox_demo")
    first.running.stop()

    second = SandboxControl(RunningSandbox(config))
    try:
        me = f"{second.url}/2/users/me"
        answer = requests.get(me, headers=bearer(oauth2["access_token"]), timeout=10)
        assert answer.json()["data"]["username"] == "sandbox_demo"
        session = oauth1_session(second, oauth1["oauth_token"], oauth1["oauth_token_secret"])
        assert session.get(me, timeout=10).status_code == 200
        assert second.sandbox.epoch == first.sandbox.epoch
    finally:
        second.running.stop()


def test_first_start_fixes_the_epoch_and_restarts_keep_it(tmp_path):
    config = sandbox_config(tmp_path, epoch=None)
    first = RunningSandbox(config)
    epoch = first.sandbox.epoch
    first.stop()
    second = RunningSandbox(config)
    try:
        assert second.sandbox.epoch == epoch
    finally:
        second.stop()
