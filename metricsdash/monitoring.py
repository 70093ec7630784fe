"""Signs of life for the admin health page: worker heartbeats, beat ticks and the queue.

They are kept in the shared Django cache (Redis in production, files in the demo), so a
web process sees what every worker and the beat wrote. Each worker writes a heartbeat
every HEALTH_HEARTBEAT_SECONDS from a thread started when it is ready, and a "shut down"
mark when it stops cleanly; one silent for HEALTH_WORKER_STOPPED_AFTER seconds is shown as
stopped (it was killed, or its machine went away).

The Celery signals are connected where the Celery app is made (metricsdash/celery.py),
before Django's apps are loaded: this module imports no app.
"""

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import redis
from celery import signals
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

PREFIX = "health"
WORKERS_KEY = f"{PREFIX}:workers"
# Signs of life outlive any threshold we show, but not forever.
KEEP_SECONDS = 7 * 24 * 3600
# The beat-scheduled tasks whose last tick the page shows.
BEAT_TASKS = {
    "tweets.tasks.tick": "Poll tick",
    "reports.tasks.send_due_reports": "Report tick",
}


# What reading the cache or the broker raises when Redis (or the demo's files) is away.
UNREACHABLE = (redis.RedisError, OSError)


def _now() -> float:
    return time.time()


def _at(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, tz=UTC)


# --- workers -----------------------------------------------------------------------------


def _worker_key(hostname: str) -> str:
    return f"{PREFIX}:worker:{hostname}"


def record_heartbeat(hostname: str, *, stopped: bool = False) -> None:
    """Note that `hostname` is alive now (or, with stopped=True, that it shut down)."""
    now = _now()
    entry = cache.get(_worker_key(hostname)) or {"started": now}
    entry.update({"seen": now, "stopped": now if stopped else None})
    cache.set(_worker_key(hostname), entry, timeout=KEEP_SECONDS)
    known = cache.get(WORKERS_KEY) or []
    if hostname not in known:
        # Read-modify-write: a racing worker re-adds itself on its next heartbeat.
        cache.set(WORKERS_KEY, sorted({*known, hostname}), timeout=KEEP_SECONDS)


def record_task_done(hostname: str) -> None:
    """Note that `hostname` finished a task now (a worker can be alive but idle or stuck)."""
    key = _worker_key(hostname)
    entry = cache.get(key) or {"started": _now(), "seen": _now(), "stopped": None}
    entry["last_task"] = _now()
    cache.set(key, entry, timeout=KEEP_SECONDS)


@dataclass(frozen=True)
class WorkerStatus:
    hostname: str
    state: str  # "running", "stopped" (silent too long) or "shut down" (stopped cleanly)
    last_seen: datetime
    started: datetime | None
    last_task: datetime | None
    silent_for: float  # seconds

    @property
    def running(self) -> bool:
        return self.state == "running"


def workers() -> list[WorkerStatus]:
    """Every worker that gave a sign of life in the last week, running ones first."""
    hostnames = cache.get(WORKERS_KEY) or []
    entries = cache.get_many([_worker_key(h) for h in hostnames])
    now = _now()
    out = []
    for hostname in hostnames:
        entry = entries.get(_worker_key(hostname))
        if not entry:
            continue
        silent = max(0.0, now - entry["seen"])
        if entry.get("stopped"):
            state = "shut down"
        elif silent > settings.HEALTH_WORKER_STOPPED_AFTER:
            state = "stopped"
        else:
            state = "running"
        out.append(
            WorkerStatus(
                hostname=hostname,
                state=state,
                last_seen=_at(entry["seen"]),
                started=_at(entry.get("started")),
                last_task=_at(entry.get("last_task")),
                silent_for=silent,
            )
        )
    return sorted(out, key=lambda w: (not w.running, w.hostname))


class _Heartbeat:
    """The thread that keeps one worker's heartbeat fresh until the worker shuts down."""

    def __init__(self):
        self.hostname = None
        self.stop = threading.Event()
        self.thread = None

    def start(self, hostname: str) -> None:
        self.hostname = hostname
        self.stop.clear()
        record_heartbeat(hostname)
        self.thread = threading.Thread(target=self._run, name="health-heartbeat", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(settings.HEALTH_HEARTBEAT_SECONDS):
            try:
                record_heartbeat(self.hostname)
            except Exception:  # the cache may be down for a moment; try again next time
                logger.warning("Could not record the heartbeat of %s", self.hostname)

    def shut_down(self) -> None:
        if self.hostname is None:
            return
        self.stop.set()
        record_heartbeat(self.hostname, stopped=True)


_heartbeat = _Heartbeat()


def _on_worker_ready(sender=None, **kwargs):
    _heartbeat.start(sender.hostname)


def _on_worker_shutdown(sender=None, **kwargs):
    _heartbeat.shut_down()


def _on_task_postrun(sender=None, task=None, **kwargs):
    hostname = getattr(getattr(task, "request", None), "hostname", None)
    if hostname and not task.request.is_eager:
        record_task_done(hostname)


# --- beat --------------------------------------------------------------------------------


def _beat_key(task_name: str) -> str:
    return f"{PREFIX}:beat:{task_name}"


def record_beat(task_name: str) -> None:
    cache.set(_beat_key(task_name), _now(), timeout=KEEP_SECONDS)


def _on_before_task_publish(sender=None, **kwargs):
    # `sender` is the task name; only beat publishes these two.
    if sender in BEAT_TASKS:
        record_beat(sender)


def beat_ticks() -> list[tuple[str, datetime | None]]:
    """(label, when beat last sent it) for each beat-scheduled task."""
    found = cache.get_many([_beat_key(name) for name in BEAT_TASKS])
    return [(label, _at(found.get(_beat_key(name)))) for name, label in BEAT_TASKS.items()]


def connect_signals() -> None:
    """Hook the worker and beat signals (called where the Celery app is made, in every process)."""
    signals.worker_ready.connect(_on_worker_ready, dispatch_uid="health-worker-ready")
    signals.worker_shutdown.connect(_on_worker_shutdown, dispatch_uid="health-worker-shutdown")
    signals.task_postrun.connect(_on_task_postrun, dispatch_uid="health-task-postrun")
    signals.before_task_publish.connect(_on_before_task_publish, dispatch_uid="health-beat")


# --- the queue ---------------------------------------------------------------------------


def queue_length(queue: str = "celery") -> int | None:
    """Messages waiting in the broker's queue; None for a broker other than Redis. Raises
    one of UNREACHABLE when Redis cannot be reached."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    # kombu keeps priorities 3, 6 and 9 in sibling lists of the queue's own.
    names = [queue, *(f"{queue}\x06\x16{priority}" for priority in (3, 6, 9))]
    return sum(client.llen(name) for name in names)


# --- what is down --------------------------------------------------------------------------


def _cause(exc: BaseException) -> str:
    """The system's reason ("Connection refused") under a Redis or file error, if any."""
    seen = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.strerror:
            return seen.strerror
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def outage(what: str, url: str, exc: BaseException) -> str:
    """One sentence for the health page: what cannot be reached, why and where, with no
    password (the URL's user and password never appear; only its host and port)."""
    where = urlsplit(url)
    reason = _cause(exc)
    for secret in (where.username, where.password):
        if secret:
            reason = reason.replace(secret, "***")
    place = f" at {where.hostname}:{where.port or 6379}" if where.hostname else ""
    return f"{what} cannot be reached: {reason}{place}"
