"""Drop the indexes Django gave foreign keys whose column already leads a composite
index or unique constraint of the same table (accounts.schema.drop_fk_index)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from accounts.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_pending_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        drop_fk_index(
            "accountaccess",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="accesses",
                to="accounts.xaccount",
            ),
            table="accounts_accountaccess",
            column="account_id",
            index="accounts_accountaccess_account_id_5aabae14",
        ),
        drop_fk_index(
            "accountaccess",
            "user",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="account_accesses",
                to=settings.AUTH_USER_MODEL,
            ),
            table="accounts_accountaccess",
            column="user_id",
            index="accounts_accountaccess_user_id_c2fbfe00",
        ),
        drop_fk_index(
            "pendingaccess",
            "invitation",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="pending_accesses",
                to="accounts.invitation",
            ),
            table="accounts_pendingaccess",
            column="invitation_id",
            index="accounts_pendingaccess_invitation_id_b714b974",
        ),
    ]
