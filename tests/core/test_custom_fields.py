"""Custom fields (PLT-09): definitions and their rules, cleaning every type, the JSON form,
whole payloads, uniqueness, display without N+1, form/API factories and list filters on the
JSON column (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from huike.core import custom_fields as cf
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.models_custom import CustomField
from huike.org.models import Department
from tests.testapp.models import Note

pytestmark = pytest.mark.django_db
T = CustomField.Type


@pytest.fixture
def admin(demo):
    return demo["admin"]


@pytest.fixture
def make(admin):
    def _make(type_: str, code: str | None = None, **attrs):
        attrs.setdefault("label_zh", f"字段{code or type_}")
        attrs.setdefault("label_en", f"Field {code or type_}")
        if type_ in (T.SELECT, T.MULTI_SELECT) and "dictionary" not in attrs:
            attrs.setdefault(
                "choices",
                [
                    {"value": "a", "label_zh": "甲", "label_en": "Alpha"},
                    {"value": "b", "label_zh": "乙", "label_en": "Beta"},
                    {"value": "c", "label_zh": "丙", "label_en": "Gamma"},
                ],
            )
        return cf.create_field(admin, "memos", code or f"cf_{type_}", type_, **attrs)

    return _make


# -- definitions ----------------------------------------------------------------------------


def test_create_logs_and_shows_in_fields_for(make, admin):
    field = make(T.TEXT, "industry_note")
    assert [f.code for f in cf.fields_for("memos")] == ["industry_note"]
    assert OperationLog.objects.filter(action="create", object_id=str(field.pk)).exists()


def test_pinned_definitions_are_read_once_for_the_block(make, monkeypatch):
    """A bulk import pins the definitions per batch: one cache read, not several per row."""
    make(T.TEXT, "industry_note")
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or real_get(*a, **k))
    with cf.definitions_pinned("memos"):
        for _ in range(50):
            assert [f.code for f in cf.fields_for("memos")] == ["industry_note"]
            assert cf.field_by_code("memos", "industry_note") is not None
    assert reads.count(cf.CACHE_PREFIX + "memos") == 1
    cf.fields_for("memos")
    assert reads.count(cf.CACHE_PREFIX + "memos") == 2  # outside the block: the cache again


def test_rep_cannot_manage_fields(demo, make):
    field = make(T.TEXT, "x1")
    rep = demo["rep_east1"]
    with pytest.raises(PermissionDenied):
        cf.create_field(rep, "memos", "x2", T.TEXT, label_en="X")
    with pytest.raises(PermissionDenied):
        cf.update_field(rep, field, label_en="Y")
    with pytest.raises(PermissionDenied):
        cf.disable_field(rep, field)
    with pytest.raises(PermissionDenied):
        cf.reorder_fields(rep, "memos", ["x1"])


@pytest.mark.parametrize(
    ("module", "code", "fragment"),
    [
        ("nosuchmodule", "ok_code", "not a module"),
        ("memos", "Bad-Code", "lower-case"),
        ("memos", "title", "standard field"),  # Note.title, Note is scoped by memos
        ("memos", "owner_id", "standard field"),
    ],
)
def test_bad_definitions_are_refused(admin, module, code, fragment):
    with translation.override("en"), pytest.raises(DomainError) as exc:
        cf.create_field(admin, module, code, T.TEXT, label_en="X")
    assert fragment in exc.value.message


def test_code_is_unique_per_module_and_fixed(make, admin):
    field = make(T.TEXT, "ref")
    with pytest.raises(DomainError):
        make(T.TEXT, "ref")
    with pytest.raises(DomainError):
        cf.update_field(admin, field, code="other")
    with pytest.raises(DomainError):
        cf.update_field(admin, field, type=T.NUMBER)


def test_select_needs_options_and_known_dictionary(admin):
    with pytest.raises(DomainError):
        cf.create_field(admin, "memos", "s1", T.SELECT, label_en="S", choices=[])
    with pytest.raises(DomainError):
        cf.create_field(admin, "memos", "s2", T.SELECT, label_en="S", dictionary="nope")
    field = cf.create_field(
        admin, "memos", "s3", T.SELECT, label_en="Source", dictionary="customer_source"
    )
    assert cf.options(field)


def test_default_is_cleaned_on_definition(make):
    field = make(T.MONEY, "budget", default="1,234.5")
    assert field.default == "1234.50"
    with pytest.raises(DomainError):
        make(T.NUMBER, "n_bad_default", default="abc")


def test_cache_is_invalidated_on_change(make, admin):
    field = make(T.TEXT, "cached")
    assert cf.fields_for("memos")[0].label_en == "Field cached"
    cf.update_field(admin, field, label_en="Renamed")
    assert cf.fields_for("memos")[0].label_en == "Renamed"
    cf.disable_field(admin, field)
    assert cf.fields_for("memos") == []
    assert [f.code for f in cf.fields_for("memos", include_disabled=True)] == ["cached"]
    assert OperationLog.objects.filter(action="disable", object_id=str(field.pk)).exists()


def test_reorder(make, admin):
    make(T.TEXT, "one")
    make(T.TEXT, "two")
    make(T.TEXT, "three")
    cf.reorder_fields(admin, "memos", ["three", "one"])
    assert [f.code for f in cf.fields_for("memos")] == ["three", "one", "two"]


def test_label_follows_language(make):
    field = make(T.TEXT, "lang", label_zh="行业", label_en="")
    with translation.override("en"):
        assert field.label == "行业"  # falls back to Chinese
    field.label_en = "Industry"
    with translation.override("en"):
        assert field.label == "Industry"
    with translation.override("zh-hans"):
        assert field.label == "行业"


# -- cleaning each type ---------------------------------------------------------------------

GOOD = [
    (T.TEXT, {}, "  hello ", "hello"),
    (T.LONG_TEXT, {}, "line 1\nline 2", "line 1\nline 2"),
    (T.NUMBER, {}, "42", 42),
    (T.NUMBER, {"decimal_places": 3}, "1,234.125", Decimal("1234.125")),
    (T.MONEY, {}, "¥1,000.5", Decimal("1000.50")),
    (T.PERCENT, {}, "12.5%", Decimal("12.50")),
    (T.DATE, {}, "2026/11/22", dt.date(2026, 11, 22)),
    (T.BOOLEAN, {}, "是", True),
    (T.BOOLEAN, {}, "false", False),
    (T.SELECT, {}, "b", "b"),
    (T.MULTI_SELECT, {}, "a,c,a", ["a", "c"]),
    (T.PHONE, {}, "021-12345678", "021-12345678"),
    (T.EMAIL, {}, "Li@Example.COM", "Li@example.com"),
    (T.URL, {}, "example.com/x", "https://example.com/x"),
    (T.REGION, {}, "浙江省/杭州市/西湖区", ["浙江省", "杭州市", "西湖区"]),
    (T.REGION, {}, ["上海市"], ["上海市"]),
]

BAD = [
    (T.TEXT, {}, "x" * 201, "at most 200"),
    (T.TEXT, {}, "a\nb", "single line"),
    (T.NUMBER, {}, "1.5", "whole number"),
    (T.NUMBER, {}, "abc", "enter a number"),
    (T.NUMBER, {"decimal_places": 2}, "1.234", "at most 2 decimal places"),
    (T.NUMBER, {}, "1" + "0" * 15, "below"),
    (T.MONEY, {}, "1.001", "at most 2 decimal places"),
    (T.DATE, {}, "2026-13-01", "enter a date"),
    (T.DATETIME, {}, "yesterday", "date and time"),
    (T.BOOLEAN, {}, "maybe", "yes or no"),
    (T.SELECT, {}, "z", "not one of the options"),
    (T.MULTI_SELECT, {}, ["a", "z"], "not one of the options"),
    (T.PHONE, {}, "call me", "phone number"),
    (T.EMAIL, {}, "nobody@", "e-mail"),
    (T.URL, {}, "ftp://x.com", "web address"),
    (T.USER, {}, "999999", "choose an entry"),
    (T.DEPARTMENT, {}, "abc", "choose an entry"),
    (T.FILE, {}, 999999, "choose an entry"),
    (T.REGION, {}, "a/b/c/d", "province"),
]


@pytest.mark.parametrize(("type_", "attrs", "raw", "expected"), GOOD)
def test_clean_good_values(make, type_, attrs, raw, expected):
    field = make(type_, **attrs)
    assert cf.clean_value(field, raw) == expected


@pytest.mark.parametrize(("type_", "attrs", "raw", "fragment"), BAD)
def test_clean_bad_values_name_the_field(make, type_, attrs, raw, fragment):
    field = make(type_, **attrs)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        cf.clean_value(field, raw)
    message = exc.value.messages[0]
    assert message.startswith(f"Field {type_}:")
    assert fragment in message


def test_messages_use_the_label_of_the_active_language(make):
    field = make(T.NUMBER, "qty", label_zh="数量", label_en="Quantity")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        cf.clean_value(field, "x")
    assert "数量" in exc.value.messages[0]


def test_datetime_is_aware_and_stored_in_utc(make, settings):
    field = make(T.DATETIME)
    value = cf.clean_value(field, "2026-11-22 08:30")
    assert timezone.is_aware(value)
    stored = cf.to_json(field, value)
    assert stored.endswith("Z")
    assert cf.from_json(field, stored) == value


def test_user_department_and_file_ids(make, demo):
    rep = demo["rep_east1"]
    user_field = make(T.USER)
    assert cf.clean_value(user_field, str(rep.pk)) == rep.pk
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        cf.clean_value(user_field, rep.pk)
    assert cf.clean_value(user_field, rep.pk, current=rep.pk) == rep.pk  # kept on edit
    dept = Department.objects.first()
    assert cf.clean_value(make(T.DEPARTMENT), dept.pk) == dept.pk


def test_disabled_option_is_kept_only_by_records_holding_it(make, admin):
    field = make(T.SELECT, "stage")
    choices = [dict(c) for c in field.choices]
    choices[0]["enabled"] = False
    field = cf.update_field(admin, field, choices=choices)
    with pytest.raises(ValidationError):
        cf.clean_value(field, "a")
    assert cf.clean_value(field, "a", current="a") == "a"


@pytest.mark.parametrize(
    ("attrs", "raw", "stored"),
    [
        ({"type_": T.NUMBER, "decimal_places": 4}, "0.1000", "0.1000"),
        ({"type_": T.MONEY}, "12345678901234.56", "12345678901234.56"),
        ({"type_": T.PERCENT, "decimal_places": 1}, "33.3", "33.3"),
        ({"type_": T.NUMBER}, "7", 7),
        ({"type_": T.DATE}, "2026-01-05", "2026-01-05"),
    ],
)
def test_json_round_trip_keeps_precision(make, attrs, raw, stored):
    field = make(attrs.pop("type_"), **attrs)
    value = cf.clean_value(field, raw)
    assert cf.to_json(field, value) == stored
    assert cf.from_json(field, stored) == value
    note = Note.objects.create(title="n", owner=field_owner(), custom_data={field.code: stored})
    note.refresh_from_db()
    assert cf.from_json(field, note.custom_data[field.code]) == value


def field_owner():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="rep_east1")


# -- whole payloads -------------------------------------------------------------------------


def test_payload_required_defaults_and_unknown_codes(make):
    make(T.TEXT, "must", required=True)
    make(T.SELECT, "level", default="b")
    make(T.NUMBER, "count")
    with pytest.raises(ValidationError) as exc:
        cf.clean_custom_data("memos", {"bogus": 1, "count": "x"})
    assert set(exc.value.message_dict) == {"bogus", "must", "count"}

    data = cf.clean_custom_data("memos", {"must": "yes", "count": "3"})
    assert data == {"must": "yes", "level": "b", "count": 3}

    # Editing: defaults are not re-applied, cleared values leave the dict, missing keys stay.
    updated = cf.clean_custom_data("memos", {"count": ""}, partial=True, instance_data=data)
    assert updated == {"must": "yes", "level": "b"}
    with pytest.raises(ValidationError) as exc:
        cf.clean_custom_data("memos", {"must": ""}, partial=True, instance_data=data)
    assert "must" in exc.value.message_dict


def test_values_of_disabled_fields_are_kept(make, admin):
    field = make(T.TEXT, "old")
    data = cf.clean_custom_data("memos", {"old": "keep me"})
    cf.disable_field(admin, field)
    assert cf.clean_custom_data("memos", {}, instance_data=data) == {"old": "keep me"}
    with pytest.raises(ValidationError):
        cf.clean_custom_data("memos", {"old": "x"}, instance_data=data)


def test_check_unique_among_live_records(make, demo):
    field = make(T.TEXT, "tax_no", unique=True)
    owner = demo["rep_east1"]
    first = Note.objects.create(title="a", owner=owner, custom_data={"tax_no": "913100"})
    with pytest.raises(DomainError) as exc:
        cf.check_unique(Note, field, "913100")
    assert exc.value.code == "unique"
    cf.check_unique(Note, field, "913100", exclude_pk=first.pk)  # its own value
    first.deleted_at = timezone.now()
    first.save(update_fields=["deleted_at"])
    cf.check_unique_values(Note, "memos", {"tax_no": "913100"})  # binned rows do not count


# -- showing --------------------------------------------------------------------------------


def test_display_value(make, demo):
    rep = demo["rep_east1"]
    with translation.override("en"):
        assert cf.display_value(make(T.MULTI_SELECT, "m"), ["a", "c"]) == "Alpha, Gamma"
        assert cf.display_value(make(T.BOOLEAN, "b"), True) == "Yes"
        assert cf.display_value(make(T.MONEY, "mo"), "1234.50") == "1,234.50"
        assert cf.display_value(make(T.USER, "u"), rep.pk) == rep.name
        assert cf.display_value(make(T.REGION, "r"), ["浙江省", "杭州市"]) == "浙江省/杭州市"
        assert cf.display_value(make(T.TEXT, "t"), None) == ""


def test_display_values_query_count_is_constant(make, demo, django_assert_num_queries):
    users = list(demo.values())
    fields = [make(T.USER, "u"), make(T.DEPARTMENT, "d"), make(T.SELECT, "s")]
    departments = list(Department.objects.values_list("pk", flat=True))
    cf.fields_for("memos")  # warm the definition cache
    cf.option_labels(fields[2])

    def rows(n):
        return [
            {"u": users[i % len(users)].pk, "d": departments[i % len(departments)], "s": "a"}
            for i in range(n)
        ]

    with django_assert_num_queries(2):
        few = cf.display_values(fields, rows(3))
    with django_assert_num_queries(2):
        many = cf.display_values(fields, rows(200))
    assert len(many) == 200 and few[0]["u"] == str(users[0])


# -- spreadsheets ---------------------------------------------------------------------------


def test_export_and_import(make, demo):
    rep = demo["rep_east1"]
    money = make(T.MONEY, "amount")
    assert cf.export_value(money, "12.30") == Decimal("12.30")
    select = make(T.MULTI_SELECT, "kinds")
    with translation.override("en"):
        assert cf.export_value(select, ["a", "b"]) == "Alpha, Beta"
        assert cf.import_value(select, "Alpha\uff0c乙") == ["a", "b"]
    user = make(T.USER, "who")
    assert cf.import_value(user, rep.username) == rep.pk
    assert cf.import_value(user, rep.name) == rep.pk
    with pytest.raises(ValidationError):
        cf.import_value(user, "nobody at all")
    assert cf.import_value(make(T.BOOLEAN, "flag"), "否") is False


# -- form and API fields --------------------------------------------------------------------


@pytest.mark.parametrize(("type_", "attrs", "raw", "expected"), GOOD)
def test_form_field_accepts_what_clean_value_accepts(make, type_, attrs, raw, expected):
    field = make(type_, **attrs)
    assert cf.form_field(field).clean(raw) == expected


@pytest.mark.parametrize(("type_", "attrs", "raw", "fragment"), BAD)
def test_form_and_serializer_fields_refuse_like_clean_value(make, type_, attrs, raw, fragment):
    from rest_framework import serializers

    field = make(type_, **attrs)
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            cf.form_field(field).clean(raw)
        assert fragment in exc.value.messages[0]
        with pytest.raises(serializers.ValidationError) as drf:
            cf.serializer_field(field).run_validation(raw)
        assert fragment in str(drf.value.detail[0])


def test_form_field_widgets_and_choices_read_at_render(make, admin):
    select = make(T.SELECT, "pick")
    form_field = cf.form_field(select)
    assert [v for v, _l in form_field.choices] == ["", "a", "b", "c"]
    cf.update_field(admin, select, choices=[*select.choices, {"value": "d", "label_en": "D"}])
    assert [v for v, _l in form_field.choices][-1] == "d"
    assert 'type="date"' in cf.form_field(make(T.DATE)).widget.render("x", None)
    assert cf.form_field(make(T.TEXT, "req", required=True)).required


def test_serializer_field_required_and_null(make):
    from rest_framework import serializers

    required = cf.serializer_field(make(T.TEXT, "req", required=True))
    with pytest.raises(serializers.ValidationError):
        required.run_validation(None)
    optional = cf.serializer_field(make(T.NUMBER, "opt"))
    assert optional.run_validation(None) is None
    assert optional.run_validation("5") == 5


# -- filters on the JSON column -------------------------------------------------------------


@pytest.fixture
def notes(make, demo):
    make(T.TEXT, "txt")
    make(T.NUMBER, "num", decimal_places=2)
    make(T.MONEY, "amt")
    make(T.DATE, "day")
    make(T.DATETIME, "at")
    make(T.SELECT, "one")
    make(T.MULTI_SELECT, "many")
    make(T.BOOLEAN, "flag")
    make(T.USER, "who")
    owner = demo["rep_east1"]
    other = demo["admin"]
    specs = {
        "n1": {
            "txt": "Shanghai Port",
            "num": "9.5",
            "amt": "100",
            "day": "2026-01-10",
            "at": "2026-01-10 09:00",
            "one": "a",
            "many": ["a", "b"],
            "flag": True,
            "who": owner.pk,
        },
        "n2": {
            "txt": "Beijing",
            "num": "10.25",
            "amt": "2500.75",
            "day": "2026-02-01",
            "at": "2026-02-01 23:30",
            "one": "b",
            "many": ["c"],
            "flag": False,
            "who": other.pk,
        },
        "n3": {"txt": "port of call", "num": "100", "day": "2025-12-31", "many": ["b"]},
        "n4": {},
    }
    for title, raw in specs.items():
        Note.objects.create(
            title=title, owner=owner, custom_data=cf.clean_custom_data("memos", raw)
        )
    return {f.code: f for f in cf.fields_for("memos")}


def titles(qs):
    return sorted(qs.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        ("txt", "PORT", ["n1", "n3"]),
        ("num", {"from": "9.5", "to": "10.25"}, ["n1", "n2"]),
        ("num", {"from": "10"}, ["n2", "n3"]),  # numeric, not text, order: "100" > "10"
        ("num", {"to": "9.9"}, ["n1"]),
        ("amt", {"from": "1000"}, ["n2"]),
        ("day", {"from": "2026-01-01", "to": "2026-01-31"}, ["n1"]),
        ("day", {"to": "2026-01-10"}, ["n1", "n3"]),
        ("at", {"from": "2026-02-01", "to": "2026-02-01"}, ["n2"]),  # whole end day
        ("one", ["a", "b"], ["n1", "n2"]),
        ("one", "b", ["n2"]),
        ("many", ["b"], ["n1", "n3"]),
        ("many", ["c", "a"], ["n1", "n2"]),
        ("flag", True, ["n1"]),
        ("flag", "false", ["n2", "n3", "n4"]),
    ],
)
def test_apply_filter(notes, code, value, expected):
    qs = cf.apply_filter(Note.objects.all(), notes[code], value)
    assert titles(qs) == expected


def test_filter_on_user(notes, demo):
    qs = cf.apply_filter(Note.objects.all(), notes["who"], [demo["admin"].pk])
    assert titles(qs) == ["n2"]


def test_filter_specs(notes):
    assert cf.filter_spec(notes["num"]).kind == "range"
    assert cf.filter_spec(notes["txt"]).kind == "contains"
    assert cf.filter_spec(notes["many"]).kind == "any_of"
    assert cf.filter_spec(notes["flag"]).kind == "exact"
    assert [v for v, _l in cf.filter_spec(notes["one"]).choices] == ["a", "b", "c"]


def test_bad_filter_value_is_a_validation_error(notes):
    with pytest.raises(ValidationError):
        cf.apply_filter(Note.objects.all(), notes["num"], {"from": "lots"})


def test_cache_is_cleared_between_tests():
    assert cache.get(cf.CACHE_PREFIX + "memos") is None
