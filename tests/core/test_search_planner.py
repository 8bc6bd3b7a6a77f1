"""NFR-01: the list's ORDER BY must be one the record indexes can serve.

``record_indexes()`` gives every type ``(updated_at DESC, id DESC)`` and ``(created_at DESC,
id DESC)`` over live rows. PostgreSQL reads such an index for ``DESC`` (= ``DESC NULLS
FIRST``) or, backwards, ``ASC`` (= ``ASC NULLS LAST``); the list used to spell out ``DESC
NULLS LAST`` for every column, which no index matches, so the first page of 1,000,000
customers sorted the whole table (1.2 s; contacts 5.7 s; bench/RESULTS.md). A NOT NULL
column now gets a plain order; nullable columns keep their NULLs last."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from huike.core import listing
from huike.core.record_types import record_types
from tests.record_samples import make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def _page_sql(rt, user, sort, **cursors) -> str:
    """The row query ``listing.page`` runs (the last SELECT of the table it lists)."""
    qs = listing.base_queryset(rt, user, {})
    with CaptureQueriesContext(connection) as queries:
        listing.page(rt, qs, sort, **cursors)
    table = rt.model._meta.db_table
    rows = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    return rows[-1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.parametrize("rt", TYPES)
@pytest.mark.parametrize("sort", ["-updated_at", "-created_at"])
@pytest.mark.parametrize("username", ["rep_east1", "admin"])
def test_list_pages_are_read_in_index_order(demo, rt, sort, username):
    user = demo[username]
    for n in range(1, 6):
        make(rt.key, demo["rep_east1"], n)
    first = listing.page(rt, listing.base_queryset(rt, user, {}), sort, size=2)
    pages = {
        "first": _page_sql(rt, user, sort),
        "next": _page_sql(rt, user, sort, cursor=first.next_cursor),
        "previous": _page_sql(rt, user, sort, before=first.next_cursor),
    }
    with connection.cursor() as cursor:
        # A tiny table makes a sort look cheap; with sorts and scans priced out, a Sort node
        # remains only if no index delivers the rows in the list's order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, sql in pages.items():
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Sort" not in plan, (name, plan)
            assert "_live_" in plan, (name, plan)
        cursor.execute("RESET enable_sort")
        cursor.execute("RESET enable_seqscan")


@pytest.mark.parametrize("rt", TYPES)
def test_plain_order_of_not_null_columns_returns_the_same_rows(demo, rt):
    """On every database the new ORDER BY gives exactly the rows and order of the old
    ``NULLS LAST`` one for NOT NULL columns; nullable columns still put NULLs last."""
    rep = demo["rep_east1"]
    records = [make(rt.key, rep, n) for n in range(1, 7)]
    # Ties on the sort column: the id decides, in the same direction.
    rt.model.objects.filter(pk__in=[r.pk for r in records[:3]]).update(
        updated_at=records[0].updated_at
    )
    qs = listing.base_queryset(rt, rep, {})
    for column in ("updated_at", "created_at"):
        assert not rt.model._meta.get_field(column).null
        old_desc = qs.order_by(F(column).desc(nulls_last=True), "-pk")
        old_asc = qs.order_by(F(column).asc(nulls_last=True), "pk")
        assert list(listing.ordered(qs, column, True)) == list(old_desc)
        assert list(listing.ordered(qs, column, False)) == list(old_asc)
        assert "NULLS" not in str(listing.ordered(qs, column, True).query)
    nullable = next(
        (
            n
            for n in rt.sortable_fields()
            if rt.model_field(n).null and not rt.model_field(n).is_relation
        ),
        None,
    )
    if nullable:
        assert "NULLS LAST" in str(listing.ordered(qs, nullable, True).query)
