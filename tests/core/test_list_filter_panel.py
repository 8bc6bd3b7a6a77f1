"""The list page's filter panel, chips, extra columns (tags, custom fields), bounded count,
previous page and export button (PLT-07). Parametrized over ``record_types()`` so every
type gets them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huike.core import custom_fields, filtering, listing, tags
from huike.core.models_lists import ListPreference
from huike.core.record_types import record_types
from tests.record_samples import make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def url(rt, name="list"):
    return reverse(f"{rt.key}:{name}")


def shown(response):
    assert response.status_code == 200, response.content.decode()[:500]
    return {int(pk) for pk in re.findall(r'data-record-id="(\d+)"', response.content.decode())}


def _def(rt, kind):
    found = [d for d in filtering.filter_defs(rt) if d.kind == kind and d.custom is None]
    return found[0] if found else None


@pytest.mark.parametrize("rt", TYPES)
def test_panel_offers_a_widget_per_filter_kind(demo, login, rt):
    custom_fields.create_field(demo["admin"], rt.module, "budget", "number", label_en="Budget")
    html = login("rep_east1").get(url(rt)).content.decode()
    assert 'id="list-filter-panel"' in html and "offcanvas-md" in html
    assert 'name="created_at__min"' in html and 'name="created_at__max"' in html
    assert 'name="cf_budget__min"' in html and 'name="cf_budget__max"' in html
    assert re.search(r'<input[^>]*name="tags"[^>]*data-tags', html)
    assert re.search(r'<select[^>]*name="owner_department"', html)
    if _def(rt, "user"):
        owner = re.search(r'<select[^>]*name="owner"[^>]*>(.*?)</select>', html, re.S)
        assert "multiple data-enhance" in owner.group(0) and 'value="me"' in owner.group(1)
    if _def(rt, "choice"):
        name = _def(rt, "choice").name
        assert re.search(rf'<select[^>]*name="{name}"[^>]*multiple data-enhance', html)


@pytest.mark.parametrize("rt", TYPES)
def test_created_at_range_filters(demo, login, rt):
    rep = demo["rep_east1"]
    old, new = make(rt.key, rep, 1), make(rt.key, rep, 2)
    rt.model.objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(dt.datetime(2020, 5, 1, 12))
    )
    client = login("rep_east1")
    assert shown(client.get(url(rt), {"created_at__max": "2020-05-01"})) == {old.pk}
    assert old.pk not in shown(client.get(url(rt), {"created_at__min": "2020-05-02"}))
    assert new.pk in shown(client.get(url(rt), {"created_at__min": "2020-05-02"}))


@pytest.mark.parametrize("rt", TYPES)
def test_owner_me_and_department(demo, login, rt):
    if _def(rt, "user") is None or "owner" not in {d.name for d in filtering.filter_defs(rt)}:
        pytest.skip("no owner filter")
    own = make(rt.key, demo["manager_east"], 1)
    rep = make(rt.key, demo["rep_east1"], 2)
    north = make(rt.key, demo["rep_north1"], 3)
    client = login("manager_east")
    mine = shown(client.get(url(rt), {"owner": "me"}))
    assert own.pk in mine and rep.pk not in mine
    both = shown(client.get(url(rt), {"owner": ["me", str(demo["rep_east1"].pk)]}))
    assert {own.pk, rep.pk} <= both
    admin = login("admin")
    east = shown(admin.get(url(rt), {"owner_department": demo["rep_east1"].department_id}))
    assert rep.pk in east and north.pk not in east


@pytest.mark.parametrize("rt", TYPES)
def test_tags_filter_and_its_chip(demo, login, english, rt):
    rep = demo["rep_east1"]
    a, b = make(rt.key, rep, 1), make(rt.key, rep, 2)
    tags.add_tags(rep, [a], ["VIP"], module=rt.module)
    client = login("rep_east1")
    response = client.get(url(rt), {"tags": "VIP", "sort": "-updated_at"})
    assert shown(response) == {a.pk}
    html = response.content.decode()
    chip = re.search(r'<a class="[^"]*records-chip" href="\?([^"]*)"[^>]*>([^<]*)', html)
    assert chip and "Tags: VIP" in chip.group(2)
    removed = chip.group(1).replace("&amp;", "&")
    assert "tags=" not in removed and "sort=" in removed
    assert {a.pk, b.pk} <= shown(client.get(url(rt) + "?" + removed))


@pytest.mark.parametrize("rt", TYPES)
def test_choice_filter_takes_several_values(demo, login, rt):
    d = _def(rt, "choice")
    if d is None or len(d.choices) < 3:
        pytest.skip("no choice filter with three options")
    rep = demo["rep_east1"]
    records = [make(rt.key, rep, n) for n in range(1, 4)]
    for record, (value, _label) in zip(records, d.choices, strict=False):
        rt.model.objects.filter(pk=record.pk).update(**{d.name: value})
    values = [d.choices[0][0], d.choices[1][0]]
    result = shown(login("rep_east1").get(url(rt), {d.name: values}))
    assert {records[0].pk, records[1].pk} <= result and records[2].pk not in result


@pytest.mark.parametrize("rt", TYPES)
def test_custom_field_range_filter(demo, login, rt):
    field = custom_fields.create_field(
        demo["admin"], rt.module, "budget", "number", label_en="Budget"
    )
    rep = demo["rep_east1"]
    small, big = make(rt.key, rep, 1), make(rt.key, rep, 2)
    for record, amount in ((small, 10), (big, 500)):
        rt.model.objects.filter(pk=record.pk).update(
            custom_data={"budget": custom_fields.to_json(field, Decimal(amount))}
        )
    client = login("rep_east1")
    assert shown(client.get(url(rt), {"cf_budget__min": "100"})) == {big.pk}
    assert shown(client.get(url(rt), {"cf_budget__max": "100"})) == {small.pk}


@pytest.mark.parametrize("rt", TYPES)
def test_bad_filter_value_shows_the_message_not_a_500(demo, login, english, rt):
    make(rt.key, demo["rep_east1"], 1)
    response = login("rep_east1").get(url(rt), {"created_at__min": "not-a-date"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="list-error"' in html and "is not a valid filter value" in html
    assert "data-record-id" not in html
    partial = login("rep_east1").get(
        url(rt),
        {"cf_x": "1", "owner": "nobody"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="list-body",
    )
    assert partial.status_code == 200  # htmx swaps only 2xx: the message must reach the page
    assert 'id="list-error"' in partial.content.decode()


@pytest.mark.parametrize("rt", TYPES)
def test_tags_and_custom_columns_without_n_plus_one(demo, login, rt, django_assert_max_num_queries):
    rep = demo["rep_east1"]
    custom_fields.create_field(demo["admin"], rt.module, "helper", "user", label_en="Helper")
    custom_fields.create_field(demo["admin"], rt.module, "budget", "number", label_en="Budget")
    ListPreference.objects.create(
        user=rep, type_key=rt.key, columns=[rt.list_columns[0], "tags", "cf_helper", "cf_budget"]
    )
    helper = demo["rep_east2"]

    def add(n):
        record = make(rt.key, rep, n)
        rt.model.objects.filter(pk=record.pk).update(custom_data={"helper": helper.pk, "budget": n})
        tags.add_tags(rep, [record], [f"标签{n}"], module=rt.module)
        return record

    add(1)
    client = login("rep_east1")
    client.get(url(rt))  # warm caches
    with CaptureQueriesContext(connection) as one:
        html = client.get(url(rt)).content.decode()
    head = html.split("<tbody>")[0]
    assert "Helper" in head or "helper" in head
    assert "标签1" in html and (helper.name or helper.username) in html
    for n in range(2, 26):
        add(n)
    with django_assert_max_num_queries(len(one)):
        html = client.get(url(rt)).content.decode()
    assert "标签25" in html and len(re.findall(r'data-record-id="', html)) == listing.PAGE_SIZE
    form = client.get(url(rt, "columns")).content.decode()
    assert 'value="tags"' in form and 'value="cf_helper"' in form


@pytest.mark.parametrize("rt", TYPES)
def test_count_is_bounded(demo, login, english, rt, monkeypatch):
    rep = demo["rep_east1"]
    for n in range(1, 8):
        make(rt.key, rep, n)
    client = login("rep_east1")
    html = client.get(url(rt)).content.decode()
    assert re.search(r'id="list-count">\s*7 of 7\s*<', html)
    monkeypatch.setattr(listing, "COUNT_LIMIT", 5)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url(rt)).content.decode()
    assert "7 of 5+" in html
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 6" in sql for sql in counts if rt.model._meta.db_table in sql)


@pytest.mark.parametrize("rt", TYPES)
def test_previous_page_link_goes_back(demo, login, rt):
    rep = demo["rep_east1"]
    for n in range(1, 46):
        make(rt.key, rep, n)
    client = login("rep_east1")
    first = client.get(url(rt)).content.decode()
    assert 'id="list-prev"' not in first

    def follow(html, anchor):
        link = re.search(rf'href="\?([^"]*)" id="{anchor}"', html).group(1)
        return client.get(url(rt) + "?" + link.replace("&amp;", "&")).content.decode()

    second = follow(first, "list-next")
    third = follow(second, "list-next")
    ids = lambda html: re.findall(r'data-record-id="(\d+)"', html)  # noqa: E731
    assert ids(follow(third, "list-prev")) == ids(second)
    back_to_first = follow(second, "list-prev")
    assert ids(back_to_first) == ids(first) and 'id="list-prev"' not in back_to_first


@pytest.mark.parametrize("rt", TYPES)
def test_export_button_carries_the_query(demo, login, rt):
    make(rt.key, demo["manager_east"], 1)
    html = login("manager_east").get(url(rt), {"q": "x"}).content.decode()
    assert re.search(
        rf'href="{re.escape(url(rt, "export"))}\?[^"]*q=x[^"]*" id="list-export"', html
    )
    assert "data-bulk-export" in html
    assert 'id="list-export"' not in login("rep_east1").get(url(rt)).content.decode()
