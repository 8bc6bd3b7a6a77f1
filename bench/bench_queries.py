"""Time the queries list pages and global search run: ``python -m bench.bench_queries``.

Run it after ``python -m bench.generate`` against the same database. Every case builds its
queryset through the real code: ``huike.core.scopes.visible()`` for the scope,
``huike.core.filtering.apply_filters`` for list filters, ``huike.core.search.narrow`` for the
list's ``q`` and ``huike.core.search.search`` for the global search (all types the user may
view, 5 per type: exactly what /search/ and /api/v1/search/ run). Lists are keyset-paginated
over (-updated_at, -id) (never OFFSET, never COUNT), 20 rows, evaluated to model instances.
The timer covers building the queryset (the scope's supervisor look-up included) and fetching
the rows: the server-side cost of the query, not of rendering. Each case runs ``--warmup``
times untimed, then ``--runs`` times; p50 and p95 are reported in milliseconds. The generic
list view (``huike.core.listing``) does not exist yet, so its ordering and cursor are
reproduced here (``keyset_after``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huike.settings")

PAGE = 20
USERS = ("rep_east1", "manager_east", "director", "admin")
#: How far down a "deep page" starts: this fraction of the user's visible rows.
DEEP = 0.9


def keyset_after(qs: Any, updated_at: Any, pk: int, bound: bool = True) -> Any:
    """Rows after (updated_at, pk) in (-updated_at, -id) order: what "next page" sends.

    ``bound`` adds the redundant ``updated_at <= cursor``: without it the planner cannot
    start the index scan at the cursor (the OR is only a filter) and reads every row before
    it; with it the scan starts there (measured: bench/RESULTS.md)."""
    from django.db.models import Q

    after = Q(updated_at__lt=updated_at) | Q(updated_at=updated_at, id__lt=pk)
    return qs.filter(Q(updated_at__lte=updated_at) & after if bound else after)


def _cursor_at(qs: Any, fraction: float) -> tuple[Any, int] | None:
    """The (updated_at, id) cursor at ``fraction`` of ``qs`` (found once, untimed, with OFFSET:
    a real user gets there by following cursors)."""
    total = qs.count()
    if not total:
        return None
    row = qs.order_by("-updated_at", "-id").values_list("updated_at", "id")[int(total * fraction)]
    return row[0], row[1]


def _filtered(user: Any, params: dict[str, str]) -> Any:
    """The user's customers narrowed by list filters, as the list page applies them."""
    from huike.core.filtering import apply_filters
    from huike.core.record_types import record_type
    from huike.core.scopes import visible
    from huike.customers.models import Customer

    return apply_filters(record_type("customers"), visible(user, Customer), params, user)


def list_cases(user: Any) -> list[tuple[str, Callable[[], list]]]:
    from huike.core.scopes import visible
    from huike.customers.models import Customer

    base = visible(user, Customer)
    cursor = _cursor_at(base, DEEP)
    level_cursor = _cursor_at(_filtered(user, {"level": "a"}), DEEP)

    def first() -> list:
        return list(visible(user, Customer).order_by("-updated_at", "-id")[:PAGE])

    def deep() -> list:
        qs = visible(user, Customer).order_by("-updated_at", "-id")
        return list(keyset_after(qs, *cursor)[:PAGE]) if cursor else []

    def deep_unbounded() -> list:
        qs = visible(user, Customer).order_by("-updated_at", "-id")
        return list(keyset_after(qs, *cursor, bound=False)[:PAGE]) if cursor else []

    def level_first() -> list:
        qs = _filtered(user, {"level": "a"}).order_by("-updated_at", "-id")
        return list(qs[:PAGE])

    def level_deep() -> list:
        qs = _filtered(user, {"level": "a"}).order_by("-updated_at", "-id")
        return list(keyset_after(qs, *level_cursor)[:PAGE]) if level_cursor else []

    def created_first() -> list:
        return list(visible(user, Customer).order_by("-created_at", "-id")[:PAGE])

    def next_contact_first() -> list:
        qs = visible(user, Customer).filter(next_contact_at__isnull=False)
        return list(qs.order_by("next_contact_at", "id")[:PAGE])

    return [
        ("list first page", first),
        ("list deep page (90 %)", deep),
        ("list deep page, OR-only cursor", deep_unbounded),
        ("filter level=a, first page", level_first),
        ("filter level=a, deep page", level_deep),
        ("sort -created_at, first page", created_first),
        ("sort next_contact_at, first page", next_contact_first),
    ]


def search_queries() -> dict[str, str]:
    """A name fragment, a full-pinyin fragment, a pinyin abbreviation and 4 final phone
    digits, all taken from generated rows so they find something."""
    from huike.core.text import pinyin_abbreviation
    from huike.customers.models import Contact, Customer

    sample = list(Customer.objects.order_by("id").values("name", "mobile_key")[:1000])
    person = Contact.objects.order_by("id").values_list("name", flat=True).first()
    name = sample[len(sample) // 2]["name"] if sample else "汇客"
    abbreviation = pinyin_abbreviation(name)[:8] or "beihuike"
    phone = next((row["mobile_key"] for row in sample if row["mobile_key"]), "13800138000")
    return {
        "name substring": name[2:4],
        "pinyin full": "huike",
        "pinyin abbreviation": abbreviation,
        "phone last 4 digits": phone[-4:],
        "contact name": person or "张伟",
    }


def search_qs(user: Any, query: str, key: str = "customers") -> Any:
    """The list's ``?q=``: the user's records narrowed by ``huike.core.search.narrow`` (search
    key, phone-ending ranges, the user's field policy), newest first."""
    from huike.core.record_types import record_type
    from huike.core.scopes import visible
    from huike.core.search import narrow

    rt = record_type(key)
    qs = narrow(rt, visible(user, rt.model), query, user=user)
    return qs.order_by("-updated_at", "-id")


def global_search(user: Any, query: str) -> list:
    """What /search/?q= runs: every type the user may view, 5 hits each."""
    from huike.core.search import search

    return [hit for group in search(user, query) for hit in group.hits]


def search_cases(user: Any, queries: dict[str, str]) -> list[tuple[str, Callable[[], list]]]:
    cases = []
    customer_queries = {k: v for k, v in queries.items() if k != "contact name"}
    for label, query in customer_queries.items():
        cases.append((f"list q {label} {query!r}", lambda q=query: list(search_qs(user, q)[:PAGE])))
    name = queries["contact name"]
    cases.append(
        (f"list q contacts {name!r}", lambda: list(search_qs(user, name, "contacts")[:PAGE]))
    )
    for label, query in queries.items():
        cases.append((f"global search {label} {query!r}", lambda q=query: global_search(user, q)))
    return cases


def measure(fn: Callable[[], Any], runs: int, warmup: int) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, rows of the last run)."""
    rows: Any = []
    for _ in range(warmup):
        rows = fn()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = fn()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, len(rows)


def explain(qs: Any) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return qs.explain(analyze=True, buffers=True)
    return qs.explain()


def run(users: Sequence[str], runs: int, warmup: int, show_explain: bool) -> list[tuple]:
    from django.db import connection

    from huike.core.scopes import visible
    from huike.customers.models import Contact, Customer
    from huike.org.models import User

    print(f"database: {connection.vendor}, {connection.settings_dict['NAME']}")
    print(f"customers: {Customer.objects.count():,}, contacts: {Contact.objects.count():,}")
    print(f"runs: {runs} after {warmup} warm-up, {PAGE} rows a page; times in ms\n")
    queries = search_queries()
    results = []
    print(f"| user | visible | case | p50 | p95 | rows |\n|{' --- |' * 6}")
    for username in users:
        user = User.objects.get(username=username)
        count = visible(user, Customer).count()
        for label, fn in list_cases(user) + search_cases(user, queries):
            p50, p95, rows = measure(fn, runs, warmup)
            results.append((username, count, label, p50, p95, rows))
            print(f"| {username} | {count:,} | {label} | {p50:.1f} | {p95:.1f} | {rows} |")
    if show_explain:
        manager = User.objects.get(username="manager_east")
        base = visible(manager, Customer).order_by("-updated_at", "-id")
        cursor = _cursor_at(base, DEEP)
        if cursor:
            print("\nEXPLAIN manager_east, deep page:\n")
            print(explain(keyset_after(base, *cursor)[:PAGE]))
            print("\nEXPLAIN manager_east, deep page, OR-only cursor:\n")
            print(explain(keyset_after(base, *cursor, bound=False)[:PAGE]))
        print(f"\nEXPLAIN manager_east, search {queries['pinyin abbreviation']!r}:\n")
        print(explain(search_qs(manager, queries["pinyin abbreviation"])[:PAGE]))
        print(f"\nEXPLAIN director, search name {queries['name substring']!r}:\n")
        director = User.objects.get(username="director")
        print(explain(search_qs(director, queries["name substring"])[:PAGE]))
        print(f"\nEXPLAIN manager_east, search phone {queries['phone last 4 digits']!r}:\n")
        print(explain(search_qs(manager, queries["phone last 4 digits"])[:PAGE]))
        for label in ("name substring", "pinyin full"):
            query = queries[label]
            print(f"\nEXPLAIN director, global search (customers) {label} {query!r}:\n")
            print(explain(global_search_qs(director, query)))
    return results


def global_search_qs(user: Any, query: str, key: str = "customers") -> Any:
    """The one query the global search runs for one type (``search_type``), for EXPLAIN."""
    from huike.core.record_types import record_type
    from huike.core.scopes import visible
    from huike.core.search import DEFAULT_LIMIT, TRIGRAM_MIN, text_q
    from huike.core.text import normalise_search_query

    rt = record_type(key)
    short = len(normalise_search_query(query)) < TRIGRAM_MIN
    match = text_q(rt, query, user=user, prefix_only=short)
    return visible(user, rt.model).filter(match).order_by()[: DEFAULT_LIMIT + 1]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--users", default=",".join(USERS))
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args(argv)

    import django

    django.setup()
    run(args.users.split(","), args.runs, args.warmup, not args.no_explain)


if __name__ == "__main__":
    main()
