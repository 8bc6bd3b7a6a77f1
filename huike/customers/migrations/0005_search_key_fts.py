"""SQLite trigram side indexes of the search keys (huike/core/search_fts.py): what the
pg_trgm indexes of 0001_initial are on PostgreSQL, where this migration does nothing."""

from django.db import migrations

from huike.core.search_fts import TrigramSideIndex


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_indexes_for_sorts_and_keys")]

    operations = [
        TrigramSideIndex(model_name="customer", field="search_key"),
        TrigramSideIndex(model_name="contact", field="search_key"),
    ]
