"""Generic import (PLT-08, CUS-10): upload → mapping → dry run → run → undo, for every
registered record type, through the same services the pages use."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from huike.core import imports
from huike.core.models import OperationLog
from huike.core.models_lists import ImportJob
from huike.core.record_types import record_type, record_types
from huike.core.tabular import read_table, write_xlsx
from huike.org.models import Role
from tests.record_samples import SAMPLES, make

pytestmark = pytest.mark.django_db

#: Every registered type with sample data (test_record_type_coverage demands the samples).
TYPES = [rt.key for rt in record_types() if rt.key in SAMPLES]


def _grant_rep(*actions: str, key: str = "customers") -> None:
    role = Role.objects.get(code="sales_rep")
    role.permissions = [*role.permissions, *(f"{key}.{a}" for a in actions)]
    role.save(update_fields=["permissions"])
    cache.clear()


def _csv(headers, rows, encoding="utf-8") -> bytes:
    lines = [",".join(headers), *(",".join(str(c) for c in r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _upload(content: bytes, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _cell(rt, name, value):
    """A spreadsheet cell for a sample value: a parent record by its title."""
    f = rt.model_field(name)
    if f.is_relation and f.related_model is not None:
        return getattr(f.related_model.objects.get(pk=value), "name", value)
    return value


def _sample_rows(key, owner, numbers):
    rt = record_type(key)
    datas = [SAMPLES[key].create(owner, n) for n in numbers]
    headers = list(datas[0])
    rows = [[_cell(rt, h, d[h]) for h in headers] for d in datas]
    return headers, rows


def _import(user, key, content, name="data.csv", **kwargs):
    rt = record_type(key)
    job = imports.create_job(
        user, rt, _upload(content, name), on_duplicate=kwargs.pop("on_duplicate", "skip"), **kwargs
    )
    imports.dry_run(user, job)
    return job


@pytest.mark.parametrize("key", TYPES)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_import_creates_records_with_owner_and_log(demo, key, encoding):
    user = demo["manager_east"]
    rt = record_type(key)
    headers, rows = _sample_rows(key, user, [41, 42])
    job = _import(user, key, _csv(headers, rows, encoding))
    assert job.status == "checked" and job.total_rows == 2 and job.error_count == 0
    before = rt.model.objects.count()
    job = imports.queue(user, job)
    assert job.status == "done", job.message
    assert job.created_count == 2
    assert rt.model.objects.count() == before + 2
    created = rt.model.objects.filter(pk__in=job.created_ids)
    assert {r.owner_id for r in created} == {user.pk}
    assert OperationLog.objects.filter(object_id__in=[str(i) for i in job.created_ids]).count() >= 2


@pytest.mark.parametrize("key", TYPES)
def test_xlsx_import(demo, key):
    user = demo["manager_east"]
    headers, rows = _sample_rows(key, user, [43])
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows)
    job = _import(user, key, buffer.getvalue(), "data.xlsx")
    job = imports.queue(user, job)
    assert job.created_count == 1 and job.error_count == 0


def test_dry_run_lists_every_bad_row_and_writes_nothing(demo):
    user = demo["manager_east"]
    make("customers", user, 1, name="已有客户有限公司")
    headers = ["name", "email", "level"]
    rows = [
        ["好客户甲有限公司", "ok@example.com", "a"],
        ["坏邮箱有限公司", "not-an-email", "a"],
        ["已有客户有限公司", "", "a"],
        ["坏等级有限公司", "", "zzz"],
    ]
    from huike.customers.models import Customer

    count = Customer.objects.count()
    job = _import(user, "customers", _csv(headers, rows), on_duplicate="create")
    assert Customer.objects.count() == count
    by_row = {e["row"]: e for e in job.errors}
    assert set(by_row) == {3, 4, 5}
    assert by_row[3]["column"] == "email"
    assert by_row[5]["column"] == "level"
    assert all(e["message"] for e in job.errors)


def test_duplicate_policies(demo):
    from huike.customers.models import Customer

    user = demo["manager_east"]
    existing = make("customers", user, 1, name="重复客户有限公司", remark="旧")
    content = _csv(["name", "remark"], [["重复客户有限公司", "新"]])
    job = imports.queue(user, _import(user, "customers", content, on_duplicate="skip"))
    assert job.skipped_count == 1 and job.created_count == 0
    job = imports.queue(user, _import(user, "customers", content, on_duplicate="create"))
    assert job.error_count == 1 and job.created_count == 0
    job = imports.queue(user, _import(user, "customers", content, on_duplicate="update"))
    assert job.updated_count == 1
    existing.refresh_from_db()
    assert existing.remark == "新"
    imports.undo(user, job)
    existing.refresh_from_db()
    assert existing.remark == "旧"
    assert Customer.objects.filter(name="重复客户有限公司").count() == 1


def test_undo_moves_created_to_bin_once(demo):
    from huike.core.errors import DomainError
    from huike.customers.models import Customer

    user = demo["manager_east"]
    job = imports.queue(
        user, _import(user, "customers", _csv(["name"], [["撤销甲有限公司"], ["撤销乙有限公司"]]))
    )
    assert job.created_count == 2
    imports.undo(user, job)
    assert job.status == "undone"
    assert not Customer.objects.filter(pk__in=job.created_ids).exists()
    assert (
        Customer.all_objects.filter(pk__in=job.created_ids, deleted_at__isnull=False).count() == 2
    )
    with pytest.raises(DomainError):
        imports.undo(user, job)


def test_an_import_that_changed_nothing_has_nothing_to_undo(demo, english):
    from huike.core.errors import DomainError

    user = demo["manager_east"]
    job = imports.queue(user, _import(user, "customers", _csv(["name", "email"], [["无效", "x"]])))
    assert job.status == "done" and job.error_count == 1
    assert imports.undo_refusal(user, job) == (
        "This import changed nothing, so there is nothing to undo."
    )
    with pytest.raises(DomainError):
        imports.undo(user, job)
    assert job.status == "done"


def test_error_file_holds_the_bad_rows(demo, login):
    user = demo["manager_east"]
    content = _csv(
        ["name", "email"], [["错误文件甲有限公司", "x@example.com"], ["错误文件乙有限公司", "bad"]]
    )
    job = imports.queue(user, _import(user, "customers", content))
    assert job.created_count == 1 and job.error_count == 1
    client = login("manager_east")
    response = client.get(f"/customers/import/{job.token}/errors/")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with read_table(io.BytesIO(data), "errors.xlsx") as table:
        rows = list(table)
    assert len(rows) == 1
    assert rows[0].values["name"] == "错误文件乙有限公司"
    assert rows[0].values[table.headers[-1]]


def test_custom_field_column_imports(demo):
    from huike.core import custom_fields

    admin = demo["admin"]
    custom_fields.create_field(admin, "customers", "region_code", "text", label_zh="区域码")
    user = demo["manager_east"]
    job = imports.queue(
        user,
        _import(user, "customers", _csv(["name", "cf_region_code"], [["自定义有限公司", "R9"]])),
    )
    from huike.customers.models import Customer

    assert Customer.objects.get(pk=job.created_ids[0]).custom_data["region_code"] == "R9"


def test_import_needs_permission(demo, login):
    client = login("rep_east1")
    assert client.get("/customers/import/").status_code == 403
    upload = _upload(_csv(["name"], [["无权限有限公司"]]))
    assert client.post("/customers/import/", {"file": upload}).status_code == 403


def test_pages_end_to_end(demo, login):
    from huike.customers.models import Customer

    _grant_rep("import")
    client = login("rep_east1")
    assert client.get("/customers/imports/").status_code == 200
    assert client.get("/customers/import/").status_code == 200
    template = client.get("/customers/import/template/")
    assert template.status_code == 200
    upload = _upload(
        _csv(["name", "email"], [["页面甲有限公司", "a@example.com"], ["页面乙有限公司", "bad"]])
    )
    response = client.post("/customers/import/", {"file": upload, "on_duplicate": "skip"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"])
    assert page.status_code == 200
    form = {f"map-{i}": target for i, target in enumerate(job.mapping.values())}
    report = client.post(response["Location"], form).content.decode()
    assert 'id="import-problems"' in report
    assert not Customer.objects.filter(name__startswith="页面").exists()
    client.post(f"/customers/import/{job.token}/run/")
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == 1
    assert Customer.objects.get(name="页面甲有限公司").owner == demo["rep_east1"]
    progress = client.get(f"/customers/import/{job.token}/progress/").content.decode()
    assert "import-progress" in progress
    # No delete right: no undo button, the reason instead (and a posted undo is refused).
    assert "/undo/" not in progress and 'id="import-undo-refusal"' in progress
    assert client.get("/customers/imports/").status_code == 200
    client.post(f"/customers/import/{job.token}/undo/")
    job.refresh_from_db()
    assert job.status == "done"  # undo needs the delete right, refused with a message
    _grant_rep("delete")
    progress = client.get(f"/customers/import/{job.token}/progress/").content.decode()
    assert "/undo/" in progress and 'id="import-undo-refusal"' not in progress
    client.post(f"/customers/import/{job.token}/undo/")
    job.refresh_from_db()
    assert job.status == "undone"
    other = login("rep_east2")
    assert other.get(f"/customers/import/{job.token}/").status_code in (403, 404)


def test_template_headers_are_field_labels_with_required_marked(demo, login):
    response = login("manager_east").get("/customers/import/template/")
    with read_table(io.BytesIO(response.content), "t.xlsx") as table:
        headers = table.headers
    name_label = str(record_type("customers").model_field("name").verbose_name)
    assert f"{name_label}*" in headers
    rt = record_type("customers")
    choices = [(n, [label]) for n, label in imports.importable_fields(rt, demo["manager_east"])]
    from huike.core.tabular import suggest_mapping

    assert suggest_mapping(headers, choices)[f"{name_label}*"] == "name"


def test_owner_choice_needs_transfer_right(demo):
    from django.core.exceptions import PermissionDenied

    from huike.customers.models import Customer

    manager, rep = demo["manager_east"], demo["rep_east1"]
    content = _csv(["name"], [["指定负责人有限公司"]])
    job = imports.queue(manager, _import(manager, "customers", content, owner=rep))
    assert job.created_count == 1, job.errors
    assert Customer.objects.get(pk=job.created_ids[0]).owner == rep
    _grant_rep("import")
    role = Role.objects.get(code="sales_rep")
    role.permissions = [p for p in role.permissions if p != "customers.transfer"]
    role.save(update_fields=["permissions"])
    cache.clear()
    with pytest.raises(PermissionDenied):
        _import(rep, "customers", content, owner=manager)
