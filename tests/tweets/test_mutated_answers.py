"""X's answers, recorded from the sandbox and mutated (keys dropped, wrong types, nulls,
huge and negative numbers, odd unicode), fed to the parser and to a whole poll: nothing
fails but with the typed XAPIError (BadResponse), and a poll that fails stores nothing
(its PollRun failed with the cause, no Tweet and no sample written).

Hypothesis, with a fixed budget and derandomised, so the same answers every run.
"""

import contextlib
import copy
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug import Response

from accounts.models import XAccount
from accounts.tokens import client_for
from tweets import polling
from tweets.audience import USER_FIELDS
from tweets.models import PollRun, Tweet, TweetSample, VideoSample
from xapi.client import XAPIError, _page

pytestmark = pytest.mark.django_db

BUDGET = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What a broken or hostile X could put anywhere in an answer.
WRONG = [
    None,
    "",
    "12",
    "²",
    "١٢٣",
    "🙂",
    "nul\x00byte",
    "2026-11-03T12:00:00",
    "x" * 10_000,
    0,
    -1,
    2**31,
    2**63,
    2**70,
    1.5,
    float("inf"),
    True,
    [],
    [1],
    {},
    {"id": "1"},
    [[]],
]

# Fields X may send that a recorded answer might lack, added with a wrong value.
FIELDS = [
    "id",
    "text",
    "created_at",
    "referenced_tweets",
    "attachments",
    "media_keys",
    "public_metrics",
    "non_public_metrics",
    "organic_metrics",
    "promoted_metrics",
    "impression_count",
    "media_key",
    "type",
    "duration_ms",
    "includes",
    "media",
    "meta",
    "next_token",
    "errors",
]


@pytest.fixture
def recorded(clock, link):
    """A timeline page (four Tweets, one with a video) and a users/me answer, as the
    sandbox gave them to the poller's own requests."""
    account = link("sandbox_demo")
    with client_for(account) as client:
        page = client.user_tweets(
            account.x_user_id,
            tweet_fields=polling.PRIVATE_FIELDS,
            expansions=polling.MEDIA_EXPANSION,
            media_fields=polling.PRIVATE_MEDIA_FIELDS,
            max_results=100,
        )
        me = client.me(USER_FIELDS)
    video = next(m["media_key"] for m in page.media if m.get("type") == "video")
    tweets = [t for t in page.data if video in t.get("attachments", {}).get("media_keys", [])]
    tweets += [t for t in page.data if "referenced_tweets" in t][:2]
    tweets += [t for t in page.data if "attachments" not in t][:2]
    timeline = {
        "data": tweets,
        "includes": {"media": [m for m in page.media if m["media_key"] == video]},
    }
    return {"timeline": timeline, "me": {"data": me}, "account": account}


def paths(value, prefix=()):
    """Every place in a JSON document: dict keys and list indexes, depth first."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from paths(inner, (*prefix, index))


@st.composite
def mutated(draw, body):
    """`body` with one to three places dropped or replaced by something wrong."""
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in paths(body) if p]
        if not places:
            break
        *parent_path, last = draw(st.sampled_from(places))
        parent = body
        for step in parent_path:
            parent = parent[step]
        action = draw(st.sampled_from(("drop", "replace", "add")))
        if action == "drop" and isinstance(parent, dict):
            del parent[last]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(FIELDS))] = draw(st.sampled_from(WRONG))
        else:
            parent[last] = draw(st.sampled_from(WRONG))
    return body


def parse(body) -> None:
    """What the poller reads of one answer, before anything is written."""
    fetched = polling.Fetched()
    fetched.add(_page("users_tweets", 200, body, None))
    for tweet in fetched.tweets.values():
        polling.tweet_sample_values(tweet, None)
        polling._created_at(tweet)
        polling._kind(tweet)
        polling.media_keys_of(tweet)
    for media in fetched.media.values():
        polling.video_sample_values(media)


def test_the_parser_raises_nothing_but_xapierror(recorded):
    parse(recorded["timeline"])  # the unmutated answer parses

    @BUDGET
    @given(mutated(recorded["timeline"]))
    def hostile(body):
        with contextlib.suppress(XAPIError):
            parse(body)

    hostile()


@pytest.fixture
def served(recorded, httpserver, settings, alice):
    """An account polled from pytest-httpserver, which answers as X with `answer["body"]`."""
    settings.X_API_URL = httpserver.url_for("").rstrip("/")
    settings.X_RETRY_ATTEMPTS = 1
    account = recorded["account"]  # its tokens; the server here does not check them
    answer = {"body": recorded["timeline"]}
    httpserver.expect_request(re.compile(r"^/2/users/\d+/tweets$")).respond_with_handler(
        lambda request: _json(answer["body"])
    )
    httpserver.expect_request("/2/users/me").respond_with_json(recorded["me"])
    httpserver.expect_request("/2/tweets").respond_with_json({"data": []})
    return account, answer


def _json(body) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def test_a_poll_of_a_mutated_answer_stores_nothing_partial(served):
    account, answer = served
    outcomes = []

    @BUDGET
    @given(mutated(answer["body"]))
    def hostile(body):
        answer["body"] = body
        XAccount.objects.filter(pk=account.pk).update(newest_tweet_id=None)
        before = (Tweet.objects.count(), TweetSample.objects.count(), VideoSample.objects.count())
        run = polling.poll_account(XAccount.objects.get(pk=account.pk))[0]
        outcomes.append(run.outcome)
        if run.outcome != PollRun.Outcome.OK:
            assert run.outcome == PollRun.Outcome.FAILED
            assert run.error.startswith("BadResponse: "), run.error
            after = (
                Tweet.objects.count(),
                TweetSample.objects.count(),
                VideoSample.objects.count(),
            )
            assert after == before and run.samples_written == 0

    hostile()
    print({o: outcomes.count(o) for o in set(outcomes)})
    assert PollRun.Outcome.FAILED in outcomes and PollRun.Outcome.OK in outcomes
