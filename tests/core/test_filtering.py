"""The shared list filters (huike.core.filtering), run for every registered record type."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from huike.core import custom_fields as cf
from huike.core import scopes, tags
from huike.core.errors import DomainError
from huike.core.filtering import apply_filters, filter_defs
from huike.core.record_actions import transfer
from huike.core.record_types import record_type, record_types
from tests.record_samples import make

KEYS = [rt.key for rt in record_types()]


def _filtered(key, user, params):
    rt = record_type(key)
    return set(apply_filters(rt, scopes.visible(user, rt.model), params, user))


@pytest.mark.parametrize("key", KEYS)
def test_every_type_filters_by_owner_department_and_tag(demo, key):
    rep1, rep2, admin = demo["rep_east1"], demo["rep_east2"], demo["admin"]
    mine, theirs = make(key, rep1, 1), make(key, rep2, 2)
    assert _filtered(key, admin, {"owner": [str(rep1.pk)]}) >= {mine}
    assert theirs not in _filtered(key, admin, {"owner": [str(rep1.pk)]})
    assert _filtered(key, rep1, {"owner": ["me"]}) == _filtered(key, rep1, {}) >= {mine}
    north = demo["rep_north1"].department
    assert not _filtered(key, admin, {"owner_department": [str(north.pk)]}) & {mine, theirs}
    tags.add_tags(admin, [theirs], ["重点"])
    assert _filtered(key, admin, {"tags": ["重点"]}) == {theirs}


@pytest.mark.parametrize("key", KEYS)
def test_every_type_filters_by_created_range_and_text(demo, key):
    rep = demo["rep_east1"]
    record = make(key, rep, 3)
    day = timezone.localdate(record.created_at)  # filters read dates in company time
    today = day.isoformat()
    assert record in _filtered(key, rep, {"created_at__min": [today], "created_at__max": [today]})
    tomorrow = (day + dt.timedelta(days=1)).isoformat()
    assert record not in _filtered(key, rep, {"created_at__min": [tomorrow]})
    title = record_type(key).title_field
    assert record in _filtered(key, rep, {title: [getattr(record, title)[1:3]]})


@pytest.mark.parametrize("key", KEYS)
def test_a_bad_filter_value_is_refused_naming_the_field(demo, key, english):
    with pytest.raises(DomainError, match="not a valid filter value"):
        _filtered(key, demo["rep_east1"], {"created_at__min": ["yesterday-ish"]})


@pytest.mark.parametrize("key", KEYS)
def test_every_type_filters_on_a_custom_field(demo, key):
    admin, rep = demo["admin"], demo["rep_east1"]
    cf.create_field(admin, key, "budget", "money", label_zh="预算", label_en="Budget")
    cheap = make(key, rep, 4, custom_data={"budget": "100"})
    dear = make(key, rep, 5, custom_data={"budget": "5000.5"})
    assert dear.custom_data == {"budget": "5000.50"}
    assert {"cf_budget"} <= {d.name for d in filter_defs(record_type(key))}
    found = _filtered(key, rep, {"cf_budget__min": ["1000"]})
    assert dear in found and cheap not in found


def test_filters_never_widen_the_scope(demo):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    theirs = make("customers", rep2, 6)
    assert theirs not in _filtered("customers", rep1, {"owner": [str(rep2.pk)]})


def test_transfer_moves_a_customer_with_its_contacts_and_logs_it(demo):
    manager, rep1, rep2 = demo["manager_east"], demo["rep_east1"], demo["rep_east2"]
    contact = make("contacts", rep1, 7)
    customer = contact.customer
    assert record_type("customers").transfer(manager, [customer], rep2) == 1
    customer.refresh_from_db()
    contact.refresh_from_db()
    assert customer.owner == rep2 and contact.owner == rep2
    assert rep2.notifications.filter(kind="record_transferred").exists()


def test_transfer_of_an_invisible_record_is_refused(demo):
    from django.core.exceptions import PermissionDenied

    theirs = make("customers", demo["rep_north1"], 8)
    with pytest.raises(PermissionDenied):
        transfer(demo["rep_east1"], [theirs], demo["rep_east2"])


def test_a_masked_field_cannot_be_filtered_on(demo, english):
    """Filtering by digits of a masked mobile would reveal it one guess at a time."""
    from huike.org.models import Role

    rep = demo["rep_east1"]
    record = make("customers", rep, 9)
    role = Role.objects.get(code="sales_rep")
    role.field_policies = {"customers": {"mobile": "masked"}}
    role.save()
    rep = type(rep).objects.get(pk=rep.pk)  # rights are cached on the user object
    rt = record_type("customers")
    assert "mobile" not in {d.name for d in filter_defs(rt, rep)}
    assert "mobile" in {d.name for d in filter_defs(rt)}
    with pytest.raises(DomainError, match="may not filter"):
        _filtered("customers", rep, {"mobile": [record.mobile[-4:]]})
