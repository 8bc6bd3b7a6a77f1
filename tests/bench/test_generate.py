"""The benchmark data generator at tiny scale: rows valid, keys as the services make them."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from bench import bench_queries
from bench.generate import OWNERS, company_name, generate
from huike.core import dictionaries, listing
from huike.core.record_types import record_type
from huike.core.scopes import visible
from huike.core.text import (
    normalise_company_name,
    normalise_phone,
    phone_reverse_key,
    pinyin_full,
    search_keys,
)
from huike.customers import services
from huike.customers.models import Contact, Customer
from huike.org.models import User

CUSTOMERS, CONTACTS = 200, 400


@pytest.fixture
def generated(db):
    return generate(CUSTOMERS, CONTACTS, seed=1, workers=1, verbose=False)


def test_generated_names_avoid_existing_ones(db):
    """A demo sample customer with a name the generator would make does not break it."""
    from huike.org.demo import load_demo

    load_demo()
    rep = User.objects.get(username="rep_east1")
    services.create_customer(rep, {"name": company_name(0, seed=1)})
    first = generate(3, 3, seed=1, workers=1, verbose=False)["first_customer"]
    assert Customer.objects.get(pk=first).name == company_name(0, seed=1) + "二"
    connection.check_constraints()


def test_names_are_unique_by_construction():
    keys = {normalise_company_name(company_name(i, seed=3)) for i in range(20_000)}
    assert len(keys) == 20_000


def _customers(generated):
    first = generated["first_customer"]
    return Customer.objects.filter(id__gte=first, id__lt=first + CUSTOMERS)


def _contacts(generated):
    first = generated["first_contact"]
    return Contact.objects.filter(id__gte=first, id__lt=first + CONTACTS)


def test_generator_writes_valid_rows(generated):
    """The demo may hold sample customers of its own; only the generated range is checked."""
    assert _customers(generated).count() == CUSTOMERS
    assert _contacts(generated).count() == CONTACTS
    connection.check_constraints()  # the deferred foreign keys hold (primary contacts)
    names = set()
    for c in _customers(generated):
        assert c.name_key == normalise_company_name(c.name)
        assert c.pinyin == pinyin_full(c.name)
        assert c.search_key == search_keys(c.name, c.number, c.mobile, c.office_phone, c.email)
        assert (c.mobile_key, c.mobile_rev) == (
            normalise_phone(c.mobile),
            phone_reverse_key(c.mobile),
        )
        assert (c.phone_key, c.phone_rev) == (
            normalise_phone(c.office_phone),
            phone_reverse_key(c.office_phone),
        )
        for field, code in services.DICTIONARY_FIELDS.items():
            assert dictionaries.option(code, getattr(c, field)) is not None
        assert c.primary_contact.customer_id == c.pk and c.primary_contact.is_primary
        assert c.created_at <= c.updated_at
        names.add(c.name_key)
    assert len(names) == CUSTOMERS
    for contact in _contacts(generated).select_related("customer"):
        assert contact.owner_id == contact.customer.owner_id
        assert contact.search_key == search_keys(
            contact.name, contact.mobile, contact.phone, contact.email
        )
        assert contact.mobile_rev == phone_reverse_key(contact.mobile)
    assert _contacts(generated).filter(is_primary=True).count() == CUSTOMERS
    assert {c.customer_id for c in _contacts(generated)} == {c.pk for c in _customers(generated)}


def test_owners_spread_over_demo_sales_users(generated):
    owners = Counter(_customers(generated).values_list("owner__username", flat=True))
    assert set(owners) == set(OWNERS)
    assert max(owners.values()) - min(owners.values()) <= 1


def test_services_keep_working_after_generation(generated):
    """Sequences are moved past the generated ids; numbers and names do not collide."""
    rep = User.objects.get(username="rep_east1")
    customer = services.create_customer(rep, {"name": "一家全新的公司"})
    assert customer.pk > generated["first_customer"] + CUSTOMERS - 1
    assert customer.number
    contact = services.create_contact(rep, customer, {"name": "新联系人"})
    assert contact.pk > generated["first_contact"] + CONTACTS - 1


def test_benchmark_queries_run_and_respect_scopes(generated):
    results = bench_queries.run(["rep_east1", "admin"], runs=2, warmup=1, show_explain=True)
    by_case = {(user, label): rows for user, _count, label, _p50, _p95, rows in results}
    assert by_case[("admin", "list first page")] == bench_queries.PAGE
    assert by_case[("rep_east1", "list deep page (90 %)")] > 0
    rep = User.objects.get(username="rep_east1")
    page = bench_queries._list("customers", rep, {"q": "huike"})
    assert page and all(c.owner_id == rep.pk for c in page)


def test_phone_suffix_search_finds_the_customer(generated):
    admin = User.objects.get(username="admin")
    target = _customers(generated).exclude(mobile_key="").order_by("id").first()
    found = listing.base_queryset(record_type("customers"), admin, {"q": target.mobile[-4:]})
    assert target in found
    assert all(
        c.mobile_key.endswith(target.mobile[-4:])
        or c.phone_key.endswith(target.mobile[-4:])
        or target.mobile[-4:] in c.search_key
        for c in found
    )
    assert visible(admin, Customer).count() == Customer.objects.count()


def test_fewer_contacts_than_customers(db):
    first = generate(10, 4, seed=2, workers=1, verbose=False)["first_customer"]
    connection.check_constraints()
    generated = Customer.objects.filter(id__gte=first)
    with_primary = generated.filter(primary_contact__isnull=False)
    assert with_primary.count() == 4
    assert all(c.primary_contact.customer_id == c.pk for c in with_primary)


def test_deep_page_case_starts_after_its_cursor(generated):
    """The "deep page" case is the list's own next page after the row at 90 %."""
    manager = User.objects.get(username="manager_east")
    rt = record_type("customers")
    ordered = list(listing.ordered(listing.base_queryset(rt, manager, {}), "updated_at", True))
    at = int(len(ordered) * 0.5)
    cursor = bench_queries._cursor_at("customers", manager, {}, 0.5)
    rows = bench_queries._list("customers", manager, {}, cursor=cursor)
    assert rows == ordered[at + 1 : at + 21]
