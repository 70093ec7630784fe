"""The results of one bench run: the machine it ran on, the JSON it leaves, its tables.

`python -m bench.report [results.json]` renders a run (default bench/results/latest.json)
as the markdown table that docs/BENCHMARKS.md quotes, so refreshing the doc after a new
run is one command.
"""

import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

from django.db import connection

COLUMNS = ("group", "figure", "value", "baseline", "ratio", "target", "ok")
LATEST = Path(__file__).resolve().parent / "results" / "latest.json"


def machine_facts() -> dict:
    """What the figures depend on: CPUs, memory, Python, Postgres, the commit, the load."""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "memory_gb": round(int(_proc_field("/proc/meminfo", "MemTotal").split()[0]) / 2**20, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "postgres": _postgres_version(),
        # A run from an export (git archive) has no repository: BENCH_COMMIT names it.
        "commit": _git("rev-parse", "--short", "HEAD") or os.environ.get("BENCH_COMMIT", ""),
        "uncommitted_changes": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "platform": platform.platform(),
    }


def _proc_field(path: str, name: str) -> str:
    with open(path) as lines:
        for line in lines:
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    return ""


def _postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _git(*args: str) -> str:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def write(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


def rows(results: dict) -> list[dict]:
    """One row per figure, and one per module that failed."""
    out = []
    for name, module in results["modules"].items():
        if not module["ok"]:
            error = module["error"].strip().splitlines()[-1] if module["error"] else ""
            out.append(_row(name, f"FAILED: {error}", "", "", "", "", False))
        for f in module["figures"]:
            ratio = ""
            if f["baseline"] and _finite(f["value"]):
                ratio = f"{f['value'] / f['baseline']:.2f}x"
            out.append(
                _row(
                    f["group"],
                    f["name"],
                    _number(f["value"], f["unit"]),
                    _number(f["baseline"], f["unit"], f["baseline_name"]),
                    ratio,
                    f["target"],
                    f["ok"],
                )
            )
    return out


def _row(group, figure, value, baseline, ratio, target, ok) -> dict:
    return dict(zip(COLUMNS, (group, figure, value, baseline, ratio, target, ok), strict=True))


def _finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _number(value, unit: str, name: str = "") -> str:
    if value is None:
        return ""
    shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    text = f"{shown} {unit}".strip()
    return f"{text} ({name})" if name else text


def _ok(value) -> str:
    return {True: "yes", False: "NO", None: ""}[value]


def text_table(results: dict) -> str:
    table = [list(COLUMNS)] + [
        [*(str(r[c]) for c in COLUMNS[:-1]), _ok(r["ok"])] for r in rows(results)
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = [
        " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in table
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown(results: dict) -> str:
    """The run as docs/BENCHMARKS.md quotes it: the machine, then the table."""
    m = results["machine"]
    head = (
        f"Run of {results['date']}{' (--quick)' if results['quick'] else ''} at commit "
        f"`{m['commit']}`{' with uncommitted changes' if m['uncommitted_changes'] else ''}: "
        f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, load average "
        f"{' / '.join(map(str, m['load_average']))} at the start, Python {m['python']}, "
        f"PostgreSQL {m['postgres']}."
    )
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows(results):
        cells = [*(str(r[c]).replace("|", "\\|") for c in COLUMNS[:-1]), _ok(r["ok"])]
        table.append("| " + " | ".join(cells) + " |")
    return head + "\n\n" + "\n".join(table) + "\n"


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else LATEST
    print(markdown(json.loads(source.read_text())), end="")
