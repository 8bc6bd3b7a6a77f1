"""The schema: migrations apply on both databases, the trigram search index on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import connection

from huike.core.records_registry import dependents_of
from huike.core.registry import registry
from huike.customers.models import Contact, Customer


def test_record_types_pass_the_system_checks(db):
    assert not [e for e in checks.run_checks() if e.id and e.id.startswith("huike.")]


def test_declarations(db):
    assert registry.scoped(Customer).module == "customers"
    assert registry.scoped(Contact).module == "contacts"
    assert {t.model for t in registry.handover} >= {Customer, Contact}
    assert [d.model for d in dependents_of(Customer)] == [Contact]
    assert {"customers", "contacts"} <= set(registry.menu)


def test_search_key_has_a_trigram_index_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN "
            "('cus_search_trgm', 'con_search_trgm')"
        )
        found = dict(cursor.fetchall())
    assert set(found) == {"cus_search_trgm", "con_search_trgm"}
    assert all("gin_trgm_ops" in d for d in found.values())


def test_search_key_finds_by_pinyin_abbreviation(demo, make_customer):
    from huike.core.text import normalise_search_query

    make_customer(demo["rep_east1"], "上海浦东发展银行股份有限公司", mobile="13809228860")
    make_customer(demo["rep_east1"], "北京汇客")
    for query in ("pufa", "shpd", "8860", "浦东发展"):
        hits = Customer.objects.filter(search_key__contains=normalise_search_query(query))
        assert [c.name for c in hits] == ["上海浦东发展银行股份有限公司"], query
