"""What every benchmark shares: the figure it reports, and how it times things.

A benchmark module exposes `run(quick: bool) -> list[Figure]`. It runs in a configured
Django (DEBUG off) on the default database, which it may fill and empty as it likes;
`quick=True` is the small run the test suite makes so no benchmark rots (seconds, not
minutes). Every figure stands beside a bare baseline measured in the same run, so the
ratio means something on any machine.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    group: str  # "ingest", "storage", "reads", "requests", "billing", "scale"
    name: str  # what was measured, e.g. "samples/s through store()"
    value: float
    unit: str  # "samples/s", "ms", "bytes", "requests", ...
    baseline: float | None = None  # the bare baseline from the same run
    baseline_name: str = ""  # e.g. "bare COPY of the same rows"
    target: str = ""  # the target in words, e.g. ">= 0.5 x baseline"
    ok: bool | None = None  # whether the target holds (None: no target)

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def timings_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls of fn, after `warmup` unmeasured calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(values: list[float]) -> dict:
    return {
        "p50": statistics.median(values),
        "p95": percentile(values, 95),
        "max": max(values),
        "n": len(values),
    }
