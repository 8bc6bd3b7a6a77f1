"""Contacts (CUS-09): ownership follows the customer, one primary contact per customer, and
contacts go to the recycle bin and come back with their customer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from huike.core import recycle
from huike.core.errors import DomainError
from huike.core.models_records import RecycleEntry
from huike.customers import services
from huike.customers.models import Contact, Customer


def test_first_contact_becomes_primary_and_owner_follows_customer(
    demo, make_customer, make_contact
):
    customer = services.create_customer(
        demo["manager_east"], {"name": "杭州汇客"}, owner=demo["rep_east1"]
    )
    contact = make_contact(demo["manager_east"], customer, "李总", title="总经理")
    assert contact.owner == demo["rep_east1"]
    assert contact.is_primary
    customer.refresh_from_db()
    assert customer.primary_contact == contact
    assert customer.contact_title == "总经理"
    second = make_contact(demo["manager_east"], customer, "王工")
    assert not second.is_primary


def test_switching_the_primary_contact_unsets_the_old_one(demo, make_customer, make_contact):
    rep = demo["rep_east1"]
    customer = make_customer(rep, "上海汇客")
    first = make_contact(rep, customer, "李总")
    second = make_contact(rep, customer, "王工", title="工程师", is_primary=True)
    first.refresh_from_db()
    customer.refresh_from_db()
    assert second.is_primary and not first.is_primary
    assert customer.primary_contact == second
    assert customer.contact_title == "工程师"
    services.update_contact(rep, first, {"is_primary": True})
    assert list(Contact.objects.filter(is_primary=True)) == [first]
    services.update_contact(rep, first, {"is_primary": False})
    customer.refresh_from_db()
    assert customer.primary_contact is None
    assert not Contact.objects.filter(is_primary=True).exists()


def test_database_refuses_two_primary_contacts(demo, make_customer, make_contact):
    rep = demo["rep_east1"]
    customer = make_customer(rep, "上海汇客")
    make_contact(rep, customer, "李总")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(customer=customer, owner=rep, name="冒牌", is_primary=True)


def test_reports_to_stays_within_the_customer_and_has_no_loops(
    demo, english, make_customer, make_contact
):
    rep = demo["rep_east1"]
    customer = make_customer(rep, "上海汇客")
    other = make_customer(rep, "北京汇客")
    boss = make_contact(rep, customer, "李总")
    stranger = make_contact(rep, other, "赵总")
    with pytest.raises(DomainError) as caught:
        make_contact(rep, customer, "王工", reports_to=stranger)
    assert caught.value.field == "reports_to"
    worker = make_contact(rep, customer, "王工", reports_to=boss)
    with pytest.raises(DomainError):
        services.update_contact(rep, boss, {"reports_to": worker})


def test_contacts_are_binned_and_restored_with_their_customer(demo, make_customer, make_contact):
    director = demo["director"]
    customer = make_customer(director, "上海汇客")
    contacts = [make_contact(director, customer, n) for n in ("李总", "王工")]
    alone = make_contact(director, customer, "离职者")
    recycle.move_to_bin(director, [alone], module="contacts")
    (entry,) = recycle.move_to_bin(director, [customer])
    assert entry.member_count == 2
    assert not Customer.objects.exists() and not Contact.objects.exists()
    with pytest.raises(DomainError):  # a contact cannot come back while its customer is binned
        recycle.restore(director, RecycleEntry.objects.get(object_id=alone.pk, module="contacts"))
    recycle.restore(director, entry)
    assert set(Contact.objects.all()) == set(contacts)
    assert Customer.objects.get() == customer


def test_a_binned_customer_cannot_be_edited_or_get_contacts(demo, make_customer):
    director = demo["director"]
    customer = make_customer(director, "上海汇客")
    recycle.move_to_bin(director, [customer])
    with pytest.raises(DomainError):
        services.update_customer(director, customer, {"remark": "x"})
    with pytest.raises(DomainError):
        services.create_contact(director, customer, {"name": "李总"})
