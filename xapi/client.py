"""The X API v2 client: one `XClient` per token, for the endpoints the poller reads.

Every call has the timeout its caller passes, answers a `Page` (or `me()`'s dict), or
raises one of the typed `XAPIError`s below. The client survives every response variant in
`docs/x-api/FACTS.md`: keys left out when empty, errors beside data, the promoted-metrics
`{}`, problem URIs on either host, both 429 bodies. It reads the `x-rate-limit-*` headers
of every response into a shared `RateBudget` and refuses, without sending, a request that
the budget says would be refused. The OAuth calls are in `xapi/oauth.py`.

Nothing here logs headers, tokens or signatures, and no error message carries them.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from urllib.parse import quote

import requests
from django.core.cache import cache as default_cache
from django.utils import timezone
from requests.auth import AuthBase
from requests_oauthlib import OAuth1

logger = logging.getLogger(__name__)

USER_AGENT = "metricsdash"
# Endpoints whose `data` is one object; the others answer a list.
SINGLE_OBJECT_ENDPOINTS = frozenset({"users_me", "usage_tweets"})
LIST_ENDPOINTS = frozenset({"users_tweets", "tweets_lookup"})
MAX_LOOKUP_IDS = 100
_PROBLEM_RE = re.compile(r"/2/problems/([A-Za-z0-9._-]+)$")
_REASON_MAX = 300
_MAX_BACKOFF = 60.0  # seconds; a long retry series never parks a worker for minutes
# Failures on the way to X or back: retried like a 5xx.
_TRANSPORT_ERRORS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
)


# --- rate limits ----------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimit:
    """One endpoint's 15-minute window for one token, as X's x-rate-limit-* headers say."""

    limit: int
    remaining: int
    reset: datetime  # aware UTC, from x-rate-limit-reset (epoch seconds)


def _rate_limit_from(headers: Mapping[str, str]) -> RateLimit | None:
    """The RateLimit in a response's headers; None when any is missing or garbled."""
    try:
        limit = int(headers["x-rate-limit-limit"])
        remaining = int(headers["x-rate-limit-remaining"])
        reset = datetime.fromtimestamp(int(headers["x-rate-limit-reset"]), tz=UTC)
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        return None
    if limit < 0 or remaining < 0:
        return None
    return RateLimit(limit=limit, remaining=remaining, reset=reset)


class RateBudget(Protocol):
    """Shared storage for rate-limit budgets, so many workers respect one limit together."""

    def get(self, key: str) -> RateLimit | None: ...

    def set(self, key: str, value: RateLimit) -> None: ...


class CacheRateBudget:
    """A RateBudget over a Django cache (Redis in production); each entry expires at reset.

    The cache must be shared by every worker for the budget to be shared: a per-process
    cache (locmem) only protects one process.
    """

    def __init__(self, cache=None, prefix: str = "xrl"):
        self.cache = default_cache if cache is None else cache
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key: str) -> RateLimit | None:
        """The stored window, or None when none is stored (or it has expired)."""
        value = self.cache.get(self._key(key))
        try:
            limit, remaining, reset = value
            return RateLimit(int(limit), int(remaining), datetime.fromtimestamp(reset, tz=UTC))
        except (TypeError, ValueError, OverflowError, OSError):
            return None

    def set(self, key: str, value: RateLimit) -> None:
        """Store a window until its reset; a window already over is removed instead."""
        # The cache expires entries by its own (wall) clock, so the TTL is measured on it.
        ttl = math.ceil(value.reset.timestamp() - time.time())
        if ttl <= 0:
            self.cache.delete(self._key(key))
            return
        stored = (value.limit, value.remaining, value.reset.timestamp())
        self.cache.set(self._key(key), stored, timeout=ttl)


# --- errors ---------------------------------------------------------------------------


def _problem_name(type_uri: Any) -> str | None:
    """`resource-not-found` from `https://api.(twitter|x).com/2/problems/resource-not-found`."""
    if not isinstance(type_uri, str):
        return None
    match = _PROBLEM_RE.search(type_uri)
    return match.group(1) if match else None


class XAPIError(Exception):
    """Base of every error the client raises.

    `status` is the HTTP status (None when no response came), `body` the parsed JSON body
    (None when there was none or it did not parse), `problem_type` the name of the X
    problem (`client-forbidden`, `usage-capped`, ...) or None. `str()` is a one-line
    reason that never holds a token, a secret or a signature.
    """

    def __init__(
        self, message: str, *, status: int | None = None, body: Any = None, problem_type=None
    ):
        super().__init__(message)
        self.status = status
        self.body = body
        self.problem_type = problem_type


class InvalidRequest(XAPIError):
    """400: X refused the parameters; str() carries the messages of its `errors`."""


class Unauthorized(XAPIError):
    """401: bad, revoked or expired token, or a bad signature."""


class Forbidden(XAPIError):
    """403: unsupported authentication, client-forbidden, or a missing scope."""


class NotFound(XAPIError):
    """404 for an unknown route or resource path."""


class RateLimited(XAPIError):
    """429 from X, or refused locally because the shared budget is spent until `reset_at`.

    `sent` is False when this call sent nothing at all. `usage_capped` means the monthly
    usage cap, which the 15-minute `reset_at` does not lift.
    """

    def __init__(
        self,
        message: str,
        *,
        reset_at: datetime | None = None,
        usage_capped: bool = False,
        sent: bool = True,
        **kwargs,
    ):
        super().__init__(message, **kwargs)
        self.reset_at = reset_at
        self.usage_capped = usage_capped
        self.sent = sent


class ServerError(XAPIError):
    """5xx after every retry, or timeouts and connection errors after every retry."""


class Unreachable(ServerError):
    """No connection to X (refused, reset, unknown host) on a call sent once."""


class TimedOut(ServerError):
    """X did not answer within the timeout on a call sent once."""


class BadResponse(XAPIError):
    """An answer the client cannot use: not JSON, not an object, or the wrong shape."""


def _reason(body: Any) -> str:
    """A one-line reason from an X error body (problem, v2 errors or v1.1 errors)."""
    if not isinstance(body, dict):
        return "no JSON body"
    parts = []
    for key in ("title", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    errors = body.get("errors")
    if isinstance(errors, list):
        for entry in errors:
            if not isinstance(entry, dict):
                continue
            message = entry.get("message") or entry.get("detail")
            if isinstance(message, str) and message not in parts:
                code = entry.get("code")
                parts.append(f"{message} (code {code})" if code is not None else message)
    if body.get("period") or body.get("scope"):
        parts.append(f"period {body.get('period')}, scope {body.get('scope')}")
    text = " ".join(": ".join(parts).split()) or "no reason given"
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


# --- pages ----------------------------------------------------------------------------


@dataclass
class Page:
    """One answer of X: `data` is always a list (a single object is wrapped), the rest
    are the envelope's `errors`, `includes` and `meta`, empty when X left them out."""

    data: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    includes: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    rate_limit: RateLimit | None = None

    def problems(self, name: str) -> list[dict]:
        """Errors of one problem type, e.g. "resource-not-found", on either host."""
        return [e for e in self.errors if _problem_name(e.get("type")) == name]

    @property
    def media(self) -> list[dict]:
        """The expanded media objects (`includes.media`), [] when none."""
        return self.includes.get("media", [])


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _page(endpoint: str, status: int, body: dict, rate_limit: RateLimit | None) -> Page:
    """Check the envelope's shape and build a Page; BadResponse on anything unexpected."""

    def bad(what: str) -> BadResponse:
        return BadResponse(f"X API {endpoint}: {status} answer {what}", status=status, body=body)

    data = body.get("data")
    if data is None:
        data = []
    elif isinstance(data, dict) and endpoint not in LIST_ENDPOINTS:
        data = [data]
    elif endpoint in SINGLE_OBJECT_ENDPOINTS:
        raise bad("has a `data` that is not an object")
    errors = body.get("errors")
    errors = [] if errors is None else errors
    includes = body.get("includes")
    includes = {} if includes is None else includes
    meta = body.get("meta")
    meta = {} if meta is None else meta
    if not _objects(data):
        raise bad("has a `data` that is not a list of objects")
    if not _objects(errors):
        raise bad("has `errors` that are not a list of objects")
    if not isinstance(includes, dict) or not isinstance(meta, dict):
        raise bad("has `includes` or `meta` that is not an object")
    if "media" in includes and not _objects(includes["media"]):
        raise bad("has `includes.media` that is not a list of objects")
    return Page(data=data, errors=errors, includes=includes, meta=meta, rate_limit=rate_limit)


# --- authentication -------------------------------------------------------------------


class BearerAuth(AuthBase):
    """`Authorization: Bearer <token>`: an OAuth 2.0 user token or the app-only token."""

    def __init__(self, token: str):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(<token hidden>)"


def oauth1_auth(consumer_key: str, consumer_secret: str, token: str, token_secret: str) -> AuthBase:
    """OAuth 1.0a user context, HMAC-SHA1, parameters in the Authorization header.

    Each time a request is prepared with it, it is signed afresh (new nonce and timestamp).
    """
    return OAuth1(
        consumer_key,
        client_secret=consumer_secret,
        resource_owner_key=token,
        resource_owner_secret=token_secret,
        signature_method="HMAC-SHA1",
        signature_type="AUTH_HEADER",
    )


class _DropDebug(logging.Filter):
    """Drops DEBUG records: these libraries log signature base strings, signatures,
    tokens and Authorization headers at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


# Logger filters apply only to records made on that very logger, so each is named.
_SIGNING_LOGGERS = (
    "oauthlib",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth1_session",
    "requests_oauthlib.oauth2_session",
)


def _silence_signing_logs() -> None:
    """Keep secrets out of logs even when someone turns these loggers up to DEBUG."""
    for name in _SIGNING_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _DropDebug) for f in target.filters):
            target.addFilter(_DropDebug())


_silence_signing_logs()


# --- the client -----------------------------------------------------------------------


def _csv(values: Sequence[str]) -> str | None:
    if isinstance(values, str):
        return values or None
    return ",".join(values) or None


def _x_time(moment: datetime) -> str:
    """YYYY-MM-DDTHH:mm:ssZ, the only time format X's timeline accepts."""
    if moment.tzinfo is None:
        raise ValueError("start_time must be an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fields(tweet_fields=(), expansions=(), media_fields=()) -> dict:
    params = {
        "tweet.fields": _csv(tweet_fields),
        "expansions": _csv(expansions),
        "media.fields": _csv(media_fields),
    }
    return {k: v for k, v in params.items() if v is not None}


class XClient:
    """A client for X API v2 under one token; not thread-safe (one per task or thread).

    `budget_key` names the token in the shared budget (e.g. a hash of the account id,
    never the token); budget entries are keyed f"{budget_key}:{endpoint}". `timeout` is
    (connect, read) seconds, required. `clock` returns the aware UTC now used for budget
    decisions.
    """

    def __init__(
        self,
        base_url: str,
        auth: AuthBase,
        *,
        budget: RateBudget | None = None,
        budget_key: str = "",
        timeout: tuple[float, float],
        max_attempts: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not timeout:
            raise ValueError("a timeout is required")
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.budget = budget
        self.budget_key = budget_key
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.session = session if session is not None else requests.Session()
        self.clock = clock or timezone.now
        self.requests_made = 0
        self.last_rate_limit: RateLimit | None = None

    def __repr__(self) -> str:
        return f"XClient({self.base_url!r}, budget_key={self.budget_key!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- one GET, with budget, retries and error mapping ------------------------------

    def get(
        self, endpoint: str, path: str, params: dict | None = None, *, max_attempts: int = 0
    ) -> Page:
        """GET `path` under the base URL; `endpoint` names it for budgets and logs.

        Retries 5xx, timeouts and connection errors (max_attempts in all, the client's own
        unless given, re-signing each attempt), then raises ServerError; maps other
        failures to the typed errors.
        """
        url = self.base_url + (path if path.startswith("/") else "/" + path)
        key = f"{self.budget_key}:{endpoint}"
        failure, status = "", None
        max_attempts = max_attempts or self.max_attempts
        for attempt in range(max_attempts):
            if attempt:
                # Exponential backoff with jitter, so workers that failed together part ways.
                delay = min(self.backoff * 2 ** (attempt - 1), _MAX_BACKOFF)
                delay *= random.uniform(0.5, 1.5)
                logger.info(
                    "X GET %s: %s; retry %d/%d in %.2f s",
                    endpoint,
                    failure,
                    attempt + 1,
                    max_attempts,
                    delay,
                )
                time.sleep(delay)
            self._check_budget(endpoint, key, sent=attempt > 0)
            started = time.monotonic()
            try:
                response = self._send(url, params)
            except _TRANSPORT_ERRORS as exc:
                failure, status = type(exc).__name__, None
                logger.info("X GET %s: %s after %.0f ms", endpoint, failure, _ms_since(started))
                continue
            except requests.RequestException as exc:  # a request that cannot be sent at all
                raise XAPIError(f"X API {endpoint}: {type(exc).__name__}") from None
            rate_limit = self._record_rate_limit(key, response)
            logger.log(
                logging.DEBUG if response.status_code < 400 else logging.INFO,
                "X GET %s -> %d in %.0f ms (attempt %d/%d, remaining %s)",
                endpoint,
                response.status_code,
                _ms_since(started),
                attempt + 1,
                max_attempts,
                rate_limit.remaining if rate_limit else "?",
            )
            if response.status_code >= 500:
                failure, status = f"HTTP {response.status_code}", response.status_code
                continue
            return self._answer(endpoint, response, rate_limit)
        logger.warning("X GET %s: gave up after %d attempts (%s)", endpoint, max_attempts, failure)
        raise ServerError(
            f"X API {endpoint}: {failure} after {max_attempts} attempt(s)", status=status
        )

    def _send(self, url: str, params: dict | None) -> requests.Response:
        # A fresh Request per attempt: OAuth 1.0a signs in prepare (new nonce, timestamp).
        request = requests.Request(
            "GET",
            url,
            params=params or {},
            auth=self.auth,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
        prepared = self.session.prepare_request(request)
        settings = self.session.merge_environment_settings(prepared.url, {}, None, None, None)
        self.requests_made += 1
        return self.session.send(prepared, timeout=self.timeout, allow_redirects=False, **settings)

    def _check_budget(self, endpoint: str, key: str, *, sent: bool) -> None:
        if self.budget is None:
            return
        known = self.budget.get(key)
        if known is not None and known.remaining <= 0 and known.reset > self.clock():
            logger.info("X GET %s: budget spent until %s; not sent", endpoint, known.reset)
            raise RateLimited(
                f"X API {endpoint}: rate-limit budget spent until {known.reset.isoformat()};"
                " request not sent",
                status=None,
                reset_at=known.reset,
                sent=sent,
            )

    def _record_rate_limit(self, key: str, response: requests.Response) -> RateLimit | None:
        rate_limit = _rate_limit_from(response.headers)
        if rate_limit is None:
            return None
        if response.status_code == 429 and rate_limit.remaining > 0:
            # A 429 means the window is spent, whatever the header says; a usage cap is
            # a different limit and leaves the window's figures alone.
            body, _ = _json_or_none(response)
            if not isinstance(body, dict) or _problem_name(body.get("type")) != "usage-capped":
                rate_limit = RateLimit(rate_limit.limit, 0, rate_limit.reset)
        self.last_rate_limit = rate_limit
        if self.budget is not None:
            self.budget.set(key, rate_limit)
        return rate_limit

    def _answer(
        self, endpoint: str, response: requests.Response, rate_limit: RateLimit | None
    ) -> Page:
        status = response.status_code
        body, parsed = _json_or_none(response)
        if 200 <= status < 300:
            content_type = response.headers.get("Content-Type", "?")
            if not parsed:
                raise BadResponse(
                    f"X API {endpoint}: {status} answer is not JSON ({content_type})",
                    status=status,
                )
            if not isinstance(body, dict):
                raise BadResponse(
                    f"X API {endpoint}: {status} answer is not a JSON object",
                    status=status,
                    body=body,
                )
            return _page(endpoint, status, body, rate_limit)
        if status < 400:
            raise BadResponse(f"X API {endpoint}: unexpected HTTP {status}", status=status)

        problem = _problem_name(body.get("type")) if isinstance(body, dict) else None
        message = f"X API {endpoint}: {status} {_reason(body)}"
        details = {"status": status, "body": body, "problem_type": problem}
        if status == 400:
            raise InvalidRequest(message, **details)
        if status == 401:
            raise Unauthorized(message, **details)
        if status == 403:
            raise Forbidden(message, **details)
        if status == 404:
            raise NotFound(message, **details)
        if status == 429:
            capped = problem == "usage-capped"
            reset_at = rate_limit.reset if rate_limit else None
            if reset_at is not None and not capped:
                message += f"; window resets at {reset_at.isoformat()}"
            raise RateLimited(message, reset_at=reset_at, usage_capped=capped, **details)
        raise XAPIError(message, **details)

    # --- the endpoints the product uses -----------------------------------------------

    def known_rate_limit(self, endpoint: str) -> RateLimit | None:
        """The shared budget's last known window for `endpoint` under this token, if any."""
        return self.budget.get(f"{self.budget_key}:{endpoint}") if self.budget else None

    def me(self, user_fields: Sequence[str] = (), *, max_attempts: int = 0) -> dict:
        """GET /2/users/me: the authenticating user's `data` object (id, name, username)."""
        params = {"user.fields": _csv(user_fields)} if _csv(user_fields) else None
        page = self.get("users_me", "/2/users/me", params, max_attempts=max_attempts)
        if not page.data:
            raise BadResponse("X API users_me: the answer holds no user", status=200)
        return page.data[0]

    def user_tweets(
        self,
        user_id: str,
        *,
        tweet_fields: Sequence[str] = (),
        expansions: Sequence[str] = (),
        media_fields: Sequence[str] = (),
        since_id: str | None = None,
        start_time: datetime | None = None,
        max_results: int = 100,
        pagination_token: str | None = None,
        exclude: Sequence[str] = (),
    ) -> Page:
        """GET /2/users/:id/tweets: one page of a timeline, newest first."""
        params = _fields(tweet_fields, expansions, media_fields)
        params["max_results"] = str(max_results)
        if since_id is not None:
            params["since_id"] = str(since_id)
        if start_time is not None:
            params["start_time"] = _x_time(start_time)
        if pagination_token is not None:
            params["pagination_token"] = pagination_token
        if _csv(exclude):
            params["exclude"] = _csv(exclude)
        path = f"/2/users/{quote(str(user_id), safe='')}/tweets"
        return self.get("users_tweets", path, params)

    def iter_user_tweets(self, user_id: str, **kwargs) -> Iterator[Page]:
        """Every page of a timeline, following meta.next_token until it is absent.

        Pages may be empty and still carry a next_token; they are yielded too.
        """
        token = kwargs.pop("pagination_token", None)
        seen = set()
        while True:
            page = self.user_tweets(user_id, pagination_token=token, **kwargs)
            yield page
            token = page.meta.get("next_token")
            if not token:
                return
            if token in seen:
                raise BadResponse("X API users_tweets: next_token repeats itself", status=200)
            seen.add(token)

    def tweets(
        self,
        ids: Sequence[str],
        *,
        tweet_fields: Sequence[str] = (),
        expansions: Sequence[str] = (),
        media_fields: Sequence[str] = (),
    ) -> Page:
        """GET /2/tweets?ids=: 1 to 100 Tweets; missing or refused ones come as errors."""
        if isinstance(ids, str):
            raise ValueError("ids must be a sequence of Tweet ids, not one string")
        ids = [str(i) for i in ids]
        if not 1 <= len(ids) <= MAX_LOOKUP_IDS:
            raise ValueError(f"between 1 and {MAX_LOOKUP_IDS} ids per lookup, not {len(ids)}")
        params = {"ids": ",".join(ids), **_fields(tweet_fields, expansions, media_fields)}
        return self.get("tweets_lookup", "/2/tweets", params)

    def usage(self, days: int = 7) -> Usage:
        """GET /2/usage/tweets (the app's bearer token): Posts X billed over `days` UTC
        days (1 to 90), and in the current cap period."""
        if not 1 <= days <= 90:
            raise ValueError(f"days must be between 1 and 90, not {days}")
        params = {"days": str(days), "usage.fields": ",".join(USAGE_FIELDS)}
        page = self.get("usage_tweets", "/2/usage/tweets", params)
        return parse_usage(page.data[0] if page.data else {})


# --- usage: X's own count of the Posts it billed ---------------------------------------

USAGE_FIELDS = (
    "cap_reset_day",
    "daily_client_app_usage",
    "daily_project_usage",
    "project_cap",
    "project_id",
    "project_usage",
)


@dataclass(frozen=True)
class Usage:
    """GET /2/usage/tweets: Posts X billed per UTC day, and in the current cap period."""

    daily: dict[date, int]
    project_usage: int | None = None
    project_cap: int | None = None
    cap_reset_day: int | None = None


def _usage_count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise BadResponse(f"X API usage_tweets: {value!r} is not a count"[:200], status=200)
    return int(value)


def _usage_day(value: Any) -> date:
    """`2021-01-06T18:40:40.000Z` (the spec) or `2024-01-15` (the usage pages' example)."""
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        message = f"X API usage_tweets: {value!r} is not a date"[:200]
        raise BadResponse(message, status=200) from None


def _daily(entries: Any, count) -> dict[date, int]:
    if not _objects(entries):
        raise BadResponse("X API usage_tweets: a daily usage that is not a list", status=200)
    out: dict[date, int] = {}
    for entry in entries:
        day = _usage_day(entry.get("date"))
        out[day] = out.get(day, 0) + count(entry.get("usage"))
    return out


def _per_app(apps: Any) -> int:
    """The usage pages' `[{"app_id", "tweets_consumed"}]`: summed over the apps."""
    if not _objects(apps):
        raise BadResponse("X API usage_tweets: a day's usage that is not a list", status=200)
    return sum(_usage_count(app.get("tweets_consumed", 0)) for app in apps)


def parse_usage(data: dict) -> Usage:
    """Read both shapes FACTS.md lists: the spec's `daily_project_usage` object with a
    `usage` list of {date, usage}, or the usage pages' list of {date, usage: [{app_id,
    tweets_consumed}]}; without either, the per-app lists summed."""
    project = data.get("daily_project_usage")
    if isinstance(project, dict):
        daily = _daily(project.get("usage", []), _usage_count)
    elif isinstance(project, list):
        daily = _daily(project, _per_app)
    elif project is None:
        daily = {}
        apps = data.get("daily_client_app_usage", [])
        for app in apps if _objects(apps) else []:
            for day, n in _daily(app.get("usage", []), _usage_count).items():
                daily[day] = daily.get(day, 0) + n
    else:
        raise BadResponse("X API usage_tweets: daily_project_usage of no known shape", status=200)

    def optional(name: str) -> int | None:
        return None if data.get(name) is None else _usage_count(data[name])

    return Usage(
        daily=daily,
        project_usage=optional("project_usage"),
        project_cap=optional("project_cap"),
        cap_reset_day=optional("cap_reset_day"),
    )


def _json_or_none(response: requests.Response) -> tuple[Any, bool]:
    """(parsed body, True) or (None, False) when the body is empty or not JSON."""
    if not response.content:
        return None, False
    try:
        return response.json(), True
    except ValueError:
        return None, False


def _ms_since(started: float) -> float:
    return (time.monotonic() - started) * 1000
