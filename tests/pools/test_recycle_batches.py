"""POOL-02 at scale (NFR-02): the nightly recycle walks the due customers in keyset batches
over the primary key. Across batch boundaries every due customer must go back exactly once,
locked customers (CUS-06) and rows another transaction holds (SKIP LOCKED) must not, and the
owners' notifications must stay small however many customers they lose."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huike.core.models import Notification
from huike.customers import actions
from huike.customers.models import Customer
from huike.org.models import Department
from huike.pools import services
from huike.pools.models import Pool, PoolEvent, RecycleRule


def _age(customers, days: int) -> None:
    at = timezone.now() - timedelta(days=days)
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(created_at=at, owned_since=at)


def _recycled_once(ids) -> bool:
    per_customer = (
        PoolEvent.objects.filter(kind="recycle", customer__in=ids)
        .values("customer")
        .annotate(n=Count("pk"))
    )
    return {row["customer"]: row["n"] for row in per_customer} == dict.fromkeys(ids, 1)


@pytest.mark.django_db
def test_every_due_customer_is_recycled_once_across_batches(demo, pool, owned, monkeypatch):
    monkeypatch.setattr(services, "BATCH", 2)
    rep = demo["rep_east1"]
    rows = [owned(rep, f"批次{i}") for i in range(9)]
    # Due and not-due customers interleave, so batches are cut in the middle of both.
    due, fresh = rows[0::2], rows[1::2]
    locked = due.pop(2)
    _age([*due, locked], 40)
    actions.lock(rep, [locked])
    RecycleRule.objects.create(pool=pool, name="30 days", no_follow_up_days=30)

    with CaptureQueriesContext(connection) as queries:
        assert services.recycle() == len(due) == 4
    assert set(Customer.objects.filter(pool=pool).values_list("pk", flat=True)) == {
        c.pk for c in due
    }
    assert _recycled_once([c.pk for c in due])
    assert not PoolEvent.objects.filter(customer__in=[locked, *fresh]).exists()
    # 4 due customers in batches of 2: reads of 2, 2 and 0 rows, each after the last id read
    # before (keyset), never again from the start.
    reads = [q["sql"] for q in queries.captured_queries if "LIMIT 2" in q["sql"]]
    assert len(reads) == 3
    assert sum('"id" >' in sql for sql in reads) == 3
    # A second run finds nothing left.
    assert services.recycle() == 0


@pytest.mark.django_db
def test_notifications_count_everything_but_name_only_a_few(
    demo, pool, owned, monkeypatch, english
):
    monkeypatch.setattr(services, "BATCH", 5)
    rep, other = demo["rep_east1"], demo["rep_east2"]
    many = [owned(rep, f"客户{i:02d}") for i in range(services.NAMES_SHOWN + 3)]
    single = owned(other, "独苗")
    _age([*many, single], 40)
    RecycleRule.objects.create(pool=pool, name="30 days", no_follow_up_days=30)
    kept = {}
    tell = services._tell_owners
    monkeypatch.setattr(services, "_tell_owners", lambda lost: (kept.update(lost), tell(lost)))

    assert services.recycle() == len(many) + 1
    # The run keeps a count and NAMES_SHOWN names per owner, not every name it moved.
    assert (kept[rep.pk].count, len(kept[rep.pk].names)) == (len(many), services.NAMES_SHOWN)
    note = Notification.objects.get(recipient=rep, kind="pool")
    assert note.title == f"{len(many)} of your customers went back to the public pool"
    assert note.body.split(", ") == [c.name for c in many[: services.NAMES_SHOWN]]
    assert Notification.objects.get(recipient=other, kind="pool").body == "独苗"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_held_by_another_transaction_are_skipped_not_waited_on(demo, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (a second connection holding a row lock)")
    monkeypatch.setattr(services, "BATCH", 2)
    pool = Pool.objects.create(name="公海", is_default=True)
    pool.departments.add(Department.objects.get(parent__isnull=True))
    owner = demo["rep_east1"]
    rows = Customer.objects.bulk_create(
        Customer(name=f"并发回收{i}", name_key=f"并发回收{i}", owner=owner, created_by=owner)
        for i in range(7)
    )
    ids = sorted(c.pk for c in rows)
    _age(rows, 40)
    RecycleRule.objects.create(pool=pool, name="30 days", no_follow_up_days=30)
    held_id = ids[3]  # inside the second batch
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        from django.db import connection as own

        try:
            with transaction.atomic():
                Customer.objects.select_for_update().get(pk=held_id)
                holding.set()
                release.wait(timeout=60)
        except BaseException as error:  # reported in the main thread
            errors.append(error)
        finally:
            holding.set()
            own.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        recycled = services.recycle()
    finally:
        release.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert recycled == len(ids) - 1
    pooled = set(Customer.objects.filter(pool=pool).values_list("pk", flat=True))
    assert pooled == set(ids) - {held_id}
    assert Counter(
        PoolEvent.objects.filter(kind="recycle").values_list("customer_id", flat=True)
    ) == dict.fromkeys(pooled, 1)
    # Next night the row is free again and goes back.
    assert services.recycle() == 1
    assert _recycled_once(ids)
