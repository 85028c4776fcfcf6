"""Drop the single-column indexes of vault_document that composite ones cover (issue 7:
every index costs the retention purge one B-tree insert per tombstone)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0003_document_live_due_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="document",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AlterField(
            model_name="document",
            name="expires_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="document",
            name="kind",
            field=models.CharField(
                choices=[
                    ("employment_contract", "Employment contract"),
                    ("payslip", "Pay slip"),
                    ("medical_certificate", "Medical certificate"),
                    ("recruitment_fee_receipt", "Recruitment fee receipt"),
                    ("identity_document", "Identity document"),
                    ("visa_or_work_permit", "Visa or work permit"),
                    ("skills_certificate", "Skills certificate"),
                    ("other", "Other"),
                ],
                max_length=32,
            ),
        ),
        # Only the index goes: Django's AlterField would drop and re-add (re-validate) the
        # foreign key, a full scan of the table under an exclusive lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="document",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="documents",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "vault_document_owner_id_4400a556"',
                    reverse_sql=(
                        'CREATE INDEX "vault_document_owner_id_4400a556"'
                        ' ON "vault_document" ("owner_id")'
                    ),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="document",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]
