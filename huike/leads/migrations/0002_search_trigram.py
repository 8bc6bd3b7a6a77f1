"""Trigram index for the global search over leads (PLT-06), PostgreSQL only, like the
customers' (huike/customers/migrations/0001_initial.py)."""

from django.db import migrations

INDEX, TABLE = "lead_search_trgm", "leads_lead"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} "
        "USING gin (search_key gin_trgm_ops) WHERE deleted_at IS NULL"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(add_index, drop_index)]
