"""Time the queries list pages and global search run: ``python -m bench.bench_queries``.

Run it after ``python -m bench.generate`` against the same database. Every case builds its
queryset through the real code: ``huike.core.scopes.visible()`` for the scope,
``huike.core.filtering.apply_filters`` for list filters, ``huike.core.search.narrow`` for the
list's ``q`` and ``huike.core.search.search`` for the global search (all types the user may
view, 5 per type: exactly what /search/ and /api/v1/search/ run). Lists are keyset pages
of 20 rows (never OFFSET; the count stops at 1,001), evaluated to model instances.
List cases call the list's own code (``huike.core.listing``: ``base_queryset`` for scope,
scene, filters and ``q``, ``page`` for the sort and keyset cursor, ``bounded_count`` for the
"20 of 1,000+" above the table): exactly the queries the list page runs.
The timer covers building the queryset (the scope's supervisor look-up included) and fetching
the rows: the server-side cost of the query, not of rendering. Each case runs ``--warmup``
times untimed, then ``--runs`` times; p50 and p95 are reported in milliseconds.
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


def _list(key: str, user: Any, params: dict[str, str], sort: str | None = None, **cursors: str):
    """What the list view runs for ``params`` (``huike.core.records_ui.listing``): the
    queryset of ``listing.base_queryset`` (scope, scene, filters, ``q``), one keyset page of
    ``listing.page`` and the ``listing.bounded_count`` shown above the table."""
    from huike.core import listing
    from huike.core.record_types import record_type

    rt = record_type(key)
    qs = listing.base_queryset(rt, user, params)
    result = listing.page(rt, qs, sort, cursors.get("cursor"), before=cursors.get("before"))
    listing.bounded_count(qs)
    return result.rows


def _cursor_at(
    key: str, user: Any, params: dict[str, str], fraction: float, sort: str = "-updated_at"
) -> str | None:
    """The list's cursor (``listing.encode_cursor``) at ``fraction`` of the rows in the order
    ``sort`` (NULLs last, as the list puts them), found once, untimed, with OFFSET: a user
    gets there by following cursors."""
    from django.db.models import F

    from huike.core import listing
    from huike.core.record_types import record_type

    rt = record_type(key)
    qs = listing.base_queryset(rt, user, params)
    total = qs.count()
    if not total:
        return None
    column = sort.lstrip("-")
    order = (
        F(column).desc(nulls_last=True) if sort.startswith("-") else F(column).asc(nulls_last=True)
    )
    ordered = qs.order_by(order, "-pk" if sort.startswith("-") else "pk")
    value, pk = ordered.values_list(column, "id")[int(total * fraction)]
    return listing.encode_cursor(value, pk)


def list_cases(user: Any) -> list[tuple[str, Callable[[], list]]]:
    cursor = _cursor_at("customers", user, {}, DEEP)
    level_cursor = _cursor_at("customers", user, {"level": "a"}, DEEP)
    contacts_cursor = _cursor_at("contacts", user, {}, DEEP)
    name_cursor = _cursor_at("customers", user, {}, DEEP, "name")
    next_cursor = _cursor_at("customers", user, {}, DEEP, "-next_contact_at")

    def case(params: dict[str, str], sort: str | None = None, key: str = "customers", **c):
        return lambda: _list(key, user, params, sort, **c)

    return [
        ("list first page", case({})),
        ("list deep page (90 %)", case({}, cursor=cursor)),
        ("list previous page (from 90 %)", case({}, before=cursor)),
        ("filter level=a, first page", case({"level": "a"})),
        ("filter level=a, deep page", case({"level": "a"}, cursor=level_cursor)),
        ("scene mine, first page", case({"scene": "mine"})),
        ("sort -created_at, first page", case({}, "-created_at")),
        ("sort next_contact_at, first page", case({}, "next_contact_at")),
        ("sort -next_contact_at, first page", case({}, "-next_contact_at")),
        ("sort name, first page", case({}, "name")),
        ("sort name, deep page (90 %)", case({}, "name", cursor=name_cursor)),
        (
            "sort -next_contact_at, deep page (90 %)",
            case({}, "-next_contact_at", cursor=next_cursor),
        ),
        ("sort -next_contact_at, previous page", case({}, "-next_contact_at", before=next_cursor)),
        ("contacts list first page", case({}, key="contacts")),
        ("contacts list deep page (90 %)", case({}, key="contacts", cursor=contacts_cursor)),
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
        # A frequent name: thousands of matches, the opposite case for the planner.
        "common contact name": "张伟",
    }


def global_search(user: Any, query: str) -> list:
    """What /search/?q= runs: every type the user may view, 5 hits each."""
    from huike.core.search import search

    return [hit for group in search(user, query) for hit in group.hits]


def search_cases(user: Any, queries: dict[str, str]) -> list[tuple[str, Callable[[], list]]]:
    cases = []
    customer_queries = {k: v for k, v in queries.items() if "contact name" not in k}
    for label, query in customer_queries.items():
        cases.append(
            (f"list q {label} {query!r}", lambda q=query: _list("customers", user, {"q": q}))
        )
    for name in (queries["contact name"], queries["common contact name"]):
        cases.append(
            (f"list q contacts {name!r}", lambda q=name: _list("contacts", user, {"q": q}))
        )
    for label, query in queries.items():
        if label == "common contact name":
            continue
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


def explain_list(key: str, user: Any, params: dict[str, str], **cursors: str) -> str:
    """The plan of the row query the list runs (captured from ``listing.page``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huike.core import listing
    from huike.core.record_types import record_type

    rt = record_type(key)
    qs = listing.base_queryset(rt, user, params)
    with CaptureQueriesContext(connection) as queries:
        listing.page(rt, qs, None, cursors.get("cursor"), before=cursors.get("before"))
    sql = queries.captured_queries[-1]["sql"]
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join(" | ".join(str(v) for v in row) for row in cursor.fetchall())


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
        director = User.objects.get(username="director")
        cursor = _cursor_at("customers", manager, {}, DEEP)
        if cursor:
            print("\nEXPLAIN manager_east, list deep page:\n")
            print(explain_list("customers", manager, {}, cursor=cursor))
        print(f"\nEXPLAIN manager_east, list q {queries['pinyin abbreviation']!r}:\n")
        print(explain_list("customers", manager, {"q": queries["pinyin abbreviation"]}))
        print(f"\nEXPLAIN director, list q name {queries['name substring']!r}:\n")
        print(explain_list("customers", director, {"q": queries["name substring"]}))
        print(f"\nEXPLAIN manager_east, list q phone {queries['phone last 4 digits']!r}:\n")
        print(explain_list("customers", manager, {"q": queries["phone last 4 digits"]}))
        for name in (queries["contact name"], queries["common contact name"]):
            print(f"\nEXPLAIN director, contacts list q {name!r}:\n")
            print(explain_list("contacts", director, {"q": name}))
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
