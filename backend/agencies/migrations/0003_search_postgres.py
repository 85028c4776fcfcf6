"""PostgreSQL-only search support: pg_trgm + unaccent and a GIN trigram index on search_text.

On SQLite every operation here is a no-op (CreateExtension skips other vendors; the index
operation checks the vendor), and search falls back to LIKE on the same normalised column.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

from backend.agencies.search import search_text_for

INDEX = "agencies_agency_search_trgm"


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def fill_search_text(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    batch = []
    for agency in Agency.objects.only("id", "name", "aliases").iterator(chunk_size=2000):
        agency.search_text = search_text_for(agency.name, agency.aliases or [])
        batch.append(agency)
        if len(batch) >= 2000:
            Agency.objects.bulk_update(batch, ["search_text"])
            batch = []
    Agency.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_reviews_and_stats")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        PostgresOnlySQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON agencies_agency "
            "USING gin (search_text gin_trgm_ops)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
