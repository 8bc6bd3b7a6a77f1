"""The recycle bin page (PLT-13): list, filter, restore, purge, scope and rights."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huike.core import recycle
from huike.core.models_records import RecycleEntry
from huike.customers import services
from huike.customers.models import Contact, Customer


def _binned_customer(demo, name="回收站客户", contacts=2):
    customer = services.create_customer(demo["rep_east1"], {"name": name})
    for n in range(contacts):
        services.create_contact(demo["rep_east1"], customer, {"name": f"联系人{n}"})
    (entry,) = recycle.move_to_bin(demo["manager_east"], [customer])
    return customer, entry


def test_list_shows_who_deleted_and_purge_date(demo, login):
    _customer, entry = _binned_customer(demo)
    response = login("manager_east").get(reverse("recycle:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "回收站客户" in body
    assert str(demo["manager_east"]) in body
    purge_on = timezone.localtime(entry.deleted_at) + timedelta(days=recycle.retention_days())
    assert purge_on.strftime("%Y-%m-%d") in body


def test_filter_by_type_and_search(demo, login):
    _binned_customer(demo, "甲公司", contacts=0)
    _binned_customer(demo, "乙公司", contacts=0)
    client = login("manager_east")
    body = client.get(reverse("recycle:list"), {"q": "甲"}).content.decode()
    assert "甲公司" in body and "乙公司" not in body
    body = client.get(reverse("recycle:list"), {"type": "contacts"}).content.decode()
    assert "甲公司" not in body


def test_restore_brings_customer_and_contacts_back(demo, login):
    customer, entry = _binned_customer(demo)
    response = login("manager_east").post(reverse("recycle:restore", args=[entry.pk]))
    assert response.status_code == 302
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert Contact.objects.filter(customer=customer).count() == 2
    assert not RecycleEntry.objects.filter(pk=entry.pk).exists()


def test_restore_refused_while_parent_in_bin_shows_message(demo, login, english):
    customer = services.create_customer(demo["rep_east1"], {"name": "父客户"})
    contact = services.create_contact(demo["rep_east1"], customer, {"name": "孤单联系人"})
    (contact_entry,) = recycle.move_to_bin(demo["manager_east"], [contact], module="contacts")
    recycle.move_to_bin(demo["manager_east"], [customer])
    client = login("manager_east")
    response = client.post(reverse("recycle:restore", args=[contact_entry.pk]), follow=True)
    assert "Restore “父客户” first" in response.content.decode()
    assert RecycleEntry.objects.filter(pk=contact_entry.pk).exists()


def test_another_manager_cannot_see_or_restore(demo, login):
    _customer, entry = _binned_customer(demo)
    client = login("manager_north")
    assert "回收站客户" not in client.get(reverse("recycle:list")).content.decode()
    assert client.post(reverse("recycle:restore", args=[entry.pk])).status_code == 404
    assert client.post(reverse("recycle:purge", args=[entry.pk])).status_code == 404
    assert RecycleEntry.objects.filter(pk=entry.pk).exists()


def test_a_rep_without_delete_right_sees_an_empty_bin(demo, login):
    _customer, entry = _binned_customer(demo)
    client = login("rep_east1")
    response = client.get(reverse("recycle:list"))
    assert response.status_code == 200
    assert "回收站客户" not in response.content.decode()
    assert client.post(reverse("recycle:restore", args=[entry.pk])).status_code == 404


def test_purge_needs_admin(demo, login):
    customer, entry = _binned_customer(demo)
    manager = login("manager_east")
    assert manager.post(reverse("recycle:purge", args=[entry.pk])).status_code == 403
    assert Customer.all_objects.filter(pk=customer.pk).exists()
    admin = login("admin")
    assert admin.post(reverse("recycle:purge", args=[entry.pk])).status_code == 302
    assert not Customer.all_objects.filter(pk=customer.pk).exists()
    assert not Contact.all_objects.filter(customer_id=customer.pk).exists()


def test_purge_button_only_for_admin(demo, login):
    _customer, entry = _binned_customer(demo)
    purge_url = reverse("recycle:purge", args=[entry.pk])
    assert purge_url not in login("manager_east").get(reverse("recycle:list")).content.decode()
    assert purge_url in login("admin").get(reverse("recycle:list")).content.decode()


def test_get_cannot_restore(demo, login):
    _customer, entry = _binned_customer(demo)
    response = login("manager_east").get(reverse("recycle:restore", args=[entry.pk]))
    assert response.status_code == 405


def test_menu_has_recycle_bin(demo, login):
    body = login("rep_east1").get(reverse("workbench")).content.decode()
    assert reverse("recycle:list") in body


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_is_bounded(demo, login, django_assert_max_num_queries, n):
    for i in range(n):
        _binned_customer(demo, f"批量客户{i:02d}", contacts=1)
    client = login("manager_east")
    client.get(reverse("recycle:list"))
    with django_assert_max_num_queries(20):
        response = client.get(reverse("recycle:list"))
    assert response.status_code == 200
    assert "批量客户00" in response.content.decode()


def test_pagination_without_count(demo, login, monkeypatch):
    from huike.core import views_recycle

    monkeypatch.setattr(views_recycle, "PAGE_SIZE", 2)
    for i in range(3):
        _binned_customer(demo, f"翻页客户{i}", contacts=0)
    client = login("manager_east")
    first = client.get(reverse("recycle:list")).content.decode()
    assert "翻页客户2" in first and "翻页客户0" not in first and "page=2" in first
    second = client.get(reverse("recycle:list"), {"page": "2"}).content.decode()
    assert "翻页客户0" in second and "page=3" not in second
