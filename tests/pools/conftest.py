"""Fixtures of the pool tests: a pool the whole demo company belongs to, customers in it."""

from __future__ import annotations

from typing import Any

import pytest

from huike.customers import services as customer_services
from huike.customers.models import Customer
from huike.org.models import Department
from huike.pools.models import Pool
from huike.pools.services import _put


@pytest.fixture
def pool(demo):
    """The default pool: every department is a member, manager_east is its admin."""
    pool = Pool.objects.create(name="公海", is_default=True)
    pool.departments.add(Department.objects.get(parent__isnull=True))
    pool.admins.add(demo["manager_east"])
    return pool


@pytest.fixture
def pooled(demo, pool):
    """pooled(n) -> n customers created by the director and put into ``pool``."""

    def _make(n: int, prefix: str = "公海客户", target: Pool | None = None) -> list[Customer]:
        rows = [
            customer_services.create_customer(demo["director"], {"name": f"{prefix}{i}"})
            for i in range(n)
        ]
        from django.utils import timezone

        _put(
            Customer.objects.filter(pk__in=[c.pk for c in rows]).order_by("pk"),
            target or pool,
            actor=None,
            kind="recycle",
            now=timezone.now(),
        )
        return list(Customer.objects.filter(pk__in=[c.pk for c in rows]).order_by("pk"))

    return _make


@pytest.fixture
def owned(demo):
    """owned(user, name, **fields) -> a customer created by (and owned by) ``user``."""

    def _make(user: Any, name: str, **fields: Any) -> Customer:
        return customer_services.create_customer(user, {"name": name, **fields})

    return _make
