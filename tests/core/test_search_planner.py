"""NFR-01: the list's ORDER BY must be one the record indexes can serve.

``record_indexes()`` gives every type ``(updated_at DESC, id DESC)`` and ``(created_at DESC,
id DESC)`` over live rows. PostgreSQL reads such an index for ``DESC`` (= ``DESC NULLS
FIRST``) or, backwards, ``ASC`` (= ``ASC NULLS LAST``); the list used to spell out ``DESC
NULLS LAST`` for every column, which no index matches, so the first page of 1,000,000
customers sorted the whole table (1.2 s; contacts 5.7 s; bench/RESULTS.md). Every order is
now a plain ASC / DESC; a nullable column is read as two such segments (values, then NULLs),
and a type offers only sorts it has an index for (``huike.core.records.sort_index``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huike.core import listing
from huike.core.record_types import record_types
from huike.core.records import sorted_fields
from tests.record_samples import make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def _page_queries(rt, user, sort, **cursors) -> list[str]:
    """The row queries ``listing.page`` runs (every SELECT of the table it lists)."""
    qs = listing.base_queryset(rt, user, {})
    with CaptureQueriesContext(connection) as queries:
        listing.page(rt, qs, sort, **cursors)
    table = rt.model._meta.db_table
    return [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]


def _sorts(rt) -> list[str]:
    return [f"{sign}{name}" for name in rt.sortable_fields() for sign in ("", "-")]


def _with_nulls(rt, rep):
    """Six records of ``rep``; half have no value in each nullable sort column, so a page
    read starts in the values, crosses into the NULLs and continues inside them."""
    records = [make(rt.key, rep, n) for n in range(1, 7)]
    when = records[0].created_at
    for name in rt.sortable_fields():
        if rt.model_field(name).null:
            for i, record in enumerate(records):
                value = None if i % 2 else when + timedelta(days=i)
                rt.model.objects.filter(pk=record.pk).update(**{name: value})
    return records


def _cursors(rt, user, sort) -> dict[str, dict]:
    """First page, the next pages (one of them inside the NULL rows) and a previous page."""
    qs = listing.base_queryset(rt, user, {})
    cases: dict[str, dict] = {"first": {}}
    cursor, n = None, 0
    while True:
        page = listing.page(rt, qs, sort, cursor, size=2)
        if not page.next_cursor:
            break
        cursor, n = page.next_cursor, n + 1
        cases[f"next {n}"] = {"cursor": cursor}
        cases[f"previous {n}"] = {"before": cursor}
    return cases


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("rt", TYPES)
@pytest.mark.parametrize("username", ["rep_east1", "admin"])
def test_every_sort_is_read_in_index_order_on_postgresql(demo, rt, username):
    """Every sort a list offers, both ways, first / next / previous page, NULLs included."""
    user = demo[username]
    _with_nulls(rt, demo["rep_east1"])
    with connection.cursor() as cursor:
        # A tiny table makes a sort look cheap; with sorts and scans priced out, a Sort node
        # remains only if no index delivers the rows in the list's order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sort in _sorts(rt):
            for name, cursors in _cursors(rt, user, sort).items():
                for sql in _page_queries(rt, user, sort, **cursors):
                    assert "NULLS" not in sql, (sort, name, sql)
                    cursor.execute(f"EXPLAIN {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    assert "Sort" not in plan, (sort, name, plan)
                    assert "Index" in plan, (sort, name, plan)
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_seqscan")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite plans")
@pytest.mark.parametrize("rt", TYPES)
def test_every_sort_is_read_in_index_order_on_sqlite(demo, rt):
    """SQLite sorts NULLs first ascending, PostgreSQL last: the two-segment read serves both
    from the same (column, id) index, with no temporary B-tree for the ORDER BY."""
    user = demo["admin"]
    _with_nulls(rt, demo["rep_east1"])
    with connection.cursor() as cursor:
        for sort in _sorts(rt):
            for name, cursors in _cursors(rt, user, sort).items():
                for sql in _page_queries(rt, user, sort, **cursors):
                    cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                    plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
                    assert "TEMP B-TREE" not in plan, (sort, name, plan)


@pytest.mark.parametrize("rt", TYPES)
def test_every_sortable_field_has_its_index(rt):
    """A type cannot offer a sort that would be a full sort at a million rows."""
    indexed = set(sorted_fields(rt.model))
    assert rt.sortable_fields() and set(rt.sortable_fields()) <= indexed


@pytest.mark.parametrize("rt", TYPES)
def test_a_nullable_sort_reads_the_values_then_the_nulls(demo, rt):
    """One query while the rows with a value fill the page, a second one only for the page
    that reaches the NULLs; the order is (value, id) with NULLs last both ways."""
    rep = demo["rep_east1"]
    records = _with_nulls(rt, rep)
    nullable = next((n for n in rt.sortable_fields() if rt.model_field(n).null), None)
    if nullable is None:
        pytest.skip("no nullable sort")
    qs = listing.base_queryset(rt, rep, {})
    assert len(_page_queries(rt, rep, f"-{nullable}")) == 2  # 3 values, 3 NULLs: both
    with_value = [r.pk for r in records[::2]]
    first = listing.page(rt, qs, f"-{nullable}", size=2)
    assert [r.pk for r in first.rows] == with_value[::-1][:2]
    with CaptureQueriesContext(connection) as queries:
        listing.page(rt, qs, f"-{nullable}", size=2)  # 3 values fill a page of 2 (+1)
    table = rt.model._meta.db_table
    assert len([q for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]) == 1
    second = listing.page(rt, qs, f"-{nullable}", first.next_cursor, size=2)
    no_value = sorted((r.pk for r in records[1::2]), reverse=True)
    assert [r.pk for r in second.rows] == [with_value[0], no_value[0]]
