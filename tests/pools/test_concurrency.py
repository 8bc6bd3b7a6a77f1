"""NFR-02 for the pool: 64 parallel clients, each on its own PostgreSQL connection, claim
at the same moment. The database must pick one winner per customer and no user may end
above the holding or daily limit. Needs committed data and real connections, hence
``transaction=True`` and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import Count

from huike.core.errors import DomainError
from huike.customers.models import Customer
from huike.org.models import Department, User
from huike.pools import services
from huike.pools.models import HoldingLimit, Pool, PoolEvent
from tests.parallel import run_together

WORKERS = 64
CLAIMERS = ["admin", "director", "manager_east", "manager_north", "rep_east1", "rep_east2"]
CLAIMERS += ["rep_north1"]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(demo):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent connections)")
    pool = Pool.objects.create(name="公海", is_default=True)
    pool.departments.add(Department.objects.get(parent__isnull=True))
    return pool


def _fill(pool: Pool, n: int) -> list[int]:
    owner = User.objects.get(username="director")
    rows = Customer.objects.bulk_create(
        Customer(name=f"并发{i}", name_key=f"并发{i}", owner=owner, created_by=owner)
        for i in range(n)
    )
    Customer.objects.filter(pk__in=[c.pk for c in rows]).update(pool=pool)
    return sorted(c.pk for c in rows)


def _run(work: Callable[[int], object]) -> tuple[list[object], list[BaseException]]:
    return run_together(WORKERS, work)


def _claim(pool_id: int, username: str, ids: list[int]) -> str:
    user = User.objects.get(username=username)
    pool = Pool.objects.get(pk=pool_id)
    try:
        services.claim(user, pool, ids)
    except DomainError as error:
        return error.code
    return "won"


def test_one_winner_per_customer(setup):
    pool = setup
    ids = _fill(pool, 8)
    results, errors = _run(
        lambda i: _claim(pool.pk, CLAIMERS[i % len(CLAIMERS)], [ids[i % len(ids)]])
    )
    assert not errors, errors
    outcome = Counter(results)
    assert outcome["won"] == len(ids)
    assert outcome["taken"] == WORKERS - len(ids)
    assert not Customer.objects.filter(pk__in=ids, pool__isnull=False).exists()
    per_customer = PoolEvent.objects.filter(kind="claim").values("customer").annotate(n=Count("pk"))
    assert {row["n"] for row in per_customer} == {1}


def test_no_user_ends_above_the_holding_limit(setup):
    pool = setup
    ids = _fill(pool, WORKERS)
    for username in CLAIMERS:
        HoldingLimit.objects.create(user=User.objects.get(username=username), max_customers=3)
    results, errors = _run(lambda i: _claim(pool.pk, CLAIMERS[i % len(CLAIMERS)], [ids[i]]))
    assert not errors, errors
    held = Counter(
        Customer.objects.filter(pk__in=ids, pool__isnull=True).values_list(
            "owner__username", flat=True
        )
    )
    assert held == dict.fromkeys(CLAIMERS, 3)
    assert Counter(results) == {"won": 3 * len(CLAIMERS), "holding_limit": WORKERS - 21}


def test_no_user_claims_above_the_daily_limit(setup):
    pool = setup
    ids = _fill(pool, WORKERS)
    for username in CLAIMERS:
        HoldingLimit.objects.create(user=User.objects.get(username=username), max_claims_per_day=2)
    # Bulk claims of two customers each: a user's later batch must not slip past the count.
    results, errors = _run(
        lambda i: _claim(pool.pk, CLAIMERS[i % len(CLAIMERS)], [ids[i], ids[(i + 1) % WORKERS]])
    )
    assert not errors, errors
    assert set(results) <= {"won", "taken", "daily_limit"} and "daily_limit" in results
    claims = Counter(
        PoolEvent.objects.filter(kind="claim").values_list("user__username", flat=True)
    )
    assert all(n <= 2 for n in claims.values()), claims
    assert (
        not Customer.objects.filter(pk__in=ids, pool__isnull=True)
        .exclude(pool_events__kind="claim")
        .exists()
    )
