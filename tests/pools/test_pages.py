"""The pool pages: list, a pool's customers (members only, privacy fields hidden), claim
and assign forms, the return form, statistics and settings."""

from __future__ import annotations

import pytest

from huike.customers.models import Customer
from huike.pools.models import HoldingLimit, PoolEvent, RecycleRule

pytestmark = pytest.mark.django_db


def test_pool_pages_list_and_hide_privacy_fields(
    demo, pool, pooled, login, english, django_assert_max_num_queries
):
    pool.hidden_fields = ["mobile"]
    pool.save()
    customers = pooled(5)
    Customer.objects.update(mobile="13800001111")
    client = login("rep_east1")
    assert "公海" in client.get("/pools/").content.decode()
    with django_assert_max_num_queries(20):
        page = client.get(f"/pools/{pool.pk}/").content.decode()
    assert all(c.name in page for c in customers)
    assert "13800001111" not in page
    assert 'id="assign-selected"' not in page


def test_non_member_gets_404(demo, pool, login):
    pool.departments.clear()
    assert login("rep_east1").get(f"/pools/{pool.pk}/").status_code == 404


def test_claim_and_assign_forms(demo, pool, pooled, login):
    a, b = pooled(2)
    client = login("rep_east1")
    response = client.post(f"/pools/{pool.pk}/claim/", {"ids": [a.pk]})
    assert response.status_code == 302
    assert Customer.objects.get(pk=a.pk).owner == demo["rep_east1"]
    admin = login("manager_east")
    assert 'id="assign-selected"' in admin.get(f"/pools/{pool.pk}/").content.decode()
    admin.post(f"/pools/{pool.pk}/assign/", {"ids": [b.pk], "user": demo["rep_east2"].pk})
    assert Customer.objects.get(pk=b.pk).owner == demo["rep_east2"]


def test_claim_over_the_limit_shows_the_message(demo, pool, pooled, login, english):
    HoldingLimit.objects.create(user=demo["rep_east1"], max_customers=0)
    (a,) = pooled(1)
    client = login("rep_east1")
    page = client.post(f"/pools/{pool.pk}/claim/", {"ids": [a.pk]}, follow=True)
    assert "may hold at most 0 customers" in page.content.decode()
    assert Customer.objects.get(pk=a.pk).pool == pool


def test_return_form(demo, pool, owned, login):
    customer = owned(demo["rep_east1"], "退回表单")
    client = login("rep_east1")
    url = f"/pools/return/?ids={customer.pk}"
    assert "退回表单" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "没有预算", "pool": pool.pk}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).pool == pool
    assert PoolEvent.objects.get(kind="return").reason == "没有预算"


def test_statistics_page(demo, pool, pooled, login):
    (a,) = pooled(1)
    client = login("rep_east1")
    client.post(f"/pools/{pool.pk}/claim/", {"ids": [a.pk]})
    page = client.get(f"/pools/{pool.pk}/statistics/?days=7").content.decode()
    assert demo["rep_east1"].name in page


def test_settings_for_admins_only(demo, pool, login):
    assert login("rep_east1").get(f"/pools/{pool.pk}/settings/").status_code == 403
    admin = login("manager_east")
    assert admin.get(f"/pools/{pool.pk}/settings/").status_code == 200
    admin.post(
        f"/pools/{pool.pk}/settings/",
        {
            "action": "rule",
            "rule-name": "30天",
            "rule-no_follow_up_days": "30",
            "rule-warn_days": "3",
        },
    )
    assert RecycleRule.objects.get(pool=pool).no_follow_up_days == 30
    admin.post(
        f"/pools/{pool.pk}/settings/",
        {
            "action": "pool",
            "pool-name": "华东公海",
            "pool-claim_cooldown_days": "5",
            "pool-hidden_fields": ["mobile", "email"],
            "pool-admins": [demo["manager_east"].pk],
        },
    )
    pool.refresh_from_db()
    assert (pool.name, pool.claim_cooldown_days, pool.hidden_fields) == (
        "华东公海",
        5,
        ["mobile", "email"],
    )


def test_pool_page_shows_labels_not_codes(demo, pool, pooled, login, english):
    """Dictionary and choice columns read as on the customers list; the API keeps codes."""
    from huike.core import dictionaries

    pooled(1)
    Customer.objects.update(level="a", industry="manufacturing")
    page = login("rep_east1").get(f"/pools/{pool.pk}/").content.decode()
    level = dictionaries.label("customer_level", "a")
    industry = dictionaries.label("industry", "manufacturing")
    assert level != "a" and industry != "manufacturing"
    assert f"<td>{level}</td>" in page and f"<td>{industry}</td>" in page
    assert "<td>a</td>" not in page and "<td>manufacturing</td>" not in page
