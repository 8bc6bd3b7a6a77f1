"""Rights, data scopes, field rules and hand-over on customers and contacts (ORG-02/04/05/06)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from huike.core import fields, scopes
from huike.core.errors import DomainError
from huike.customers import services
from huike.customers.models import Contact, Customer
from huike.org.services import disable_user
from tests.testapp import factories as f


@pytest.fixture
def book(demo, make_customer, make_contact):
    """One customer (with a contact) per sales user, owned by that user."""
    made = {}
    for username in ("rep_east1", "rep_east2", "rep_north1", "manager_east", "director"):
        customer = make_customer(demo[username], f"{username}的客户", mobile="")
        make_contact(demo[username], customer, f"{username}的联系人")
        made[username] = customer
    return made


def names(user, model=Customer):
    return {str(c.owner.username) for c in scopes.visible(user, model).select_related("owner")}


def test_scopes_follow_the_org_chart(demo, book):
    assert names(demo["rep_east1"]) == {"rep_east1"}
    assert names(demo["rep_east1"], Contact) == {"rep_east1"}
    assert names(demo["manager_east"]) == {"manager_east", "rep_east1", "rep_east2"}
    assert names(demo["manager_east"], Contact) == {"manager_east", "rep_east1", "rep_east2"}
    everyone = {"rep_east1", "rep_east2", "rep_north1", "manager_east", "director"}
    assert names(demo["director"]) == everyone
    assert names(demo["service1"]) == everyone  # service agents and finance look everything up
    assert names(demo["finance1"]) == everyone
    assert names(demo["viewer"], Contact) == everyone  # the read-only role, automatically


def test_rights_are_checked(demo, book):
    with pytest.raises(PermissionDenied):
        services.create_customer(demo["finance1"], {"name": "财务的客户"})
    with pytest.raises(PermissionDenied):
        services.update_customer(demo["viewer"], book["rep_east1"], {"remark": "x"})
    # a rep cannot edit a colleague's customer: it is not in their scope
    with pytest.raises(PermissionDenied):
        services.update_customer(demo["rep_east1"], book["rep_east2"], {"remark": "x"})
    with pytest.raises(PermissionDenied):
        services.create_contact(demo["rep_east1"], book["rep_east2"], {"name": "混进来"})


def test_a_rep_cannot_create_a_customer_they_would_not_see(demo, english):
    with pytest.raises(DomainError) as caught:
        services.create_customer(demo["rep_east1"], {"name": "送人的客户"}, owner=demo["rep_east2"])
    assert caught.value.field == "owner"
    assert not Customer.all_objects.exists()
    # a manager may create for a report
    made = services.create_customer(
        demo["manager_east"], {"name": "给下属的客户"}, owner=demo["rep_east2"]
    )
    assert made.owner == demo["rep_east2"]


def test_updates_are_logged_field_by_field(demo, make_customer):
    from huike.core.oplog import history

    customer = make_customer(demo["rep_east1"], "上海汇客", status="prospect")
    services.update_customer(demo["rep_east1"], customer, {"status": "transacting"})
    change = history(customer).filter(action="update").get().changes[0]
    assert change["field"] == "status"


def test_masked_and_read_only_fields(demo, english, make_customer):
    role = f.role(
        ("customers.view", "customers.create", "customers.edit"),
        "all",
        module="customers",
        fields={"mobile": "masked", "email": "readonly"},
    )
    clerk = f.user("clerk", roles=[role])
    customer = make_customer(demo["rep_east1"], "上海汇客", mobile="13809228860", email="a@b.cn")
    policy = fields.policy(clerk, Customer)
    assert policy.display("mobile", customer.mobile) == "138****8860"
    with pytest.raises(DomainError) as caught:
        services.update_customer(clerk, customer, {"email": "c@d.cn"})
    assert caught.value.field == "email"
    with pytest.raises(DomainError):  # masked means the clerk cannot see it, so not edit it
        services.update_customer(clerk, customer, {"mobile": "13900000000"})
    # sending the unchanged value back (as a form does) is fine
    services.update_customer(clerk, customer, {"email": "a@b.cn", "remark": "ok"})
    customer.refresh_from_db()
    assert (customer.email, customer.remark) == ("a@b.cn", "ok")


def test_disabling_a_rep_hands_customers_and_contacts_over(demo, book):
    rep, successor = demo["rep_east1"], demo["rep_east2"]
    disable_user(demo["admin"], rep, successor)
    assert not Customer.all_objects.filter(owner=rep).exists()
    assert not Contact.all_objects.filter(owner=rep).exists()
    assert Contact.objects.get(customer=book["rep_east1"]).owner == successor
