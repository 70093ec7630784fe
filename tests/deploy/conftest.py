"""The deploy tests' shared setup."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

from .test_production import production_env


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """`collectstatic` with production settings, run once for the deploy tests (it costs
    seconds of CPU: the manifest's hashes and every file compressed, Chart.js included);
    the folder to give as STATIC_ROOT."""
    tmp = tmp_path_factory.mktemp("deploy-static")
    env = production_env(tmp, STATIC_ROOT=str(tmp / "static"))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    return tmp / "static"
