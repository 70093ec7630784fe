"""Billing as X bills (each Post once per UTC day, failed requests free) and
GET /2/usage/tweets: its shapes against X's OpenAPI spec, its errors as FACTS.md gives them."""

from datetime import UTC, datetime

import pytest
import requests

from .flows import bearer, oauth2_link
from .test_api import PROBLEMS, Client, timeline

ALL_USAGE_FIELDS = (
    "cap_reset_day,daily_client_app_usage,daily_project_usage,project_cap,project_id,project_usage"
)


@pytest.fixture
def app(sandbox):
    """A client with the app's bearer token (client_credentials, as X issues it)."""
    config = sandbox.config
    token = requests.post(
        f"{sandbox.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(config.consumer_key, config.consumer_secret),
        timeout=10,
    ).json()["access_token"]
    return Client(sandbox, bearer(token))


def demo_client(sandbox) -> Client:
    return Client(sandbox, bearer(oauth2_link(sandbox, "sandbox_demo")["access_token"]))


@pytest.fixture
def demo(sandbox):
    return demo_client(sandbox)


def daily(app, days=2) -> dict[str, int]:
    """{date: Posts billed} from the project's daily usage."""
    body = app.get("/2/usage/tweets", days=days, **{"usage.fields": ALL_USAGE_FIELDS}).json()
    return {d["date"][:10]: d["usage"] for d in body["data"]["daily_project_usage"]["usage"]}


def test_each_post_is_billed_once_per_utc_day_and_failed_requests_are_free(sandbox, app):
    sandbox.set_clock(datetime(2026, 11, 3, 23, 59, 30, tzinfo=UTC))
    demo = demo_client(sandbox)  # its token lives two hours: taken at the sandbox's now
    ids = [t.id for t in timeline(sandbox, "sandbox_demo")[:30]]
    assert demo.get("/2/tweets", ids=",".join(ids[:20])).status_code == 200
    assert demo.get("/2/tweets", ids=",".join(ids)).status_code == 200  # 10 more
    # Refused: a malformed request, and a 503 the sandbox injects; neither is billed.
    assert demo.get("/2/tweets", ids="abc").status_code == 400
    sandbox.fault(kind="server_error", endpoint="tweets_lookup", times=1)
    assert demo.get("/2/tweets", ids=ids[29]).status_code == 503
    assert daily(app) == {"2026-11-02": 0, "2026-11-03": 30}

    sandbox.set_clock(datetime(2026, 11, 4, 0, 0, 30, tzinfo=UTC))  # a new UTC day
    assert demo.get("/2/tweets", ids=",".join(ids[:5])).status_code == 200
    assert demo.get("/2/tweets/" + ids[0]).status_code == 200
    user = sandbox.user("sandbox_demo")
    assert demo.get(f"/2/users/{user.id}/tweets", max_results=10).status_code == 200
    expected_new = {t.id for t in timeline(sandbox, "sandbox_demo")[:10]} | set(ids[:5])
    assert daily(app) == {"2026-11-03": 30, "2026-11-04": len(expected_new)}
    summary = app.get("/2/usage/tweets").json()["data"]
    assert summary == {
        "project_id": sandbox.config.project_id,
        "project_cap": sandbox.config.project_cap,
        "project_usage": 30 + len(expected_new),  # November so far: the cap resets on the 1st
        "cap_reset_day": 27,  # days left until December 1st
    }


def test_usage_shape_follows_the_openapi_usage_schema(sandbox, app):
    response = app.get("/2/usage/tweets", days=90, **{"usage.fields": ALL_USAGE_FIELDS})
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == set(ALL_USAGE_FIELDS.split(","))
    usage = data["daily_project_usage"]["usage"]
    assert len(usage) == 90 and usage[-1]["date"] == "2026-11-03T00:00:00.000Z"
    assert data["daily_client_app_usage"] == [
        {"client_app_id": sandbox.config.client_app_id, "usage": usage, "usage_result_count": 90}
    ]
    only = app.get("/2/usage/tweets", **{"usage.fields": "project_usage"}).json()
    assert only == {"data": {"project_usage": 0}}


@pytest.mark.parametrize("days", ["0", "91", "-1", "seven", ""])
def test_bad_days_is_a_400_shaped_like_x(app, days):
    response = app.get("/2/usage/tweets", days=days)
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == PROBLEMS + "invalid-request"
    assert body["errors"] == [
        {
            "parameters": {"days": [days]},
            "message": f"The `days` query parameter value [{days}] is not between 1 and 90",
        }
    ]


def test_unknown_usage_field_and_parameter_are_400(app):
    response = app.get("/2/usage/tweets", **{"usage.fields": "project_usage,cost"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["parameters"] == {"usage.fields": ["cost"]}
    assert app.get("/2/usage/tweets", month="11").status_code == 400


def test_user_tokens_get_unsupported_authentication(sandbox, demo):
    response = demo.get("/2/usage/tweets")
    assert response.status_code == 403
    body = response.json()
    assert body["title"] == "Unsupported Authentication"
    assert body["type"] == PROBLEMS + "unsupported-authentication"
    assert "Application-Only" in body["detail"]
    anonymous = Client(sandbox).get("/2/usage/tweets")
    assert anonymous.status_code == 401
