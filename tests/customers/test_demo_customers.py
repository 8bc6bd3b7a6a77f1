"""The demo company's sample customers and contacts (SPEC.md, DEMO): the records docs and
acceptance checks name, created through the services, visible by the preset scopes, and
loaded once however often the demo runs."""

from __future__ import annotations

import pytest
from django.db.models import F

from huike.core import scopes
from huike.core.models import OperationLog
from huike.core.recycle import move_to_bin
from huike.customers.demo import CUSTOMERS
from huike.customers.models import Contact, Customer
from huike.org.demo import load_demo


@pytest.fixture
def demo(demo):
    """The whole demo, sample records included (the shared fixture stops at users)."""
    load_demo()
    return demo


EAST = {"rep_east1", "rep_east2", "manager_east"}
NORTH = {"rep_north1", "manager_north"}


def test_spdb_is_rep_east1s_with_jiang_as_primary_contact(demo):
    bank = Customer.objects.get(name="上海浦东发展银行")
    assert bank.owner == demo["rep_east1"]
    assert bank.number.startswith("KH-")
    assert bank.name_key == "上海浦东发展银行"
    assert (bank.province, bank.city) == ("上海市", "上海市")
    contact = bank.primary_contact
    assert contact is not None and contact.is_primary
    assert (contact.name, contact.title, contact.mobile) == ("江总", "副总", "13809228860")
    assert bank.contact_title == "副总"
    assert bank.contacts.filter(is_primary=True).count() == 1


def test_every_demo_customer_is_numbered_logged_and_has_one_primary_contact(demo):
    customers = Customer.objects.filter(name__in=[row.name for row in CUSTOMERS])
    assert customers.count() == len(CUSTOMERS) >= 30
    numbers = list(customers.values_list("number", flat=True))
    assert all(numbers) and len(set(numbers)) == len(numbers)
    created = OperationLog.objects.filter(
        action="create", object_id__in=[str(pk) for pk in customers.values_list("pk", flat=True)]
    )
    assert created.count() >= len(CUSTOMERS)
    for customer in customers.prefetch_related("contacts"):
        contacts = list(customer.contacts.all())
        assert 1 <= len(contacts) <= 3, customer
        assert [c.pk for c in contacts if c.is_primary] == [customer.primary_contact_id]
        assert customer.mobile.startswith("139") and len(customer.mobile) == 11
        assert customer.industry and customer.level and customer.source and customer.type


def test_contacts_share_their_customers_owner(demo):
    assert Contact.objects.count() >= len(CUSTOMERS)
    assert not Contact.objects.exclude(owner=F("customer__owner")).exists()


def test_customers_are_spread_over_both_sales_teams(demo):
    owners = set(Customer.objects.values_list("owner__username", flat=True))
    assert owners == EAST | NORTH
    north_cities = set(
        Customer.objects.filter(owner__username__in=NORTH).values_list("city", flat=True)
    )
    assert north_cities <= {"北京市", "天津市", "石家庄市"}


def test_rep_sees_only_own_customers_and_director_sees_both_teams(demo):
    rep = demo["rep_east1"]
    mine = Customer.objects.filter(owner=rep)
    visible = scopes.visible(rep, Customer, Customer.objects.all())
    assert mine.exists()
    assert set(visible) == set(mine)
    assert set(scopes.visible(rep, Contact, Contact.objects.all())) == set(
        Contact.objects.filter(owner=rep)
    )
    director_sees = scopes.visible(demo["director"], Customer, Customer.objects.all())
    assert set(director_sees.values_list("owner__username", flat=True)) == EAST | NORTH
    assert (
        director_sees.count() == Customer.objects.filter(pool__isnull=True).count()
    )  # pooled: nobody's
    manager_sees = scopes.visible(demo["manager_north"], Customer, Customer.objects.all())
    assert set(manager_sees.values_list("owner__username", flat=True)) == NORTH


def test_loading_the_demo_again_creates_nothing(demo):
    counts = (Customer.all_objects.count(), Contact.all_objects.count())
    logs = OperationLog.objects.count()
    load_demo()
    assert (Customer.all_objects.count(), Contact.all_objects.count()) == counts
    assert OperationLog.objects.count() == logs


def test_a_binned_demo_customer_is_not_brought_back(demo):
    bank = Customer.objects.get(name="上海浦东发展银行")
    move_to_bin(demo["admin"], [bank])
    load_demo()
    assert not Customer.objects.filter(name="上海浦东发展银行").exists()
    assert Customer.all_objects.filter(name="上海浦东发展银行").count() == 1
