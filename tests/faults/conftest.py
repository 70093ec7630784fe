"""A throwaway Postgres cluster of the test's own, to stop and start under the product."""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.conftest import database_url, free_port

# Debian's server binaries (initdb, pg_ctl); the newest version installed.
BIN = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
# The rows `migrate` writes besides the schema: the migrations applied, content types and
# permissions.
MIGRATION_TABLES = ("django_migrations", "django_content_type", "auth_permission")


class PostgresCluster:
    """initdb'd in a temporary directory, listening on loopback on a port of its own.
    initdb refuses to run as root, so as root it runs as the `postgres` user."""

    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="md-faults-pg-"))
        self.data = self.directory / "data"
        self.as_root = os.getuid() == 0
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)

    def _run(self, program: str, *args: str) -> None:
        command = [str(BIN / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        """An empty database with the product migrated into it; its URL. The schema and
        the migrations' own rows are copied from the test database, which pytest-django
        migrated: what `manage.py migrate` would make, without its seconds of CPU."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        source = database_url()
        dump = [str(BIN / "pg_dump"), "--no-owner", "--no-privileges", source]
        schema = subprocess.run(
            [*dump, "--schema-only"], check=True, capture_output=True, timeout=60
        ).stdout
        rows = [f"--table={table}" for table in MIGRATION_TABLES]
        data = subprocess.run(
            [*dump, "--data-only", *rows], check=True, capture_output=True, timeout=60
        ).stdout
        subprocess.run(
            [str(BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=schema + data,
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self.url(name)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            # Its files go next: no need for a clean shutdown (a checkpoint) first.
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def postgres_cluster():
    """A running PostgresCluster, removed with its files when the test ends."""
    cluster = PostgresCluster()
    cluster.init()
    cluster.start()
    yield cluster
    cluster.remove()
