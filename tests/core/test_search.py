# ruff: noqa: RUF001  (full-width characters are the subject here)
"""Global search (PLT-06): /search/?q= and GET /api/v1/search/ across every record type the
user may view, in their scope, with field permissions applied to matching and display."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.core.cache import cache
from django.db import connection

from huike.core.record_types import record_type, record_types
from huike.core.search import narrow, search, search_type, text_q
from huike.org.models import Role
from tests.record_samples import SAMPLES, make

pytestmark = pytest.mark.django_db

TYPES = [rt.key for rt in record_types()]


def _api(client, q, **extra):
    response = client.get("/api/v1/search/", {"q": q, **extra})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _ids(client, q, key):
    return [hit["id"] for hit in _api(client, q).get(key, [])]


def _rep_role() -> Role:
    return Role.objects.get(code="sales_rep")


def _set_rep_role(**changes) -> None:
    Role.objects.filter(pk=_rep_role().pk).update(**changes)
    cache.clear()


@pytest.fixture
def bank(demo):
    """上海浦东发展银行 (rep_east1's) with its contact 江总, 13809228860."""
    owner = demo["rep_east1"]
    customer = make(
        "customers", owner, 1, name="上海浦东发展银行股份有限公司", email="hq@spdb.example"
    )
    contact = make(
        "contacts",
        owner,
        1,
        name="江总",
        customer=customer.pk,
        mobile="13809228860",
        email="jiang.zong@spdb.example",
    )
    return customer, contact


# -- every record type -----------------------------------------------------------------------
@pytest.mark.parametrize("key", TYPES)
def test_each_type_is_found_by_its_sample_query_in_page_and_api(demo, login, key):
    overrides, query = SAMPLES[key].search
    record = make(key, demo["rep_east1"], 7, **overrides)
    client = login("rep_east1")
    assert record.pk in _ids(client, query, key)
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    assert f'id="search-group-{key}"' in page.content.decode()
    assert f'data-id="{record.pk}"' in page.content.decode()


@pytest.mark.parametrize("key", TYPES)
def test_records_outside_the_scope_are_not_found(demo, login, key):
    overrides, query = SAMPLES[key].search
    record = make(key, demo["rep_east1"], 7, **overrides)
    assert record.pk not in _ids(login("rep_east2"), query, key)
    assert record.pk in _ids(login("manager_east"), query, key)


@pytest.mark.parametrize("key", TYPES)
def test_a_type_the_user_may_not_view_is_not_searched(demo, login, key):
    overrides, query = SAMPLES[key].search
    make(key, demo["rep_east1"], 7, **overrides)
    perms = [p for p in _rep_role().permissions if p != f"{key}.view"]
    _set_rep_role(permissions=perms)
    client = login("rep_east1")
    assert key not in _api(client, query)
    assert f'id="search-group-{key}"' not in client.get("/search/", {"q": query}).content.decode()


@pytest.mark.parametrize("key", TYPES)
def test_types_parameter_limits_the_groups(demo, login, key):
    overrides, query = SAMPLES[key].search
    make(key, demo["rep_east1"], 7, **overrides)
    client = login("rep_east1")
    others = [k for k in TYPES if k != key]
    assert key in _api(client, query, types=key)
    if others:
        assert key not in _api(client, query, types=",".join(others))


# -- what matches ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "shanghai",  # full pinyin
        "ShangHai",  # any case
        "shpd",  # initials
        "shpdfzyh",
        "pufa",  # abbreviation token: 上|浦|发|银 → shang pu fa yin
        "上海",  # the name itself (2 characters: prefix look-up)
        "浦东",  # 2 characters inside the name: found through its pinyin, pudong
        "浦发",  # the customary abbreviation, stored as pinyin only (pufa)
        "浦东发展",  # inside the name
        "上海浦东发展银行有限公司",  # legal form folded away like the stored name
        "hq@spdb.example",  # e-mail
        "HQ＠SPDB.EXAMPLE",  # full-width IME input
    ],
)
def test_customer_found_by_pinyin_name_and_email(bank, login, query):
    customer, _contact = bank
    assert customer.pk in _ids(login("rep_east1"), query, "customers")


def test_customer_found_by_its_number(bank, login):
    customer, _contact = bank
    customer.refresh_from_db()
    assert customer.number
    assert customer.pk in _ids(login("rep_east1"), customer.number, "customers")
    assert customer.pk in _ids(login("rep_east1"), customer.number.lower(), "customers")


@pytest.mark.parametrize(
    "query", ["8860", "28860", "13809228860", "+86 138-0922-8860", "jiangzong"]
)
def test_contact_found_by_phone_full_or_ending_and_pinyin(bank, login, query):
    _customer, contact = bank
    assert contact.pk in _ids(login("rep_east1"), query, "contacts")


def test_no_match_and_blank_query(bank, login):
    client = login("rep_east1")
    assert _api(client, "beijing") == {}
    assert _api(client, "   ") == {}
    assert _api(client, "9999") == {}
    page = client.get("/search/", {"q": "beijing"}).content.decode()
    assert 'id="search-no-results"' in page
    assert 'id="search-empty"' in client.get("/search/").content.decode()


def test_short_queries_match_the_start_of_a_word(demo, login):
    owner = demo["rep_east1"]
    pujiang = make("customers", owner, 5, name="浦江物流有限公司")
    other = make("customers", owner, 6, name="金浦贸易有限公司")  # jinpu: pu inside a word
    found = _ids(login("rep_east1"), "pu", "customers")
    assert pujiang.pk in found
    assert other.pk not in found
    rt = record_type("customers")
    if connection.vendor == "postgresql":  # SQLite: one FTS5 MATCH (test_search_fts.py)
        assert "search_key__startswith" in str(text_q(rt, "上海", prefix_only=True))
        assert "search_key__contains" in str(text_q(rt, "浦东发展"))
    assert text_q(rt, "  ") is None


# -- field permissions -----------------------------------------------------------------------
@pytest.mark.parametrize("rule", ["masked", "hidden"])
def test_masked_phone_does_not_match_by_digits(bank, login, rule):
    _customer, contact = bank
    _set_rep_role(field_policies={"contacts": {"mobile": rule}, "customers": {"mobile": rule}})
    client = login("rep_east1")
    assert contact.pk not in _ids(client, "8860", "contacts")
    assert contact.pk not in _ids(client, "13809228860", "contacts")
    assert contact.pk not in _ids(client, "0922", "contacts")
    # The name is still searchable, and the list's q follows the same rule.
    assert contact.pk in _ids(client, "jiangzong", "contacts")
    rep = demo_user("rep_east1")
    rt = record_type("contacts")
    assert not narrow(rt, rt.model.objects.all(), "8860", user=rep).filter(pk=contact.pk)
    assert narrow(rt, rt.model.objects.all(), "8860").filter(pk=contact.pk)


def test_masked_in_list_phone_still_matches(bank, login):
    _customer, contact = bank
    _set_rep_role(field_policies={"contacts": {"mobile": "masked_list"}})
    assert contact.pk in _ids(login("rep_east1"), "8860", "contacts")


def test_masked_email_does_not_match_by_address(bank, login):
    _customer, contact = bank
    _set_rep_role(field_policies={"contacts": {"email": "masked"}})
    assert contact.pk not in _ids(login("rep_east1"), "jiang.zong@spdb.example", "contacts")


def test_policy_fields_under_the_title_are_masked(demo):
    rt = replace(record_type("customers"), search_subtitle_fields=("mobile", "city"))
    make("customers", demo["rep_east1"], 3, name="华东测试客户", mobile="13912340003")
    _set_rep_role(field_policies={"customers": {"mobile": "masked"}})
    (hit,) = search_type(demo_user("rep_east1"), rt, "华东测试").hits
    assert hit.title == "华东测试客户"
    assert hit.subtitle == "139****0003"
    _set_rep_role(field_policies={"customers": {"mobile": "hidden"}})
    (hit,) = search_type(demo_user("rep_east1"), rt, "华东测试").hits
    assert hit.subtitle == ""


def test_chinese_abbreviations_by_pinyin(demo, login):
    record = make("customers", demo["rep_east1"], 4, name="中国石油化工股份有限公司")
    assert record.pk in _ids(login("rep_east1"), "中石化", "customers")
    assert record.pk not in _ids(login("rep_east1"), "中石油", "customers")


def demo_user(username):
    from huike.org.models import User

    return User.objects.get(username=username)


# -- grouping, "more", cost ------------------------------------------------------------------
def test_top_five_per_type_with_a_more_link(demo, login):
    owner = demo["rep_east1"]
    for n in range(7):
        make("customers", owner, 40 + n, name=f"浦江物流{n}号有限公司")
    client = login("rep_east1")
    assert len(_ids(client, "pujiang", "customers")) == 5
    groups = search(owner, "pujiang")
    group = next(g for g in groups if g.key == "customers")
    assert len(group.hits) == 5
    hit = group.hits[0]
    assert hit.url and hit.url.endswith(f"/customers/{hit.id}/")
    assert hit.owner == str(owner)
    if group.more_url is not None:  # the list page exists
        assert group.more_url.endswith("?q=pujiang")
        assert (
            'class="btn btn-ghost-primary btn-sm search-more"'
            in client.get("/search/", {"q": "pujiang"}).content.decode()
        )
    assert len(_api(client, "pujiang", limit="2")["customers"]) == 2


def test_query_count_is_one_per_type(bank, login, django_assert_max_num_queries):
    client = login("rep_east1")
    client.get("/search/", {"q": "shanghai"})  # warm the session and rights
    with django_assert_max_num_queries(len(TYPES) + 8):
        assert client.get("/search/", {"q": "shanghai"}).status_code == 200
    with django_assert_max_num_queries(len(TYPES) + 8):
        _api(client, "8860")


def test_htmx_request_gets_the_results_fragment(bank, login):
    response = login("rep_east1").get("/search/", {"q": "pufa"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="search-group-customers"' in body
    assert "<html" not in body


def test_sign_in_required(client, db):
    assert client.get("/search/", {"q": "x"}).status_code == 302
    assert client.get("/api/v1/search/", {"q": "x"}).status_code in (401, 403)


def test_api_shape_and_schema(bank, login):
    customer, _contact = bank
    client = login("rep_east1")
    results = _api(client, "pufa")
    assert set(results) == {"customers"}
    assert results["customers"][0] == {
        "id": customer.pk,
        "title": customer.name,
        "subtitle": results["customers"][0]["subtitle"],
        "url": f"/customers/{customer.pk}/",
    }
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/search/" in schema


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL-only")
@pytest.mark.parametrize(
    ("key", "query"),
    [
        ("customers", "pufa"),
        ("customers", "浦东"),
        ("customers", "上"),
        ("customers", "pu"),
        ("contacts", "8860"),
    ],
)
def test_postgresql_uses_the_indexes(demo, key, query):
    """Every branch of the condition is indexable: the trigram index for the key (also for
    a short query's anchored prefix), btree ranges for phone endings."""
    rt = record_type(key)
    owner = demo["rep_east1"]
    extra = {"customer": make("customers", owner, 1)} if key == "contacts" else {}
    filler = []
    for n in range(3000):
        row = rt.model(
            name=f"填充{n}",
            search_key=f"填充{n} tianchong{n} tc{n} 1390000{n:04d}",
            mobile_rev=f"{n:04d}0000931",
            owner=owner,
            created_by=owner,
            updated_by=owner,
            **extra,
        )
        if hasattr(row, "name_key"):
            row.name_key = row.name
        filler.append(row)
    rt.model.objects.bulk_create(filler)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {rt.model._meta.db_table}")
        # A small table: scans, or any index on "deleted_at IS NULL", look cheaper than they
        # are at a million rows. Take them away (the test's transaction rolls this back) to
        # see whether the search's own indexes serve the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE "
            "'%%_pkey' AND indexname NOT LIKE '%%trgm%%' AND indexdef NOT LIKE '%%_rev)%%'",
            [rt.model._meta.db_table],
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        qs = rt.model.objects.filter(text_q(rt, query, prefix_only=len(query) < 3))
        plan = qs.explain()
    assert "Seq Scan" not in plan, plan
    assert "_pkey" not in plan, plan
    assert "Bitmap Index Scan on " + key[:3] + "_search_trgm" in plan, plan
