"""Drop the indexes Django gave foreign keys whose column already leads a composite
index or unique constraint of the same table (accounts.schema.drop_fk_index)."""

import django.db.models.deletion
from django.db import migrations, models

from accounts.schema import drop_fk_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_drop_redundant_fk_indexes"),
        ("tweets", "0010_tweet_fillfactor_30"),
    ]

    operations = [
        drop_fk_index(
            "audiencehourly",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.xaccount",
            ),
            table="tweets_audiencehourly",
            column="account_id",
            index="tweets_audiencehourly_account_id_a89d8fc5",
        ),
        drop_fk_index(
            "billedreads",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.xaccount",
            ),
            table="tweets_billedreads",
            column="account_id",
            index="tweets_billedreads_account_id_986c5342",
        ),
        drop_fk_index(
            "hourlyrollup",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.xaccount",
            ),
            table="tweets_hourlyrollup",
            column="account_id",
            index="tweets_hourlyrollup_account_id_8f7338cb",
        ),
        drop_fk_index(
            "pollrun",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="poll_runs",
                to="accounts.xaccount",
            ),
            table="tweets_pollrun",
            column="account_id",
            index="tweets_pollrun_account_id_346b5029",
        ),
        drop_fk_index(
            "tweet",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="tweets",
                to="accounts.xaccount",
            ),
            table="tweets_tweet",
            column="account_id",
            index="tweets_tweet_account_id_67574ee7",
        ),
    ]
