"""Pool throughput (NFR-02): ``python -m bench.bench_pools --claims 2000 --recycle 20000``.

Run against a throw-away, migrated PostgreSQL database (it adds rows and leaves them):

    export HUIKE_DATABASE_URL=postgres://root@127.0.0.1:5432/huike_bench_pools
    .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_pools --clients 64 --claims 2000 --recycle 20000

Two measurements:

* claims/s: ``--clients`` threads, each on its own database connection, released together,
  claim ``--claims`` pool customers one at a time through ``services.claim`` (each customer is
  wanted by two clients, so half the attempts lose the race and answer "taken"). Checked
  afterwards: exactly one claim event per customer, none left both pooled and owned.
* the nightly recycle over ``--recycle`` owned customers all past a 30-day no-follow-up rule
  (created first in 10,000-row INSERTs, with progress): wall time, progress every 30 s, and
  the peak resident memory of the process before and after the recycle
  (``resource.getrusage``; ru_maxrss is in KiB on Linux).
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
import uuid
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huike.settings")

CLAIMERS = ("director", "manager_east", "manager_north", "rep_east1", "rep_east2", "rep_north1")


def _customers(n: int, owner, tag: str, batch: int = 10_000, **fields) -> list[int]:
    """``n`` customers of ``owner`` in ``batch``-row INSERTs (bulk_create, no services: the
    services' duplicate checks and logs are not what is measured), with progress."""
    from huike.customers.models import Customer

    ids: list[int] = []
    began = time.perf_counter()
    for start in range(0, n, batch):
        rows = Customer.objects.bulk_create(
            Customer(
                name=f"{tag}-{i}", name_key=f"{tag}-{i}", owner=owner, created_by=owner, **fields
            )
            for i in range(start, min(n, start + batch))
        )
        ids.extend(c.pk for c in rows)
        if n > batch:
            rate = len(ids) / (time.perf_counter() - began)
            print(f"\rcustomers: {len(ids):,} of {n:,} ({rate:,.0f}/s)", end="", flush=True)
    if n > batch:
        print()
    return ids


def _pool(tag: str):
    from huike.org.models import Department
    from huike.pools.models import Pool

    pool = Pool.objects.create(name=f"bench {tag}")
    pool.departments.add(Department.objects.get(parent__isnull=True))
    return pool


def bench_claims(clients: int, claims: int) -> dict:
    from django.db import connection

    from huike.customers.models import Customer
    from huike.org.models import User
    from huike.pools import services
    from huike.pools.models import PoolEvent

    tag = uuid.uuid4().hex[:8]
    pool = _pool(tag)
    owner = User.objects.get(username="director")
    ids = _customers(claims, owner, f"claim-{tag}")
    Customer.objects.filter(pk__in=ids).update(pool=pool)
    users = {u.username: u.pk for u in User.objects.filter(username__in=CLAIMERS)}
    connection.close()
    start = threading.Barrier(clients + 1)
    outcome = {"won": 0, "taken": 0, "error": 0}
    lock = threading.Lock()

    def work(index: int) -> None:
        from django.db import connection as own

        from huike.core.errors import DomainError

        user = User.objects.get(pk=users[CLAIMERS[index % len(CLAIMERS)]])
        mine = ids[index // 2 :: clients // 2]  # two clients per customer
        start.wait()
        for pk in mine:
            try:
                services.claim(user, pool, [pk])
                key = "won"
            except DomainError:
                key = "taken"
            except Exception:
                key = "error"
            with lock:
                outcome[key] += 1
        own.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    events = PoolEvent.objects.filter(pool=pool, kind="claim")
    assert events.count() == events.values("customer").distinct().count() == claims
    assert not Customer.objects.filter(pk__in=ids, pool__isnull=False).exists()
    return {
        "clients": clients,
        "customers": claims,
        "attempts": sum(outcome.values()),
        **outcome,
        "seconds": round(seconds, 2),
        "claims_per_s": round(claims / seconds, 1),
        "attempts_per_s": round(sum(outcome.values()) / seconds, 1),
    }


def _progress(rule_id: int, total: int, stop: threading.Event) -> None:
    """Print how many customers the run has recycled so far (its own connection)."""
    from django.db import connection as own

    from huike.pools.models import PoolEvent

    began = time.perf_counter()
    while not stop.wait(30):
        done = PoolEvent.objects.filter(rule=rule_id, kind="recycle").count()
        rate = done / (time.perf_counter() - began)
        print(f"recycled: {done:,} of {total:,} ({rate:,.0f}/s)", flush=True)
    own.close()


def bench_recycle(n: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from huike.customers.models import Customer
    from huike.org.models import User
    from huike.pools import services
    from huike.pools.models import RecycleRule

    tag = uuid.uuid4().hex[:8]
    pool = _pool(tag)
    owner = User.objects.get(username="rep_east1")
    old = timezone.now() - timedelta(days=40)
    made = time.perf_counter()
    _customers(n, owner, f"recycle-{tag}", owned_since=old, created_at=old, updated_at=old)
    made = time.perf_counter() - made
    # As autovacuum would on a live table (and bench.generate does): without statistics the
    # planner takes a fresh million-row table for a few hundred rows and reads each batch
    # with a bitmap over every remaining row (a first attempt ran at 430 customers/s).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Customer._meta.db_table}")
    rule = RecycleRule.objects.create(pool=pool, name="bench", no_follow_up_days=30)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stop = threading.Event()
    watcher = threading.Thread(target=_progress, args=(rule.pk, n, stop), daemon=True)
    watcher.start()
    began = time.perf_counter()
    recycled = services.recycle(pool)
    seconds = time.perf_counter() - began
    stop.set()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert recycled >= n, recycled
    return {
        "customers": n,
        "created_in_s": round(made, 1),
        "batch": services.BATCH,
        "recycled": recycled,
        "seconds": round(seconds, 2),
        "per_s": round(recycled / seconds, 1),
        "peak_rss_mib_before_recycle": round(rss_before / 1024, 1),
        "peak_rss_mib": round(rss_after / 1024, 1),
        "rss_growth_mib": round((rss_after - rss_before) / 1024, 1),
    }


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--recycle", type=int, default=20000)
    args = parser.parse_args()
    django.setup()
    from huike.org.demo import load_demo
    from huike.org.models import User

    if not User.objects.filter(username="rep_east1").exists():
        load_demo(sample_records=False)
    print("claims:", bench_claims(args.clients, args.claims))
    print("recycle:", bench_recycle(args.recycle))


if __name__ == "__main__":
    main()
