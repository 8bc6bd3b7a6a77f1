"""Custom-field admin pages (PLT-09): create every type, edit, enable/disable, reorder, rights."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huike.core import custom_fields as cf
from huike.core.models_custom import CustomField
from huike.core.record_types import record_types

TYPES = [value for value, _label in CustomField.Type.choices]
MODULES = sorted({rt.module for rt in record_types()})


def _post(client, module, **data):
    payload = {"code": "budget", "type": "text", "label_zh": "预算", "label_en": "Budget", **data}
    return client.post(reverse("config:custom_field_create", args=[module]), payload)


@pytest.mark.parametrize("module", MODULES)
def test_list_page_per_module(demo, login, module, django_assert_max_num_queries):
    cf.create_field(demo["admin"], module, "level_x", "text", label_zh="等级X")
    client = login("admin")
    url = reverse("config:custom_fields")
    client.get(url, {"module": module})
    with django_assert_max_num_queries(15):
        response = client.get(url, {"module": module})
    assert response.status_code == 200
    assert "level_x" in response.content.decode()


@pytest.mark.parametrize("kind", TYPES)
def test_admin_creates_each_type(demo, login, kind):
    extra = (
        {"choices": "big|大客户|Key account\nsmall|小客户|Small"} if kind in cf.SELECT_TYPES else {}
    )
    response = _post(login("admin"), "customers", code=f"f_{kind}", type=kind, **extra)
    assert response.status_code == 302, response.content.decode()[:2000]
    field = CustomField.objects.get(module="customers", code=f"f_{kind}")
    assert field.type == kind and field.label_zh == "预算"
    if kind in cf.SELECT_TYPES:
        assert [c["value"] for c in field.choices] == ["big", "small"]


def test_money_and_number_details(demo, login):
    client = login("admin")
    _post(client, "customers", code="amount", type="money", currency="usd", default="12.5")
    _post(client, "customers", code="ratio", type="number", decimal_places="3")
    amount = CustomField.objects.get(code="amount")
    assert amount.currency == "USD" and amount.default == "12.50"
    assert CustomField.objects.get(code="ratio").decimal_places == 3


@pytest.mark.parametrize("user", ["rep_east1", "manager_east", "director"])
def test_non_admin_gets_403(demo, login, user):
    client = login(user)
    assert client.get(reverse("config:custom_fields")).status_code == 403
    assert _post(client, "customers").status_code == 403
    assert not CustomField.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "1bad"}, "Use lower-case letters, digits and underscores"),
        ({"code": "name"}, "already a standard field"),
        ({"label_zh": "", "label_en": ""}, "Enter a label in Chinese or English."),
        ({"type": "select"}, "Give the select an option list or at least one option."),
        ({"type": "boolean", "unique": "on"}, "This field type cannot be unique."),
    ],
)
def test_bad_input_shows_message_and_writes_nothing(demo, login, english, data, message):
    response = _post(login("admin"), "customers", **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CustomField.objects.exists()


def test_edit_keeps_code_and_type(demo, login):
    field = cf.create_field(demo["admin"], "customers", "budget", "text", label_zh="预算")
    client = login("admin")
    url = reverse("config:custom_field_edit", args=[field.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"code": "hacked", "type": "number", "label_zh": "新预算", "group": "财务"}
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.code, field.type, field.label_zh, field.group) == (
        "budget",
        "text",
        "新预算",
        "财务",
    )


def test_disable_and_enable(demo, login):
    field = cf.create_field(demo["admin"], "customers", "budget", "text", label_zh="预算")
    client = login("admin")
    url = reverse("config:custom_field_toggle", args=[field.pk])
    client.post(url)
    field.refresh_from_db()
    assert not field.enabled
    client.post(url)
    field.refresh_from_db()
    assert field.enabled
    assert client.get(url).status_code == 405


def test_reorder_persists(demo, login):
    for code in ("a1", "b2", "c3"):
        cf.create_field(demo["admin"], "contacts", code, "text", label_zh=code)
    client = login("admin")
    c3 = CustomField.objects.get(code="c3")
    client.post(reverse("config:custom_field_move", args=[c3.pk]), {"direction": "up"})
    order = list(
        CustomField.objects.filter(module="contacts")
        .order_by("order")
        .values_list("code", flat=True)
    )
    assert order == ["a1", "c3", "b2"]
    a1 = CustomField.objects.get(code="a1")
    client.post(reverse("config:custom_field_move", args=[a1.pk]), {"direction": "down"})
    assert [f.code for f in cf.all_fields_for("contacts")] == ["c3", "a1", "b2"]


def test_menu_item_for_admin_only(demo, login):
    url = reverse("config:custom_fields")
    assert url in login("admin").get(reverse("workbench")).content.decode()
    assert url not in login("rep_east1").get(reverse("workbench")).content.decode()
