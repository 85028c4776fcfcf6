"""Fewer index writes per purged document (issue 7), and a batch record for purged blobs.

- Foreign-key indexes that another index covers go: ``trailentry.vault`` (covered by
  ``trail_position_unique``) and ``documentversion.document`` (by ``version_number_unique``).
- Foreign-key indexes on mostly-NULL columns become partial (``WHERE ... IS NOT NULL``): the
  document's agencies and the trail's actor (every system entry, such as a retention
  ``delete``, has none). A NULL entry costs an insert like any other.
- ``vault_vault`` and ``vault_documentversion`` get a fillfactor of 80: a vault row is rewritten
  on every trail append, a version once when its receipt is signed and once when its key is
  shredded, and with room left on the page those updates are HOT (no new index entries). It
  applies to pages written from now on.
- Trail entry ids become UUIDv7 (time-ordered: appends to the primary-key index).

Only the indexes change: Django's ``AlterField`` of a foreign key's ``db_index`` could drop and
re-create the constraint (a validating scan under lock), so the state and the SQL are separate.
"""

import django.db.models.deletion
import uuid

import uuid6
from django.conf import settings
from django.db import migrations, models


def _drop_index(model_name, name, field, index_name, table, column):
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index_name}"',
                reverse_sql=f'CREATE INDEX "{index_name}" ON "{table}" ("{column}")',
            )
        ],
    )


UPDATED_IN_PLACE = ("vault_vault", "vault_documentversion")


def _fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in UPDATED_IN_PLACE:
            schema_editor.execute(f'ALTER TABLE "{table}" SET (fillfactor = 80)')


def _fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in UPDATED_IN_PLACE:
            schema_editor.execute(f'ALTER TABLE "{table}" RESET (fillfactor)')


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0006_review_flag_once_per_flagger"),
        ("vault", "0004_document_drop_covered_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BlobDeletion",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("blob_names", models.JSONField(default=list)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={"abstract": False},
        ),
        _drop_index(
            "document",
            "agency",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="agencies.agency",
            ),
            "vault_document_agency_id_c83252e9",
            "vault_document",
            "agency_id",
        ),
        _drop_index(
            "document",
            "agency_at_upload",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="agencies.agency",
            ),
            "vault_document_agency_at_upload_id_c0cad3f7",
            "vault_document",
            "agency_at_upload_id",
        ),
        _drop_index(
            "documentversion",
            "document",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="versions",
                to="vault.document",
            ),
            "vault_documentversion_document_id_a2a4b8ff",
            "vault_documentversion",
            "document_id",
        ),
        _drop_index(
            "trailentry",
            "actor",
            models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            "vault_trailentry_actor_id_f900e298",
            "vault_trailentry",
            "actor_id",
        ),
        _drop_index(
            "trailentry",
            "vault",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="trail",
                to="vault.vault",
            ),
            "vault_trailentry_vault_id_e233dc21",
            "vault_trailentry",
            "vault_id",
        ),
        migrations.AlterField(
            model_name="trailentry",
            name="id",
            field=models.UUIDField(
                default=uuid6.uuid7, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("agency__isnull", False)),
                fields=["agency"],
                name="document_agency",
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("agency_at_upload__isnull", False)),
                fields=["agency_at_upload"],
                name="document_agency_at_upload",
            ),
        ),
        migrations.AddIndex(
            model_name="trailentry",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="trail_actor",
            ),
        ),
        migrations.RunPython(_fillfactor, _fillfactor_reset, elidable=True),
    ]
