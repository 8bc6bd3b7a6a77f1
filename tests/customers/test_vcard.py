"""vCard 3.0 export of contacts: escaping, Chinese names, field rules and scope."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from huike.core.fields import UNRESTRICTED
from huike.customers import services, vcard
from huike.org.models import Role


@pytest.fixture
def contact(demo):
    customer = services.create_customer(demo["rep_east1"], {"name": "上海浦东发展银行"})
    return services.create_contact(
        demo["rep_east1"],
        customer,
        {
            "name": "江总",
            "title": "总经理, 行长; 董事",
            "department": "零售部",
            "mobile": "13812345678",
            "phone": "021-61618888",
            "email": "jiang@example.com",
            "birthday": datetime.date(1975, 5, 4),
            "address": "中山东一路12号",
            "remark": "第一行\n第二行",
        },
    )


def test_escape_commas_semicolons_newlines_backslashes():
    assert vcard.escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_card_fields(contact):
    text = vcard.card(contact, UNRESTRICTED)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCARD" and lines[1] == "VERSION:3.0"
    assert "N;CHARSET=UTF-8:江总;;;;" in lines
    assert "FN;CHARSET=UTF-8:江总" in lines
    assert "ORG;CHARSET=UTF-8:上海浦东发展银行;零售部" in lines
    assert "TITLE;CHARSET=UTF-8:总经理\\, 行长\\; 董事" in lines
    assert "TEL;TYPE=CELL:13812345678" in lines
    assert "TEL;TYPE=WORK:021-61618888" in lines
    assert "EMAIL;TYPE=INTERNET:jiang@example.com" in lines
    assert "BDAY:1975-05-04" in lines
    assert "ADR;CHARSET=UTF-8;TYPE=WORK:;;中山东一路12号;;;;" in lines
    assert "NOTE;CHARSET=UTF-8:第一行\\n第二行" in lines
    assert text.endswith("END:VCARD\r\n")


def test_long_lines_fold_without_splitting_characters(contact):
    contact.remark = "备注" * 60
    text = vcard.card(contact, UNRESTRICTED)
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    unfolded = text.replace("\r\n ", "")
    assert "NOTE;CHARSET=UTF-8:" + "备注" * 60 in unfolded


def test_single_export_download(demo, login, contact):
    response = login("rep_east1").get(reverse("customers_extra:contact_vcard", args=[contact.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vcard")
    assert "attachment" in response["Content-Disposition"]
    assert "FN;CHARSET=UTF-8:江总" in response.content.decode()


def test_single_export_out_of_scope_is_404(demo, login, contact):
    client = login("rep_north1")
    url = reverse("customers_extra:contact_vcard", args=[contact.pk])
    assert client.get(url).status_code == 404


def _restrict(role_code: str) -> None:
    Role.objects.filter(code=role_code).update(
        field_policies={"contacts": {"mobile": "masked", "email": "hidden"}}
    )
    cache.clear()


def test_masked_and_hidden_fields_do_not_leak(demo, login, contact):
    _restrict("sales_rep")
    body = (
        login("rep_east1")
        .get(reverse("customers_extra:contact_vcard", args=[contact.pk]))
        .content.decode()
    )
    assert "1381" not in body and "5678" not in body and "TYPE=CELL" not in body
    assert "jiang@example.com" not in body and "EMAIL" not in body
    assert "TEL;TYPE=WORK:021-61618888" in body


def test_multi_export_needs_export_right(demo, login, contact):
    url = reverse("customers_extra:contacts_vcard")
    assert login("rep_east1").get(url, {"ids": str(contact.pk)}).status_code == 403


def test_multi_export_within_scope(demo, login, contact, django_assert_max_num_queries):
    other_customer = services.create_customer(demo["rep_north1"], {"name": "北方客户"})
    outsider = services.create_contact(demo["rep_north1"], other_customer, {"name": "北方联系人"})
    second = services.create_contact(demo["rep_east1"], contact.customer, {"name": "李经理"})
    client = login("manager_east")
    ids = f"{contact.pk},{second.pk},{outsider.pk}"
    client.get(reverse("customers_extra:contacts_vcard"), {"ids": ids})
    with django_assert_max_num_queries(12):
        response = client.get(reverse("customers_extra:contacts_vcard"), {"ids": ids})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("BEGIN:VCARD") == 2
    assert "江总" in body and "李经理" in body and "北方联系人" not in body


def test_multi_export_applies_field_rules(demo, login, contact):
    _restrict("sales_manager")
    response = login("manager_east").get(
        reverse("customers_extra:contacts_vcard"), {"ids": str(contact.pk)}
    )
    body = response.content.decode()
    assert "13812345678" not in body and "jiang@example.com" not in body


@pytest.mark.parametrize("ids", ["", "abc", "1,x"])
def test_multi_export_bad_ids_is_404(demo, login, ids):
    response = login("manager_east").get(reverse("customers_extra:contacts_vcard"), {"ids": ids})
    assert response.status_code == 404
