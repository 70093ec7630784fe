"""The benchmarks' own Django: DEBUG off, on a database of their own that is created and
migrated if missing (a benchmark fills and empties tables, so never anyone's data)."""

import os

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/metricsdash_bench"


def configure() -> None:
    """Set up Django on `BENCH_DATABASE_URL` (default: metricsdash_bench) with DEBUG off."""
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricsdash.settings")
    # Bench-only secrets: DEBUG off refuses the demo's; nothing here leaves this machine.
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0001")
    os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kLTAwMDE=")
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
