"""The generic list page and picker of every registered record type: scope, sort whitelist,
keyset pages (NULLs included), field policy in cells and query counts. Parametrized over
``record_types()``, so a new type gets them all."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from huike.core import listing
from huike.core.fields import FieldRule
from huike.core.record_types import record_types
from huike.core.registry import registry
from tests.record_samples import make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def url(rt, name="list"):
    return reverse(f"{rt.key}:{name}")


def shown_ids(html):
    return {int(pk) for pk in re.findall(r'data-record-id="(\d+)"', html)}


@pytest.mark.parametrize("rt", TYPES)
def test_list_shows_only_records_in_scope(demo, login, rt):
    mine = make(rt.key, demo["rep_east1"], 1)
    theirs = make(rt.key, demo["rep_east2"], 2)
    assert shown_ids(login("rep_east1").get(url(rt)).content.decode()) >= {mine.pk}
    assert theirs.pk not in shown_ids(login("rep_east1").get(url(rt)).content.decode())
    manager = shown_ids(login("manager_east").get(url(rt)).content.decode())
    assert {mine.pk, theirs.pk} <= manager


@pytest.mark.parametrize("rt", TYPES)
def test_picker_returns_only_visible_records(demo, login, rt):
    mine = make(rt.key, demo["rep_east1"], 1)
    theirs = make(rt.key, demo["rep_east2"], 2)
    data = login("rep_east1").get(url(rt, "picker")).json()
    ids = {row["id"] for row in data}
    assert mine.pk in ids and theirs.pk not in ids
    assert all(set(row) == {"id", "text", "subtitle"} for row in data)


@pytest.mark.parametrize("rt", TYPES)
def test_unknown_sort_field_is_refused_clearly(demo, login, english, rt):
    make(rt.key, demo["rep_east1"], 1)
    response = login("rep_east1").get(url(rt), {"sort": "-custom_data"})
    assert response.status_code == 400
    assert "cannot be sorted by" in response.content.decode()


def _walk(rt, user, sort):
    qs = listing.base_queryset(rt, user, {})
    seen, cursor = [], None
    while True:
        page = listing.page(rt, qs, sort, cursor, size=3)
        seen += [r.pk for r in page.rows]
        if not page.next_cursor:
            return seen
        cursor = page.next_cursor


def _nullable_sort(rt):
    for name in rt.sortable_fields():
        field = rt.model_field(name)
        if field.null and field.get_internal_type() in {"DateTimeField", "DateField"}:
            return name
    pytest.skip("no nullable date column")


@pytest.mark.parametrize("rt", TYPES)
def test_keyset_pages_walk_every_row_once_both_ways(demo, rt):
    rep = demo["rep_east1"]
    records = [make(rt.key, rep, n) for n in range(1, 9)]
    nullable = _nullable_sort(rt)
    # Some rows share a value, some have none: ties and NULLs must not lose or repeat rows.
    when = records[0].created_at
    for i, record in enumerate(records[:5]):
        rt.model.objects.filter(pk=record.pk).update(**{nullable: when if i % 2 else None})
    expected = sorted(r.pk for r in records)
    for sort in (
        "name" if "name" in rt.sortable_fields() else "-updated_at",
        nullable,
        "-" + nullable,
        "-updated_at",
    ):
        walked = _walk(rt, rep, sort)
        assert sorted(walked) == expected and len(walked) == len(set(walked)), sort
    descending = _walk(rt, rep, "-" + nullable)
    values = [getattr(rt.model.objects.get(pk=pk), nullable) for pk in descending]
    assert values[-3:] == [None, None, None]  # NULLs last, descending too
    ascending = _walk(rt, rep, nullable)
    assert [getattr(rt.model.objects.get(pk=pk), nullable) for pk in ascending][-3:] == [None] * 3


@pytest.mark.parametrize("rt", TYPES)
def test_next_page_link_follows_the_cursor(demo, login, rt):
    rep = demo["rep_east1"]
    made = {make(rt.key, rep, n).pk for n in range(1, 23)}
    client = login("rep_east1")
    first = client.get(url(rt)).content.decode()
    link = re.search(r'href="\?([^"]*cursor=[^"]*)" id="list-next"', first).group(1)
    second = client.get(url(rt) + "?" + link.replace("&amp;", "&")).content.decode()
    assert len(shown_ids(first)) == listing.PAGE_SIZE
    assert shown_ids(first) | shown_ids(second) >= made
    assert not shown_ids(first) & shown_ids(second)


@pytest.mark.parametrize("rt", TYPES)
def test_masked_and_hidden_fields_in_list_cells(demo, login, rt):
    listed = [n for n, _l in registry.module(rt.module).policy_fields if n in rt.list_columns]
    if not listed:
        pytest.skip("no policy field among the list columns")
    name = listed[0]
    rep = demo["rep_east1"]
    make(rt.key, rep, 1, **{name: "13809228860"})
    for role in rep.roles.all():
        role.field_policies = {rt.module: {name: FieldRule.MASKED_IN_LIST}}
        role.save()
    html = login("rep_east1").get(url(rt)).content.decode()
    assert "13809228860" not in html and "138****8860" in html
    for role in rep.roles.all():
        role.field_policies = {rt.module: {name: FieldRule.HIDDEN}}
        role.save()
    html = login("rep_east1").get(url(rt)).content.decode()
    assert "138****8860" not in html and "13809228860" not in html
    assert str(rt.model_field(name).verbose_name) not in html


@pytest.mark.parametrize("rt", TYPES)
def test_filter_and_search_narrow_the_list(demo, login, rt):
    rep = demo["rep_east1"]
    a = make(rt.key, rep, 1)
    b = make(rt.key, rep, 2)
    client = login("rep_east1")
    html = client.get(url(rt), {"q": rt.title_of(a)}).content.decode()
    assert a.pk in shown_ids(html) and b.pk not in shown_ids(html)
    partial = client.get(
        url(rt), {"q": rt.title_of(a)}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-body"
    )
    assert "<html" not in partial.content.decode() and a.pk in shown_ids(partial.content.decode())


@pytest.mark.parametrize("rt", TYPES)
def test_list_queries_do_not_grow_with_rows(demo, login, rt, django_assert_max_num_queries):
    rep = demo["rep_east1"]
    client = login("rep_east1")
    make(rt.key, rep, 1)
    client.get(url(rt))  # warm caches (dictionaries, rights)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url(rt))
    for n in range(2, 26):
        make(rt.key, rep, n)
    with django_assert_max_num_queries(len(one)):
        assert len(shown_ids(client.get(url(rt)).content.decode())) == listing.PAGE_SIZE


@pytest.mark.parametrize("rt", TYPES)
def test_column_choice_and_order_persist_per_user(demo, login, rt):
    make(rt.key, demo["rep_east1"], 1)
    client = login("rep_east1")
    first, second = rt.list_columns[1], rt.list_columns[0]
    assert client.get(url(rt, "columns")).status_code == 200
    response = client.post(url(rt, "columns"), {"columns": [first, second, "custom_data"]})
    assert response.status_code == 302
    html = client.get(url(rt)).content.decode()
    label_a = str(rt.model_field(first).verbose_name)
    label_b = str(rt.model_field(second).verbose_name)
    head = html.split('id="list-body"')[1].split("<tbody>")[0]
    assert label_a in head and label_b in head and head.index(label_a) < head.index(label_b)
    third = str(rt.model_field(rt.list_columns[2]).verbose_name)
    assert third not in head
    other = login("rep_east2").get(url(rt)).content.decode().split("<tbody>")[0]
    assert third in other.split('id="list-body"')[1]  # another user keeps the defaults
