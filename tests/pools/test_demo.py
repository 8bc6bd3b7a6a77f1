"""The demo company's public pool (SPEC.md, DEMO): 公共客户池 for the sales department with a
recycle rule, holding limits and customers given back with reasons, loaded once."""

from __future__ import annotations

import pytest

from huike.customers.models import Customer
from huike.org.demo import load_demo
from huike.pools import services
from huike.pools.demo import POOLED
from huike.pools.limits import limits_for
from huike.pools.models import Pool, PoolEvent


@pytest.fixture
def demo(demo):
    """The whole demo, sample records included (the shared fixture stops at users)."""
    load_demo()
    return demo


def test_default_pool_members_admins_and_rule(demo):
    pool = services.default_pool()
    assert pool.name == "公共客户池"
    assert set(pool.admins.values_list("username", flat=True)) == {
        "director",
        "manager_east",
        "manager_north",
    }
    for name in ("rep_east1", "rep_east2", "rep_north1", "manager_east", "director"):
        assert services.is_member(demo[name], pool), name
    assert not services.is_member(demo["service1"], pool)
    rule = pool.rules.get()
    assert (rule.enabled, rule.no_follow_up_days, rule.warn_days) == (True, 30, 3)
    assert limits_for(demo["rep_east1"]).max_customers == 50


def test_pooled_customers_carry_their_return_history(demo):
    pool = services.default_pool()
    pooled = Customer.objects.filter(pool=pool)
    assert set(pooled.values_list("name", flat=True)) == {row.name for row in POOLED}
    assert len(POOLED) >= 4
    for row in POOLED:
        event = PoolEvent.objects.get(customer__name=row.name)
        assert event.kind == PoolEvent.Kind.RETURN
        assert (event.user.username, event.reason) == (row.last_owner, row.reason)
    assert services.pool_customers(demo["rep_east2"], pool).count() == len(POOLED)


def test_another_rep_can_claim_a_demo_pool_customer(demo):
    pool = services.default_pool()
    customer = Customer.objects.get(name="上海嘉禾印务有限公司")
    result = services.claim(demo["rep_east1"], pool, [customer])
    assert result.taken == [customer.pk]
    customer.refresh_from_db()
    assert customer.owner == demo["rep_east1"] and customer.pool_id is None


def test_loading_again_creates_nothing(demo):
    counts = (Pool.objects.count(), PoolEvent.objects.count(), Customer.all_objects.count())
    load_demo()
    assert (Pool.objects.count(), PoolEvent.objects.count(), Customer.all_objects.count()) == counts
