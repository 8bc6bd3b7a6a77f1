"""Generic export (PLT-08): the visible, filtered or selected rows of every record type as
XLSX or CSV, with the field policy applied and formulas neutralised."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache

from huike.core.record_types import record_type, record_types
from huike.core.tabular import read_table
from huike.org.models import Role
from tests.record_samples import SAMPLES, make

pytestmark = pytest.mark.django_db

#: Every registered type with sample data (test_record_type_coverage demands the samples).
TYPES = [rt.key for rt in record_types() if rt.key in SAMPLES]


def _rep_role() -> Role:
    return Role.objects.get(code="sales_rep")


def _grant_rep(key: str, *actions: str, field_policies=None) -> None:
    role = _rep_role()
    role.permissions = [*role.permissions, *(f"{key}.{a}" for a in actions)]
    if field_policies is not None:
        role.field_policies = field_policies
    role.save(update_fields=["permissions", "field_policies"])
    cache.clear()


def _rows(response, name="x.xlsx"):
    body = b"".join(response.streaming_content)
    with read_table(io.BytesIO(body), name) as table:
        return table.headers, [r.values for r in table]


def _label(key, name):
    return str(record_type(key).model_field(name).verbose_name)


@pytest.mark.parametrize("key", TYPES)
def test_export_needs_permission(demo, login, key):
    assert login("rep_east1").get(f"/{key}/export/").status_code == 403


@pytest.mark.parametrize("key", TYPES)
def test_rep_exports_only_own_records(demo, login, key):
    mine = make(key, demo["rep_east1"], 1)
    theirs = make(key, demo["rep_east2"], 2)
    _grant_rep(key, "export")
    response = login("rep_east1").get(f"/{key}/export/")
    assert response.status_code == 200
    assert ".xlsx" in response["Content-Disposition"]
    _headers, rows = _rows(response)
    title = _label(key, record_type(key).title_field)
    names = {r[title] for r in rows}
    assert str(getattr(mine, record_type(key).title_field)) in names
    assert str(getattr(theirs, record_type(key).title_field)) not in names


@pytest.mark.parametrize("key", TYPES)
def test_export_selected_ids_as_csv(demo, login, key):
    rt = record_type(key)
    a = make(key, demo["manager_east"], 1)
    make(key, demo["manager_east"], 2)
    response = login("manager_east").get(f"/{key}/export/", {"ids": a.pk, "format": "csv"})
    assert response.status_code == 200
    _headers, rows = _rows(response, "x.csv")
    assert [r[_label(key, rt.title_field)] for r in rows] == [rt.title_of(a)]


def test_export_filters_and_search(demo, login):
    make("customers", demo["manager_east"], 1, level="a", name="甲级客户有限公司")
    make("customers", demo["manager_east"], 2, level="b", name="乙级客户有限公司")
    client = login("manager_east")
    _h, rows = _rows(client.get("/customers/export/", {"level": "a"}))
    assert [r[_label("customers", "name")] for r in rows] == ["甲级客户有限公司"]
    _h, rows = _rows(client.get("/customers/export/", {"q": "乙级客户"}))
    assert [r[_label("customers", "name")] for r in rows] == ["乙级客户有限公司"]


def test_hidden_and_masked_fields(demo, login):
    make("customers", demo["rep_east1"], 1, email="boss@example.com", mobile="13912345678")
    _grant_rep(
        "customers", "export", field_policies={"customers": {"email": "hidden", "mobile": "masked"}}
    )
    headers, rows = _rows(login("rep_east1").get("/customers/export/"))
    assert _label("customers", "email") not in headers
    mobile = rows[0][_label("customers", "mobile")]
    assert "13912345678" not in mobile and "****" in mobile


def test_formula_injection_is_neutralised(demo, login):
    make("customers", demo["manager_east"], 1, name="=HYPERLINK(1)有限公司")
    response = login("manager_east").get("/customers/export/", {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)有限公司" in body


def test_custom_field_column_is_exported(demo, login):
    from huike.core import custom_fields

    custom_fields.create_field(demo["admin"], "customers", "region_code", "text", label_zh="区域码")
    make("customers", demo["manager_east"], 1, custom_data={"region_code": "R7"})
    headers, rows = _rows(login("manager_east").get("/customers/export/"))
    label = custom_fields.label_for("customers", "region_code")
    assert label in headers and rows[0][label] == "R7"


@pytest.mark.parametrize("key", TYPES)
def test_export_query_count_does_not_grow(demo, login, key, django_assert_max_num_queries):
    client = login("manager_east")
    for n in range(3):
        make(key, demo["manager_east"], n + 1)
    client.get(f"/{key}/export/")  # warm caches
    with django_assert_max_num_queries(15) as few:
        b"".join(client.get(f"/{key}/export/").streaming_content)
    for n in range(3, 23):
        make(key, demo["manager_east"], n + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        b"".join(client.get(f"/{key}/export/").streaming_content)
