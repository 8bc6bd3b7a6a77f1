"""CUS-02 under concurrency: many users creating the same customer at the same moment get
exactly one customer; every other one is told who already has it. Needs a real, committed
PostgreSQL database (each thread is its own connection), hence ``transaction=True``."""

from __future__ import annotations

import pytest
from django.db import connection

from huike.core.errors import ConflictError
from huike.customers import services
from huike.customers.models import Customer
from huike.org.demo import load_demo
from huike.org.models import User
from tests.parallel import run_together

VARIANTS = ["上海汇客科技有限公司", "上海汇客科技", "上海 汇客科技", "上海汇客科技有限责任公司"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_creators_of_one_name_get_one_customer():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent connections)")
    load_demo(sample_records=False)
    user_ids = list(
        User.objects.filter(username__in=["director", "manager_east", "manager_north"]).values_list(
            "pk", flat=True
        )
    )
    workers = 24
    actors = {pk: User.objects.get(pk=pk) for pk in user_ids}

    def work(index: int) -> tuple[str, object]:
        actor = actors[user_ids[index % len(user_ids)]]
        try:
            customer = services.create_customer(actor, {"name": VARIANTS[index % len(VARIANTS)]})
        except ConflictError as error:
            return "refused", error.message
        return "created", customer.pk

    results, errors = run_together(workers, work)
    created = [value for kind, value in results if kind == "created"]
    refused = [str(value) for kind, value in results if kind == "refused"]
    assert not errors, errors
    assert len(created) == 1
    assert len(refused) == workers - 1
    winner = Customer.objects.select_related("owner").get()
    assert all(winner.name in message and winner.owner.name in message for message in refused)
    assert winner.number.endswith("-0001")  # the losers gave their numbers back
