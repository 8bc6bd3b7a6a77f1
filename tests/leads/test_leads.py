"""LEAD-02..04: duplicate warnings, conversion into a customer and contact (or a merge into
the existing customer), and the refusals around it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huike.activities.services import create_follow_up
from huike.core.attachments import attach
from huike.core.errors import ConflictError, DomainError
from huike.customers import services as customer_services
from huike.customers.models import Contact, Customer
from huike.leads import services
from huike.leads.models import Lead


def _lead(user, **data):
    return services.create_lead(user, {"name": "张三", "company": "上海汇客", **data})


def test_duplicate_warning_names_existing_records_and_owner(demo, english):
    customer_services.create_customer(demo["rep_east2"], {"name": "上海汇客有限公司"})
    _lead(demo["rep_east2"], mobile="13912345678")
    lead = _lead(demo["rep_east1"], mobile="139 1234 5678")
    assert lead.pk
    text = " ".join(lead.duplicate_warnings)
    assert "上海汇客有限公司" in text
    assert "lead" in text
    assert str(demo["rep_east2"]) in text


def test_no_warning_for_a_fresh_lead(demo):
    lead = _lead(demo["rep_east1"], company="独一无二公司", email="a@example.com")
    assert lead.duplicate_warnings == ()


def test_convert_creates_customer_and_contact(demo):
    user = demo["rep_east1"]
    lead = _lead(user, company="杭州新客户有限公司", mobile="13900001111", title="经理")
    lead = services.convert(user, lead, create_opportunity=True)
    assert lead.status == Lead.Status.CONVERTED
    assert lead.converted_at is not None
    assert lead.opportunity_requested is True
    customer = lead.converted_customer
    assert customer.name == "杭州新客户有限公司"
    assert customer.owner == user
    contact = lead.converted_contact
    assert contact.customer == customer
    assert (contact.name, contact.title) == ("张三", "经理")


def test_convert_merges_into_existing_customer_by_normalised_name(demo):
    user = demo["rep_east1"]
    existing = customer_services.create_customer(user, {"name": "上海汇客有限公司"})
    lead = services.convert(user, _lead(user, company="上海汇客"))
    assert lead.converted_customer == existing
    assert Customer.objects.filter(name_key=existing.name_key).count() == 1
    assert Contact.objects.filter(customer=existing, name="张三").exists()


def test_convert_moves_follow_ups_and_attachments(demo):
    user = demo["rep_east1"]
    lead = _lead(user, company="宁波搬家公司")
    follow_up = create_follow_up(user, lead, {"type": "phone", "content": "聊过"})
    attach(user, lead, SimpleUploadedFile("note.txt", b"hello", content_type="text/plain"))
    lead = services.convert(user, lead)
    customer = lead.converted_customer
    follow_up.refresh_from_db()
    assert follow_up.target == customer
    assert follow_up.customer == customer
    assert customer.attachments.count() == 1
    customer.refresh_from_db()
    assert customer.last_follow_up_at == follow_up.occurred_at


def test_converting_twice_is_refused(demo):
    user = demo["rep_east1"]
    lead = services.convert(user, _lead(user, company="两次公司"))
    with pytest.raises(ConflictError):
        services.convert(user, lead)
    assert Customer.objects.filter(name="两次公司").count() == 1


def test_invisible_matching_customer_is_refused_naming_owner(demo, english):
    customer_services.create_customer(demo["rep_north1"], {"name": "上海汇客有限公司"})
    user = demo["rep_east1"]
    lead = _lead(user)
    with pytest.raises(DomainError) as caught:
        services.convert(user, lead)
    assert str(demo["rep_north1"]) in caught.value.message
    lead.refresh_from_db()
    assert lead.converted_at is None
    assert not Contact.objects.filter(name="张三").exists()


def test_status_converted_only_through_convert(demo):
    user = demo["rep_east1"]
    lead = _lead(user, company="状态公司")
    with pytest.raises(DomainError):
        services.update_lead(user, lead, {"status": "converted"})
    lead = services.update_lead(user, lead, {"status": "invalid"})
    assert lead.status == Lead.Status.INVALID
    lead = services.convert(user, lead)
    with pytest.raises(DomainError):
        services.update_lead(user, lead, {"status": "following"})
