"""Customer numbers (PLT-15): the default rule KH-YYYYMMDD-0001, consecutive, seeded once."""

from __future__ import annotations

from django.utils import timezone

from huike.core import numbering
from huike.core.models_config import NumberingRule


def test_customers_get_consecutive_numbers_from_the_default_rule(demo, make_customer):
    today = timezone.localtime().strftime("%Y%m%d")
    numbers = [make_customer(demo["rep_east1"], f"客户{i}").number for i in range(3)]
    assert numbers == [f"KH-{today}-{n:04d}" for n in (1, 2, 3)]
    assert NumberingRule.objects.filter(module="customers").count() == 1


def test_a_disabled_rule_is_left_alone(demo, make_customer):
    from huike.customers.services import ensure_numbering_rule

    ensure_numbering_rule()
    NumberingRule.objects.filter(module="customers").update(enabled=False)
    assert make_customer(demo["rep_east1"], "上海汇客").number == ""
    assert numbering.preview("customers") is None


def test_a_refused_duplicate_takes_no_number(demo, make_customer):
    import pytest

    from huike.core.errors import ConflictError

    first = make_customer(demo["rep_east1"], "上海汇客")
    with pytest.raises(ConflictError):
        make_customer(demo["rep_east1"], "上海汇客有限公司")
    second = make_customer(demo["rep_east1"], "北京汇客")
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
