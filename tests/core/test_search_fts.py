"""The SQLite trigram side index of the search key (``huike.core.search_fts``): it exists for
every registered record type with a search key, every way of writing a row keeps it equal to
the plain substring test, SQLite searches go through it, and PostgreSQL is left alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.state import ProjectState
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from huike.core import scopes
from huike.core.record_types import RecordType, record_type, record_types
from huike.core.recycle import move_to_bin
from huike.core.search import narrow, search, text_q
from huike.core.search_fts import (
    TrigramSideIndex,
    create_statements,
    key_contains,
    key_q,
    key_word_start,
    phrase,
    side_table,
    trigger_names,
)
from tests.record_samples import make

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"
only_sqlite = pytest.mark.skipif(not SQLITE, reason="the side index is SQLite's")
only_postgresql = pytest.mark.skipif(SQLITE, reason="checks that PostgreSQL is left alone")

SEARCHABLE = [pytest.param(rt, id=rt.key) for rt in record_types() if rt.search_key_field]

#: Keys written straight into the column (``QuerySet.update``, ``bulk_create``): every kind
#: of character a key or a needle holds, and FTS5 query syntax that must stay literal.
ODD_KEYS = [
    "上海浦东发展银行 shanghaipudongfazhanyinhang shpdfzyh shangpufayin 13809228860",
    'o\'neil-x@a-b.example say "hi" and near or not x:y ^ab* (q) 021-5888',
    "北京线索测试 beijingxiansuoceshi bjxsc 0688 pu 浦江 aaa aaaa",
]
NEEDLES = [
    "shanghai", "shpd", "pufa", "浦东发", "上海浦东发展银行", "8860", "13809228860",
    "0922", "@a-b", "o'neil", "a-b.ex", '"hi"', 'hi"', "near", "and", "not", "x:y",
    "^ab*", "(q)", "021-5888", "aaa", "aaaa", "ceshi", "线索测", "nothing-here", "浦东",
    "上海", "pu", "bj", "aa", "ab", "hi", "上", "p", "a",
]  # fmt: skip


def _rows(rt: RecordType) -> dict[int, str]:
    """Every row of the type (binned ones too) with its key: the oracle's input."""
    field = rt.search_key_field
    assert field
    return dict(rt.model.all_objects.values_list("pk", field))


def _ids(rt: RecordType, condition) -> set[int]:
    return set(rt.model.all_objects.filter(condition).values_list("pk", flat=True))


def _assert_agrees(rt: RecordType) -> None:
    """The side index answers exactly what a substring test of the stored keys answers:
    ``needle in key`` and "a word of the key starts with the needle"."""
    field = rt.search_key_field
    assert field
    rows = _rows(rt)
    for needle in NEEDLES:
        contains = {pk for pk, key in rows.items() if needle in key}
        word_start = {pk for pk, key in rows.items() if key.startswith(needle)}
        word_start |= {pk for pk, key in rows.items() if f" {needle}" in key}
        assert _ids(rt, key_contains(rt.model, field, needle)) == contains, needle
        assert _ids(rt, key_word_start(rt.model, field, needle)) == word_start, needle
    # Several needles (and a range on the model's own column) at once: their union.
    for first, second in zip(NEEDLES, NEEDLES[5:], strict=False):
        either = {pk for pk, key in rows.items() if first in key or key.startswith(second)}
        either |= {pk for pk, key in rows.items() if f" {second}" in key}
        either |= {pk for pk in rows if pk <= 2}
        got = key_q(rt.model, field, contains=[first], word_starts=[second], also=[Q(pk__lte=2)])
        assert _ids(rt, got) == either, (first, second)
    if SQLITE:
        fts = side_table(rt.model._meta.db_table)
        with connection.cursor() as cursor:  # FTS5's own consistency check; raises if not
            cursor.execute(f'INSERT INTO "{fts}" ("{fts}") VALUES (\'integrity-check\')')


def _new_rows(rt: RecordType, owner: Any, keys: list[str]) -> list[Any]:
    """Unsaved rows of the type with the given keys, enough to pass the constraints."""
    extra: dict[str, Any] = {}
    if rt.key == "contacts":
        extra["customer"] = make("customers", owner, 90)
    rows = []
    for n, key in enumerate(keys):
        row = rt.model(owner=owner, created_by=owner, updated_by=owner, **extra)
        setattr(row, rt.title_field, f"批量{rt.key}{n}")
        if hasattr(row, "name_key"):
            row.name_key = f"批量{rt.key}{n}"
        setattr(row, rt.search_key_field or "", key)
        rows.append(row)
    return rows


# -- every record type with a search key -----------------------------------------------------
@only_sqlite
@pytest.mark.parametrize("rt", SEARCHABLE)
def test_side_table_and_triggers_exist(rt):
    """Also fails when a later migration made SQLite rebuild the table, which drops the
    triggers: add ``TrigramSideIndex`` again after that migration's operation."""
    table = rt.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE %s", [f"{table}%"])
        found = set(cursor.fetchall())
    assert ("table", side_table(table)) in found
    for name in trigger_names(table):
        assert ("trigger", name) in found, f"{name} is missing: see huike/core/search_fts.py"


@pytest.mark.parametrize("rt", SEARCHABLE)
def test_every_write_keeps_the_matches_exact(rt, demo):
    owner = demo["rep_east1"]
    field = rt.search_key_field
    assert field
    first = make(rt.key, owner, 1)
    second = make(rt.key, owner, 2)
    _assert_agrees(rt)

    # The service changes the searchable value: the old spelling no longer finds the row.
    before = getattr(first, field)
    rt.update(owner, first, {rt.title_field: "上海浦东发展银行"})
    first.refresh_from_db()
    assert getattr(first, field) != before
    assert first.pk in _ids(rt, key_contains(rt.model, field, "pufa"))
    _assert_agrees(rt)

    # A save that leaves the key as it was, then writes straight to the column.
    first.save()
    rt.model.all_objects.filter(pk=second.pk).update(**{field: ODD_KEYS[1]})
    _assert_agrees(rt)

    made = rt.model.all_objects.bulk_create(_new_rows(rt, owner, ODD_KEYS))
    assert all(row.pk for row in made)
    _assert_agrees(rt)

    # The bin keeps the row (and its entry); a hard delete removes both.
    move_to_bin(demo["admin"], [second])
    assert rt.model.all_objects.filter(pk=second.pk, deleted_at__isnull=False).exists()
    _assert_agrees(rt)
    rt.model.all_objects.filter(pk__in=[second.pk, made[0].pk]).delete()
    assert made[0].pk not in _ids(rt, key_contains(rt.model, field, "shanghai"))
    _assert_agrees(rt)

    # A changed id moves the entry with the row.
    new_id = max(_rows(rt)) + 100
    rt.model.all_objects.filter(pk=made[2].pk).update(id=new_id)
    assert _ids(rt, key_contains(rt.model, field, "ceshi")) == {new_id}
    _assert_agrees(rt)


@only_sqlite
@pytest.mark.parametrize("rt", SEARCHABLE)
def test_sqlite_searches_go_through_the_side_table(rt, demo):
    """One ``id IN (...)`` holding every phrase and phone range, which SQLite starts from:
    with several ORed, it would read the user's whole scope instead."""
    fts = side_table(rt.model._meta.db_table)
    make(rt.key, demo["rep_east1"], 1)
    table = rt.model._meta.db_table
    for query in ("pufa", "上海浦东", "13809228860", "8860", "浦东", "pu"):
        for qs in (rt.model.objects.all(), scopes.visible(demo["manager_east"], rt.model)):
            with CaptureQueriesContext(connection) as ctx:
                list(narrow(rt, qs, query))
            (sql,) = [q["sql"] for q in ctx.captured_queries]
            assert sql.count(f'"{fts}" MATCH') == 1, sql
            assert 'search_key" LIKE' not in sql, sql  # no LIKE on the column: it would scan
            sql, params = narrow(rt, qs, query).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plan = [row[-1] for row in cursor.fetchall()]
            assert f"SCAN {fts} VIRTUAL TABLE INDEX 0:M1" in plan, plan
            # The matching ids come first (alone, or with the owner: "owner_id=? AND rowid=?").
            assert plan[0].startswith(f"SEARCH {table} USING "), plan
            assert "rowid=?" in plan[0], plan
    # One character cannot make a trigram, even with the leading space: the column's LIKE.
    assert "search_key__startswith" in str(text_q(rt, "浦", prefix_only=True))


@only_sqlite
def test_the_global_search_reads_the_side_tables(demo):
    make("customers", demo["rep_east1"], 1, name="上海浦东发展银行")
    with CaptureQueriesContext(connection) as ctx:
        search(demo["rep_east1"], "pufa")
    searched = [q["sql"] for q in ctx.captured_queries if 'search_key" LIKE' in q["sql"]]
    matched = [q["sql"] for q in ctx.captured_queries if '_fts" MATCH' in q["sql"]]
    assert matched
    assert not searched, searched


# -- through the pages, in scope ---------------------------------------------------------------
def _list_ids(client, key: str, q: str) -> set[int]:
    response = client.get(f"/api/v1/{key}/", {"q": q})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _search_ids(client, key: str, q: str) -> set[int]:
    response = client.get("/api/v1/search/", {"q": q})
    assert response.status_code == 200, response.content
    return {hit["id"] for hit in response.json()["results"].get(key, [])}


@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("customers", "shanghai"),
        ("customers", "shpd"),
        ("customers", "pufa"),
        ("customers", "浦发"),
        ("customers", "浦东"),
        ("customers", "上海浦东发展"),
        ("customers", "8860"),
        ("contacts", "8860"),
        ("contacts", "28860"),
        ("contacts", "江总"),
        ("contacts", "jiangzong"),
    ],
)
def test_list_q_and_global_search_find_the_bank_in_scope_only(demo, login, key, query):
    owner, outsider = demo["rep_east1"], demo["rep_east2"]
    customer = make("customers", owner, 1, name="上海浦东发展银行", mobile="13809228860")
    contact = make("contacts", owner, 1, name="江总", customer=customer.pk, mobile="13809228860")
    record = customer if key == "customers" else contact
    other = make("customers", outsider, 2, name="上海浦东发展银行北京分行", mobile="13912328860")
    other_contact = make(
        "contacts", outsider, 2, name="江总", customer=other.pk, mobile="13912328860"
    )
    hidden = other if key == "customers" else other_contact

    client = login("rep_east1")
    assert record.pk in _list_ids(client, key, query)
    assert record.pk in _search_ids(client, key, query)
    assert hidden.pk not in _list_ids(client, key, query)
    assert hidden.pk not in _search_ids(client, key, query)
    page = client.get(f"/{key}/", {"q": query})
    assert page.status_code == 200
    assert f'data-record-id="{record.pk}"' in page.content.decode()
    assert f'data-record-id="{hidden.pk}"' not in page.content.decode()
    # The colleague's manager sees both.
    rt = record_type(key)
    boss = narrow(rt, scopes.visible(demo["manager_east"], rt.model), query)
    assert {record.pk, hidden.pk} <= set(boss.values_list("pk", flat=True))


# -- the migration operation -----------------------------------------------------------------
def test_operation_describes_and_deconstructs_itself():
    op = TrigramSideIndex(model_name="customer", field="search_key")
    name, args, kwargs = op.deconstruct()
    assert (name, args, kwargs) == (
        "TrigramSideIndex",
        [],
        {"model_name": "customer", "field": "search_key"},
    )
    assert TrigramSideIndex(**kwargs).deconstruct() == op.deconstruct()
    assert "customer.search_key" in op.describe()
    assert op.migration_name_fragment == "customer_search_key_fts"
    assert op.references_model("Customer", "customers")
    assert not op.references_model("Lead", "leads")
    state = ProjectState()
    op.state_forwards("customers", state)  # nothing to change: the side table is no model
    assert state.models == {}


def test_phrase_quotes_every_double_quote():
    assert phrase('say "hi"') == '"say ""hi"""'
    assert phrase("a OR b*") == '"a OR b*"'


@only_sqlite
def test_operation_repairs_and_reverses_on_sqlite(demo):
    """Run again (after a migration that rebuilt the table and lost the triggers), it
    refills the side table from the rows; backwards it drops the side table and triggers."""
    from django.db.migrations.executor import MigrationExecutor

    rt = record_type("customers")
    table = rt.model._meta.db_table
    customer = make("customers", demo["rep_east1"], 1, name="上海浦东发展银行")
    op = TrigramSideIndex(model_name="customer", field="search_key")
    state = MigrationExecutor(connection).loader.project_state()
    editor = _Editor()
    with connection.cursor() as cursor:
        for name in trigger_names(table):  # what a table rebuild leaves behind
            cursor.execute(f'DROP TRIGGER "{name}"')
    rt.model.all_objects.filter(pk=customer.pk).update(search_key="shanghaihuike")
    assert customer.pk in _ids(rt, key_contains(rt.model, "search_key", "pufa"))  # stale
    op.database_forwards("customers", editor, state, state)
    assert customer.pk not in _ids(rt, key_contains(rt.model, "search_key", "pufa"))
    assert customer.pk in _ids(rt, key_contains(rt.model, "search_key", "huike"))
    _assert_agrees(rt)
    op.database_backwards("customers", editor, state, state)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{table}_fts%"])
        assert cursor.fetchall() == []
    op.database_forwards("customers", editor, state, state)
    _assert_agrees(rt)


class _Editor:
    """What the operation uses of a schema editor (Django's SQLite one refuses to open
    inside the test's transaction)."""

    connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_create_statements_name_the_table_and_column():
    sql = "\n".join(create_statements("leads_lead", "search_key"))
    assert 'CREATE VIRTUAL TABLE "leads_lead_fts" USING fts5("search_key", content=\'\'' in sql
    assert "tokenize='trigram case_sensitive 1'" in sql
    assert 'AFTER UPDATE OF "id", "search_key" ON "leads_lead"' in sql


@only_postgresql
@pytest.mark.parametrize("rt", SEARCHABLE)
def test_postgresql_has_no_side_table_and_still_searches(rt, demo):
    table = rt.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", [f"{table}_fts%"])
        assert cursor.fetchone() == (0,)
    field = rt.search_key_field
    assert field
    assert "__contains" in str(key_contains(rt.model, field, "pufa"))
    assert "__startswith" in str(key_word_start(rt.model, field, "pu"))
    make(rt.key, demo["rep_east1"], 1)
    _assert_agrees(rt)
