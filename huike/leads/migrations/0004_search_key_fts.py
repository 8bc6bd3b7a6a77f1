"""SQLite trigram side index of the leads' search key (huike/core/search_fts.py): what the
pg_trgm index of 0002_search_trigram is on PostgreSQL, where this migration does nothing."""

from django.db import migrations

from huike.core.search_fts import TrigramSideIndex


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_indexes_for_sorts_and_keys")]

    operations = [TrigramSideIndex(model_name="lead", field="search_key")]
