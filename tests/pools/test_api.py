"""The pool and customer-action endpoints: they call the services and answer in JSON."""

from __future__ import annotations

import pytest

from huike.customers.models import Customer
from huike.pools.models import HoldingLimit

pytestmark = pytest.mark.django_db


def test_pool_list_and_customers_hide_privacy_fields(
    demo, pool, pooled, login, django_assert_max_num_queries
):
    pool.hidden_fields = ["mobile"]
    pool.save()
    pooled(5)
    client = login("rep_east1")
    pools = client.get("/api/v1/pools/").json()
    assert [(p["name"], p["customers"], p["is_admin"]) for p in pools] == [("公海", 5, False)]
    with django_assert_max_num_queries(12):
        body = client.get(f"/api/v1/pools/{pool.pk}/customers/").json()
    assert len(body["results"]) == 5
    assert all("mobile" not in row and "name" in row for row in body["results"])


def test_non_member_gets_404(demo, pool, login):
    pool.departments.clear()
    client = login("rep_east1")
    assert client.get(f"/api/v1/pools/{pool.pk}/customers/").status_code == 404
    assert client.get("/api/v1/pools/").json() == []


def test_claim_and_assign_endpoints(demo, pool, pooled, login):
    a, b, c = pooled(3)
    client = login("rep_east1")
    response = client.post(
        f"/api/v1/pools/{pool.pk}/claim/", {"ids": [a.pk]}, content_type="application/json"
    )
    assert response.json() == {"taken": [a.pk], "missed": []}
    again = client.post(
        f"/api/v1/pools/{pool.pk}/claim/", {"ids": [a.pk]}, content_type="application/json"
    )
    assert again.status_code == 409
    forbidden = client.post(
        f"/api/v1/pools/{pool.pk}/assign/",
        {"ids": [b.pk], "user": demo["rep_east2"].pk},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    HoldingLimit.objects.create(user=demo["rep_east2"], max_customers=1)
    admin = login("manager_east")
    over = admin.post(
        f"/api/v1/pools/{pool.pk}/assign/",
        {"ids": [b.pk, c.pk], "user": demo["rep_east2"].pk},
        content_type="application/json",
    )
    assert over.status_code == 400 and over.json()["code"] == "holding_limit"
    ok = admin.post(
        f"/api/v1/pools/{pool.pk}/assign/",
        {"ids": [b.pk], "user": demo["rep_east2"].pk},
        content_type="application/json",
    )
    assert ok.json()["taken"] == [b.pk]


def test_customer_action_endpoints(demo, pool, owned, login):
    customer = owned(demo["rep_east1"], "接口客户")
    client = login("rep_east1")
    url = f"/api/v1/customers/{customer.pk}/"
    assert client.post(url + "lock/").json() == {"count": 1}
    assert Customer.objects.get(pk=customer.pk).is_locked
    refused = client.post(url + "return-to-pool/", {"reason": "x"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "locked"
    assert client.post(url + "unlock/").json() == {"count": 1}
    missing = client.post(url + "return-to-pool/", {}, content_type="application/json")
    assert missing.status_code == 400
    moved = client.post(
        url + "transfer/",
        {"owner": demo["rep_east2"].pk, "keep_old_owner_as_member": True},
        content_type="application/json",
    )
    assert moved.json() == {"count": 1}
    assert Customer.objects.get(pk=customer.pk).owner == demo["rep_east2"]
    # rep_east1 stays as a read-only member: sees the customer, cannot lock it any more.
    other = login("rep_east2")
    back = other.post(url + "return-to-pool/", {"reason": "bye"}, content_type="application/json")
    assert back.json() == {"count": 1}
    assert Customer.objects.get(pk=customer.pk).pool == pool


def test_invisible_customer_is_404(demo, owned, login):
    customer = owned(demo["rep_east1"], "看不见")
    client = login("rep_north1")
    assert client.post(f"/api/v1/customers/{customer.pk}/lock/").status_code == 404


def test_statistics_endpoint(demo, pool, pooled, login):
    (a,) = pooled(1)
    client = login("rep_east1")
    client.post(f"/api/v1/pools/{pool.pk}/claim/", {"ids": [a.pk]}, content_type="application/json")
    rows = client.get(f"/api/v1/pools/{pool.pk}/statistics/?days=7").json()
    by_user = {r["user"]: r for r in rows}
    assert by_user[demo["rep_east1"].pk]["claim"] == 1
    assert by_user[demo["director"].pk]["recycle"] == 1  # the fixture filled the pool


def test_team_and_merge_endpoints(demo, owned, login):
    from huike.customers.models import CustomerMember

    keep = owned(demo["rep_east1"], "保留")
    remove = owned(demo["rep_east1"], "并入")
    client = login("rep_east1")
    url = f"/api/v1/customers/{keep.pk}/members/"
    added = client.post(
        url,
        {"user": demo["rep_east2"].pk, "access": "read_write", "until": "2099-01-01"},
        content_type="application/json",
    )
    assert added.json() == {"count": 1}
    assert CustomerMember.objects.get(customer=keep).access == "read_write"
    assert client.delete(f"{url}{demo['rep_east2'].pk}/").json() == {"count": 1}
    manager = login("manager_east")
    merged = manager.post(
        f"/api/v1/customers/{keep.pk}/merge/",
        {"remove": remove.pk},
        content_type="application/json",
    )
    assert merged.json() == {"count": 1}
    assert Customer.all_objects.get(pk=remove.pk).deleted_at is not None


@pytest.mark.parametrize(("keep", "access"), [("read_write", "read_write"), ("read", "read")])
def test_transfer_keeps_the_old_owner_with_the_access_asked(demo, owned, login, keep, access):
    from huike.customers.models import CustomerMember

    customer = owned(demo["rep_east1"], "保留团队")
    moved = login("rep_east1").post(
        f"/api/v1/customers/{customer.pk}/transfer/",
        {"owner": demo["rep_east2"].pk, "keep_old_owner_as_member": keep},
        content_type="application/json",
    )
    assert moved.json() == {"count": 1}
    member = CustomerMember.objects.get(customer=customer, user=demo["rep_east1"])
    assert member.access == access


def test_transfer_refuses_an_unknown_keep_value_and_changes_nothing(demo, owned, login, english):
    customer = owned(demo["rep_east1"], "不明保留")
    answer = login("rep_east1").post(
        f"/api/v1/customers/{customer.pk}/transfer/",
        {"owner": demo["rep_east2"].pk, "keep_old_owner_as_member": "sideways"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json() == {"keep_old_owner_as_member": ["Send false, true, read or read_write."]}
    assert Customer.objects.get(pk=customer.pk).owner == demo["rep_east1"]
