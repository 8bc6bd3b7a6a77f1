"""CUS-02 under concurrency: many users creating the same customer at the same moment get
exactly one customer; every other one is told who already has it. Needs a real, committed
PostgreSQL database (each thread is its own connection), hence ``transaction=True``."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from huike.core.errors import ConflictError
from huike.customers import services
from huike.customers.models import Customer
from huike.org.demo import load_demo
from huike.org.models import User

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
    start = threading.Barrier(workers)
    lock = threading.Lock()
    created: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def work(index: int) -> None:
        from django.db import connection as own

        try:
            actor = User.objects.get(pk=user_ids[index % len(user_ids)])
            start.wait(timeout=30)
            try:
                customer = services.create_customer(
                    actor, {"name": VARIANTS[index % len(VARIANTS)]}
                )
            except ConflictError as error:
                with lock:
                    refused.append(error.message)
            else:
                with lock:
                    created.append(customer.pk)
        except BaseException as error:  # reported in the main thread
            with lock:
                errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert not errors, errors
    assert len(created) == 1
    assert len(refused) == workers - 1
    winner = Customer.objects.select_related("owner").get()
    assert all(winner.name in message and winner.owner.name in message for message in refused)
    assert winner.number.endswith("-0001")  # the losers gave their numbers back
