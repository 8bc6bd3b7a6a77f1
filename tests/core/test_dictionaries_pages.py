"""Settings pages of option lists: access, inline editing, refused input, query counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from huike.core import dictionaries
from huike.core.models import OperationLog
from huike.core.models_config import Dictionary, DictionaryItem

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def edit_url(code: str = "customer_type") -> str:
    return reverse("config:dictionary_edit", args=[code])


def form_data(code: str = "customer_type", new: list[dict] | None = None, **changes) -> dict:
    """The editor's POST as a browser sends it, with ``changes`` = {value: {field: new}}."""
    dictionary = Dictionary.objects.get(code=code)
    items = list(dictionary.items.all())
    new = new or []
    data = {
        "code": dictionary.code,
        "name_zh": dictionary.name_zh,
        "name_en": dictionary.name_en,
        "items-TOTAL_FORMS": str(len(items) + max(3, len(new))),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(items):
        row = {
            "id": str(item.pk),
            "value": item.value,
            "label_zh": item.label_zh,
            "label_en": item.label_en,
            "color": item.color,
            "order": str(item.order),
            "enabled": item.enabled,
            "DELETE": False,
        }
        row.update(changes.get(item.value, {}))
        for name, value in row.items():
            if value is True:
                data[f"items-{index}-{name}"] = "on"
            elif value is not False:
                data[f"items-{index}-{name}"] = value
    # Blank rows come with their "enabled" box ticked, as the page renders them.
    new = new + [{}] * (max(3, len(new)) - len(new))
    for offset, row in enumerate(new):
        index = len(items) + offset
        for name, value in {"enabled": True, **row}.items():
            if value is True:
                data[f"items-{index}-{name}"] = "on"
            elif value is not False:
                data[f"items-{index}-{name}"] = value
    return data


def snapshot(code: str = "customer_type"):
    return list(
        DictionaryItem.objects.filter(dictionary__code=code).values_list(
            "value", "label_zh", "label_en", "order", "enabled", "color"
        )
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", reverse("config:dictionaries")),
        ("get", reverse("config:dictionary_create")),
        ("post", reverse("config:dictionary_create")),
        ("get", reverse("config:dictionary_edit", args=["customer_type"])),
        ("post", reverse("config:dictionary_edit", args=["customer_type"])),
    ],
)
def test_sales_rep_is_forbidden(demo, login, method, url):
    before = snapshot()
    data = form_data(new=[{"value": "sneaky", "label_zh": "偷偷"}]) if method == "post" else {}
    data.setdefault("code", "sneaky_list")
    response = getattr(login("rep_east1"), method)(url, data)
    assert response.status_code == 403
    assert snapshot() == before
    assert not Dictionary.objects.filter(code="sneaky_list").exists()


def test_unknown_list_is_404(demo, login):
    assert login("admin").get(edit_url("no_such_list")).status_code == 404


def test_menu_shows_the_page_to_admins_only(demo, login):
    assert reverse("config:dictionaries") in login("admin").get("/").content.decode()
    assert reverse("config:dictionaries") not in login("rep_east1").get("/").content.decode()


def test_list_page(demo, login):
    with translation.override("zh-hans"):
        body = login("admin").get(reverse("config:dictionaries")).content.decode()
    assert "客户来源" in body or "Customer source" in body
    assert 'data-code="payment_method"' in body


def test_edit_inline_rename_reorder_disable_and_add(demo, login):
    client = login("admin")
    page = client.get(edit_url())
    assert page.status_code == 200
    assert 'data-item="vip"' in page.content.decode()

    data = form_data(
        new=[{"value": "reseller", "label_zh": "经销商", "label_en": "Reseller", "color": "teal"}],
        partner={"order": "1", "label_zh": "渠道伙伴"},
        agent={"enabled": False},
    )
    response = client.post(edit_url(), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with translation.override("zh-hans"):
        options = dictionaries.options("customer_type")
        assert options[0] == ("partner", "渠道伙伴")
        assert options[-1] == ("reseller", "经销商")
        assert "agent" not in dict(options)
        assert dictionaries.label("customer_type", "agent") == "代理商"
    entry = OperationLog.objects.get(
        action="update", object_id=str(Dictionary.objects.get(code="customer_type").pk)
    )
    assert {c["field"] for c in entry.changes} == {"partner", "agent", "reseller"}


def test_blank_extra_rows_change_nothing(demo, login):
    before = snapshot()
    response = login("admin").post(edit_url(), form_data())
    assert response.status_code == 302
    assert snapshot() == before
    assert not OperationLog.objects.exists()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ([{"value": "", "label_zh": "没有代码"}], "Enter a value: it is the code records store."),
        (
            [{"value": "vip", "label_zh": "又一个VIP"}],
            "The value vip is already in this list; use another one.",
        ),
        (
            [{"value": "twin", "label_zh": "甲"}, {"value": "twin", "label_zh": "乙"}],
            "The value twin is already in this list; use another one.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(demo, login, new, message):
    before = snapshot()
    data = form_data(new=new, regular={"label_zh": "改名"})
    response = login("admin").post(edit_url(), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot() == before
    assert not OperationLog.objects.exists()


def test_messages_follow_the_users_language(demo, login, monkeypatch):
    """The refusal is translated at request time in the user's language (the catalogues are
    generated later, so a stand-in gettext marks what it was asked to translate)."""
    from django.utils.translation import get_language, gettext

    monkeypatch.setattr(dictionaries, "_", lambda text: f"[{get_language()}] {gettext(text)}")
    user = demo["admin"]
    user.language = "en"
    user.save(update_fields=["language"])
    response = login("admin").post(edit_url(), form_data(new=[{"value": "", "label_zh": "甲"}]))
    assert "[en] Enter a value: it is the code records store." in response.content.decode()


def test_create_a_list(demo, login):
    client = login("admin")
    response = client.post(
        reverse("config:dictionary_create"),
        {"code": "contact_role", "name_zh": "联系人角色", "name_en": "Contact role"},
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url("contact_role")
    response = client.post(
        reverse("config:dictionary_create"), {"code": "Bad Code", "name_zh": "坏"}
    )
    assert response.status_code == 200
    assert not Dictionary.objects.filter(name_zh="坏").exists()


def test_query_counts_do_not_grow_with_lists_or_items(demo, login, django_assert_max_num_queries):
    client = login("admin")
    client.get(reverse("config:dictionaries"))
    with CaptureQueriesContext(connection) as listing:
        client.get(reverse("config:dictionaries"))
    with CaptureQueriesContext(connection) as editor:
        client.get(edit_url())
    admin = demo["admin"]
    for index in range(4):
        dictionaries.create_dictionary(admin, code=f"extra_{index}", name_zh=f"额外{index}")
    dictionary = Dictionary.objects.get(code="customer_type")
    DictionaryItem.objects.bulk_create(
        DictionaryItem(dictionary=dictionary, value=f"v{n}", label_zh=f"项{n}", order=100 + n)
        for n in range(20)
    )
    with django_assert_max_num_queries(len(listing)):
        assert client.get(reverse("config:dictionaries")).status_code == 200
    with django_assert_max_num_queries(len(editor)):
        assert client.get(edit_url()).status_code == 200
