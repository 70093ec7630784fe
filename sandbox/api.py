"""The X API v2 endpoints the product uses: /2/users/me, /2/users/:id/tweets, /2/tweets,
and /2/usage/tweets.

Every request passes through `x_endpoint`: authentication, the request counter, the
15-minute rate-limit window (headers on every response), injected faults, then the view,
then billing: every Post, User and Media a successful answer returns is billed once per
UTC day (FACTS.md, Billing), which /2/usage/tweets reports for Posts.
Response shapes follow FACTS.md: arrays never come empty (the key is left out instead),
per-field authorization errors for private metrics, the promoted-metrics quirk.
"""

import base64
import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from functools import wraps

from django.http import HttpResponse, JsonResponse

from . import problems
from .auth import authenticate

# Allowed values, as X's OpenAPI spec (v2.166) lists them.
TWEET_FIELDS = frozenset(
    """article attachments author_id card_uri community_id context_annotations conversation_id
    created_at display_text_range edit_controls edit_history_tweet_ids entities geo id
    in_reply_to_user_id lang matched_media_notes media_metadata non_public_metrics
    note_request_suggestions note_tweet organic_metrics paid_partnership possibly_sensitive
    promoted_metrics public_metrics referenced_tweets reply_settings scopes source
    suggested_source_links suggested_source_links_with_counts text withheld""".split()
)
TWEET_EXPANSIONS = frozenset(
    """article.cover_media article.media_entities attachments.media_keys
    attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids
    entities.mentions.username geo.place_id in_reply_to_user_id entities.note.mentions.username
    referenced_tweets.id referenced_tweets.id.attachments.media_keys
    referenced_tweets.id.author_id""".split()
)
MEDIA_FIELDS = frozenset(
    """alt_text duration_ms height media_key non_public_metrics organic_metrics
    preview_image_url promoted_metrics public_metrics type url variants width""".split()
)
USER_FIELDS = frozenset(
    """affiliation confirmed_email connection_status created_at description entities id
    is_identity_verified location most_recent_tweet_id name parody pinned_tweet_id
    profile_banner_url profile_image_url protected public_metrics receives_your_dm subscription
    subscription_type url username verified verified_followers_count verified_type
    withheld""".split()
)
USER_EXPANSIONS = frozenset(["affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"])
POLL_FIELDS = frozenset("duration_minutes end_datetime id options voting_status".split())
PLACE_FIELDS = frozenset(
    "contained_within country country_code full_name geo id name place_type".split()
)
FIELD_PARAMS = {
    "tweet.fields": TWEET_FIELDS,
    "media.fields": MEDIA_FIELDS,
    "user.fields": USER_FIELDS,
    "poll.fields": POLL_FIELDS,
    "place.fields": PLACE_FIELDS,
}
COMMON_TWEET_PARAMS = (
    "tweet.fields",
    "expansions",
    "media.fields",
    "poll.fields",
    "user.fields",
    "place.fields",
)

PRIVATE_GROUPS = ("non_public_metrics", "organic_metrics", "promoted_metrics")
_SPLIT_FIELDS = (
    "impression_count",
    "like_count",
    "reply_count",
    "retweet_count",
    "url_link_clicks",
    "user_profile_clicks",
)
PRIVATE_SUBFIELDS = {
    "non_public_metrics": ("impression_count", "url_link_clicks", "user_profile_clicks"),
    "organic_metrics": _SPLIT_FIELDS,
    "promoted_metrics": _SPLIT_FIELDS,
}
PRIVATE_WINDOW = timedelta(days=30)
TIMELINE_CAP = 3200
TIMELINE_CAP_NO_REPLIES = 800
ID_RE = re.compile(r"^[0-9]{1,19}$")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")


class BadRequest(Exception):
    """A request X would refuse with 400 invalid-request; carries the `errors` entries."""

    def __init__(self, *errors: dict):
        self.errors = list(errors)


def x_endpoint(name: str, *, user_context_only: bool = False, app_only: bool = False):
    """Wrap a v2 view: auth, request counting, rate limits, faults, X's headers, billing."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            sandbox = request.sandbox
            caller = authenticate(request)
            sandbox.store.count_request(name, caller.bucket if caller else "anonymous")
            if caller is None:
                return problems.unauthorized()
            if user_context_only and caller.kind != "user":
                return problems.unsupported_authentication()
            if app_only and caller.kind != "app":
                return problems.app_only_endpoint()
            if caller.scopes is not None and not {"tweet.read", "users.read"} <= caller.scopes:
                return problems.forbidden()

            config = sandbox.config
            limits = config.user_limits if caller.kind == "user" else config.app_limits
            limit = limits.get(name, 900)
            bucket = f"{caller.bucket}|{name}"
            now = sandbox.now_epoch()
            remaining, reset, allowed = sandbox.store.take_rate_limit(
                bucket, limit, config.rate_window, now
            )
            response = None
            if not allowed:
                response = problems.too_many_requests()
            else:
                fault = sandbox.store.take_fault(name, caller.bucket)
                if fault is not None:
                    response, remaining, reset = apply_fault(
                        fault, request, bucket, remaining, reset
                    )
                if response is None:
                    try:
                        response = view(request, caller, *args, **kwargs)
                    except BadRequest as exc:
                        response = problems.invalid_request(exc.errors)
                    bill(sandbox, response)
            response["x-rate-limit-limit"] = str(limit)
            response["x-rate-limit-remaining"] = str(remaining)
            response["x-rate-limit-reset"] = str(reset)
            return response

        return wrapper

    return decorate


def bill(sandbox, response) -> None:
    """Bill the resources of a successful answer; failed requests are free (FACTS.md)."""
    if not 200 <= response.status_code < 300:
        return
    body = json.loads(response.content)
    data = body.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    includes = body.get("includes", {})
    users = [i for i in items if "username" in i] + includes.get("users", [])
    tweets = [i for i in items if "edit_history_tweet_ids" in i] + includes.get("tweets", [])
    day = sandbox.now().date().isoformat()
    sandbox.store.bill(day, "tweet", [t["id"] for t in tweets])
    sandbox.store.bill(day, "user", [u["id"] for u in users])
    sandbox.store.bill(day, "media", [m["media_key"] for m in includes.get("media", [])])


def apply_fault(fault: dict, request, bucket: str, remaining: int, reset: int):
    """Turn an injected fault into a response (or a delay). Returns (response, remaining, reset)."""
    kind = fault["kind"]
    if kind == "slow":
        # Deliberate: the fault simulates a slow X, so the sandbox really waits.
        time.sleep(float(fault.get("seconds", 5)))
        return None, remaining, reset
    if kind == "server_error":
        return problems.server_error(int(fault.get("status", 503))), remaining, reset
    if kind == "malformed_json":
        body = b'{"data":[{"id":"1","text":"truncat'
        return HttpResponse(body, content_type="application/json"), remaining, reset
    if kind == "rate_limit":
        until = request.sandbox.now_epoch() + float(fault.get("reset_in", 900))
        request.sandbox.store.exhaust_rate_limit(bucket, until)
        return problems.too_many_requests(), 0, int(until)
    if kind == "usage_capped":
        return problems.usage_capped(), remaining, reset
    if kind == "client_forbidden":
        return problems.client_forbidden(), remaining, reset
    raise ValueError(f"unknown fault kind {kind!r}")


# --- parameters -----------------------------------------------------------------------


def check_params(request, allowed: tuple[str, ...], expansions: frozenset[str]) -> dict:
    """Validate query parameters as X does; return {name: [values]} for comma lists."""
    errors = []
    parsed = {}
    for name in request.GET:
        if name not in allowed:
            errors.append(
                problems.param_error(
                    name,
                    request.GET.getlist(name),
                    f"The query parameter [{name}] is not one of [{','.join(allowed)}]",
                )
            )
    for name in allowed:
        if name not in request.GET:
            continue
        valid = expansions if name == "expansions" else FIELD_PARAMS.get(name)
        if valid is None:
            continue
        values = [v for v in request.GET[name].split(",")]
        for value in values:
            if value not in valid:
                errors.append(
                    problems.param_error(
                        name,
                        value,
                        f"The `{name}` query parameter value [{value}] is not one of"
                        f" [{','.join(sorted(valid))}]",
                    )
                )
        parsed[name] = set(values)
    if errors:
        raise BadRequest(*errors)
    return parsed


def check_id(name: str, value: str) -> str:
    if not ID_RE.match(value):
        raise BadRequest(
            problems.param_error(
                name, value, f"The `{name}` query parameter value [{value}] is not valid"
            )
        )
    return value


def check_time(name: str, value: str) -> datetime:
    if not TIME_RE.match(value):
        raise BadRequest(
            problems.param_error(
                name,
                value,
                f"Invalid '{name}':'{value}'. '{name}' must be on or after"
                " 2010-11-06T00:00:01Z and must be in the format YYYY-MM-DDTHH:mm:ssZ",
            )
        )
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


# --- rendering ------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def may_read_private(caller, tweet, now: datetime) -> bool:
    """Private groups: owned Tweets from the last 30 days, user context only, never a
    Retweet (FACTS.md)."""
    return (
        caller.kind == "user"
        and tweet.author_id == caller.user_id
        and tweet.kind != "retweet"
        and now - tweet.created_at <= PRIVATE_WINDOW
    )


def render_tweet(world, tweet, fields: set[str], metrics: dict) -> dict:
    body = {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}
    if "attachments" in fields and tweet.media_keys:
        attachments = {"media_keys": list(tweet.media_keys)}
        if tweet.media_source_tweet_id:
            attachments["media_source_tweet_id"] = [tweet.media_source_tweet_id]
        body["attachments"] = attachments
    if "author_id" in fields:
        body["author_id"] = tweet.author_id
    if "conversation_id" in fields:
        body["conversation_id"] = tweet.conversation_id
    if "created_at" in fields:
        body["created_at"] = iso(tweet.created_at)
    if "in_reply_to_user_id" in fields and tweet.in_reply_to_user_id:
        body["in_reply_to_user_id"] = tweet.in_reply_to_user_id
    if "referenced_tweets" in fields and tweet.referenced_tweets:
        body["referenced_tweets"] = [{"type": t, "id": i} for t, i in tweet.referenced_tweets]
    if "lang" in fields:
        body["lang"] = tweet.lang
    if "possibly_sensitive" in fields:
        body["possibly_sensitive"] = tweet.possibly_sensitive
    if "reply_settings" in fields:
        body["reply_settings"] = "everyone"
    if "edit_controls" in fields:
        body["edit_controls"] = {
            "edits_remaining": 5,
            "is_edit_eligible": tweet.kind != "retweet",
            "editable_until": iso(tweet.created_at + timedelta(hours=1)),
        }
    for group in ("public_metrics", *PRIVATE_GROUPS):
        if group in fields and group in metrics:
            body[group] = dict(metrics[group])
    return body


def render_media(world, media, fields: set[str], now: datetime, private: bool, takeoffs) -> dict:
    body = {"media_key": media.media_key, "type": media.type}
    if "duration_ms" in fields and media.duration_ms is not None:
        body["duration_ms"] = media.duration_ms
    if "width" in fields:
        body["width"] = media.width
    if "height" in fields:
        body["height"] = media.height
    if "preview_image_url" in fields:
        body["preview_image_url"] = media.preview_image_url
    if media.type == "video":
        metrics = world.media_metrics(media, now, takeoffs)
        groups = ("public_metrics", *PRIVATE_GROUPS) if private else ("public_metrics",)
        for group in groups:
            if group in fields and group in metrics:
                body[group] = dict(metrics[group])
    return body


def tweets_payload(request, caller, tweets, params, parameter: str) -> tuple[list, list, dict]:
    """Render Tweets with the requested fields and expansions.

    Returns (data, errors, includes). Tweets whose private groups the caller may not read
    are left out with one error per requested sub-field; Tweets never promoted are left
    out silently when promoted_metrics is requested (X's known issue).
    """
    sandbox = request.sandbox
    world, now = sandbox.world, sandbox.now()
    takeoffs = sandbox.takeoffs()
    fields = params.get("tweet.fields", set())
    private_requested = [g for g in PRIVATE_GROUPS if g in fields]
    data, errors, media_private = [], [], {}
    for tweet in tweets:
        private_ok = may_read_private(caller, tweet, now)
        if private_requested and not private_ok:
            # Observable, so tests can show a client never asks for what X would refuse.
            sandbox.store.count_request("private_fields_refused", caller.bucket)
            errors.extend(
                problems.field_not_authorized(tweet.id, f"{group}.{sub}", parameter)
                for group in private_requested
                for sub in PRIVATE_SUBFIELDS[group]
            )
            continue
        metrics = world.tweet_metrics(tweet, now, takeoffs.get(tweet.id))
        if "promoted_metrics" in fields and "promoted_metrics" not in metrics:
            continue
        data.append(render_tweet(world, tweet, fields, metrics))
        for key in tweet.media_keys:
            media_private[key] = media_private.get(key, False) or private_ok
    includes = {}
    if "attachments.media_keys" in params.get("expansions", set()) and media_private:
        media_fields = params.get("media.fields", set())
        media = []
        for key, private in media_private.items():
            item = world.media(key, now)
            if item is not None:
                media.append(render_media(world, item, media_fields, now, private, takeoffs))
        if media:
            includes["media"] = media
    return data, errors, includes


def envelope(data, errors, includes, meta=None) -> dict:
    body = {}
    if data:
        body["data"] = data
    if includes:
        body["includes"] = includes
    if errors:
        body["errors"] = errors
    if meta is not None:
        body["meta"] = meta
    return body


def protected_from(caller, tweet, world) -> bool:
    author = world.user(tweet.author_id)
    return author is not None and author.protected and caller.user_id != author.id


# --- views ----------------------------------------------------------------------------


@x_endpoint("tweets_lookup")
def tweets_lookup(request, caller):
    """GET /2/tweets?ids=: 1 to 100 ids."""
    params = check_params(request, ("ids", *COMMON_TWEET_PARAMS), TWEET_EXPANSIONS)
    raw = request.GET.get("ids")
    if raw is None:
        raise BadRequest(
            {"parameters": {"ids": []}, "message": "The `ids` query parameter can not be empty"}
        )
    ids = raw.split(",")
    if not 1 <= len(ids) <= 100:
        raise BadRequest(
            problems.param_error("ids", raw, f"`ids` size [{len(ids)}] is not between 1 and 100")
        )
    for tweet_id in ids:
        check_id("ids", tweet_id)
    world, now = request.sandbox.world, request.sandbox.now()
    found, errors = [], []
    for tweet_id in dict.fromkeys(ids):
        tweet = world.tweet(tweet_id, now)
        if tweet is None:
            errors.append(problems.tweet_not_found(tweet_id, "ids"))
        elif protected_from(caller, tweet, world):
            errors.append(problems.tweet_not_authorized(tweet_id, "ids"))
        else:
            found.append(tweet)
    data, field_errors, includes = tweets_payload(request, caller, found, params, "ids")
    return JsonResponse(envelope(data, errors + field_errors, includes))


@x_endpoint("tweet_lookup")
def tweet_lookup(request, caller, tweet_id):
    """GET /2/tweets/:id."""
    params = check_params(request, COMMON_TWEET_PARAMS, TWEET_EXPANSIONS)
    if not ID_RE.match(tweet_id):
        raise BadRequest(
            problems.param_error(
                "id", tweet_id, f"The `id` query parameter value [{tweet_id}] is not valid"
            )
        )
    world, now = request.sandbox.world, request.sandbox.now()
    tweet = world.tweet(tweet_id, now)
    if tweet is None:
        return problems.problem_response(problems.tweet_not_found(tweet_id, "id"), 404)
    if protected_from(caller, tweet, world):
        return JsonResponse({"errors": [problems.tweet_not_authorized(tweet_id, "id")]})
    data, errors, includes = tweets_payload(request, caller, [tweet], params, "id")
    body = envelope(data[0] if data else None, errors, includes)
    return JsonResponse(body)


@x_endpoint("users_me", user_context_only=True)
def users_me(request, caller):
    """GET /2/users/me."""
    params = check_params(request, ("user.fields", "expansions", "tweet.fields"), USER_EXPANSIONS)
    sandbox = request.sandbox
    user = sandbox.world.user(caller.user_id)
    fields = params.get("user.fields", set())
    return JsonResponse({"data": render_user(sandbox.world, user, fields, sandbox.now())})


@x_endpoint("users_id")
def users_id(request, caller, user_id):
    """GET /2/users/:id: one user; an unknown id is 200 with a Not Found error, as X does."""
    params = check_params(request, ("user.fields", "expansions", "tweet.fields"), USER_EXPANSIONS)
    check_id("id", user_id)
    sandbox = request.sandbox
    user = sandbox.world.user(user_id)
    if user is None:
        return JsonResponse({"errors": [problems.user_not_found(user_id)]})
    fields = params.get("user.fields", set())
    return JsonResponse({"data": render_user(sandbox.world, user, fields, sandbox.now())})


def render_user(world, user, fields: set[str], now: datetime) -> dict:
    body = {"id": user.id, "name": user.name, "username": user.username}
    if "created_at" in fields:
        body["created_at"] = iso(user.created_at)
    if "description" in fields:
        body["description"] = user.description
    if "protected" in fields:
        body["protected"] = user.protected
    if "verified" in fields:
        body["verified"] = False
    if "profile_image_url" in fields:
        body["profile_image_url"] = (
            f"https://pbs.twimg.com/profile_images/{user.id}/{user.username}_normal.jpg"
        )
    if "public_metrics" in fields:
        body["public_metrics"] = world.user_metrics(user.id, now)
    return body


def encode_token(kind: str, tweet_id: str) -> str:
    """An opaque page token (base36-looking, as X's are) naming a boundary Tweet id."""
    raw = f"{kind}:{tweet_id}".encode()
    return base64.b32encode(raw).decode().rstrip("=").lower()


def decode_token(token: str) -> tuple[str, str]:
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        kind, tweet_id = base64.b32decode(padded).decode().split(":")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(
            problems.param_error(
                "pagination_token",
                token,
                f"The `pagination_token` query parameter value [{token}] is not valid",
            )
        ) from None
    if kind not in ("next", "prev") or not ID_RE.match(tweet_id):
        raise BadRequest(
            problems.param_error(
                "pagination_token",
                token,
                f"The `pagination_token` query parameter value [{token}] is not valid",
            )
        )
    return kind, tweet_id


TIMELINE_PARAMS = (
    "since_id",
    "until_id",
    "max_results",
    "pagination_token",
    "exclude",
    "start_time",
    "end_time",
    *COMMON_TWEET_PARAMS,
)


@x_endpoint("users_tweets")
def users_tweets(request, caller, user_id):
    """GET /2/users/:id/tweets: the newest 3,200 Tweets, newest first, paginated."""
    params = check_params(request, TIMELINE_PARAMS, TWEET_EXPANSIONS)
    check_id("id", user_id)
    get = request.GET
    max_results = 10
    if "max_results" in get:
        value = get["max_results"]
        if not value.isdigit() or not 5 <= int(value) <= 100:
            raise BadRequest(
                problems.param_error(
                    "max_results",
                    value,
                    f"The `max_results` query parameter value [{value}] is not between 5 and 100",
                )
            )
        max_results = int(value)
    since_id = check_id("since_id", get["since_id"]) if "since_id" in get else None
    until_id = check_id("until_id", get["until_id"]) if "until_id" in get else None
    start = check_time("start_time", get["start_time"]) if "start_time" in get else None
    end = check_time("end_time", get["end_time"]) if "end_time" in get else None
    exclude = set(get["exclude"].split(",")) if "exclude" in get else set()
    bad = exclude - {"replies", "retweets"}
    if bad:
        value = sorted(bad)[0]
        raise BadRequest(
            problems.param_error(
                "exclude",
                value,
                f"The `exclude` query parameter value [{value}] is not one of [replies,retweets]",
            )
        )
    if start and end and start >= end:
        raise BadRequest(
            problems.param_error(
                "start_time",
                get["start_time"],
                "The `start_time` query parameter value must be before the `end_time`",
            )
        )
    page = decode_token(get["pagination_token"]) if "pagination_token" in get else None

    sandbox = request.sandbox
    world, now = sandbox.world, sandbox.now()
    user = world.user(user_id)
    if user is None:
        return JsonResponse({"errors": [problems.user_not_found(user_id)]})
    if user.protected and caller.user_id != user.id:
        return JsonResponse({"errors": [problems.user_not_authorized(user_id)]})

    tweets = world.timeline(user.id, now)[:TIMELINE_CAP]
    if "retweets" in exclude:
        tweets = [t for t in tweets if t.kind != "retweet"]
    if "replies" in exclude:
        tweets = [t for t in tweets if t.kind != "reply"][:TIMELINE_CAP_NO_REPLIES]
    fields = params.get("tweet.fields", set())
    if any(g in fields for g in PRIVATE_GROUPS) and caller.user_id == user.id:
        # With private groups, the timeline silently narrows to the last 30 days.
        tweets = [t for t in tweets if now - t.created_at <= PRIVATE_WINDOW]
    # since_id / until_id win over start_time / end_time.
    if since_id is not None:
        tweets = [t for t in tweets if int(t.id) > int(since_id)]
    elif start is not None:
        tweets = [t for t in tweets if t.created_at >= start]
    if until_id is not None:
        tweets = [t for t in tweets if int(t.id) < int(until_id)]
    elif end is not None:
        tweets = [t for t in tweets if t.created_at < end]
    if page is not None:
        kind, boundary = page
        if kind == "next":
            tweets = [t for t in tweets if int(t.id) < int(boundary)]
        else:
            tweets = [t for t in tweets if int(t.id) > int(boundary)][-max_results:]

    chunk, rest = tweets[:max_results], tweets[max_results:]
    data, errors, includes = tweets_payload(request, caller, chunk, params, "id")
    meta = {"result_count": len(data)}
    if data:
        meta["newest_id"] = data[0]["id"]
        meta["oldest_id"] = data[-1]["id"]
    if rest and chunk:
        meta["next_token"] = encode_token("next", chunk[-1].id)
    if page is not None and chunk:
        meta["previous_token"] = encode_token("prev", chunk[0].id)
    return JsonResponse(envelope(data, errors, includes, meta))


USAGE_FIELDS = frozenset(
    "cap_reset_day daily_client_app_usage daily_project_usage project_cap project_id"
    " project_usage".split()
)
# Without usage.fields the sandbox answers the summary (X's default is not recorded).
USAGE_DEFAULT_FIELDS = frozenset("cap_reset_day project_cap project_id project_usage".split())


def _usage_days(get) -> int:
    value = get.get("days", "7")
    if not value.isdigit() or not 1 <= int(value) <= 90:
        raise BadRequest(
            problems.param_error(
                "days", value, f"The `days` query parameter value [{value}] is not between 1 and 90"
            )
        )
    return int(value)


def _cap_start(today: date, reset_day: int) -> date:
    """The first day of the current cap period: the last reset_day on or before today."""
    if today.day >= reset_day:
        return today.replace(day=reset_day)
    last_month = today.replace(day=1) - timedelta(days=1)
    return last_month.replace(day=min(reset_day, last_month.day))


def _next_reset(today: date, reset_day: int) -> date:
    if today.day < reset_day:
        return today.replace(day=reset_day)
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month.replace(day=reset_day)


@x_endpoint("usage_tweets", app_only=True)
def usage_tweets(request, caller):
    """GET /2/usage/tweets: Posts billed per UTC day (the OpenAPI `Usage` object)."""
    check_params(request, ("days", "usage.fields"), frozenset())
    raw = request.GET.get("usage.fields")
    fields = set(raw.split(",")) if raw is not None else USAGE_DEFAULT_FIELDS
    bad = sorted(fields - USAGE_FIELDS)
    if bad:
        raise BadRequest(
            *(
                problems.param_error(
                    "usage.fields",
                    value,
                    f"The `usage.fields` query parameter value [{value}] is not one of"
                    f" [{','.join(sorted(USAGE_FIELDS))}]",
                )
                for value in bad
            )
        )
    days = _usage_days(request.GET)
    sandbox, config = request.sandbox, request.sandbox.config
    today = sandbox.now().date()
    first = today - timedelta(days=days - 1)
    billed = sandbox.store.billed_per_day("tweet", first.isoformat(), today.isoformat())
    daily = [
        {"date": f"{day.isoformat()}T00:00:00.000Z", "usage": billed.get(day.isoformat(), 0)}
        for day in (first + timedelta(days=n) for n in range(days))
    ]
    cap_start = _cap_start(today, config.cap_reset_day)
    this_period = sandbox.store.billed_per_day("tweet", cap_start.isoformat(), today.isoformat())
    usage = {
        "project_id": config.project_id,
        "project_cap": config.project_cap,
        "project_usage": sum(this_period.values()),
        "cap_reset_day": (_next_reset(today, config.cap_reset_day) - today).days,
        "daily_project_usage": {"project_id": int(config.project_id), "usage": daily},
        "daily_client_app_usage": [
            {"client_app_id": config.client_app_id, "usage": daily, "usage_result_count": days}
        ],
    }
    return JsonResponse({"data": {k: v for k, v in usage.items() if k in fields}})
