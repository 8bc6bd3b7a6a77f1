"""Numbering rules (PLT-15): formats, resets, gap-free rollback, validation and the service's
permission and log. Parallel-worker tests are in test_numbering_concurrency.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from huike.core import numbering
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.models_config import NumberingCounter, NumberingRule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def make_rule(module="memos", *, date="YYYYMMDD", reset="daily", prefix="KH", width=4, sep="-"):
    segments = [{"kind": "text", "text": prefix}]
    if date:
        segments.append({"kind": "date", "format": date})
    segments.append({"kind": "counter", "width": width})
    return NumberingRule.objects.create(
        module=module, segments=segments, separator=sep, reset=reset
    )


def take(module="memos", when=None):
    with transaction.atomic():
        return numbering.next_number(module, at=when)


pytestmark = pytest.mark.django_db


# -- format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "reset", "expected"),
    [
        ("YYYYMMDD", "daily", "KH-20261122-0001"),
        ("YYMMDD", "daily", "KH-261122-0001"),
        ("YYYYMM", "monthly", "KH-202611-0001"),
        ("YYYY", "yearly", "KH-2026-0001"),
        ("YYYYMMDD", "never", "KH-20261122-0001"),
        (None, "never", "KH-0001"),
    ],
)
def test_format_of_each_date_kind(date, reset, expected):
    make_rule(date=date, reset=reset)
    assert take(when=at(2026, 11, 22, 10)) == expected
    assert take(when=at(2026, 11, 22, 11)) == expected[:-1] + "2"


def test_separator_width_and_overflow():
    make_rule(sep="", width=2, date=None, reset="never")
    numbers = [take() for _ in range(100)]
    assert numbers[0] == "KH01"
    assert numbers[98] == "KH99"
    # Past its width the counter is printed in full, never cut into a repeat.
    assert numbers[99] == "KH100"


def test_the_date_is_the_company_date_not_utc():
    make_rule()
    # 16:30 UTC on the 22nd is 00:30 on the 23rd in Shanghai.
    assert take(when=datetime(2026, 11, 22, 16, 30, tzinfo=ZoneInfo("UTC"))) == "KH-20261123-0001"


def test_module_without_rule_or_with_disabled_rule_has_no_number():
    assert take("nothing") is None
    rule = make_rule()
    rule.enabled = False
    rule.save()
    assert take() is None
    assert numbering.preview("memos") is None


# -- reset ----------------------------------------------------------------------------------


def test_daily_reset_across_midnight():
    make_rule(reset="daily")
    assert take(when=at(2026, 11, 22, 23, 59)) == "KH-20261122-0001"
    assert take(when=at(2026, 11, 22, 23, 59)) == "KH-20261122-0002"
    assert take(when=at(2026, 11, 23, 0, 0)) == "KH-20261123-0001"
    # A late record of the previous day continues that day's counter.
    assert take(when=at(2026, 11, 22, 23, 59, 59)) == "KH-20261122-0003"


def test_monthly_reset_across_month_end():
    make_rule(date="YYYYMM", reset="monthly")
    assert take(when=at(2026, 1, 1)) == "KH-202601-0001"
    assert take(when=at(2026, 1, 31, 23, 59)) == "KH-202601-0002"
    assert take(when=at(2026, 2, 1)) == "KH-202602-0001"


def test_monthly_reset_with_a_daily_date_keeps_counting_through_the_month():
    make_rule(date="YYYYMMDD", reset="monthly")
    assert take(when=at(2026, 1, 5)) == "KH-20260105-0001"
    assert take(when=at(2026, 1, 6)) == "KH-20260106-0002"
    assert take(when=at(2026, 2, 1)) == "KH-20260201-0001"


def test_yearly_reset_across_new_year():
    make_rule(date="YYYY", reset="yearly")
    assert take(when=at(2026, 12, 31, 23, 59)) == "KH-2026-0001"
    assert take(when=at(2026, 6, 1)) == "KH-2026-0002"
    assert take(when=at(2027, 1, 1)) == "KH-2027-0001"


def test_never_reset_counts_across_years():
    make_rule(date="YYYY", reset="never")
    assert take(when=at(2026, 12, 31)) == "KH-2026-0001"
    assert take(when=at(2027, 1, 1)) == "KH-2027-0002"
    assert NumberingCounter.objects.get().period == ""


# -- gap-free -------------------------------------------------------------------------------


def test_rolled_back_creation_gives_the_number_back():
    make_rule()
    when = at(2026, 11, 22, 9)
    assert take(when=when) == "KH-20261122-0001"

    class Failed(Exception):
        pass

    with pytest.raises(Failed), transaction.atomic():
        assert numbering.next_number("memos", at=when) == "KH-20261122-0002"
        raise Failed  # e.g. the record's validation failed after the number was taken
    assert take(when=when) == "KH-20261122-0002"
    assert take(when=when) == "KH-20261122-0003"


def test_preview_does_not_take_the_number():
    make_rule()
    when = at(2026, 11, 22, 9)
    assert numbering.preview("memos", at=when) == "KH-20261122-0001"
    assert numbering.preview("memos", at=when) == "KH-20261122-0001"
    assert take(when=when) == "KH-20261122-0001"
    assert numbering.preview("memos", at=when) == "KH-20261122-0002"


# -- configuration --------------------------------------------------------------------------

SEGMENTS = [
    {"kind": "text", "text": "HT"},
    {"kind": "date", "format": "YYYYMMDD"},
    {"kind": "counter", "width": 5},
]


def test_create_rule_checks_permission_and_logs(demo):
    with pytest.raises(PermissionDenied):
        numbering.create_rule(demo["rep_east1"], module="memos", segments=SEGMENTS)
    assert not NumberingRule.objects.exists()

    rule = numbering.create_rule(demo["admin"], module="memos", segments=SEGMENTS)
    assert take(when=at(2026, 11, 22)) == "HT-20261122-00001"
    entry = OperationLog.objects.get(object_id=str(rule.pk), action="create")
    assert entry.actor == demo["admin"]
    assert {c["new"] for c in entry.changes} >= {"HT-{YYYYMMDD}-{00000}"}


def test_one_rule_per_module(demo):
    numbering.create_rule(demo["admin"], module="memos", segments=SEGMENTS)
    with pytest.raises(DomainError) as caught:
        numbering.create_rule(demo["admin"], module="memos", segments=SEGMENTS)
    assert caught.value.field == "module"


def test_module_must_be_a_registered_record_module(demo):
    # The test app registers "memos" as a scoped (record) module; others are refused.
    with pytest.raises(DomainError) as caught:
        numbering.create_rule(demo["admin"], module="users", segments=SEGMENTS)
    assert caught.value.field == "module"
    with pytest.raises(DomainError):
        numbering.create_rule(demo["admin"], module="Bad Key", segments=SEGMENTS)
    assert ("memos", "Memos") in numbering.module_choices()


@pytest.mark.parametrize(
    ("segments", "reset"),
    [
        ([{"kind": "text", "text": "KH"}], "never"),  # no counter
        ([{"kind": "counter", "width": 4}, {"kind": "counter", "width": 4}], "never"),
        ([{"kind": "date", "format": "YYYYMM"}, {"kind": "counter", "width": 4}], "daily"),
        ([{"kind": "date", "format": "YYYY"}, {"kind": "counter", "width": 4}], "monthly"),
        ([{"kind": "counter", "width": 4}], "yearly"),  # yearly reset without a year
        ([{"kind": "text", "text": ""}, {"kind": "counter", "width": 4}], "never"),
        ([{"kind": "text", "text": "K H"}, {"kind": "counter", "width": 4}], "never"),
        ([{"kind": "counter", "width": 0}], "never"),
        ([{"kind": "counter", "width": 11}], "never"),
        ([{"kind": "date", "format": "DDMMYY"}, {"kind": "counter", "width": 4}], "never"),
        ([{"kind": "emoji"}, {"kind": "counter", "width": 4}], "never"),
        ([{"kind": "counter", "width": 4}], "hourly"),
    ],
)
def test_invalid_rules_are_refused_and_nothing_is_written(demo, segments, reset):
    with pytest.raises(DomainError) as caught:
        numbering.create_rule(demo["admin"], module="memos", segments=segments, reset=reset)
    assert caught.value.message
    assert not NumberingRule.objects.exists()
    assert not OperationLog.objects.filter(action="create").exists()


def test_changing_the_reset_never_repeats_an_issued_number(demo):
    rule = numbering.create_rule(
        demo["admin"],
        module="memos",
        segments=[
            {"kind": "text", "text": "KH"},
            {"kind": "date", "format": "YYYY"},
            {"kind": "counter", "width": 4},
        ],
        reset="never",
    )
    for _ in range(3):
        take()
    numbering.update_rule(
        demo["admin"],
        rule,
        segments=rule.segments,
        separator=rule.separator,
        reset="yearly",
        enabled=True,
    )
    year = numbering.local(None).year
    # Under the old rule KH-<year>-0001..0003 were issued; the yearly counter continues.
    assert take() == f"KH-{year}-0004"
    entry = OperationLog.objects.get(object_id=str(rule.pk), action="update")
    assert [c["field"] for c in entry.changes] == ["reset"]


def test_update_requires_permission(demo):
    rule = make_rule()
    with pytest.raises(PermissionDenied):
        numbering.update_rule(
            demo["rep_east1"], rule, segments=SEGMENTS, separator="-", reset="daily", enabled=True
        )
    rule.refresh_from_db()
    assert rule.segments[0]["text"] == "KH"


def test_ensure_rule_leaves_an_edited_rule_alone():
    rule = numbering.ensure_rule("memos", segments=SEGMENTS)
    rule.separator = "/"
    rule.save()
    again = numbering.ensure_rule(
        "memos", segments=[{"kind": "counter", "width": 3}], reset="never"
    )
    assert again.pk == rule.pk
    assert again.separator == "/"
