# ruff: noqa: RUF001  (full-width characters are the subject here)
"""CUS-02: a customer whose normalised name or phone is already used is refused (or warned),
with a message naming the existing customer and its owner."""

from __future__ import annotations

import pytest

from huike.core.errors import ConflictError, DomainError
from huike.core.models import OperationLog
from huike.customers import services
from huike.customers.models import Customer, CustomerSettings


@pytest.mark.parametrize(
    "variant",
    [
        "上海汇客科技",  # the suffix dropped
        "上海汇客科技有限责任公司",  # another suffix
        "上海 汇客科技 有限公司",  # spaces
        "上海汇客科技（有限公司）",  # full-width brackets
    ],
)
def test_name_variants_are_refused_naming_the_owner(demo, english, make_customer, variant):
    make_customer(demo["rep_east1"], "上海汇客科技有限公司")
    with pytest.raises(ConflictError) as caught:
        make_customer(demo["rep_north1"], variant)
    assert caught.value.field == "name"
    assert caught.value.code == "duplicate"
    assert caught.value.message == (
        "A customer “上海汇客科技有限公司” already exists (owner: 张伟)."
    )
    assert Customer.objects.count() == 1


def test_latin_names_fold_width_case_and_suffix(demo, make_customer):
    make_customer(demo["rep_east1"], "ＡＢＣ Trading Co., Ltd.")
    with pytest.raises(ConflictError):
        make_customer(demo["rep_east2"], "abc trading")


def test_message_is_translated(demo, make_customer):
    from django.utils import translation

    make_customer(demo["rep_east1"], "上海浦东发展银行股份有限公司")
    with translation.override("zh-hans"), pytest.raises(ConflictError) as caught:
        make_customer(demo["rep_east2"], "上海浦东发展银行")
    assert "上海浦东发展银行股份有限公司" in caught.value.message
    assert "张伟" in caught.value.message


def test_other_regions_and_branches_are_not_duplicates(demo, make_customer):
    make_customer(demo["rep_east1"], "上海汇客科技有限公司")
    make_customer(demo["rep_east1"], "北京汇客科技有限公司")
    make_customer(demo["rep_east1"], "上海汇客科技有限公司杭州分公司")
    assert Customer.objects.count() == 3


def test_a_binned_customer_does_not_block_its_name(demo, make_customer):
    from huike.core import recycle

    first = make_customer(demo["director"], "上海汇客科技")
    recycle.move_to_bin(demo["director"], [first])
    again = make_customer(demo["rep_east1"], "上海汇客科技有限公司")
    assert again.pk != first.pk


def test_renaming_onto_an_existing_name_is_refused(demo, english, make_customer):
    make_customer(demo["rep_east1"], "上海汇客科技")
    other = make_customer(demo["rep_east1"], "北京汇客科技")
    with pytest.raises(ConflictError):
        services.update_customer(demo["rep_east1"], other, {"name": "上海汇客科技有限公司"})
    other.refresh_from_db()
    assert other.name == "北京汇客科技"
    # renaming to a variant of its own name is fine
    services.update_customer(demo["rep_east1"], other, {"name": "北京汇客科技有限公司"})


def test_phone_duplicate_is_refused_by_default(demo, english, make_customer):
    make_customer(demo["rep_east1"], "上海汇客", mobile="138 0922 8860")
    with pytest.raises(ConflictError) as caught:
        make_customer(demo["rep_north1"], "北京某公司", office_phone="+86 13809228860")
    assert caught.value.field == "office_phone"
    assert "“上海汇客”" in caught.value.message and "张伟" in caught.value.message
    assert Customer.objects.count() == 1


def test_warn_mode_lets_a_phone_duplicate_in_with_a_warning(demo, english, make_customer):
    CustomerSettings.objects.update_or_create(
        pk=1, defaults={"duplicates": CustomerSettings.Duplicates.WARN}
    )
    make_customer(demo["rep_east1"], "上海汇客", mobile="13809228860")
    second = make_customer(demo["rep_north1"], "北京某公司", mobile="138-0922-8860")
    assert second.pk
    (warning,) = second.duplicate_warnings
    assert "“上海汇客”" in warning and "张伟" in warning
    log = OperationLog.objects.get(object_id=str(second.pk), action="create")
    assert "上海汇客" in log.message
    # a name stays unique whatever the setting: the database guarantees it
    with pytest.raises(ConflictError):
        make_customer(demo["rep_north1"], "上海汇客有限公司")


def test_keys_are_stored(demo, make_customer):
    customer = make_customer(
        demo["rep_east1"], "上海浦东发展银行股份有限公司", mobile="+86 138 0922 8860"
    )
    assert customer.name_key == "上海浦东发展银行"
    assert customer.mobile_key == "13809228860"
    assert customer.mobile_rev == "06882290831"
    assert "pufa" in customer.search_key and "shpd" in customer.search_key
    assert customer.pinyin.startswith("shanghai")


def test_blank_name_and_bad_values_change_nothing(demo, english, make_customer):
    with pytest.raises(DomainError) as caught:
        make_customer(demo["rep_east1"], "  ")
    assert caught.value.field == "name"
    with pytest.raises(DomainError) as caught:
        make_customer(demo["rep_east1"], "上海汇客", email="not an address")
    assert caught.value.field == "email"
    with pytest.raises(DomainError) as caught:
        make_customer(demo["rep_east1"], "上海汇客", type="no_such_type")
    assert caught.value.field == "type"
    with pytest.raises(DomainError) as caught:
        make_customer(demo["rep_east1"], "上海汇客", deal_total="100")
    assert caught.value.field == "deal_total"
    assert not Customer.all_objects.exists()
    make_customer(demo["rep_east1"], "上海汇客", type="vip", registered_capital="1000000.00")
