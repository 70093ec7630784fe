"""GET /2/users/:id/tweets: pagination, since_id, the 3,200 cap, 30-day narrowing."""

from datetime import timedelta

import pytest
import requests

from .flows import bearer, oauth2_link


def client(sandbox, username):
    session = requests.Session()
    session.headers.update(bearer(oauth2_link(sandbox, username)["access_token"]))
    return session


def all_pages(sandbox, session, user_id, **params):
    """Follow next_token until it is absent; returns (ids, pages)."""
    ids, pages, token = [], 0, None
    while True:
        query = dict(params, max_results=100)
        if token:
            query["pagination_token"] = token
        body = session.get(
            f"{sandbox.url}/2/users/{user_id}/tweets", params=query, timeout=30
        ).json()
        pages += 1
        ids += [t["id"] for t in body.get("data", [])]
        assert body["meta"]["result_count"] == len(body.get("data", []))
        token = body["meta"].get("next_token")
        if not token:
            return ids, pages


def test_pagination_walks_the_whole_timeline_newest_first(sandbox):
    user = sandbox.user("sandbox_demo")
    ids, _pages = all_pages(sandbox, client(sandbox, "sandbox_demo"), user.id)
    expected = [t.id for t in sandbox.world.timeline(user.id, sandbox.now())][:3200]
    assert ids == expected
    assert len(ids) == len(set(ids))


def test_only_the_newest_3200_are_reachable(sandbox):
    user = sandbox.user("sandbox_big")
    ids, pages = all_pages(sandbox, client(sandbox, "sandbox_big"), user.id)
    assert len(sandbox.world.timeline(user.id, sandbox.now())) > 3200
    assert len(ids) == 3200
    assert pages == 32


def test_since_id_returns_only_newer_tweets(sandbox):
    user = sandbox.user("sandbox_demo")
    session = client(sandbox, "sandbox_demo")
    newest = sandbox.world.timeline(user.id, sandbox.now())[0]
    empty = session.get(
        f"{sandbox.url}/2/users/{user.id}/tweets", params={"since_id": newest.id}, timeout=10
    ).json()
    assert empty == {"meta": {"result_count": 0}}
    sandbox.advance(12 * 3600)
    fresh = [
        t.id for t in sandbox.world.timeline(user.id, sandbox.now()) if int(t.id) > int(newest.id)
    ]
    assert fresh, "the demo user keeps posting"
    session = client(sandbox, "sandbox_demo")  # the first token expired meanwhile
    ids, _ = all_pages(sandbox, session, user.id, since_id=newest.id)
    assert ids == fresh


def test_private_groups_narrow_to_the_last_30_days(sandbox):
    user = sandbox.user("sandbox_demo")
    now = sandbox.now()
    ids, _ = all_pages(
        sandbox, client(sandbox, "sandbox_demo"), user.id, **{"tweet.fields": "non_public_metrics"}
    )
    expected = [
        t.id
        for t in sandbox.world.timeline(user.id, now)
        # Retweets are refused private groups like Tweets not owned (FACTS.md).
        if now - t.created_at <= timedelta(days=30) and t.kind != "retweet"
    ]
    assert ids == expected


def test_promoted_metrics_pages_can_be_empty_but_carry_next_token(sandbox):
    user = sandbox.user("sandbox_demo")
    session = client(sandbox, "sandbox_demo")
    body = session.get(
        f"{sandbox.url}/2/users/{user.id}/tweets",
        params={"tweet.fields": "promoted_metrics", "max_results": 5},
        timeout=10,
    ).json()
    promoted_in_page = [t for t in sandbox.world.timeline(user.id, sandbox.now())[:5] if t.promoted]
    assert body["meta"]["result_count"] == len(promoted_in_page)
    assert "next_token" in body["meta"]


@pytest.mark.parametrize("exclude, kind", [("replies", "reply"), ("retweets", "retweet")])
def test_exclude(sandbox, exclude, kind):
    user = sandbox.user("sandbox_demo")
    ids, _ = all_pages(sandbox, client(sandbox, "sandbox_demo"), user.id, exclude=exclude)
    kinds = {t.id: t.kind for t in sandbox.world.timeline(user.id, sandbox.now())}
    assert ids and all(kinds[i] != kind for i in ids)
    assert any(k == kind for k in kinds.values())


def test_start_and_end_time(sandbox):
    user = sandbox.user("sandbox_demo")
    now = sandbox.now()
    start, end = now - timedelta(days=2), now - timedelta(days=1)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    ids, _ = all_pages(
        sandbox,
        client(sandbox, "sandbox_demo"),
        user.id,
        start_time=start.strftime(fmt),
        end_time=end.strftime(fmt),
    )
    expected = [
        t.id
        for t in sandbox.world.timeline(user.id, now)
        if start.replace(microsecond=0) <= t.created_at < end.replace(microsecond=0)
    ]
    assert ids == expected and ids


def test_unknown_user_is_200_with_not_found(sandbox):
    body = (
        client(sandbox, "sandbox_demo").get(f"{sandbox.url}/2/users/42/tweets", timeout=10).json()
    )
    assert body["errors"][0]["title"] == "Not Found Error"
    assert body["errors"][0]["resource_type"] == "user"
