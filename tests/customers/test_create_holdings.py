"""POOL-05 on create: a new customer counts against its owner's holdings limit, whichever
way it is created (service, page, API, lead conversion), also under parallel creators."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from huike.core.errors import DomainError
from huike.customers import services
from huike.customers.models import Customer
from huike.org.api_auth import issue_token
from huike.org.models import Role, User
from huike.pools.models import HoldingLimit, Pool
from tests.parallel import run_together

LIMIT_MESSAGE = "may hold at most 2 customers and can take 0 more"


@pytest.fixture
def rep_with_two(demo, make_customer):
    """rep_east1 holding 2 customers, her limit."""
    rep = demo["rep_east1"]
    HoldingLimit.objects.create(user=rep, max_customers=2)
    make_customer(rep, "已有一")
    make_customer(rep, "已有二")
    return rep


@pytest.mark.django_db
def test_service_refuses_an_owner_at_the_limit(rep_with_two, english):
    with pytest.raises(DomainError) as error:
        services.create_customer(rep_with_two, {"name": "第三个"})
    assert error.value.code == "holding_limit"
    assert LIMIT_MESSAGE in error.value.message
    assert not Customer.all_objects.filter(name="第三个").exists()


@pytest.mark.django_db
def test_the_limit_is_the_owners_not_the_actors(demo, rep_with_two, english):
    manager = demo["manager_east"]
    with pytest.raises(DomainError):
        services.create_customer(manager, {"name": "替下属建"}, owner=rep_with_two)
    # The manager herself has no limit of her own.
    assert services.create_customer(manager, {"name": "自己的"}).owner == manager


@pytest.mark.django_db
def test_role_default_applies_and_pooled_customers_do_not_count(demo, make_customer):
    rep = demo["rep_east2"]
    HoldingLimit.objects.create(role=Role.objects.get(code="sales_rep"), max_customers=1)
    first = make_customer(rep, "第一个")
    with pytest.raises(DomainError):
        make_customer(rep, "第二个")
    pool = Pool.objects.create(name="公海", is_default=True)
    Customer.objects.filter(pk=first.pk).update(pool=pool)
    assert make_customer(rep, "第二个").owner == rep


@pytest.mark.django_db
def test_room_left_is_used_up_exactly(demo, make_customer):
    rep = demo["rep_east1"]
    HoldingLimit.objects.create(user=rep, max_customers=2)
    make_customer(rep, "一")
    make_customer(rep, "二")
    with pytest.raises(DomainError):
        make_customer(rep, "三")
    assert Customer.objects.filter(owner=rep).count() == 2


@pytest.mark.django_db
def test_create_page_shows_the_refusal_and_saves_nothing(rep_with_two, login, english):
    client = login("rep_east1")
    response = client.post("/customers/new/", {"name": "页面新建"})
    assert response.status_code == 200
    assert LIMIT_MESSAGE in response.content.decode()
    assert not Customer.all_objects.filter(name="页面新建").exists()


@pytest.mark.django_db
def test_api_create_is_refused(rep_with_two, english):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(rep_with_two)}")
    response = client.post(
        "/api/v1/customers/", {"name": "接口新建"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "holding_limit"
    assert LIMIT_MESSAGE in response.json()["detail"]
    assert not Customer.all_objects.filter(name="接口新建").exists()


# -- parallel creators on PostgreSQL --------------------------------------------------------

WORKERS = 8


def _create_in_parallel(username: str) -> tuple[Counter, list[BaseException]]:
    def create(index: int) -> str:
        user = User.objects.get(username=username)
        try:
            services.create_customer(user, {"name": f"并发新建{index}"})
        except DomainError as error:
            return error.code
        return "created"

    results, errors = run_together(WORKERS, create)
    return Counter(results), errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_creators_never_exceed_the_limit(demo):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent connections)")
    rep = demo["rep_east1"]
    HoldingLimit.objects.create(user=rep, max_customers=5)
    services.create_customer(rep, {"name": "已有一"})
    services.create_customer(rep, {"name": "已有二"})
    outcome, errors = _create_in_parallel("rep_east1")
    assert not errors, errors
    assert outcome == {"created": 3, "holding_limit": WORKERS - 3}
    assert Customer.objects.filter(owner=rep).count() == 5
