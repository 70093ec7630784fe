"""Every benchmark in bench/__main__.py's MODULES runs quickly on the test database, so
none rots: each returns Figures with finite values and, where it names a baseline, a
finite, positive one measured beside it. The targets are machine-dependent: `make bench`
checks them, never the tests. And the harness reports a module that raises as failed."""

import math
from importlib import import_module

import pytest

from bench import report
from bench.__main__ import MODULES, run_module
from bench.core import Figure


def test_every_module_is_listed_once_and_exists():
    assert "scale" in MODULES
    assert len(set(MODULES)) == len(MODULES)
    for name in MODULES:
        assert callable(import_module(f"bench.{name}").run)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", MODULES)
def test_a_quick_run_reports_finite_figures_beside_their_baselines(name):
    figures = import_module(f"bench.{name}").run(quick=True)

    assert figures
    for figure in figures:
        print(f"{figure.group} | {figure.name}: {figure.value:.4g} {figure.unit}", end="")
        print(f" (baseline {figure.baseline:.4g})" if figure.baseline is not None else "")
        assert isinstance(figure, Figure)
        assert math.isfinite(figure.value), figure
        if figure.baseline_name:
            assert figure.baseline is not None and math.isfinite(figure.baseline), figure
            assert figure.baseline > 0, figure
    assert len({f.name for f in figures}) == len(figures), "two figures share a name"


def test_a_module_that_raises_is_reported_failed_and_the_others_still_count():
    results = {
        "modules": {
            "missing": run_module("no_such_benchmark", quick=True),
            "ok": {
                "ok": True,
                "error": "",
                "figures": [Figure("ingest", "rows/s", 500.0, "rows/s", 1000.0, "COPY").as_dict()],
            },
        }
    }
    assert results["modules"]["missing"]["ok"] is False
    assert "ModuleNotFoundError" in results["modules"]["missing"]["error"]

    rows = report.rows(results)
    assert rows[0]["figure"].startswith("FAILED: ModuleNotFoundError")
    assert rows[0]["ok"] is False
    assert rows[1]["ratio"] == "0.50x"
    assert "FAILED" in report.text_table(results)
