"""Option lists (PLT-10): standard lists, labels per language, disabling, the cache, the form
and model fields, and the editing service's rules."""

from __future__ import annotations

import pytest
from django import forms
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.utils import translation

from huike.core import dictionaries
from huike.core.dictionaries import DictionaryChoiceField, DictionaryField, ItemRow
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.models_config import Dictionary, DictionaryItem
from tests.testapp.models import Memo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    """The test cache outlives each test's rolled-back transaction; start every test clean."""
    cache.clear()
    yield
    cache.clear()


def rows_of(code: str) -> list[ItemRow]:
    return [
        ItemRow(
            id=i.pk,
            value=i.value,
            label_zh=i.label_zh,
            label_en=i.label_en,
            order=i.order,
            enabled=i.enabled,
            color=i.color,
        )
        for i in DictionaryItem.objects.filter(dictionary__code=code)
    ]


def change(rows: list[ItemRow], which: str, **fields) -> list[ItemRow]:
    for row in rows:
        if row.value == which:
            for name, new in fields.items():
                setattr(row, name, new)
    return rows


# -- standard lists -------------------------------------------------------------------------


def test_standard_lists_exist_after_migrate():
    # post_migrate filled them when the test database was created.
    codes = set(Dictionary.objects.values_list("code", flat=True))
    assert {
        "customer_type",
        "customer_source",
        "industry",
        "customer_level",
        "follow_up_type",
        "lost_reason",
        "product_unit",
        "payment_method",
    } <= codes
    with translation.override("zh-hans"):
        assert [label for _v, label in dictionaries.options("customer_type")] == [
            "普通客户",
            "VIP客户",
            "代理商",
            "合作伙伴",
        ]
        assert "承兑汇票" in dict(dictionaries.options("payment_method")).values()
        assert [label for _v, label in dictionaries.options("product_unit")] == list(
            "个台套件年月次"
        )


def test_ensure_defaults_is_idempotent_and_keeps_admin_changes(demo):
    before = DictionaryItem.objects.count()
    dictionaries.ensure_defaults()
    dictionaries.ensure_defaults()
    assert DictionaryItem.objects.count() == before
    assert Dictionary.objects.filter(is_builtin=True).count() == len(dictionaries.DEFAULTS)

    # A renamed item and a deleted one stay as the admin left them.
    rows = change(rows_of("customer_source"), "online", label_zh="线上推广")
    rows = change(rows, "other", delete=True)
    dictionaries.save_items(demo["admin"], Dictionary.objects.get(code="customer_source"), rows)
    dictionaries.ensure_defaults()
    assert dictionaries.label("customer_source", "online") == "线上推广"
    assert not DictionaryItem.objects.filter(
        dictionary__code="customer_source", value="other"
    ).exists()

    # A missing standard list is created again, complete.
    Dictionary.objects.filter(code="industry").delete()
    dictionaries.ensure_defaults()
    assert len(dictionaries.options("industry")) == 8


# -- labels ---------------------------------------------------------------------------------


def test_label_follows_the_active_language_with_fallback():
    dictionary = Dictionary.objects.get(code="customer_type")
    DictionaryItem.objects.create(dictionary=dictionary, value="only_zh", label_zh="仅中文")
    DictionaryItem.objects.create(dictionary=dictionary, value="only_en", label_en="English only")
    with translation.override("en"):
        assert dictionaries.label("customer_type", "vip") == "VIP customer"
        assert dictionaries.label("customer_type", "only_zh") == "仅中文"
        assert dictionary.name == "Customer type"
    with translation.override("zh-hans"):
        assert dictionaries.label("customer_type", "vip") == "VIP客户"
        assert dictionaries.label("customer_type", "only_en") == "English only"
        assert dictionary.name == "客户类型"
    # Values the list does not know are shown as stored; nothing shows as nothing.
    assert dictionaries.label("customer_type", "legacy_code") == "legacy_code"
    assert dictionaries.label("customer_type", "") == ""
    assert dictionaries.label("no_such_list", "x") == "x"
    assert dictionaries.options("no_such_list") == []


def test_disabled_item_is_hidden_from_options_but_still_labels(demo):
    vip = DictionaryItem.objects.get(dictionary__code="customer_type", value="vip")
    dictionaries.set_enabled(demo["admin"], vip, False)
    with translation.override("zh-hans"):
        assert "vip" not in dict(dictionaries.options("customer_type"))
        assert "vip" in dict(dictionaries.options("customer_type", include_disabled=True))
        assert dictionaries.label("customer_type", "vip") == "VIP客户"
    assert OperationLog.objects.filter(action="disable", object_id=str(vip.dictionary_id)).exists()


def test_template_filter_and_badge():
    with translation.override("en"):
        html = Template(
            '{% load dictionaries %}{{ v|option_label:"customer_type" }}|'
            '{% option_badge "customer_level" "a" %}|{% option_badge "customer_level" "zz" %}'
        ).render(Context({"v": "agent"}))
    assert html == 'Agent|<span class="badge bg-red-lt">A Key customer</span>|zz'


# -- cache ----------------------------------------------------------------------------------


def test_options_are_cached_and_the_cache_is_dropped_on_change(
    demo, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with translation.override("en"):
        dictionaries.options("customer_source")
        with django_assert_num_queries(0):
            assert dictionaries.options("customer_source")[0] == ("telemarketing", "Telemarketing")
            assert dictionaries.label("customer_source", "referral") == "Referral"

        rows = change(rows_of("customer_source"), "telemarketing", label_en="Cold calls")
        with django_capture_on_commit_callbacks(execute=True):
            dictionaries.save_items(
                demo["admin"], Dictionary.objects.get(code="customer_source"), rows
            )
        assert dictionaries.options("customer_source")[0] == ("telemarketing", "Cold calls")
        with django_assert_num_queries(0):
            dictionaries.options("customer_source")


# -- editing rules --------------------------------------------------------------------------


def test_save_items_renames_reorders_adds_and_logs(demo):
    dictionary = Dictionary.objects.get(code="customer_type")
    rows = rows_of("customer_type")
    rows = change(rows, "partner", order=1, label_en="Channel partner")
    rows.append(ItemRow(value="reseller", label_zh="经销商", label_en="Reseller", color="teal"))
    dictionaries.save_items(demo["admin"], dictionary, rows, name_en="Customer category")
    with translation.override("en"):
        assert dictionaries.options("customer_type")[0] == ("partner", "Channel partner")
        assert dictionaries.options("customer_type")[-1] == ("reseller", "Reseller")
        assert dictionaries.option("customer_type", "reseller").color == "teal"
    dictionary.refresh_from_db()
    assert dictionary.name_en == "Customer category"
    entry = OperationLog.objects.get(action="update", object_id=str(dictionary.pk))
    assert entry.actor == demo["admin"]
    assert {c["field"] for c in entry.changes} == {"name", "partner", "reseller"}


def test_values_of_existing_items_never_change(demo):
    dictionary = Dictionary.objects.get(code="customer_type")
    rows = change(rows_of("customer_type"), "vip", value="changed")
    dictionaries.save_items(demo["admin"], dictionary, rows)
    assert dictionary.items.filter(value="vip").exists()
    assert not dictionary.items.filter(value="changed").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([ItemRow(value="", label_zh="无代码")], "Enter a value"),
        ([ItemRow(value="vip", label_zh="重复")], "already in this list"),
        ([ItemRow(value="new", label_zh="一"), ItemRow(value="new", label_zh="二")], "already"),
        ([ItemRow(value="has space", label_zh="空格")], "Use letters"),
        ([ItemRow(value="nolabel")], "Enter a label"),
        ([ItemRow(value="x", label_zh="x", color="rainbow")], "colour"),
    ],
)
@pytest.mark.usefixtures("english")
def test_bad_rows_are_refused_and_nothing_is_written(demo, extra, message):
    dictionary = Dictionary.objects.get(code="customer_type")
    rows = change(rows_of("customer_type"), "regular", label_zh="改名了")
    before = list(dictionary.items.values_list("value", "label_zh", "order", "enabled"))
    with pytest.raises(DomainError) as caught:
        dictionaries.save_items(demo["admin"], dictionary, rows + extra)
    assert message in caught.value.message
    assert list(dictionary.items.values_list("value", "label_zh", "order", "enabled")) == before
    assert not OperationLog.objects.filter(object_id=str(dictionary.pk)).exists()


def test_row_of_another_list_is_refused(demo):
    other = DictionaryItem.objects.get(dictionary__code="industry", value="it")
    dictionary = Dictionary.objects.get(code="customer_type")
    with pytest.raises(DomainError):
        dictionaries.save_items(
            demo["admin"], dictionary, [ItemRow(id=other.pk, label_zh="hijack", label_en="x")]
        )
    other.refresh_from_db()
    assert other.label_zh == "IT互联网"


def test_editing_needs_the_settings_right(demo):
    dictionary = Dictionary.objects.get(code="customer_type")
    with pytest.raises(PermissionDenied):
        dictionaries.save_items(demo["rep_east1"], dictionary, rows_of("customer_type"))
    with pytest.raises(PermissionDenied):
        dictionaries.create_dictionary(demo["rep_east1"], code="mine", name_zh="我的")
    vip = DictionaryItem.objects.get(dictionary=dictionary, value="vip")
    with pytest.raises(PermissionDenied):
        dictionaries.set_enabled(demo["rep_east1"], vip, False)


def test_used_item_cannot_be_deleted_but_an_unused_one_can(demo, monkeypatch):
    monkeypatch.setattr(dictionaries, "_usages", {})
    dictionaries.register_usage("customer_type", Memo, "title")
    Memo.objects.create(title="vip", owner=demo["rep_east1"])
    dictionary = Dictionary.objects.get(code="customer_type")

    with pytest.raises(DomainError) as caught:
        dictionaries.save_items(
            demo["admin"], dictionary, change(rows_of("customer_type"), "vip", delete=True)
        )
    assert caught.value.code == "in_use"
    assert dictionary.items.filter(value="vip").exists()

    dictionaries.save_items(
        demo["admin"], dictionary, change(rows_of("customer_type"), "agent", delete=True)
    )
    assert not dictionary.items.filter(value="agent").exists()


def test_create_dictionary(demo):
    created = dictionaries.create_dictionary(
        demo["admin"], code="contact_role", name_zh="联系人角色", name_en="Contact role"
    )
    assert not created.is_builtin
    assert dictionaries.options("contact_role") == []
    with pytest.raises(DomainError):
        dictionaries.create_dictionary(demo["admin"], code="contact_role", name_zh="again")
    with pytest.raises(DomainError):
        dictionaries.create_dictionary(demo["admin"], code="Bad Code", name_zh="坏")
    with pytest.raises(DomainError):
        dictionaries.create_dictionary(demo["admin"], code="nameless")
    assert Dictionary.objects.filter(code="contact_role").count() == 1


# -- form and model fields ------------------------------------------------------------------


class SourceForm(forms.Form):
    source = DictionaryChoiceField("customer_source")
    level = DictionaryChoiceField("customer_level", required=False)


def test_choice_field_reads_the_list_when_rendered(demo):
    form = SourceForm()
    # A change after the form class was defined shows up: choices are read each time.
    DictionaryItem.objects.filter(dictionary__code="customer_source", value="online").update(
        enabled=False
    )
    dictionaries.invalidate("customer_source")
    values = [value for value, _label in form.fields["source"].choices]
    assert "online" not in values
    assert "referral" in values
    assert SourceForm({"source": "referral"}).is_valid()
    assert not SourceForm({"source": "online"}).is_valid()
    assert not SourceForm({"source": "made_up"}).is_valid()
    assert SourceForm({"source": "referral", "level": ""}).is_valid()
    assert not SourceForm({"source": ""}).is_valid()


def test_choice_field_keeps_the_records_disabled_value(demo):
    DictionaryItem.objects.filter(dictionary__code="customer_source", value="online").update(
        enabled=False
    )
    dictionaries.invalidate("customer_source")
    # Editing a record whose source is now disabled: the value stays valid and visible.
    form = SourceForm({"source": "online"}, initial={"source": "online"})
    assert form.is_valid(), form.errors
    assert "online" in [value for value, _label in form.fields["source"].choices]
    # Another form (a new record) does not offer it.
    assert not SourceForm({"source": "online"}).is_valid()


def test_dictionary_model_field():
    field = DictionaryField(dictionary="industry", verbose_name="industry")
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "huike.core.dictionaries.DictionaryField"
    assert kwargs["dictionary"] == "industry"
    assert kwargs["max_length"] == 50
    formfield = field.formfield()
    assert isinstance(formfield, DictionaryChoiceField)
    assert formfield.code == "industry"
    assert not formfield.required
