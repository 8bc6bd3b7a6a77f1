"""Planner statistics for the embedded SQLite set-up (NFR-01).

SQLite keeps no statistics unless told to (``ANALYZE``). Without them it guesses that an
equality on an indexed column finds about ten rows, so for a scoped list ("owner is one of
these people") it reads every row of those owners through the owner index and sorts them,
instead of walking the (updated_at, id) index and stopping after one page: 95-600 ms at
100,000 customers against a few ms (bench/RESULTS.md). ``refresh`` gives it the numbers.
It runs every night and after a large import, which is when a table's shape changes.

PostgreSQL needs none of this: its autovacuum daemon analyses tables as they change.
"""

from __future__ import annotations

from django.db import connection

#: An import creating at least this many records refreshes its table's statistics.
AFTER_IMPORT_ROWS = 1000


def refresh(*tables: str) -> bool:
    """Analyse ``tables`` (every table when none is named) on SQLite; False elsewhere."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        # Whole indexes, not a sample: sampled at 2,000 rows, an owner seemed to hold 2,001
        # customers instead of 16,673, and the director's list kept its 140 ms sort. A full
        # ANALYZE of 100,000 customers and 200,000 contacts takes about 0.4 s.
        cursor.execute("PRAGMA analysis_limit = 0")
        if not tables:
            cursor.execute("ANALYZE")
        for table in tables:
            cursor.execute("ANALYZE " + connection.ops.quote_name(table))
    return True
