"""Operations the apps' migrations share (here, in the app at the bottom of the layers, which
every other app may import)."""

from django.db import migrations


def drop_fk_index(model_name: str, name: str, field, *, table: str, column: str, index: str):
    """A foreign key made db_index=False where a composite index or unique constraint
    already leads with its column, dropping only its own index (`index`, the name Django
    gave it). Django's AlterField would also drop the key's constraint and add it again,
    which checks every row once more under a lock that blocks the table."""
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
            )
        ],
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
    )
