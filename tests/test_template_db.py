"""The test database set-up of tests/template_db.py: each process's database is a copy of
the template of the current migrations, and a transactional test ends with every table
empty, but for the content types and permissions, as Django's flush would leave them."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from accounts.models import XAccount
from tests.conftest import PASSWORD
from tests.template_db import KEPT, migrations_hash


def rows_per_table() -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.parametrize("run", ["first", "second"])
def test_a_transactional_test_starts_with_every_table_empty_but_content_types(
    run, transactional_db, django_user_model
):
    left = {table: n for table, n in rows_per_table().items() if n and table not in KEPT}
    assert left == {}, f"rows left by an earlier test ({run} run)"
    models = [m for m in apps.get_models() if m._meta.managed]
    assert ContentType.objects.count() >= len(models)
    assert Permission.objects.count() >= 4 * len(models)  # add, change, delete, view

    # Rows in several tables, for whichever transactional test comes next to find gone.
    owner = django_user_model.objects.create_user(f"template-{run}", password=PASSWORD)
    XAccount.objects.create(owner=owner, x_user_id=1, username="t", name="t", sandbox=True)
    assert sum(rows_per_table().values()) > sum(
        n for table, n in rows_per_table().items() if table in KEPT
    )


@pytest.mark.django_db
def test_the_database_is_a_copy_of_the_current_migrations_template():
    if connection.vendor != "postgresql":
        pytest.skip("the template is Postgres's CREATE DATABASE ... TEMPLATE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()"
        )
        (template,) = cursor.fetchone()
    assert template.endswith(f"_tpl_{migrations_hash()}")
