"""XClient.usage: X's own count of the Posts it billed, in both shapes FACTS.md lists."""

from datetime import date

import pytest

from xapi.client import BadResponse, BearerAuth, Forbidden, parse_usage

from .test_client import app_token, client_for, demo, demo_token, timeline  # noqa: F401


def test_usage_over_the_sandbox_with_the_app_token(sandbox, demo, app_token):  # noqa: F811
    ids = [t.id for t in timeline(sandbox, "sandbox_demo")[:12]]
    demo.tweets(ids)
    demo.tweets(ids[:3])  # the same Posts again on the same UTC day: not billed again
    usage = client_for(sandbox, BearerAuth(app_token)).usage(days=3)
    assert usage.daily == {date(2026, 11, 1): 0, date(2026, 11, 2): 0, date(2026, 11, 3): 12}
    assert (usage.project_usage, usage.project_cap) == (12, sandbox.config.project_cap)
    assert usage.cap_reset_day == 28


def test_usage_with_a_user_token_is_forbidden(sandbox, demo):  # noqa: F811
    with pytest.raises(Forbidden) as caught:
        demo.usage()
    assert caught.value.problem_type == "unsupported-authentication"
    with pytest.raises(ValueError):
        demo.usage(days=91)


def test_the_usage_pages_shape_is_read_too():
    # The example on X's usage pages: a list of days, each with its apps' Posts consumed.
    data = {
        "project_usage": "1500",
        "daily_project_usage": [
            {"date": "2024-01-15", "usage": [{"app_id": "1", "tweets_consumed": 1200}]},
            {
                "date": "2024-01-16",
                "usage": [
                    {"app_id": "1", "tweets_consumed": 200},
                    {"app_id": "2", "tweets_consumed": "100"},
                ],
            },
        ],
    }
    usage = parse_usage(data)
    assert usage.daily == {date(2024, 1, 15): 1200, date(2024, 1, 16): 300}
    assert (usage.project_usage, usage.project_cap) == (1500, None)


def test_only_the_per_app_lists_are_summed():
    app = [{"date": "2024-01-15T00:00:00.000Z", "usage": 7}]
    data = {
        "daily_client_app_usage": [
            {"client_app_id": "1", "usage": app, "usage_result_count": 1},
            {"client_app_id": "2", "usage": app, "usage_result_count": 1},
        ]
    }
    assert parse_usage(data).daily == {date(2024, 1, 15): 14}


@pytest.mark.parametrize(
    "data",
    [
        {"daily_project_usage": "lots"},
        {"daily_project_usage": {"usage": [{"date": "yesterday", "usage": 1}]}},
        {"daily_project_usage": {"usage": [{"date": "2024-01-15", "usage": -1}]}},
        {"project_usage": True},
    ],
)
def test_malformed_usage_is_a_bad_response(data):
    with pytest.raises(BadResponse):
        parse_usage(data)
