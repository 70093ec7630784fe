"""`python -m bench [--quick] [names...]`: run the benchmarks, write bench/results/latest.json
and print the table (what `make bench` does).

Each module in MODULES runs in a Django configured with DEBUG off, on its own database
(`BENCH_DATABASE_URL`, created and migrated if missing), so a benchmark may fill and empty
tables without touching anyone's data. A module that raises is reported as failed and the
others still run; the exit status is 1 if any failed, or (in a full run) if a target was
missed.
"""

import argparse
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path

# The order they run in; each is bench/<name>.py with run(quick) -> list[Figure].
MODULES = []

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/metricsdash_bench"
RESULTS = Path(__file__).resolve().parent / "results"


def configure(database_url: str) -> None:
    """Django with DEBUG off on the bench database, which is created and migrated first."""
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricsdash.settings")
    # Bench-only secrets: DEBUG off refuses the demo's; nothing here leaves this machine.
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0001")
    os.environ.setdefault(
        "TOKEN_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW9uMDE="
    )
    create_database(database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def create_database(database_url: str) -> None:
    import environ
    import psycopg
    from psycopg import sql

    db = environ.Env.db_url_config(database_url)
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db["PASSWORD"]:
        server["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))


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

    configure(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    from bench import report

    started = datetime.now(UTC)
    modules = {name: run_module(name, args.quick) for name in args.names or MODULES}
    results = {
        "date": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": report.machine_facts(),
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
