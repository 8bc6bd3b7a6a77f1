"""``huike.core.bulk_insert``: COPY on PostgreSQL stores exactly what ``bulk_create`` stores,
sets the keys, and a unique clash is Django's ``IntegrityError`` with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huike.core import bulk_insert
from huike.core.models import OperationLog
from huike.core.records import log_many
from huike.customers.models import Customer
from huike.org.models import User

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

#: Text COPY has to escape: tab, newline, carriage return, backslash, "\N", quotes, Chinese.
AWKWARD = "a\tb\nc\rd\\e \\N \"f\" 'g' 汇客"


def _customers(owner: User, tag: str) -> list[Customer]:
    when = timezone.now().replace(microsecond=123456)
    return [
        Customer(
            owner=owner,
            created_by=owner,
            updated_by=owner,
            name=f"{tag}{n}号有限公司",
            name_key=f"{tag}{n}号",
            remark=AWKWARD if n == 0 else "",
            address="",
            registered_capital=Decimal("1234567.89") if n else None,
            staff_size=n or None,
            next_contact_at=when + dt.timedelta(days=n) if n != 1 else None,
            is_locked=n == 2,
            custom_data={"region": AWKWARD, "n": n, "at": "2026-12-04"} if n else {},
        )
        for n in range(3)
    ]


def _stored(pks: list[int]) -> list[dict]:
    """Every column of the rows but the key, the names and the moment of the insert."""
    rows = list(Customer.objects.filter(pk__in=pks).order_by("pk").values())
    for row in rows:
        for column in ("id", "name", "name_key", "updated_at"):
            row.pop(column)
    return rows


def test_copy_stores_what_bulk_create_stores(demo, monkeypatch):
    owner = demo["rep_east1"]
    plain = Customer.objects.bulk_create(_customers(owner, "甲"))
    monkeypatch.setattr(bulk_insert, "COPY_FROM", 1)
    copied = _customers(owner, "乙")
    for one, other in zip(plain, copied, strict=True):
        other.created_at = one.created_at
    with CaptureQueriesContext(connection) as queries:
        bulk_insert.insert(Customer, copied)
    assert not any("INSERT" in q["sql"] for q in queries.captured_queries)  # it was COPY
    assert all(c.pk and not c._state.adding for c in copied)
    assert len({c.pk for c in copied} | {c.pk for c in plain}) == 6
    stored_plain, stored_copied = _stored([c.pk for c in plain]), _stored([c.pk for c in copied])
    assert stored_copied == stored_plain
    assert [row["is_locked"] for row in stored_copied] == [False, False, True]
    assert Customer.objects.get(pk=copied[0].pk).remark == AWKWARD
    assert Customer.objects.get(pk=copied[1].pk).custom_data["region"] == AWKWARD


def test_a_unique_clash_is_an_integrity_error_and_writes_nothing(demo, monkeypatch):
    owner = demo["rep_east1"]
    Customer.objects.bulk_create(_customers(owner, "丙")[:1])
    monkeypatch.setattr(bulk_insert, "COPY_FROM", 1)
    before = Customer.objects.count()
    clash = _customers(owner, "丙")  # 丙0 exists
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert.insert(Customer, clash)
    assert Customer.objects.count() == before


def test_small_sets_keep_bulk_create(demo):
    rows = _customers(demo["rep_east1"], "丁")
    with CaptureQueriesContext(connection) as queries:
        bulk_insert.insert(Customer, rows)
    assert any(q["sql"].startswith("INSERT") for q in queries.captured_queries)


def test_a_large_log_goes_through_copy_with_every_column(demo, monkeypatch):
    monkeypatch.setattr(bulk_insert, "COPY_FROM", 2)
    customers = Customer.objects.bulk_create(_customers(demo["rep_east1"], "戊"))
    logs = log_many(
        demo["admin"],
        OperationLog.Action.CREATE,
        [(c, [{"field": "remark", "old": "", "new": AWKWARD}], AWKWARD) for c in customers],
    )
    stored = OperationLog.objects.filter(pk__in=[log.pk for log in logs]).order_by("pk")
    assert [s.object_id for s in stored] == [str(c.pk) for c in customers]
    assert all(s.message == AWKWARD and s.changes[0]["new"] == AWKWARD for s in stored)
    assert all(s.actor_id == demo["admin"].pk and s.created_at for s in stored)
