"""The scale run (DESIGN section 8): N sandbox accounts with about T live Tweets each,
polled on schedule by K Celery worker processes on Redis and Postgres, on a simulated clock.

`make bench` runs it at the target's size with one window (1,000 accounts of about 300 live
Tweets, K = 2, six simulated minutes); `python -m bench.scale --accounts 1000 --tweets 300
--workers 4,2,1 --hours H` the full one, one window per K. What it does:

1. A sandbox in this process generates the N accounts (`World(generated_users=N)`); its
   clock runs at the real rate, offset to START, two days after its world's epoch, so every
   account has 30 days of Tweets.
2. N XAccounts, each holding an OAuth 1.0a token the harness registers in the sandbox
   through its control path (`POST /__sandbox__/oauth1/tokens`), all due at START.
3. One `celery beat` and K `celery worker --concurrency=1` processes, each started through
   bench.timeshift with the sandbox's offset, so the product reads the same simulated
   instant with no hook in its code. The first polls (each account's 30 days, then its
   daily sweep) are the warm-up, run with the largest K, and timed.
4. For each K (the first keeps the warm-up's workers): start K workers, let them settle,
   then measure a window.

A poll's slot is the instant its account became due: the previous poll's start plus the
discovery interval (`record_poll(next_poll_at=now + interval)`). Lateness is a poll's start
minus its slot: the wait for a worker (beat claims what falls due before its next tick and
sends each poll with its slot as ETA).
Requests are the sandbox's own counts; billed reads are the Tweets read in the window that
no poll had read earlier the same UTC day (X bills each Tweet once per UTC day). CPU is
read from /proc for every process of each worker's session (the pool's child included),
and from getrusage for this process (the sandbox, mostly).
"""

import argparse
import contextlib
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.core import Figure, percentile
from bench.xsandbox import issued_account

ROOT = Path(__file__).resolve().parents[1]
EPOCH = datetime(2026, 11, 1, 12, tzinfo=UTC)
START = EPOCH + timedelta(days=2)
OWNER = "scale-agency"
LATENESS_TARGET = 60.0  # seconds, p95 (DESIGN section 8)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Plan:
    accounts: int
    tweets: int  # live Tweets per account (per 30 days)
    workers: tuple[int, ...]  # K for each measured window
    window: timedelta
    settle: timedelta
    tick_seconds: int
    schedule: str = ""  # POLL_SCHEDULE for the workers; empty: the product's default
    warmup_timeout: timedelta = timedelta(hours=3)


# Ticks every 8 s: a tick expires POLL_TICK_SECONDS - 5 s after beat sends it (at least 1 s),
# and on a loaded machine beat itself can take more than a second to send one (at 5 s, every
# tick was discarded as expired). The window must hold a slot (a poll's start + 5 s) and
# the tick that starts its poll: 11 s holds them only when no tick is late or discarded,
# and on a machine twice as slow, under the test suite's three processes, one window held
# two slots and no poll of theirs (lateness NaN, 2 December); 27 s holds them across two
# lost ticks. The run is cheap because its accounts are: two of about ten Tweets each.
QUICK = Plan(
    accounts=2,
    tweets=10,
    workers=(1,),
    window=timedelta(seconds=27),
    settle=timedelta(seconds=1),
    tick_seconds=8,
    schedule="6h:5s,7d:10s,30d:20s",
    warmup_timeout=timedelta(seconds=60),
)
# What `make bench` runs: the target's size (1,000 accounts x 300 live Tweets) with K = 2,
# one 6-minute window; `python -m bench.scale` the rest (K = 1 and 4, longer windows).
SHORT = Plan(
    accounts=1000,
    tweets=300,
    workers=(2,),
    window=timedelta(minutes=6),
    settle=timedelta(minutes=1),
    tick_seconds=60,
)


def run(quick: bool) -> list[Figure]:
    """The shortened scale run for `make bench`; with quick, two accounts for seconds."""
    return ScaleRun(QUICK if quick else SHORT).run()


class Process:
    """A product process launched through bench.timeshift, in a session of its own."""

    def __init__(self, offset: float, args: list[str], env: dict, log: Path):
        self._out = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.log = log
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "bench.timeshift", str(offset), "celery", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def cpu_seconds(self) -> float:
        """User + system CPU of every live process in this session (the pool's children)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rpartition(")")[2].split()
                if int(fields[3]) == self.popen.pid:  # the session id
                    total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def stop(self) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL for whatever is left of the session."""
        if self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._out.close()


class ScaleRun:
    def __init__(self, plan: Plan):
        from django.conf import settings

        from tweets.schedule import Schedule

        self.plan = plan
        self.settings = settings
        self.interval = (
            _bands(plan.schedule)[0][1]
            if plan.schedule
            else Schedule.from_settings().discovery_interval
        )
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        self.figures: list[Figure] = []
        self.processes: list[Process] = []

    def run(self) -> list[Figure]:
        from sandbox.config import SandboxConfig
        from sandbox.server import RunningSandbox

        config = SandboxConfig.from_settings(
            state_path=str(self.tmp / "sandbox.sqlite3"),
            epoch=EPOCH.isoformat(),
            generated_users=self.plan.accounts,
            live_tweets=self.plan.tweets,
        )
        self.sandbox = RunningSandbox(config)
        print(f"  scale run: {self.plan}, logs in {self.tmp}", flush=True)
        self.http = requests.Session()
        try:
            self.offset = (START - datetime.now(UTC)).total_seconds()
            self.control("POST", "clock", {"offset_seconds": self.offset})
            self.empty_the_product()
            self.link_accounts()
            self.start("beat", ["beat", "-s", str(self.tmp / "beat")])
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            workers = self.start_workers(max(self.plan.workers))
            self.tick_now()
            self.warm_up(cpu)
            self.spread_last_polls()
            for k in self.plan.workers:
                if len(workers) != k:
                    self.stop(workers)
                    workers = self.start_workers(k)
                self.wait(self.plan.settle)
                self.measure(k, workers)
        finally:
            self.stop(self.processes)
            self.sandbox.stop()
        shutil.rmtree(self.tmp)
        return self.figures

    # The world, the accounts and the processes

    def now(self) -> datetime:
        """The simulated instant: the product's processes and the sandbox agree on it."""
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def control(self, method: str, path: str, json=None) -> dict:
        url = f"{self.sandbox.url}/__sandbox__/{path}"
        response = self.http.request(method, url, json=json, timeout=30)
        response.raise_for_status()
        return response.json()

    def empty_the_product(self) -> None:
        """No account, Tweet or poll of an earlier run; no queued task or rate budget."""
        from django.core.cache import cache
        from django.db import connection

        from metricsdash.celery import app
        from xapi.client import CacheRateBudget

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_xaccount CASCADE")
        app.control.purge()
        if self.settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
            client = cache._cache.get_client()
            keys = list(client.scan_iter(match=f"*:{CacheRateBudget().prefix}:*"))
            if keys:
                client.delete(*keys)

    def link_accounts(self) -> None:
        """One XAccount per generated user, holding a token the sandbox really issued."""
        from django.contrib.auth import get_user_model

        from accounts.models import XAccount

        owner, _ = get_user_model().objects.get_or_create(username=OWNER)
        start = self.now()
        accounts = []
        for user in self.sandbox.sandbox.world.users[5:]:
            accounts.append(issued_account(self.control, user, owner, start))
        XAccount.objects.bulk_create(accounts)

    def worker_env(self) -> dict:
        s = self.settings
        config = self.sandbox.sandbox.config
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
            "REDIS_URL": s.REDIS_URL,
            "X_API_URL": self.sandbox.url,
            "X_WEB_URL": self.sandbox.url,
            "X_CONSUMER_KEY": config.consumer_key,
            "X_CONSUMER_SECRET": config.consumer_secret,
            "POLL_TICK_SECONDS": str(self.plan.tick_seconds),
        }
        if self.plan.schedule:
            env["POLL_SCHEDULE"] = self.plan.schedule
        return env

    def start(self, name: str, args: list[str]) -> Process:
        command = ["-A", "metricsdash", *args, "--loglevel=INFO"]
        process = Process(self.offset, command, self.worker_env(), self.tmp / f"{name}.log")
        self.processes.append(process)
        return process

    def start_workers(self, k: int) -> list[Process]:
        """K workers, returned once every one of them answers a ping (they take seconds
        to start on a busy machine, and a window must not time their start)."""
        from metricsdash.celery import app

        names = {f"scale{k}-{i}@{socket.gethostname()}" for i in range(k)}
        workers = [
            self.start(
                f"worker-{k}-{i}",
                ["worker", "--concurrency=1", "-n", f"scale{k}-{i}@%h", "--without-mingle"],
            )
            for i in range(k)
        ]
        deadline = time.monotonic() + 180
        while not names <= {name for reply in app.control.ping(timeout=1) for name in reply}:
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers {sorted(names)} did not answer within 180 s")
        return workers

    def tick_now(self) -> None:
        """One tick sent at once, the task beat sends: the first polls start as soon as
        the workers answer, not when beat's first tick comes, a whole tick interval after
        it started (a wait the warm-up would only add to the run's length)."""
        from metricsdash.celery import app

        app.send_task(self.settings.CELERY_BEAT_SCHEDULE["poll-tick"]["task"])

    def stop(self, processes: list[Process]) -> None:
        for process in processes:
            process.stop()
        self.processes = [p for p in self.processes if p not in processes]

    def wait(self, span: timedelta) -> None:
        """Let the processes work for a span of (simulated = real) time."""
        deadline = time.monotonic() + span.total_seconds()
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 5))

    # Measuring

    def warm_up(self, cpu) -> None:
        """Every account's first poll; how long all of them took."""
        from django.db.models import Max, Min

        from tweets.models import PollRun, Tweet, TweetSample

        deadline = time.monotonic() + self.plan.warmup_timeout.total_seconds()
        polled = 0
        while polled < self.plan.accounts:
            if time.monotonic() > deadline:
                raise RuntimeError(f"warm-up: {polled} of {self.plan.accounts} accounts polled")
            time.sleep(0.5)
            polled = (
                PollRun.objects.filter(kind=PollRun.Kind.POLL, outcome=PollRun.Outcome.OK)
                .values("account")
                .distinct()
                .count()
            )
        # From the first tick's first poll to the last one's end (not the wait for the tick).
        span = PollRun.objects.aggregate(first=Min("started_at"), last=Max("finished_at"))
        took = (span["last"] - span["first"]).total_seconds()
        n, k = self.plan.accounts, max(self.plan.workers)
        live = Tweet.objects.filter(created_at__gte=self.now() - timedelta(days=30)).count()
        self.add(f"{n} accounts: live Tweets per account", live / n, "Tweets")
        self.add(
            f"{n} accounts: first poll of every account (30 days each), K={k}", took / 60, "min"
        )
        self.add(
            f"{n} accounts: samples written by the first polls",
            TweetSample.objects.count(),
            "samples",
        )
        sandbox_cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - _cpu(cpu)
        self.add(f"{n} accounts: sandbox CPU for the first polls", sandbox_cpu, "s")

    def spread_last_polls(self) -> None:
        """Move each Tweet's last poll back by a uniform share of its band's interval, as
        in an installation polling for days: the first polls read every Tweet at once, so
        otherwise every account's hourly Tweets fall due together at +1 h, and the rest
        at +6 h, and a window would see either a lull or a storm."""
        from django.db import connection

        from tweets.models import Tweet

        bands = _bands(self.plan.schedule) if self.plan.schedule else self.settings.POLL_SCHEDULE
        cases = " ".join("WHEN %s - created_at < %s THEN %s" for _ in bands)
        params = [value for limit, every in bands for value in (self.now(), limit, every)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Tweet._meta.db_table} SET last_polled_at = last_polled_at"
                f" - random() * (CASE {cases} ELSE interval '0 seconds' END)"
                " WHERE last_polled_at IS NOT NULL",
                params,
            )

    def measure(self, k: int, workers: list[Process]) -> None:
        from django.db import connection

        from tweets.models import PollRun, Tweet

        n = self.plan.accounts
        day_start = self.now().replace(hour=0, minute=0, second=0, microsecond=0)
        read_today = set(
            Tweet.objects.filter(last_polled_at__gte=day_start).values_list("id", flat=True)
        )
        self.control("DELETE", "requests")
        cpu_before = sum(w.cpu_seconds() for w in workers)
        sandbox_before = _cpu(resource.getrusage(resource.RUSAGE_SELF))
        size_before = _database_size(connection)
        t0 = self.now()
        self.wait(self.plan.window)
        t1 = self.now()
        worker_cpu = sum(w.cpu_seconds() for w in workers) - cpu_before
        sandbox_cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - sandbox_before
        growth = _database_size(connection) - size_before
        counts = self.control("GET", "requests")["counts"]
        api_requests = sum(c["count"] for c in counts if c["endpoint"] != "private_fields_refused")
        read = Tweet.objects.filter(last_polled_at__gte=t0, last_polled_at__lt=t1)
        billed = len(set(read.values_list("id", flat=True)) - read_today)

        runs = PollRun.objects.filter(
            kind=PollRun.Kind.POLL, started_at__gte=t0 - 3 * self.interval, started_at__lt=t1
        ).order_by("account", "started_at")
        slots = self.slots(runs.values_list("account", "started_at", "outcome"), t0, t1)
        in_window = runs.filter(started_at__gte=t0)
        done = in_window.count()
        finished = in_window.exclude(outcome=PollRun.Outcome.RUNNING)
        failed = finished.exclude(outcome=PollRun.Outcome.OK).count()
        tweets_read = sum(in_window.values_list("tweets_sampled", flat=True))
        samples = sum(in_window.values_list("samples_written", flat=True))
        per_hour = timedelta(hours=1) / (t1 - t0)
        late = slots["lateness"] or [math.nan]
        name = f"{n} accounts, K={k}"
        tick = float(self.plan.tick_seconds)

        self.add(
            f"{name}: polls done per hour",
            done * per_hour,
            "polls",
            slots["due"] * per_hour,
            "polls due by the schedule",
            ">= 95 % of due",
            done >= slots["due"] * 0.95,
        )
        self.add(
            f"{name}: polls due but not started by the window's end",
            slots["missed"],
            "polls",
            n * tick / self.interval.total_seconds(),
            "due within the last tick",
        )
        self.add(
            f"{name}: failed or rate-limited polls", failed, "polls", target="0", ok=failed == 0
        )
        for label, value in (
            ("p50", percentile(late, 50)),
            ("p95", percentile(late, 95)),
            ("max", max(late)),
        ):
            target = f"< {LATENESS_TARGET:.0f} s" if label == "p95" else ""
            ok = value < LATENESS_TARGET if label == "p95" else None
            self.add(
                f"{name}: lateness behind the slot, {label}",
                value,
                "s",
                tick,
                "beat's tick interval",
                target,
                ok,
            )
        self.add(
            f"{name}: API requests per hour",
            api_requests * per_hour,
            "requests",
            done * per_hour,
            "polls per hour",
        )
        self.add(f"{name}: Tweet reads per hour", tweets_read * per_hour, "Tweets")
        self.add(
            f"{name}: billed reads per hour (once per Tweet per UTC day)",
            billed * per_hour,
            "Tweets",
            tweets_read * per_hour,
            "Tweet reads per hour",
        )
        self.add(
            f"{name}: worker CPU per poll", worker_cpu / done * 1000 if done else math.nan, "ms"
        )
        self.add(
            f"{name}: worker CPU busy",
            worker_cpu / (t1 - t0).total_seconds() / k * 100,
            "% of K processes",
        )
        self.add(
            f"{name}: sandbox CPU per poll (X's side, same machine)",
            sandbox_cpu / done * 1000 if done else math.nan,
            "ms",
        )
        self.add(
            f"{name}: database growth per day",
            growth * timedelta(days=1) / (t1 - t0) / 2**20,
            "MiB",
        )
        # The growth above includes the dead versions of the Tweets whose poll times each
        # poll updates (reclaimed by autovacuum for reuse); the samples are what stays.
        self.add(f"{name}: samples written per day", samples * per_hour * 24, "samples")

    def slots(self, runs, t0: datetime, t1: datetime) -> dict:
        """The slots falling in [t0, t1): how late each poll started, and the ones missed."""
        by_account = defaultdict(list)
        for account, started, outcome in runs:
            by_account[account].append((started, outcome))
        lateness, due, missed = [], 0, 0
        for polls in by_account.values():
            for (previous, outcome), (started, _) in zip(
                polls, [*polls[1:], (None, "")], strict=True
            ):
                slot = previous + self.interval
                if outcome != "ok" or not t0 <= slot < t1:
                    continue
                due += 1
                if started is None:
                    missed += 1
                else:
                    lateness.append((started - slot).total_seconds())
        return {"lateness": lateness, "due": due, "missed": missed}

    def add(self, name, value, unit, baseline=None, baseline_name="", target="", ok=None):
        self.figures.append(
            Figure("scale", name, float(value), unit, baseline, baseline_name, target, ok)
        )
        print(f"  {name}: {value:,.2f} {unit}", flush=True)


def _bands(schedule: str) -> list[tuple[timedelta, timedelta]]:
    """POLL_SCHEDULE's "age:interval" pairs, as metricsdash/settings.py reads them."""
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}

    def duration(text: str) -> timedelta:
        return timedelta(**{units[text[-1]]: int(text[:-1])})

    return [tuple(map(duration, pair.split(":"))) for pair in schedule.split(",")]


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def _database_size(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--accounts", type=int, default=SHORT.accounts)
    parser.add_argument("--tweets", type=int, default=SHORT.tweets, help="live Tweets per account")
    parser.add_argument("--workers", default="2", help="K for each window, e.g. 4,2,1")
    parser.add_argument("--hours", type=float, default=0.1, help="simulated hours per window")
    parser.add_argument("--tick", type=int, default=60, help="POLL_TICK_SECONDS for beat")
    parser.add_argument("--settle", type=float, default=2, help="minutes before each window")
    args = parser.parse_args()
    # A SIGTERM (timeout, Ctrl-C's cousin) still stops the processes this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from bench import database, report

    database.configure()
    plan = Plan(
        accounts=args.accounts,
        tweets=args.tweets,
        workers=tuple(int(k) for k in args.workers.split(",")),
        window=timedelta(hours=args.hours),
        settle=timedelta(minutes=args.settle),
        tick_seconds=args.tick,
    )
    started, machine = datetime.now(UTC), report.machine_facts()
    figures = ScaleRun(plan).run()
    results = {
        "date": started.isoformat(timespec="seconds"),
        "quick": False,
        "machine": machine,
        "command": " ".join(sys.argv),
        "modules": {"scale": {"ok": True, "error": "", "figures": [f.as_dict() for f in figures]}},
    }
    out = report.LATEST.with_name(f"scale-{args.accounts}-{started:%Y%m%dT%H%M}.json")
    report.write(results, out)
    print(report.text_table(results))
    print(f"\nWritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
