"""The phone keys every phone-holding record type derives the same way (huike.core.phone_keys)."""

from __future__ import annotations

import pytest

from huike.core.phone_keys import PhoneKeys
from huike.core.record_types import record_types

TYPES = [rt for rt in record_types() if issubclass(rt.model, PhoneKeys)]


def test_customers_contacts_and_leads_share_the_phone_keys():
    assert {rt.key for rt in TYPES} >= {"customers", "contacts", "leads"}


@pytest.mark.parametrize("rt", TYPES, ids=lambda rt: rt.key)
def test_keys_come_from_the_declared_fields(rt):
    mobile_field, phone_field = rt.model.PHONE_KEY_SOURCES
    record = rt.model(**{mobile_field: "+86 138-0922-8860", phone_field: "021-6161 8888"})
    record.fill_phone_keys()
    assert record.mobile_key == "13809228860"
    assert record.mobile_rev == "06882290831"
    assert record.phone_rev.startswith("8888")
    assert rt.model.phone_source("mobile_rev") == mobile_field
    assert rt.model.phone_source("phone_rev") == phone_field
    assert rt.model.phone_source("name") is None
