"""Partial indexes for the retention purge's keyset walk over live documents."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0002_upload_facts_actor_salt_lease"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["kind", "created_at", "id"],
                name="document_live_kind_created",
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["kind", "expires_on", "id"],
                name="document_live_kind_expires",
            ),
        ),
    ]
