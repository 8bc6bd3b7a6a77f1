"""CUS-05..08: transfer with its options, lock, team members (read vs read and write) and
merge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from huike.core import scopes
from huike.core.errors import DomainError
from huike.core.models import Notification
from huike.core.models_records import Attachment, RecycleEntry, Tag, TaggedRecord
from huike.core.record_types import record_type
from huike.core.tags import add_tags
from huike.customers import actions
from huike.customers.models import Contact, Customer, CustomerMember
from huike.pools.models import HoldingLimit

pytestmark = pytest.mark.django_db


def test_transfer_moves_contacts_and_notifies(demo, make_customer, make_contact):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    customer = make_customer(rep1, "转移客户")
    contact = make_contact(rep1, customer, "联系人")
    assert actions.transfer(demo["manager_east"], [customer], rep2) == 1
    customer.refresh_from_db()
    contact.refresh_from_db()
    assert customer.owner == rep2 and contact.owner == rep2
    assert Notification.objects.filter(recipient=rep2, kind="record_transferred").exists()
    assert not CustomerMember.objects.exists()


def test_transfer_options_keep_contacts_and_old_owner(demo, make_customer, make_contact):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    customer = make_customer(rep1, "选项客户")
    contact = make_contact(rep1, customer, "联系人")
    actions.transfer(rep1, [customer], rep2, move_contacts=False, keep_old_owner_as_member=True)
    contact.refresh_from_db()
    assert contact.owner == rep1
    member = CustomerMember.objects.get(customer=customer)
    assert member.user == rep1 and member.access == "read"
    # The old owner still sees it through the team, but may no longer edit it.
    assert scopes.visible(rep1, Customer).filter(pk=customer.pk).exists()
    assert not actions.can_edit(rep1, customer)


def test_transfer_checks_the_new_owners_limit(demo, make_customer):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    HoldingLimit.objects.create(user=rep2, max_customers=1)
    make_customer(rep2, "已有")
    customer = make_customer(rep1, "超限")
    with pytest.raises(DomainError) as error:
        actions.transfer(rep1, [customer], rep2)
    assert error.value.code == "holding_limit"


def test_record_type_uses_the_customer_transfer():
    assert record_type("customers").transfer is actions.transfer


def test_lock_and_unlock_need_the_right_and_visibility(demo, make_customer):
    customer = make_customer(demo["rep_east1"], "锁定客户")
    with pytest.raises(PermissionDenied):
        actions.lock(demo["rep_east2"], [customer])
    assert actions.lock(demo["rep_east1"], [customer]) == 1
    assert Customer.objects.get(pk=customer.pk).is_locked
    assert actions.unlock(demo["rep_east1"], [customer]) == 1
    assert not Customer.objects.get(pk=customer.pk).is_locked


def test_team_read_member_sees_but_cannot_edit(demo, make_customer):
    owner, reader, writer = demo["rep_east1"], demo["rep_east2"], demo["rep_north1"]
    customer = make_customer(owner, "团队客户")
    assert not scopes.visible(reader, Customer).filter(pk=customer.pk).exists()
    actions.add_member(owner, customer, reader, "read")
    actions.add_member(owner, customer, writer, "read_write")
    assert scopes.visible(reader, Customer).filter(pk=customer.pk).count() == 1
    assert not actions.can_edit(reader, customer)
    assert actions.can_edit(writer, customer)
    assert Notification.objects.filter(recipient=reader, kind="record_shared").exists()
    with pytest.raises(PermissionDenied):
        actions.add_member(reader, customer, demo["service1"])
    actions.remove_member(owner, customer, reader)
    assert not scopes.visible(reader, Customer).filter(pk=customer.pk).exists()


def test_team_membership_ends_after_until(demo, make_customer):
    owner, reader = demo["rep_east1"], demo["rep_east2"]
    customer = make_customer(owner, "限期共享")
    actions.add_member(owner, customer, reader, "read", until=timezone.localdate())
    assert scopes.visible(reader, Customer).filter(pk=customer.pk).exists()
    CustomerMember.objects.update(until=timezone.localdate() - timedelta(days=1))
    assert not scopes.visible(reader, Customer).filter(pk=customer.pk).exists()


def test_merge_moves_everything_and_bins_the_other(demo, make_customer, make_contact):
    actor = demo["manager_east"]
    keep = make_customer(demo["rep_east1"], "保留客户")
    remove = make_customer(demo["rep_east2"], "合并客户")
    make_contact(demo["rep_east1"], keep, "甲", is_primary=True)
    moved = make_contact(demo["rep_east2"], remove, "乙", is_primary=True)
    actions.add_member(actor, remove, demo["rep_north1"], "read_write")
    add_tags(actor, [remove], ["重点"])
    add_tags(actor, [keep], ["重点"])
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Customer)
    Attachment.objects.create(
        content_type=ct,
        object_id=remove.pk,
        file="x/a.txt",
        original_name="a.txt",
        size=1,
        kind="text",
        mime_type="text/plain",
        sha256="0" * 64,
        uploaded_by=actor,
    )
    actions.merge(actor, keep, remove)
    moved.refresh_from_db()
    assert moved.customer_id == keep.pk and moved.owner_id == keep.owner_id
    assert not moved.is_primary
    assert Contact.objects.filter(customer=keep).count() == 2
    members = set(
        CustomerMember.objects.filter(customer=keep).values_list("user__username", flat=True)
    )
    assert members == {"rep_north1", "rep_east2"}
    assert TaggedRecord.objects.filter(content_type=ct, object_id=keep.pk).count() == 1
    assert not TaggedRecord.objects.filter(content_type=ct, object_id=remove.pk).exists()
    assert Tag.objects.filter(name="重点").exists()
    assert Attachment.objects.get(content_type=ct).object_id == keep.pk
    assert Customer.all_objects.get(pk=remove.pk).deleted_at is not None
    assert RecycleEntry.objects.filter(object_id=remove.pk).exists()


def test_merge_refuses_one_customer_twice(demo, make_customer):
    customer = make_customer(demo["rep_east1"], "同一个")
    with pytest.raises(DomainError):
        actions.merge(demo["manager_east"], customer, customer)


def test_department_scoped_member_sees_and_edits_a_shared_customer(demo, make_customer):
    """The team rule is OR-ed into department scopes too; the edit services lock only the
    customer row (``of=self``), which PostgreSQL allows next to the outer joins."""
    from huike.customers.services import update_customer

    outside = make_customer(demo["admin"], "总部直属客户")  # admin's root department
    director = demo["director"]
    assert not scopes.is_visible(director, outside)
    actions.add_member(demo["admin"], outside, director, access="read_write")
    assert scopes.is_visible(director, outside)
    update_customer(director, outside, {"remark": "总监改的"})
    outside.refresh_from_db()
    assert outside.remark == "总监改的"
