"""The generic create and edit forms of every registered record type: built from the
declaration plus custom fields, saved through the type's services, their refusals shown at the
fields. Parametrized over ``record_types()``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huike.core import custom_fields
from huike.core.forms_records import RecordForm
from huike.core.models import OperationLog
from huike.core.oplog import history
from huike.core.record_types import record_type, record_types
from tests.record_samples import SAMPLES, make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def url(rt, name, *args):
    return reverse(f"{rt.key}:{name}", args=args)


def post_data(form) -> dict:
    """What a browser submits for ``form`` as shown (its initial values), disabled left out."""
    data = {}
    for bound in form:
        if bound.field.disabled:
            continue
        value = bound.field.widget.format_value(bound.value())
        if isinstance(value, list):
            value = value[0] if len(value) == 1 else value
        if value is None or value is False:
            continue
        data[bound.name] = "on" if value is True else value
    return data


def sample_post(rt, owner, n):
    return {k: str(v) for k, v in SAMPLES[rt.key].create(owner, n).items()}


@pytest.mark.parametrize("rt", TYPES)
def test_create_through_the_form(demo, login, rt):
    rep = demo["rep_east1"]
    client = login("rep_east1")
    assert client.get(url(rt, "create")).status_code == 200
    before = set(rt.model.objects.values_list("pk", flat=True))
    response = client.post(url(rt, "create"), sample_post(rt, rep, 3))
    assert response.status_code == 302, response.context["form"].errors
    (created,) = rt.model.objects.exclude(pk__in=before)
    assert created.owner == rep and created.created_by == rep
    assert response["Location"] == url(rt, "detail", created.pk)
    assert history(created).filter(action=OperationLog.Action.CREATE).exists()


@pytest.mark.parametrize("rt", TYPES)
def test_edit_sends_changes_and_the_log_tab_shows_them(demo, login, english, rt):
    record = make(rt.key, demo["rep_east1"])
    client = login("rep_east1")
    form = client.get(url(rt, "edit", record.pk)).context["form"]
    field, new = next(iter(SAMPLES[rt.key].edit.items()))
    data = {**post_data(form), field: new}
    response = client.post(url(rt, "edit", record.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    record.refresh_from_db()
    assert getattr(record, field) == new
    log = client.get(url(rt, "tab", record.pk, "log")).content.decode()
    label = str(rt.model_field(field).verbose_name)
    assert f"Changed {label} from" in log and new in log
    # Only that field changed: one update entry with one change.
    (entry,) = history(record).filter(action=OperationLog.Action.UPDATE)
    assert [c["field"] for c in entry.changes] == [field]


@pytest.mark.parametrize("rt", TYPES)
def test_unchanged_edit_writes_nothing(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    client = login("rep_east1")
    form = client.get(url(rt, "edit", record.pk)).context["form"]
    assert client.post(url(rt, "edit", record.pk), post_data(form)).status_code == 302
    assert not history(record).filter(action=OperationLog.Action.UPDATE).exists()


@pytest.mark.parametrize("rt", TYPES)
def test_custom_field_in_form_required_saved_and_shown(demo, login, english, rt):
    custom_fields.create_field(
        demo["admin"],
        rt.module,
        "region_code",
        "text",
        label_zh="区域代码",
        label_en="Region code",
        required=True,
        group="Internal",
    )
    rep = demo["rep_east1"]
    client = login("rep_east1")
    page = client.get(url(rt, "create"))
    assert 'name="cf_region_code"' in page.content.decode()
    assert "Internal" in [str(label) for label, _fields in page.context["form"].sections]

    before = rt.model.objects.count()
    data = sample_post(rt, rep, 4)
    refused = client.post(url(rt, "create"), data)
    assert refused.status_code == 200
    assert "cf_region_code" in refused.context["form"].errors
    assert rt.model.objects.count() == before

    response = client.post(url(rt, "create"), {**data, "cf_region_code": "SH-01"})
    assert response.status_code == 302, response.context["form"].errors
    created = rt.model.objects.latest("pk")
    assert created.custom_data == {"region_code": "SH-01"}
    info = client.get(url(rt, "tab", created.pk, "info")).content.decode()
    assert "Region code" in info and "SH-01" in info


def test_service_error_on_a_custom_field_goes_to_its_input(demo, english):
    from huike.core.errors import DomainError

    rt = record_type("customers")
    custom_fields.create_field(
        demo["admin"], "customers", "budget", "money", label_zh="预算", label_en="Budget"
    )
    form = RecordForm(rt, demo["rep_east1"], {"name": "x", "cf_budget": "1"})
    form.is_valid()
    error = DomainError("Budget: too small", field="custom_data.budget")
    error.errors = {"custom_data.budget": ["Budget: too small"]}
    form.add_service_error(error)
    form.add_service_error(DomainError("Try again later."))
    assert form.errors["cf_budget"] == ["Budget: too small"]
    assert form.non_field_errors() == ["Try again later."]


def test_duplicate_customer_name_is_shown_at_the_name(demo, login, english):
    rt = record_type("customers")
    rep = demo["rep_east1"]
    make("customers", rep, 9)
    client = login("rep_east1")
    before = rt.model.objects.count()
    response = client.post(url(rt, "create"), sample_post(rt, rep, 9))
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert rt.model.objects.count() == before


@pytest.mark.parametrize("rt", TYPES)
def test_readonly_and_hidden_policy_fields_in_the_form(demo, login, rt):
    from huike.core.registry import registry

    names = [n for n, _l in registry.module(rt.module).policy_fields if n in rt.form_fields()]
    readonly, hidden = names[0], names[1]
    rep = demo["rep_east1"]
    record = make(rt.key, rep, 5, **{readonly: "13900001111", hidden: "02177778888"})
    for role in rep.roles.all():
        role.field_policies = {rt.module: {readonly: "readonly", hidden: "hidden"}}
        role.save()
    client = login("rep_east1")
    page = client.get(url(rt, "edit", record.pk))
    form = page.context["form"]
    assert form.fields[readonly].disabled and hidden not in form.fields
    assert "02177778888" not in page.content.decode()
    data = {**post_data(form), readonly: "13900002222"}
    field, new = next(iter(SAMPLES[rt.key].edit.items()))
    data[field] = new
    assert client.post(url(rt, "edit", record.pk), data).status_code == 302
    record.refresh_from_db()
    assert getattr(record, readonly) == "13900001111"
    assert getattr(record, hidden) == "02177778888"
    assert getattr(record, field) == new


@pytest.mark.parametrize("rt", [r for r in TYPES if r.values[0].create_only_fields])
def test_create_only_fields_are_locked_on_edit(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    form = login("rep_east1").get(url(rt, "edit", record.pk)).context["form"]
    for name in rt.create_only_fields:
        assert form.fields[name].disabled


def test_new_contact_is_prefilled_with_the_customer(demo, login):
    customer = make("customers", demo["rep_east1"], 11)
    page = login("rep_east1").get(
        f"{url(record_type('contacts'), 'create')}?customer={customer.pk}"
    )
    assert page.context["form"]["customer"].value() == str(customer.pk)
    assert f'<option value="{customer.pk}" selected>' in page.content.decode()


def test_customer_choices_are_only_visible_customers(demo, login):
    mine = make("customers", demo["rep_east1"], 12)
    theirs = make("customers", demo["rep_east2"], 13)
    form = login("rep_east1").get(url(record_type("contacts"), "create")).context["form"]
    choices = set(form.fields["customer"].queryset.values_list("pk", flat=True))
    assert mine.pk in choices and theirs.pk not in choices


def test_duplicate_phone_warning_is_shown_after_saving(demo, login, english):
    from huike.customers.models import CustomerSettings

    settings = CustomerSettings.get()
    settings.duplicates = CustomerSettings.Duplicates.WARN
    settings.save()
    rt = record_type("customers")
    rep = demo["rep_east1"]
    make("customers", rep, 14, mobile="13812340000")
    client = login("rep_east1")
    data = {**sample_post(rt, rep, 15), "mobile": "13812340000"}
    response = client.post(url(rt, "create"), data, follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("13812340000" in m and "already used" in m for m in shown)
