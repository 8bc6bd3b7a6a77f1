"""The benchmark cases run the real list and search code (not copies of it)."""

from __future__ import annotations

import pytest

from bench import bench_queries
from bench.generate import generate
from huike.core import listing
from huike.core import search as search_module
from huike.org.models import User


@pytest.fixture
def generated(db):
    return generate(60, 60, seed=3, workers=1, verbose=False)


def test_search_cases_go_through_the_search_module(generated, monkeypatch):
    calls = []
    real_narrow, real_search = search_module.narrow, search_module.search

    def narrow(*args, **kwargs):
        calls.append("narrow")
        return real_narrow(*args, **kwargs)

    def search(*args, **kwargs):
        calls.append("search")
        return real_search(*args, **kwargs)

    monkeypatch.setattr(search_module, "narrow", narrow)
    monkeypatch.setattr(search_module, "search", search)
    for name in ("base_queryset", "page", "bounded_count"):
        real = getattr(listing, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(listing, name, spy)
    results = bench_queries.run(["admin"], runs=1, warmup=0, show_explain=False)
    by_case = {label: rows for _user, _count, label, _p50, _p95, rows in results}
    # The list cases run the list's own code (scope, filters, q, sort, cursor, count).
    assert {"narrow", "search", "base_queryset", "page", "bounded_count"} <= set(calls)
    assert by_case["list first page"] == bench_queries.PAGE
    assert by_case["list deep page (90 %)"] > 0
    assert by_case["list q contacts '张伟'"] >= 0
    assert by_case["global search pinyin full 'huike'"] > 0
    assert by_case["list q pinyin full 'huike'"] > 0
    admin = User.objects.get(username="admin")
    assert len(bench_queries.global_search_qs(admin, "huike")) > 0
