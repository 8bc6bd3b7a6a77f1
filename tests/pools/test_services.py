"""POOL-01..08 services on one connection: claim, assign, limits, cooldown, return,
recycle rules, warnings and statistics."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from huike.core.errors import ConflictError, DomainError
from huike.core.models import Notification
from huike.customers import actions
from huike.customers.models import Customer, CustomerMember
from huike.org.models import Department, Role
from huike.pools import services
from huike.pools.models import HoldingLimit, Pool, PoolEvent, RecycleRule

pytestmark = pytest.mark.django_db


def test_only_one_default_pool(pool):
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.create(name="second", is_default=True)
    assert services.default_pool() == pool


def test_claim_makes_the_member_the_owner(demo, pool, pooled):
    (customer,) = pooled(1)
    result = services.claim(demo["rep_east1"], pool, [customer])
    customer.refresh_from_db()
    assert result.taken == [customer.pk]
    assert customer.pool_id is None and customer.owner == demo["rep_east1"]
    assert PoolEvent.objects.filter(kind="claim", user=demo["rep_east1"]).count() == 1


def test_second_claim_of_one_customer_loses(demo, pool, pooled):
    (customer,) = pooled(1)
    services.claim(demo["rep_east1"], pool, [customer])
    with pytest.raises(ConflictError):
        services.claim(demo["rep_east2"], pool, [customer])
    customer.refresh_from_db()
    assert customer.owner == demo["rep_east1"]


def test_non_members_cannot_claim(demo, pool, pooled):
    (customer,) = pooled(1)
    pool.departments.set([Department.objects.get(name="华北销售组")])
    with pytest.raises(PermissionDenied):
        services.claim(demo["rep_east1"], pool, [customer])
    services.claim(demo["rep_north1"], pool, [customer])


def test_holding_limit_per_role_and_user_override(demo, pool, pooled, owned):
    rep = demo["rep_east1"]
    HoldingLimit.objects.create(role=Role.objects.get(code="sales_rep"), max_customers=2)
    owned(rep, "自己的客户")
    customers = pooled(3)
    with pytest.raises(DomainError) as error:
        services.claim(rep, pool, customers[:2])
    assert error.value.code == "holding_limit"
    services.claim(rep, pool, customers[:1])
    HoldingLimit.objects.create(user=rep, max_customers=3)
    services.claim(rep, pool, customers[1:2])
    with pytest.raises(DomainError):
        services.claim(rep, pool, customers[2:])


def test_daily_claim_limit(demo, pool, pooled):
    rep = demo["rep_east1"]
    HoldingLimit.objects.create(user=rep, max_claims_per_day=2)
    customers = pooled(3)
    services.claim(rep, pool, customers[:2])
    with pytest.raises(DomainError) as error:
        services.claim(rep, pool, customers[2:])
    assert error.value.code == "daily_limit"
    services.claim(rep, pool, customers[2:], now=timezone.now() + timedelta(days=1))


def test_cooldown_after_returning(demo, pool, pooled):
    pool.claim_cooldown_days = 3
    pool.save()
    rep = demo["rep_east1"]
    (customer,) = pooled(1)
    services.claim(rep, pool, [customer])
    services.return_to_pool(rep, [customer], "not interested", pool=pool)
    with pytest.raises(DomainError) as error:
        services.claim(rep, pool, [customer])
    assert error.value.code == "cooldown"
    services.claim(rep, pool, [customer], now=timezone.now() + timedelta(days=4))


def test_assign_by_admin_checks_the_target_limit(demo, pool, pooled):
    customers = pooled(2)
    HoldingLimit.objects.create(user=demo["rep_east2"], max_customers=1)
    with pytest.raises(PermissionDenied):
        services.assign(demo["rep_east1"], pool, customers, demo["rep_east2"])
    with pytest.raises(DomainError):
        services.assign(demo["manager_east"], pool, customers, demo["rep_east2"])
    services.assign(demo["manager_east"], pool, customers[:1], demo["rep_east2"])
    assert Customer.objects.get(pk=customers[0].pk).owner == demo["rep_east2"]
    assert Notification.objects.filter(recipient=demo["rep_east2"], kind="pool").exists()


def test_return_needs_a_reason_and_clears_the_team(demo, pool, owned):
    rep = demo["rep_east1"]
    customer = owned(rep, "退回客户")
    actions.add_member(rep, customer, demo["rep_east2"])
    with pytest.raises(DomainError):
        services.return_to_pool(rep, [customer], "  ")
    services.return_to_pool(rep, [customer], "no budget")
    customer.refresh_from_db()
    assert customer.pool == pool
    assert not CustomerMember.objects.filter(customer=customer).exists()
    event = PoolEvent.objects.get(kind="return")
    assert event.reason == "no budget" and event.user == rep


def test_pooled_customer_is_never_held(demo, pool, owned):
    from huike.pools.limits import held_count

    rep = demo["rep_east1"]
    customer = owned(rep, "持有")
    assert held_count(rep) == 1
    services.return_to_pool(rep, [customer], "done")
    assert held_count(rep) == 0


def _age(customer, days, **fields):
    at = timezone.now() - timedelta(days=days)
    Customer.objects.filter(pk=customer.pk).update(created_at=at, owned_since=at, **fields)


def test_recycle_no_follow_up_rule(demo, pool, owned):
    rep = demo["rep_east1"]
    old, fresh, followed = (owned(rep, n) for n in ("老客户", "新客户", "跟进客户"))
    _age(old, 31)
    _age(followed, 31, last_follow_up_at=timezone.now() - timedelta(days=2))
    rule = RecycleRule.objects.create(pool=pool, name="30 days", no_follow_up_days=30)
    assert services.recycle() == 1
    old.refresh_from_db()
    assert old.pool == pool
    assert Customer.objects.get(pk=fresh.pk).pool is None
    assert Customer.objects.get(pk=followed.pk).pool is None
    event = PoolEvent.objects.get(kind="recycle", customer=old)
    assert event.rule == rule and event.user == rep
    assert Notification.objects.filter(recipient=rep, kind="pool").exists()


def test_recycle_no_deal_rule_and_filters(demo, pool, owned):
    rep = demo["rep_east1"]
    a, b, c, d = (owned(rep, f"成交{i}") for i in range(4))
    for customer in (a, b, c, d):
        _age(customer, 61)
    Customer.objects.filter(pk=b.pk).update(status="transacting")
    Customer.objects.filter(pk=c.pk).update(deal_total=Decimal("10.00"))
    Customer.objects.filter(pk=d.pk).update(level="a")
    RecycleRule.objects.create(pool=pool, name="no deal", no_deal_days=60, levels=["b", ""])
    assert services.recycle(pool) == 1
    assert set(Customer.objects.filter(pool=pool).values_list("pk", flat=True)) == {a.pk}


def test_locked_customers_are_never_recycled(demo, pool, owned):
    rep = demo["rep_east1"]
    customer = owned(rep, "锁定")
    _age(customer, 100)
    actions.lock(rep, [customer])
    RecycleRule.objects.create(pool=pool, name="r", no_follow_up_days=10)
    assert services.recycle() == 0
    actions.unlock(rep, [customer])
    assert services.recycle() == 1


def test_rule_without_condition_recycles_nothing(demo, pool, owned):
    _age(owned(demo["rep_east1"], "x"), 100)
    RecycleRule.objects.create(pool=pool, name="empty")
    assert services.recycle() == 0


def test_warning_before_recycle_once(demo, pool, owned):
    rep = demo["rep_east1"]
    customer = owned(rep, "快到期")
    _age(customer, 28)
    RecycleRule.objects.create(pool=pool, name="r", no_follow_up_days=30, warn_days=3)
    assert services.warn_before() == 1
    assert Notification.objects.filter(recipient=rep, kind="pool").count() == 1
    # The next day it is already inside the window: no second warning.
    assert services.warn_before(now=timezone.now() + timedelta(days=1)) == 0


def test_warnings_walk_batches_and_keep_a_count_and_the_first_names(demo, pool, owned, monkeypatch):
    """Batches of 2 over 5 customers: every one warned once, one notice with the count and
    only the first names (memory does not grow with the run)."""
    monkeypatch.setattr(services, "BATCH", 2)
    monkeypatch.setattr(services, "NAMES_SHOWN", 3)
    rep = demo["rep_east1"]
    for n in range(5):
        _age(owned(rep, f"将到期{n}"), 28)
    RecycleRule.objects.create(pool=pool, name="r", no_follow_up_days=30, warn_days=3)
    assert services.warn_before() == 5
    warned = PoolEvent.objects.filter(kind=PoolEvent.Kind.WARN, user=rep)
    assert warned.count() == warned.values("customer").distinct().count() == 5
    notice = Notification.objects.get(recipient=rep, kind="pool")
    assert "5" in notice.title and len(notice.body.split(", ")) == 3
    assert services.warn_before() == 0


def test_statistics_per_user(demo, pool, pooled):
    customers = pooled(3)
    services.claim(demo["rep_east1"], pool, customers[:2])
    services.assign(demo["manager_east"], pool, customers[2:], demo["rep_east2"])
    services.return_to_pool(demo["rep_east1"], customers[:1], "bye", pool=pool)
    now = timezone.now()
    rows = {
        r["name"]: r
        for r in services.statistics(
            demo["manager_east"], pool, now - timedelta(days=1), now + timedelta(days=1)
        )
    }
    rep1 = rows[demo["rep_east1"].name]
    assert (rep1["claim"], rep1["return"]) == (2, 1)
    assert rows[demo["rep_east2"].name]["assign"] == 1


def test_privacy_fields_are_dropped(pool):
    pool.hidden_fields = ["mobile"]
    assert services.visible_fields(pool, ["name", "mobile"]) == ["name"]


def test_nightly_task_warns_and_recycles(demo, pool, owned):
    from huike.pools.tasks import recycle_customers

    due, soon = owned(demo["rep_east1"], "到期"), owned(demo["rep_east1"], "将到期")
    _age(due, 40)
    _age(soon, 28)
    RecycleRule.objects.create(pool=pool, name="r", no_follow_up_days=30, warn_days=3)
    assert recycle_customers.call_local() == 1
    assert Customer.objects.get(pk=due.pk).pool == pool
    assert PoolEvent.objects.get(kind="warn").customer_id == soon.pk
