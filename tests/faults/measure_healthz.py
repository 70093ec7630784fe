"""Measure /healthz with the broker down, over real HTTP (not a test: it prints figures
for docs/RELIABILITY.md; timings belong in a measurement, not in an assertion).

    DATABASE_URL=postgres://... .venv/bin/python -m tests.faults.measure_healthz [N]

Starts gunicorn (one sync worker) with CELERY_BROKER_URL on a port nothing listens on,
sends N requests one after another and prints the first, the median and the slowest.
"""

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(count: int = 50) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        "DEBUG": "true",
        "LOG_LEVEL": "ERROR",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "metricsdash.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    http = requests.Session()
    try:
        _wait_until_up(http, f"http://127.0.0.1:{port}/robots.txt")  # not /healthz: keep it cold
        timings, statuses = [], set()
        for _ in range(count):
            started = time.perf_counter()
            statuses.add(http.get(url, timeout=10).status_code)
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"/healthz, broker down, {count} requests: statuses {sorted(statuses)};"
        f" first {timings[0]:.1f} ms, median {statistics.median(timings):.1f} ms,"
        f" slowest after the first {max(timings[1:]):.1f} ms, slowest {max(timings):.1f} ms"
    )


def _wait_until_up(http, url) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
