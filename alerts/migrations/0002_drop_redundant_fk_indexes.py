"""Drop the indexes Django gave foreign keys whose column already leads a composite
index or unique constraint of the same table (accounts.schema.drop_fk_index)."""

import django.db.models.deletion
from django.db import migrations, models

from accounts.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_drop_redundant_fk_indexes"),
        ("alerts", "0001_rules_incidents_ledger"),
    ]

    operations = [
        drop_fk_index(
            "alert",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alerts",
                to="accounts.xaccount",
            ),
            table="alerts_alert",
            column="account_id",
            index="alerts_alert_account_id_3f75017f",
        ),
        drop_fk_index(
            "incident",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="incidents",
                to="accounts.xaccount",
            ),
            table="alerts_incident",
            column="account_id",
            index="alerts_incident_account_id_acd3478b",
        ),
    ]
