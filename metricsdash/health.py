"""/healthz: whether this process reaches the database and the broker (for load balancers,
compose healthchecks and monitoring). No login; it reveals nothing but "ok"/"error".

Served by a middleware ahead of every other, so it answers whatever Host header the
checker sends and over plain http (no ALLOWED_HOSTS refusal, no HTTPS redirect).

The broker's state is remembered for BROKER_STATE_SECONDS in this process's memory, so
a burst of requests opens one broker connection, not one each, and answers fast when the
broker is down. Process memory is the right place: the answer is about what this process
reaches, and it cannot live in Redis, the very thing it checks.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .celery import app

logger = logging.getLogger(__name__)

# How long one probe of the broker stands for this process.
BROKER_STATE_SECONDS = 5.0
# A down broker must not hold a request for long: one attempt, then give up.
BROKER_TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        logger.exception("healthz: database unreachable")
        return "error"


def _probe_broker(url: str) -> str:
    try:
        with app.connection_for_write(url) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)
        return "ok"
    except Exception as exc:
        # The exception's text names host and port only; the URL (and its password) stays out.
        logger.warning("healthz: broker unreachable: %s", exc)
        return "error"


class BrokerState:
    """The broker's last probed state per broker URL, kept for BROKER_STATE_SECONDS."""

    def __init__(self):
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str, float]] = {}

    def get(self, url: str) -> str:
        """The broker's state, probing it only when the last probe is too old."""
        # One thread probes while the others wait for its answer rather than probe too.
        with self._lock:
            state, expires = self._known.get(url, ("", 0.0))
            if time.monotonic() >= expires:
                state = _probe_broker(url)
                self._known[url] = (state, time.monotonic() + BROKER_STATE_SECONDS)
            return state

    def forget(self) -> None:
        """Probe again on the next request (the tests start each from nothing known)."""
        with self._lock:
            self._known.clear()


broker_state = BrokerState()


def _broker() -> str:
    return broker_state.get(settings.CELERY_BROKER_URL)


@never_cache
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)
