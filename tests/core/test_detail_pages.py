"""The generic detail page of every registered record type: who may open it, what the header
and the tabs show (field policy, custom fields, operation log), delete, attachments and the
number of queries. Parametrized over ``record_types()``, so a new type gets them all."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huike.core import custom_fields, recycle
from huike.core.models_records import Attachment
from huike.core.record_types import record_types
from huike.core.registry import registry
from huike.customers.models import Contact
from tests.record_samples import SAMPLES, make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 40


def url(rt, name, *args):
    return reverse(f"{rt.key}:{name}", args=args)


def tab(client, rt, record, key):
    return client.get(url(rt, "tab", record.pk, key))


# -- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("rt", TYPES)
def test_owner_opens_the_detail_page_and_every_tab(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    client = login("rep_east1")
    page = client.get(url(rt, "detail", record.pk))
    assert page.status_code == 200
    assert rt.title_of(record) in page.content.decode()
    keys = [t.key for t, _count in page.context["tabs"]]
    assert keys[0] == "info" and keys[-2:] == ["attachments", "log"]
    for key in keys:
        assert tab(client, rt, record, key).status_code == 200, key
    assert tab(client, rt, record, "no-such-tab").status_code == 404


@pytest.mark.parametrize("rt", TYPES)
def test_anonymous_is_sent_to_sign_in(demo, client, rt):
    record = make(rt.key, demo["rep_east1"])
    for path in (url(rt, "detail", record.pk), url(rt, "create"), url(rt, "tab", record.pk, "log")):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("rt", TYPES)
def test_out_of_scope_user_gets_404_everywhere(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    client = login("rep_east2")
    assert client.get(url(rt, "detail", record.pk)).status_code == 404
    assert client.get(url(rt, "edit", record.pk)).status_code == 404
    assert tab(client, rt, record, "info").status_code == 404
    assert tab(client, rt, record, "log").status_code == 404
    assert client.post(url(rt, "delete", record.pk)).status_code == 404
    assert client.post(url(rt, "tags", record.pk), {"tags": "x"}).status_code == 404
    assert rt.model.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("rt", TYPES)
def test_viewer_may_look_but_not_edit_or_delete(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    client = login("viewer")
    page = client.get(url(rt, "detail", record.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert url(rt, "edit", record.pk) not in html
    assert url(rt, "delete", record.pk) not in html
    assert client.get(url(rt, "edit", record.pk)).status_code == 403
    assert client.post(url(rt, "edit", record.pk), {}).status_code == 403
    assert client.post(url(rt, "delete", record.pk)).status_code == 403
    assert client.get(url(rt, "create")).status_code == 403
    assert rt.model.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize("rt", TYPES)
def test_delete_moves_to_the_bin_and_the_page_is_gone(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    assert login("rep_east1").post(url(rt, "delete", record.pk)).status_code == 403  # no right
    client = login("manager_east")
    response = client.post(url(rt, "delete", record.pk))
    assert response.status_code == 302
    assert str(record.pk) not in response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert rt.model.all_objects.get(pk=record.pk).deleted_at is not None
    assert client.get(url(rt, "detail", record.pk)).status_code == 404
    assert client.get(url(rt, "delete", record.pk)).status_code in (404, 405)


@pytest.mark.parametrize("rt", TYPES)
def test_binned_record_is_404(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    recycle.move_to_bin(demo["admin"], [record], module=rt.module)
    client = login("rep_east1")
    assert client.get(url(rt, "detail", record.pk)).status_code == 404
    assert tab(client, rt, record, "info").status_code == 404


# -- what the page shows ---------------------------------------------------------------------


def _policy_fields(rt):
    """The first two policy fields of the type that its form shows: masked and hidden."""
    names = [n for n, _label in registry.module(rt.module).policy_fields if n in rt.form_fields()]
    return names[0], names[1]


@pytest.mark.parametrize("rt", TYPES)
def test_masked_and_hidden_fields_in_header_and_info_tab(demo, login, rt):
    masked, hidden = _policy_fields(rt)
    rep = demo["rep_east1"]
    record = make(rt.key, rep, 7, **{masked: "13809228860", hidden: "02155556666"})
    for role in rep.roles.all():
        role.field_policies = {rt.module: {masked: "masked", hidden: "hidden"}}
        role.save()
    client = login("rep_east1")
    page = client.get(url(rt, "detail", record.pk)).content.decode()
    info = tab(client, rt, record, "info").content.decode()
    for html in (page, info):
        assert "13809228860" not in html
        assert "02155556666" not in html
    assert "138****8860" in info
    edit_page = client.get(url(rt, "edit", record.pk)).content.decode()
    assert "13809228860" not in edit_page and "02155556666" not in edit_page
    # The operation log does not give the values away either.
    rt.update(demo["admin"], record, {masked: "13700001234", hidden: "02199990000"})
    log = tab(client, rt, record, "log").content.decode()
    assert "137****1234" in log
    for value in ("13700001234", "13809228860", "02199990000", "02155556666"):
        assert value not in log
    hidden_label = str(rt.model_field(hidden).verbose_name)
    assert hidden_label not in info and hidden_label.capitalize() not in info
    # Without the policy the values are there.
    admin = login("admin")
    info = tab(admin, rt, record, "info").content.decode()
    assert "13700001234" in info and "02199990000" in info


@pytest.mark.parametrize("rt", TYPES)
def test_info_tab_shows_custom_fields_by_group_and_labels(demo, login, english, rt):
    custom_fields.create_field(
        demo["admin"],
        rt.module,
        "budget",
        "money",
        label_zh="预算",
        label_en="Budget",
        group="Finance",
    )
    record = make(rt.key, demo["rep_east1"], custom_data={"budget": "1234.50"})
    info = tab(login("rep_east1"), rt, record, "info").content.decode()
    assert "Finance" in info and "Budget" in info and "1,234.50" in info.replace("¥", "")


@pytest.mark.parametrize("rt", TYPES)
def test_log_tab_says_what_changed_newest_first(demo, login, english, rt):
    custom_fields.create_field(
        demo["admin"], rt.module, "grade", "text", label_zh="等级", label_en="Grade"
    )
    rep = demo["rep_east1"]
    record = make(rt.key, rep)
    record = rt.update(rep, record, dict(SAMPLES[rt.key].edit))
    rt.update(rep, record, {"custom_data": {"grade": "gold"}})
    html = tab(login("rep_east1"), rt, record, "log").content.decode()
    field, new = next(iter(SAMPLES[rt.key].edit.items()))
    label = str(rt.model_field(field).verbose_name)
    assert f"Changed {label} from" in html and new in html
    assert "Changed Grade from" in html and "gold" in html
    assert html.index("Grade") < html.index(new)  # newest first
    assert rep.name in html or rep.username in html


# -- tags ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rt", TYPES)
def test_tags_are_set_from_the_header(demo, login, rt):
    record = make(rt.key, demo["rep_east1"])
    client = login("rep_east1")
    response = client.post(url(rt, "tags", record.pk), {"tags": "重点, VIP"})
    assert response.status_code == 302
    page = client.get(url(rt, "detail", record.pk)).content.decode()
    assert "重点" in page and "VIP" in page
    assert login("viewer").post(url(rt, "tags", record.pk), {"tags": ""}).status_code == 403


# -- attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize("rt", TYPES)
def test_attachments_upload_refuse_download_delete(demo, login, english, rt, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    record = make(rt.key, demo["rep_east1"])
    client = login("rep_east1")
    attach = url(rt, "attach", record.pk)

    response = client.post(
        attach, {"file": SimpleUploadedFile("scan.png", PNG)}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "scan.png" in response.content.decode()
    refused = client.post(
        attach, {"file": SimpleUploadedFile("evil.png", EXE)}, HTTP_HX_REQUEST="true"
    )
    assert "its content was checked" in refused.content.decode()
    files = Attachment.objects.filter(object_id=record.pk)
    assert [f.original_name for f in files] == ["scan.png"]
    att = files.get()

    download = client.get(url(rt, "attachment", record.pk, att.pk))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("inline")
    assert b"".join(download.streaming_content) == PNG
    assert login("rep_east2").get(url(rt, "attachment", record.pk, att.pk)).status_code == 404
    viewer = login("viewer")
    assert viewer.post(attach, {"file": SimpleUploadedFile("b.png", PNG)}).status_code == 403
    assert viewer.post(url(rt, "attachment_delete", record.pk, att.pk)).status_code == 403

    client = login("rep_east1")
    assert client.post(url(rt, "attachment_delete", record.pk, att.pk)).status_code == 302
    assert not Attachment.objects.filter(pk=att.pk).exists()


# -- query counts ----------------------------------------------------------------------------

MAX_QUERIES = 12


def _pad(rt, record, rep, n):
    """Many log rows (and, for a customer, many contacts) on the record."""
    for i in range(n):
        rt.update(rep, record, {"remark": f"第{i}次"})
    if rt.key == "customers":
        contacts = next(t for t in record_types() if t.key == "contacts")
        for i in range(n):
            contacts.create(rep, {"name": f"联系人{i}", "customer": record.pk})


def _pages(client, rt, record):
    tabs = client.get(url(rt, "detail", record.pk)).context["tabs"]
    return [url(rt, "detail", record.pk)] + [url(rt, "tab", record.pk, t.key) for t, _ in tabs]


def _counts(client, rt, record):
    counts = []
    for path in _pages(client, rt, record):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        counts.append(len(ctx))
    return counts


@pytest.mark.parametrize("rt", TYPES)
def test_detail_and_tab_queries_do_not_grow(demo, login, rt, django_assert_max_num_queries):
    rep = demo["rep_east1"]
    small = make(rt.key, rep, 1)
    big = make(rt.key, rep, 2)
    _pad(rt, big, rep, 12)
    client = login("rep_east1")
    client.get(url(rt, "detail", small.pk))  # warm the caches (dictionaries, custom fields)
    assert _counts(client, rt, small) == _counts(client, rt, big)
    for path in _pages(client, rt, big):
        with django_assert_max_num_queries(MAX_QUERIES):
            client.get(path)
    if rt.key == "customers":
        assert Contact.objects.filter(customer=big).count() == 12
