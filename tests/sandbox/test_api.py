"""The v2 endpoints: every response validates against X's OpenAPI spec, and each error
shape in FACTS.md is requested and checked (status and body)."""

from datetime import timedelta

import pytest
import requests
from openapi_core.validation.response.exceptions import InvalidData

from .flows import bearer, oauth1_user_session, oauth2_link
from .openapi import unpatched_openapi, validate

PROBLEMS = "https://api.twitter.com/2/problems/"
ALL_TWEET_FIELDS = (
    "attachments,author_id,conversation_id,created_at,edit_controls,in_reply_to_user_id,lang,"
    "possibly_sensitive,referenced_tweets,reply_settings,public_metrics,non_public_metrics,"
    "organic_metrics"
)
ALL_MEDIA_FIELDS = (
    "duration_ms,height,width,media_key,preview_image_url,type,public_metrics,"
    "non_public_metrics,organic_metrics,promoted_metrics"
)
PRIVATE_SUBFIELD_COUNT = {"non_public_metrics": 3, "organic_metrics": 6, "promoted_metrics": 6}


class Client:
    """GETs against the sandbox with one token; every answer is checked against the spec."""

    def __init__(self, sandbox, headers=None, session=None):
        self.sandbox = sandbox
        self.headers = headers or {}
        self.session = session or requests.Session()

    def get(self, path, **params):
        response = self.session.get(
            f"{self.sandbox.url}{path}", params=params, headers=self.headers, timeout=10
        )
        validate(response, self.sandbox.url)
        return response


@pytest.fixture
def demo(sandbox):
    return Client(sandbox, bearer(oauth2_link(sandbox, "sandbox_demo")["access_token"]))


@pytest.fixture
def app(sandbox):
    config = sandbox.config
    token = requests.post(
        f"{sandbox.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(config.consumer_key, config.consumer_secret),
        timeout=10,
    ).json()["access_token"]
    return Client(sandbox, bearer(token))


def timeline(sandbox, username):
    return sandbox.world.timeline(sandbox.user(username).id, sandbox.now())


def pick(sandbox, username, test):
    return next(t for t in timeline(sandbox, username) if test(t))


def recent(t, sandbox, days=29):
    return sandbox.now() - t.created_at < timedelta(days=days)


# --- successful responses ----------------------------------------------------------


def test_users_me_with_fields(sandbox, demo):
    answer = demo.get(
        "/2/users/me", **{"user.fields": "created_at,description,protected,public_metrics,verified"}
    )
    data = answer.json()["data"]
    assert data["username"] == "sandbox_demo"
    assert data["protected"] is False
    user_id = sandbox.user("sandbox_demo").id
    assert data["public_metrics"] == sandbox.world.user_metrics(user_id, sandbox.now())
    assert data["public_metrics"]["like_count"] >= 0
    # Same seed and instant, same bytes; a later instant answers the world at that instant.
    again = demo.get("/2/users/me", **{"user.fields": "public_metrics"})
    assert again.content == demo.get("/2/users/me", **{"user.fields": "public_metrics"}).content
    sandbox.advance(3600)
    later = demo.get("/2/users/me", **{"user.fields": "public_metrics"}).json()["data"]
    assert later["public_metrics"] == sandbox.world.user_metrics(user_id, sandbox.now())
    assert later["public_metrics"]["tweet_count"] != data["public_metrics"]["tweet_count"]


def test_public_metrics_only_when_asked_and_like_count_left_out_where_x_omits_it(sandbox):
    other = Client(sandbox, bearer(oauth2_link(sandbox, "sandbox_other")["access_token"]))
    plain = other.get("/2/users/me").json()["data"]
    assert "public_metrics" not in plain
    metrics = other.get("/2/users/me", **{"user.fields": "public_metrics"}).json()["data"][
        "public_metrics"
    ]
    assert set(metrics) == {"followers_count", "following_count", "tweet_count", "listed_count"}


@pytest.mark.parametrize("caller", ["demo", "app"])
def test_users_by_id(sandbox, caller, request):
    client = request.getfixturevalue(caller)
    big = sandbox.user("sandbox_big")
    answer = client.get(f"/2/users/{big.id}", **{"user.fields": "public_metrics,created_at"})
    assert answer.status_code == 200
    data = answer.json()["data"]
    assert (data["id"], data["username"]) == (big.id, "sandbox_big")
    assert data["public_metrics"] == sandbox.world.user_metrics(big.id, sandbox.now())
    missing = client.get("/2/users/123", **{"user.fields": "public_metrics"})
    assert missing.status_code == 200
    (error,) = missing.json()["errors"]
    assert error["type"] == PROBLEMS + "resource-not-found"
    assert error["detail"] == "Could not find user with id: [123]."
    bad = client.get("/2/users/abc")
    assert bad.status_code == 400
    assert bad.json()["type"] == PROBLEMS + "invalid-request"


def test_lookup_with_every_group_and_video_media(sandbox, demo):
    video_tweet = pick(
        sandbox,
        "sandbox_demo",
        lambda t: t.media_keys and t.media_keys[0].startswith("7_") and recent(t, sandbox),
    )
    answer = demo.get(
        "/2/tweets",
        ids=video_tweet.id,
        expansions="attachments.media_keys",
        **{"tweet.fields": ALL_TWEET_FIELDS, "media.fields": ALL_MEDIA_FIELDS},
    )
    body = answer.json()
    (tweet,) = body["data"]
    assert tweet["attachments"]["media_keys"] == list(video_tweet.media_keys)
    assert set(tweet["non_public_metrics"]) == {
        "impression_count",
        "url_link_clicks",
        "user_profile_clicks",
    }
    (media,) = body["includes"]["media"]
    assert media["type"] == "video"
    playback = media["non_public_metrics"]
    counts = [playback[f"playback_{q}_count"] for q in (0, 25, 50, 75, 100)]
    assert counts == sorted(counts, reverse=True)
    assert "errors" not in body


def test_media_fields_without_expansion_return_no_media(sandbox, demo):
    video_tweet = pick(sandbox, "sandbox_demo", lambda t: t.media_keys and recent(t, sandbox))
    body = demo.get("/2/tweets", ids=video_tweet.id, **{"media.fields": "public_metrics"}).json()
    assert "includes" not in body and "errors" not in body


def test_single_lookup_and_timeline_validate(sandbox, demo):
    tweet = timeline(sandbox, "sandbox_demo")[0]
    single = demo.get(f"/2/tweets/{tweet.id}", **{"tweet.fields": ALL_TWEET_FIELDS})
    assert single.json()["data"]["id"] == tweet.id
    page = demo.get(
        f"/2/users/{tweet.author_id}/tweets",
        max_results=100,
        expansions="attachments.media_keys",
        **{"tweet.fields": ALL_TWEET_FIELDS, "media.fields": ALL_MEDIA_FIELDS},
    ).json()
    assert page["meta"]["result_count"] == len(page["data"]) > 0


def test_oauth1_user_context_reads_private_metrics(sandbox):
    session = oauth1_user_session(sandbox, "sandbox_demo")
    client = Client(sandbox, session=session)
    tweet = pick(sandbox, "sandbox_demo", lambda t: recent(t, sandbox))
    body = client.get("/2/tweets", ids=tweet.id, **{"tweet.fields": "organic_metrics"}).json()
    assert "organic_metrics" in body["data"][0]


def test_the_strict_spec_has_teeth(sandbox, demo):
    """An invented field fails validation; the two wire-only fields pass only because we
    added them to the spec."""
    tweet = pick(sandbox, "sandbox_demo", lambda t: recent(t, sandbox))
    answer = demo.get("/2/tweets", ids=tweet.id, **{"tweet.fields": "non_public_metrics"})
    answer._content = answer.content.replace(b'"url_link_clicks"', b'"url_link_klicks"')
    with pytest.raises(InvalidData):
        validate(answer, sandbox.url)
    unpatched = unpatched_openapi()
    validate(answer, sandbox.url, spec=unpatched)  # the spec as published is lax


# --- per-field authorization errors ------------------------------------------------


def field_errors(body, tweet_id, groups, parameter="ids"):
    expected_fields = [
        f"{g}.{sub}"
        for g in groups
        for sub in {
            "non_public_metrics": ("impression_count", "url_link_clicks", "user_profile_clicks"),
            "organic_metrics": (
                "impression_count",
                "like_count",
                "reply_count",
                "retweet_count",
                "url_link_clicks",
                "user_profile_clicks",
            ),
            "promoted_metrics": (
                "impression_count",
                "like_count",
                "reply_count",
                "retweet_count",
                "url_link_clicks",
                "user_profile_clicks",
            ),
        }[g]
    ]
    errors = [e for e in body["errors"] if e["resource_id"] == tweet_id]
    assert [e["field"] for e in errors] == expected_fields
    return errors


def test_private_group_on_a_tweet_not_owned(sandbox, demo):
    other = pick(sandbox, "sandbox_other", lambda t: recent(t, sandbox))
    groups = ["non_public_metrics", "organic_metrics", "promoted_metrics"]
    body = demo.get("/2/tweets", ids=other.id, **{"tweet.fields": ",".join(groups)}).json()
    assert "data" not in body
    errors = field_errors(body, other.id, groups)
    assert len(errors) == 15
    assert errors[1] == {
        "value": other.id,
        "detail": "Sorry, you are not authorized to access 'non_public_metrics.url_link_clicks'"
        f" on the Tweet with ids : [{other.id}].",
        "title": "Field Authorization Error",
        "resource_type": "tweet",
        "field": "non_public_metrics.url_link_clicks",
        "parameter": "ids",
        "resource_id": other.id,
        "type": PROBLEMS + "not-authorized-for-field",
        "section": "data",
    }


def test_owned_tweets_stay_in_data_beside_errors(sandbox, demo):
    own = pick(sandbox, "sandbox_demo", lambda t: recent(t, sandbox))
    other = pick(sandbox, "sandbox_other", lambda t: recent(t, sandbox))
    body = demo.get(
        "/2/tweets", ids=f"{own.id},{other.id}", **{"tweet.fields": "organic_metrics"}
    ).json()
    assert [t["id"] for t in body["data"]] == [own.id]
    assert len(field_errors(body, other.id, ["organic_metrics"])) == 6


def test_owned_tweet_older_than_30_days_is_refused_private_groups(sandbox, demo):
    old = pick(sandbox, "sandbox_demo", lambda t: not recent(t, sandbox, days=31))
    body = demo.get(f"/2/tweets/{old.id}", **{"tweet.fields": "non_public_metrics"}).json()
    assert "data" not in body
    assert len(field_errors(body, old.id, ["non_public_metrics"], parameter="id")) == 3
    public = demo.get(f"/2/tweets/{old.id}", **{"tweet.fields": "public_metrics"}).json()
    assert "public_metrics" in public["data"]


def test_app_only_token_reads_public_but_not_private(sandbox, app):
    tweet = pick(sandbox, "sandbox_demo", lambda t: recent(t, sandbox))
    public = app.get("/2/tweets", ids=tweet.id, **{"tweet.fields": "public_metrics"}).json()
    assert "public_metrics" in public["data"][0]
    private = app.get("/2/tweets", ids=tweet.id, **{"tweet.fields": "organic_metrics"}).json()
    assert len(field_errors(private, tweet.id, ["organic_metrics"])) == 6


# --- the promoted-metrics quirk -------------------------------------------------------


def test_promoted_metrics_on_never_promoted_tweets_is_an_empty_response(sandbox, demo):
    plain = [t for t in timeline(sandbox, "sandbox_demo") if not t.promoted and recent(t, sandbox)]
    ids = ",".join(t.id for t in plain[:5])
    answer = demo.get("/2/tweets", ids=ids, **{"tweet.fields": "promoted_metrics,public_metrics"})
    assert answer.status_code == 200
    assert answer.json() == {}


def test_promoted_metrics_keep_only_promoted_tweets(sandbox, demo):
    promoted = pick(sandbox, "sandbox_demo", lambda t: t.promoted and recent(t, sandbox))
    plain = pick(sandbox, "sandbox_demo", lambda t: not t.promoted and recent(t, sandbox))
    body = demo.get(
        "/2/tweets", ids=f"{promoted.id},{plain.id}", **{"tweet.fields": "promoted_metrics"}
    ).json()
    assert [t["id"] for t in body["data"]] == [promoted.id]
    assert "errors" not in body


# --- not found, protected ----------------------------------------------------------------


def not_found(tweet_id, parameter):
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with {parameter}: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": tweet_id,
        "type": PROBLEMS + "resource-not-found",
    }


def test_unknown_tweet_in_a_batch_is_200_with_errors(sandbox, demo):
    own = timeline(sandbox, "sandbox_demo")[0]
    body = demo.get("/2/tweets", ids=f"{own.id},20").json()
    assert [t["id"] for t in body["data"]] == [own.id]
    assert body["errors"] == [not_found("20", "ids")]


def test_unknown_single_tweet_is_404(demo):
    answer = demo.get("/2/tweets/20")
    assert answer.status_code == 404
    assert answer.json() == not_found("20", "id")


def test_protected_tweet_and_timeline(sandbox, demo):
    private_user = sandbox.user("sandbox_private")
    tweet = timeline(sandbox, "sandbox_private")[0]
    body = demo.get("/2/tweets", ids=tweet.id).json()
    assert body == {
        "errors": [
            {
                "value": tweet.id,
                "detail": f"Sorry, you are not authorized to see the Tweet with ids: [{tweet.id}].",
                "title": "Authorization Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": tweet.id,
                "type": PROBLEMS + "not-authorized-for-resource",
            }
        ]
    }
    page = demo.get(f"/2/users/{private_user.id}/tweets").json()
    assert page["errors"][0]["title"] == "Authorization Error"
    assert page["errors"][0]["resource_type"] == "user"

    owner = Client(sandbox, bearer(oauth2_link(sandbox, "sandbox_private")["access_token"]))
    assert owner.get("/2/tweets", ids=tweet.id).json()["data"][0]["id"] == tweet.id


# --- 400, 401, 403 --------------------------------------------------------------------------


def test_invalid_id_is_400_with_xs_body(demo):
    answer = demo.get("/2/tweets", ids="abc")
    assert answer.status_code == 400
    assert answer.json() == {
        "errors": [
            {
                "parameters": {"ids": ["abc"]},
                "message": "The `ids` query parameter value [abc] is not valid",
            }
        ],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }


@pytest.mark.parametrize(
    "path, params, parameter",
    [
        ("/2/tweets", {"ids": ",".join(str(i) for i in range(1, 102))}, "ids"),
        ("/2/tweets", {"ids": "20", "tweet.fields": "impressions"}, "tweet.fields"),
        ("/2/tweets", {"ids": "20", "colour": "blue"}, "colour"),
        ("/2/tweets", {"ids": "20", "expansions": "everything"}, "expansions"),
        ("/2/tweets/12345678901234567890", {}, "id"),
        ("/2/users/1/tweets", {"max_results": "3"}, "max_results"),
        ("/2/users/1/tweets", {"max_results": "101"}, "max_results"),
        ("/2/users/1/tweets", {"start_time": "yesterday"}, "start_time"),
        ("/2/users/1/tweets", {"exclude": "likes"}, "exclude"),
        ("/2/users/1/tweets", {"pagination_token": "!!"}, "pagination_token"),
        ("/2/users/1/tweets", {"since_id": "x1"}, "since_id"),
    ],
)
def test_malformed_requests_are_400(demo, path, params, parameter):
    answer = demo.get(path, **params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == PROBLEMS + "invalid-request"
    assert parameter in body["errors"][0]["parameters"]


UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "OAuth x"}]
)
def test_missing_or_bad_credentials_are_401(sandbox, headers):
    for path in ("/2/users/me", "/2/tweets?ids=20", "/2/users/1/tweets"):
        answer = Client(sandbox, headers).get(path)
        assert answer.status_code == 401
        assert answer.json() == UNAUTHORIZED


def test_app_only_token_on_users_me_is_403(app):
    answer = app.get("/2/users/me")
    assert answer.status_code == 403
    body = answer.json()
    assert body["title"] == "Unsupported Authentication"
    assert body["type"] == PROBLEMS + "unsupported-authentication"
    assert body["status"] == 403


def test_client_not_enrolled_is_403(sandbox, demo):
    sandbox.fault(kind="client_forbidden", endpoint="users_me", times=1)
    answer = demo.get("/2/users/me")
    assert answer.status_code == 403
    assert answer.json()["type"] == PROBLEMS + "client-forbidden"
    assert answer.json()["reason"] == "client-not-enrolled"


def test_missing_scope_is_403(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo", scope=["users.read"])
    answer = Client(sandbox, bearer(token["access_token"])).get("/2/users/me")
    assert answer.status_code == 403


def test_unknown_route_is_404_problem(sandbox):
    answer = requests.get(f"{sandbox.url}/2/nothing-here", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["title"] == "Not Found Error"
