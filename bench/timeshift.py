"""`python -m bench.timeshift OFFSET_SECONDS MODULE [ARGS...]`: run a product process
(`celery ... worker`, `celery ... beat`) on the scale benchmark's simulated clock.

The scale run (bench/scale.py) moves the sandbox's clock OFFSET seconds away from real
time, to an instant where every generated account has 30 days of Tweets. The product's
processes must see the same instant, with no hook in the product's code. So the harness
starts them through this launcher, which, before the product is imported:

1. starts time-machine's travel to "real now + OFFSET" with `tick=True`, which replaces
   `time.time`, `time.time_ns`, `time.gmtime`, `time.localtime`, `time.strftime`,
   `datetime.now`, `datetime.utcnow` and `date.today` in this process, so they report
   real time + OFFSET, advancing at the real rate (the patch lives in the process's memory,
   so Celery's forked pool children inherit it);
2. runs MODULE as `__main__` with ARGS, as `python -m MODULE ARGS` would.

What it leaves alone, on purpose: `time.monotonic` and `time.perf_counter` (timers and
timeouts measure durations, and the clock runs at the real rate), Postgres's `now()` (the
product never asks the database for the time: claims compare `next_poll_at` with the
instant the process passes in) and Redis (its expiries are durations). Every process of a
run, and the sandbox (`offset_seconds`), share the same OFFSET, so they agree on the
instant to within the time it takes to start one.
"""

import runpy
import sys
from datetime import UTC, datetime, timedelta

import time_machine


def main() -> None:
    offset, module, *args = sys.argv[1:]
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(offset)), tick=True).start()
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
