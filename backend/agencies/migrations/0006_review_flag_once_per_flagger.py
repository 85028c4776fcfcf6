"""One flag per flagger per review (separate from 0005: PostgreSQL refuses to alter a table in
the transaction that has just updated its rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0005_comment_key_id_flagger_key"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="reviewflag",
            constraint=models.UniqueConstraint(
                fields=("review", "flagger_key"), name="review_flag_once_per_flagger"
            ),
        ),
    ]
