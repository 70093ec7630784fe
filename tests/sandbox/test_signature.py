"""X's own worked signature example (FACTS.md, "Creating a signature") against the sandbox.

Configured with the example's credentials, the sandbox must accept the example request
byte for byte, and refuse it when any byte of what is signed changes.
"""

from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import requests

from sandbox.server import RunningSandbox
from tests.conftest import sandbox_config

CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog"
CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
TOKEN = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
NONCE = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"
TIMESTAMP = "1318622958"
PATH = "/1.1/statuses/update.json"
QUERY = "include_entities=true"
BODY = "status=" + quote("Hello Ladies + Gentlemen, a signed OAuth request!", safe="")
SIGNATURES = {
    "api.twitter.com": "hCtSmYh+iHYCEqBWrE7C7hYmtUk=",
    "api.x.com": "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=",
}


@pytest.fixture(scope="module")
def example_sandbox(tmp_path_factory):
    config = sandbox_config(
        tmp_path_factory.mktemp("signature"),
        consumer_key=CONSUMER_KEY,
        consumer_secret=CONSUMER_SECRET,
    )
    running = RunningSandbox(config)
    yield running
    running.stop()


@pytest.fixture
def sandbox_2011(example_sandbox):
    """The example sandbox, its nonces forgotten, its clock at the example's instant."""
    control = requests.Session()
    base = f"{example_sandbox.url}/__sandbox__"
    control.post(f"{base}/reset", timeout=10).raise_for_status()
    moment = datetime.fromtimestamp(int(TIMESTAMP), tz=UTC).isoformat()
    control.post(f"{base}/clock", json={"now": moment}, timeout=10).raise_for_status()
    control.post(
        f"{base}/oauth1/tokens",
        json={"token": TOKEN, "secret": TOKEN_SECRET, "user_id": "370773112"},
        timeout=10,
    )
    return example_sandbox


def authorization(**params) -> str:
    values = {
        "oauth_consumer_key": CONSUMER_KEY,
        "oauth_nonce": NONCE,
        "oauth_signature": SIGNATURES["api.twitter.com"],
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": TIMESTAMP,
        "oauth_token": TOKEN,
        "oauth_version": "1.0",
    }
    values.update(params)
    return "OAuth " + ", ".join(f'{k}="{quote(v, safe="")}"' for k, v in values.items())


def send(
    running, *, host="api.twitter.com", method="POST", path=PATH, query=QUERY, body=BODY, **oauth
):
    """Send the example as a client of `https://<host>` behind a proxy would."""
    return requests.request(
        method,
        f"{running.url}{path}?{query}",
        data=body,
        headers={
            "Host": host,
            "X-Forwarded-Proto": "https",
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": authorization(**oauth),
        },
        timeout=10,
    )


def mutations(value: str):
    """Every single-character change of a string (to a character that differs)."""
    for i, char in enumerate(value):
        other = "Q" if char != "Q" else "R"
        yield value[:i] + other + value[i + 1 :]


@pytest.mark.parametrize("host", ["api.twitter.com", "api.x.com"])
def test_worked_example_is_accepted_once(sandbox_2011, host):
    answer = send(sandbox_2011, host=host, oauth_signature=SIGNATURES[host])
    # Authenticated: X then refuses v1.1 writes to v2-tier apps with code 453, not 401.
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == 453

    replay = send(sandbox_2011, host=host, oauth_signature=SIGNATURES[host])
    assert replay.status_code == 401
    assert replay.json() == {"errors": [{"code": 32, "message": "Could not authenticate you."}]}


def test_any_changed_byte_is_refused(sandbox_2011):
    cases = []
    for name, value in [
        ("oauth_signature", SIGNATURES["api.twitter.com"]),
        ("oauth_consumer_key", CONSUMER_KEY),
        ("oauth_nonce", NONCE),
        ("oauth_timestamp", TIMESTAMP),
        ("oauth_token", TOKEN),
    ]:
        cases += [{name: changed} for changed in mutations(value)]
    cases += [{"body": changed} for changed in mutations(BODY)]
    cases += [{"query": changed} for changed in mutations(QUERY)]
    cases += [{"path": changed} for changed in mutations(PATH) if changed.startswith("/1.1/")]
    cases += [{"host": "api.twitter.co"}, {"method": "PUT"}]
    # The same signature under the other host is a different request.
    cases += [{"host": "api.x.com"}]

    refused = [case for case in cases if send(sandbox_2011, **case).status_code == 401]
    assert len(cases) > 250
    assert refused == cases

    # None of the forgeries burned the genuine request's nonce.
    assert send(sandbox_2011).status_code == 403
