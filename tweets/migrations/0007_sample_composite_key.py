"""Samples are keyed by (object, captured_at): the surrogate id and its index go, and the
unique constraint on the same columns becomes the primary key (about 30 bytes a sample).

Django does not migrate a table to a composite primary key itself, so the database side
is written here per backend. Postgres drops the column in place: existing rows keep its
8 bytes until the table is rewritten (VACUUM FULL); rows written after do not.
"""

from django.db import migrations, models

KEYS = {"tweetsample": "tweet_id", "videosample": "media_id"}


def key_by_object_and_instant(apps, schema_editor):
    for name, key in KEYS.items():
        model = apps.get_model("tweets", name)
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(model._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}_unique_instant")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN id")
            schema_editor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({key}, captured_at)")
        else:
            # SQLite (the embedded demo) rebuilds the table from the new model.
            schema_editor._remake_table(model)


class Migration(migrations.Migration):
    dependencies = [
        ("tweets", "0006_audience"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="tweetsample", name="tweetsample_unique_instant"
                ),
                migrations.RemoveConstraint(
                    model_name="videosample", name="videosample_unique_instant"
                ),
                migrations.RemoveField(model_name="tweetsample", name="id"),
                migrations.RemoveField(model_name="videosample", name="id"),
                migrations.AddField(
                    model_name="tweetsample",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "tweet",
                        "captured_at",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AddField(
                    model_name="videosample",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "media",
                        "captured_at",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ]
        ),
        migrations.RunPython(key_by_object_and_instant, elidable=False),
    ]
