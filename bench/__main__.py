"""`python -m bench [--quick] [names...]`: run the benchmarks, write bench/results/latest.json
and print the table (what `make bench` does).

Each module in MODULES runs in a Django configured with DEBUG off, on its own database
(`BENCH_DATABASE_URL`, created and migrated if missing), so a benchmark may fill and empty
tables without touching anyone's data. A module that raises is reported as failed and the
others still run; the exit status is 1 if any failed, or (in a full run) if a target was
missed.
"""

import argparse
import sys
import time
import traceback
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

from bench import database

# The order they run in; each is bench/<name>.py with run(quick) -> list[Figure].
MODULES = ["ingest", "storage", "reads", "requests", "billing", "scale"]

RESULTS = Path(__file__).resolve().parent / "results"


def run_module(name: str, quick: bool) -> dict:
    """One module's figures, or the error it raised; how long it took either way."""
    start = time.perf_counter()
    try:
        figures = import_module(f"bench.{name}").run(quick)
        outcome = {"ok": True, "error": "", "figures": [f.as_dict() for f in figures]}
    except Exception:
        traceback.print_exc()
        outcome = {"ok": False, "error": traceback.format_exc(limit=3), "figures": []}
    outcome["seconds"] = round(time.perf_counter() - start, 1)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small runs the tests make")
    parser.add_argument("names", nargs="*", help=f"modules to run (default: {MODULES})")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(MODULES)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {MODULES}")

    database.configure()
    from bench import report

    started, machine = datetime.now(UTC), report.machine_facts()
    modules = {name: run_module(name, args.quick) for name in args.names or MODULES}
    results = {
        "date": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine,
        "modules": modules,
    }
    report.write(results, args.out)
    print(report.text_table(results))
    print(f"\nWritten to {args.out}")
    failed = [name for name, module in modules.items() if not module["ok"]]
    missed = [row for row in report.rows(results) if row["ok"] is False]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
    if missed and not args.quick:
        print(f"{len(missed)} target(s) missed", file=sys.stderr)
    return 1 if failed or (missed and not args.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
