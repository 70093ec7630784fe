"""The test databases, migrated once: every pytest process (each xdist worker) copies a
template database instead of running every migration itself.

On Postgres, the first process to need it migrates `test_<name>_tpl_<hash>`, under a file
lock the other workers wait on; each process then takes `CREATE DATABASE ... TEMPLATE` of
it (a file copy, well under a second, where the migrations take seconds of CPU each). The
hash covers every migration file of every installed app and Django's version, so a changed
or new migration builds a new template. `--reuse-db` (the default in pyproject.toml) keeps
a process's database when it was copied from the current template (its COMMENT names it);
`--create-db` builds the template again, once per run. Other databases (SQLite) and
`--nomigrations` go through pytest-django's own set-up.
"""

import contextlib
import fcntl
import hashlib
import tempfile
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.test import TransactionTestCase
from django.test.utils import setup_databases, teardown_databases
from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup


def migrations_hash() -> str:
    """A digest of every migration file of every installed app, and Django's version."""
    digest = hashlib.sha256(django.__version__.encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else ():
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _comment(cursor, name: str) -> str | None:
    cursor.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _build_template(connection, template: str, verbosity: int) -> None:
    """Migrate a new database named `template` (Django's own test database creation),
    then leave it with no session, as CREATE DATABASE ... TEMPLATE requires."""
    test_settings = connection.settings_dict["TEST"]
    saved = (connection.settings_dict["NAME"], test_settings.get("NAME"))
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(
            verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False
        )
    finally:
        connection.close()
        connection.settings_dict["NAME"], test_settings["NAME"] = saved
        settings.DATABASES[connection.alias]["NAME"] = saved[0]


def _template_setup(request, keepdb: bool, createdb: bool, serialized: bool):
    """Give this process its own copy of the template; return what teardown needs."""
    connection = connections["default"]
    verbosity = request.config.option.verbose
    original = connection.settings_dict["NAME"]
    own = connection.creation._get_test_db_name()  # test_<name>, with xdist's suffix
    template = f"test_{original}_tpl_{migrations_hash()}"[:63]
    quote = connection.ops.quote_name

    lock_path = Path(tempfile.gettempdir()) / f"metricsdash-{template}.lock"
    # One rebuild per run for --create-db, whichever worker comes first.
    run_id = getattr(request.config, "workerinput", {}).get("testrunuid", "")
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        rebuilt_this_run = bool(run_id) and lock.read().strip() == run_id
        with connection._nodb_cursor() as cursor:
            stale = createdb and not rebuilt_this_run
            if stale and _exists(cursor, template):
                cursor.execute(f"DROP DATABASE {quote(template)} WITH (FORCE)")
            if not _exists(cursor, template):
                # Templates of other migrations, from this same database name, go.
                cursor.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                    [f"test_{original}_tpl_%", template],
                )
                for (old,) in cursor.fetchall():
                    with contextlib.suppress(DatabaseError):  # another run copying it
                        cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
                _build_template(connection, template, verbosity)
                lock.seek(0)
                lock.truncate()
                lock.write(run_id)
                lock.flush()
        fcntl.flock(lock, fcntl.LOCK_UN)

    with connection._nodb_cursor() as cursor:
        reuse = keepdb and not createdb and _comment(cursor, own) == template
        if not reuse:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(own)} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {quote(own)} TEMPLATE {quote(template)}")
            cursor.execute(f"COMMENT ON DATABASE {quote(own)} IS %s", [template])
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = own
    connection.settings_dict["NAME"] = own
    connection.ensure_connection()
    if serialized:
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    return connection, original, verbosity


# What post_migrate fills (content types, permissions): kept by the flush below instead of
# emptied and filled again, which is what Django's flush does after every transactional test.
KEPT = frozenset({"django_content_type", "auth_permission"})
# A table with more rows than this is left to Django's flush (TRUNCATE).
DELETE_AT_MOST = 20_000


def _flush_used_tables(original):
    """TransactionTestCase's teardown, on Postgres: DELETE the rows of the tables the test
    wrote to, in one transaction (the foreign keys are deferred), instead of Django's flush,
    a TRUNCATE of every table (each a new file, fsynced) and then post_migrate building every
    content type and permission again: 1.5 s a test on the loaded machine, 0.6 s of it CPU.
    The tables end as the flush leaves them: empty, but for the content types and
    permissions, which the flush would build again the same."""

    def teardown(self):
        connection = connections["default"]
        if (
            self.available_apps is not None
            or self.serialized_rollback
            or set(self._databases_names(include_mirrors=False)) != {"default"}
            or connection.vendor != "postgresql"
        ):
            return original(self)
        quote = connection.ops.quote_name
        names = connection.introspection.django_table_names(only_existing=True)
        tables = sorted(set(names) - KEPT)
        probe = " UNION ALL ".join(
            f"SELECT %s, (SELECT count(*) FROM (SELECT 1 FROM {quote(t)} LIMIT %s) AS rows)"
            for t in tables
        )
        with connection.cursor() as cursor:
            cursor.execute(probe, [v for t in tables for v in (t, DELETE_AT_MOST + 1)])
            used = {table: count for table, count in cursor.fetchall() if count}
        if any(count > DELETE_AT_MOST for count in used.values()):
            return original(self)
        with transaction.atomic(using="default"), connection.cursor() as cursor:
            for table in sorted(used):
                cursor.execute(f"DELETE FROM {quote(table)}")

    return teardown


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's django_db_setup, with the Postgres database copied from a template."""
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    copied = (
        django_db_use_migrations
        and aliases == {"default"}
        and connections["default"].vendor == "postgresql"
    )
    if not copied:
        if not django_db_use_migrations:
            _disable_migrations()
        keep = {"keepdb": True} if django_db_keepdb and not django_db_createdb else {}
        with django_db_blocker.unblock():
            db_cfg = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                **keep,
            )
        yield
        if not django_db_keepdb:
            with django_db_blocker.unblock():
                teardown_databases(db_cfg, verbosity=request.config.option.verbose)
        return

    with django_db_blocker.unblock():
        connection, original, verbosity = _template_setup(
            request, django_db_keepdb, django_db_createdb, "default" in serialized_aliases
        )
    with pytest.MonkeyPatch.context() as patch:
        flush = TransactionTestCase._fixture_teardown
        patch.setattr(TransactionTestCase, "_fixture_teardown", _flush_used_tables(flush))
        yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            connection.creation.destroy_test_db(original, verbosity)
