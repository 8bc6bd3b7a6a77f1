"""SQLite planner statistics (``huike.core.statistics``): refreshed every night and after a
large import, and what they change in a list's plan. Nothing happens on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huike.core import imports, listing, statistics
from huike.core.record_types import record_type
from huike.core.tasks_records import refresh_statistics
from huike.customers.models import Customer
from tests.core.test_imports import _csv, _import, _sample_rows
from tests.record_samples import make

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite statistics")


def _analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchall():
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def _forget_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchall():
            cursor.execute("DELETE FROM sqlite_stat1")
            cursor.execute("ANALYZE sqlite_schema")  # the planner reloads them


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL analyses by itself")
def test_nothing_to_do_on_postgresql(demo):
    with CaptureQueriesContext(connection) as queries:
        assert statistics.refresh() is False
        assert refresh_statistics.call_local() is False
    assert not queries.captured_queries


@sqlite_only
def test_the_nightly_job_analyses_every_table(demo):
    make("customers", demo["rep_east1"], 1)
    _forget_statistics()
    assert "customers_customer" not in _analysed_tables()
    assert refresh_statistics.call_local() is True
    assert {"customers_customer", "org_user"} <= _analysed_tables()


@sqlite_only
def test_a_large_import_refreshes_its_table(demo, monkeypatch):
    user = demo["manager_east"]
    headers, rows = _sample_rows("customers", user, [41, 42])
    _forget_statistics()
    monkeypatch.setattr(statistics, "AFTER_IMPORT_ROWS", 3)
    job = imports.queue(user, _import(user, "customers", _csv(headers, rows)))
    assert job.created_count == 2
    assert "customers_customer" not in _analysed_tables()  # below the threshold

    headers, rows = _sample_rows("customers", user, [43, 44, 45])
    job = imports.queue(user, _import(user, "customers", _csv(headers, rows)))
    assert job.created_count == 3
    assert "customers_customer" in _analysed_tables()


@sqlite_only
def test_with_statistics_a_wide_scope_reads_the_list_in_index_order(demo):
    """The director sees every owner: without statistics SQLite read all their customers
    through the owner index and sorted them (140-400 ms at 100,000); with them it walks
    the (updated_at, id) index and stops after a page."""
    owners = [demo[name] for name in ("rep_east1", "rep_east2", "manager_east", "director")]
    for n, owner in enumerate(owners * 40):
        make("customers", owner, n + 1)
    rt = record_type("customers")
    user = demo["director"]

    def plan() -> str:
        qs = listing.base_queryset(rt, user, {})
        with CaptureQueriesContext(connection) as queries:
            listing.page(rt, qs, None)
        table = Customer._meta.db_table
        sql = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]][-1]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    _forget_statistics()
    assert "TEMP B-TREE FOR ORDER BY" in plan()
    statistics.refresh()
    assert "TEMP B-TREE FOR ORDER BY" not in plan()
