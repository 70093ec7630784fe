"""Drop the indexes Django gave foreign keys whose column already leads a composite
index or unique constraint of the same table (accounts.schema.drop_fk_index)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from accounts.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_reportpreview"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_fk_index(
            "reportdelivery",
            "subscription",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="reports.reportsubscription",
            ),
            table="reports_reportdelivery",
            column="subscription_id",
            index="reports_reportdelivery_subscription_id_69f4643b",
        ),
        drop_fk_index(
            "reportpreview",
            "user",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            table="reports_reportpreview",
            column="user_id",
            index="reports_reportpreview_user_id_74f9a6c6",
        ),
        drop_fk_index(
            "reportsubscription",
            "user",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="report_subscriptions",
                to=settings.AUTH_USER_MODEL,
            ),
            table="reports_reportsubscription",
            column="user_id",
            index="reports_reportsubscription_user_id_db3ca437",
        ),
    ]
