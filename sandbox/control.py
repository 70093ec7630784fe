"""Control endpoints that exist only in the sandbox, under /__sandbox__/ (a path X never
uses): the clock, fault injection, request counts, token revocation, state resets.

Tests and the demo drive the sandbox through these; a real X never answers them.
"""

import json
from datetime import datetime
from functools import wraps

from django.http import JsonResponse

FAULT_KINDS = {
    "server_error",
    "slow",
    "malformed_json",
    "rate_limit",
    "usage_capped",
    "client_forbidden",
}


def control(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        payload = {}
        if request.method in ("POST", "PUT") and request.body:
            try:
                payload = json.loads(request.body)
            except ValueError:
                return JsonResponse({"error": "The body must be JSON."}, status=400)
            if not isinstance(payload, dict):
                return JsonResponse({"error": "The body must be a JSON object."}, status=400)
        try:
            return view(request, payload, *args, **kwargs)
        except (KeyError, TypeError, ValueError) as exc:
            return JsonResponse({"error": f"Bad control request: {exc}"}, status=400)

    return wrapper


@control
def index(request, payload):
    sandbox = request.sandbox
    config = sandbox.config
    return JsonResponse(
        {
            "sandbox": True,
            "seed": config.seed,
            "epoch": sandbox.epoch.isoformat(),
            "clock": sandbox.store.clock_state(),
            "callbacks": config.callbacks,
            "users": [
                {"id": u.id, "username": u.username, "name": u.name, "protected": u.protected}
                for u in sandbox.world.users
            ],
        }
    )


@control
def clock(request, payload):
    """GET: the clock. POST {"now": iso} freezes it there; {"advance_seconds": n} moves
    it forward (frozen or not); {"offset_seconds": n} runs it n seconds off real time;
    {"real": true} returns to real time."""
    store = request.sandbox.store
    if request.method == "POST":
        if "now" in payload:
            moment = datetime.fromisoformat(str(payload["now"]).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("'now' needs a timezone (end it with Z)")
            store.set_clock(frozen_at=moment.timestamp())
        elif "advance_seconds" in payload:
            step = float(payload["advance_seconds"])
            state = store.clock_state()
            if state["frozen"]:
                store.set_clock(frozen_at=store.now() + step)
            else:
                store.set_clock(offset=state["offset_seconds"] + step)
        elif "offset_seconds" in payload:
            store.set_clock(offset=float(payload["offset_seconds"]))
        elif payload.get("real"):
            store.set_clock()
        else:
            raise ValueError("give one of now, advance_seconds, offset_seconds, real")
    return JsonResponse(store.clock_state())


@control
def faults(request, payload):
    """POST a rule {"kind", "endpoint"?, "caller"?, "times"?, ...}; GET lists; DELETE clears.

    Kinds: server_error (status), slow (seconds), malformed_json, rate_limit (reset_in),
    usage_capped, client_forbidden. Endpoints: tweets_lookup, tweet_lookup, users_tweets,
    users_me, users_id, usage_tweets. Callers: "user:<id>" or "app"."""
    store = request.sandbox.store
    if request.method == "POST":
        if payload.get("kind") not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {sorted(FAULT_KINDS)}")
        if "times" in payload and int(payload["times"]) < 1:
            raise ValueError("times must be at least 1")
        return JsonResponse({"id": store.add_fault(payload)}, status=201)
    if request.method == "DELETE":
        store.clear("faults")
    return JsonResponse({"faults": store.faults()})


@control
def requests_made(request, payload):
    """GET: requests per endpoint and caller since the last reset; DELETE resets.

    Besides the v2 endpoints, "oauth2_token" counts token grants (caller "<grant>:<client>")
    and "private_fields_refused" counts Tweets refused private metrics (per-field errors)."""
    store = request.sandbox.store
    if request.method == "DELETE":
        store.clear("request_counts")
    counts = store.request_counts()
    return JsonResponse({"total": sum(c["count"] for c in counts), "counts": counts})


MAX_TAKEOFF_FACTOR = 1000


@control
def takeoff(request, payload):
    """POST {"tweet_id", "factor", "at"?}: from `at` (default: the sandbox's now) the Tweet's
    organic counts grow `factor` times as fast. {"username" or "user_id", "next": true,
    "factor", "at"?}: the same for the user's next Tweet (not a Retweet) posted after the
    sandbox's now, from its posting (or `at`). Answers the Tweet's id, posting time, factor
    and instant. GET lists them; DELETE forgets them (the world is as the seed made it)."""
    sandbox = request.sandbox
    if request.method == "DELETE":
        sandbox.store.clear("takeoffs")
    if request.method != "POST":
        listed = [
            {"tweet_id": tweet_id, "factor": t.factor, "at": t.at.isoformat()}
            for tweet_id, t in sandbox.takeoffs().items()
        ]
        return JsonResponse({"takeoffs": listed})
    factor = float(payload["factor"])
    if not 1 <= factor <= MAX_TAKEOFF_FACTOR:
        raise ValueError(f"factor must be between 1 and {MAX_TAKEOFF_FACTOR}")
    world, now = sandbox.world, sandbox.now()
    if payload.get("next"):
        user = world.user(str(payload.get("user_id", ""))) or world.user_by_username(
            str(payload.get("username", ""))
        )
        if user is None:
            raise ValueError("no such user (give user_id or username)")
        tweet = world.next_tweet(user.id, now)
        if tweet is None:
            raise ValueError("the user posts nothing in the next 30 days")
    else:
        tweet = world.tweet(str(payload["tweet_id"]), now)
        if tweet is None or tweet.kind == "retweet":
            raise ValueError("no such Tweet (not a Retweet) posted by now")
    at = _instant(payload["at"]) if "at" in payload else max(now, tweet.created_at)
    sandbox.store.set_takeoff(tweet.id, factor, at.timestamp())
    body = {
        "tweet_id": tweet.id,
        "created_at": tweet.created_at.isoformat(),
        "factor": factor,
        "at": at.isoformat(),
    }
    return JsonResponse(body, status=201)


def _instant(value) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("an instant needs a timezone (end it with Z)")
    return moment


@control
def revoke(request, payload):
    """POST {"user_id"} revokes every token of a user; {"token"} one token."""
    store = request.sandbox.store
    if "user_id" in payload:
        n = store.revoke_user_tokens(user_id=str(payload["user_id"]))
    else:
        n = store.revoke_user_tokens(token=str(payload["token"]))
    return JsonResponse({"revoked": n})


@control
def oauth1_tokens(request, payload):
    """POST {"token", "secret", "user_id"}: register an OAuth 1.0a access token, as if the
    user had authorised the app earlier (X's worked signature example uses one)."""
    sandbox = request.sandbox
    user_id = str(payload["user_id"])
    sandbox.store.save_oauth1_token(
        str(payload["token"]), str(payload["secret"]), sandbox.config.consumer_key, user_id
    )
    return JsonResponse({"token": payload["token"], "user_id": user_id}, status=201)


@control
def reset(request, payload):
    """POST: forget rate-limit windows, faults, request counts, nonces, billed reads and
    takeoffs; real clock."""
    store = request.sandbox.store
    store.clear("rate_windows", "faults", "request_counts", "nonces", "billed_reads", "takeoffs")
    store.set_clock()
    return JsonResponse({"reset": True})
