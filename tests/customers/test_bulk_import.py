"""The customers' bulk import path (NFR-01, CUS-02, POOL-05, POOL-09): the same results as
the row-by-row path through ``create_customer``, duplicates against the database and within
the file, the holdings limit, imports into a public pool, the dry run as a background job and
a query count per batch that does not grow with the rows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from huike.core import bulk_insert, custom_fields, imports
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.models_lists import ImportJob
from huike.core.record_types import record_type
from huike.customers import services
from huike.customers.models import Customer, CustomerSettings
from huike.org.models import Role
from huike.pools.models import HoldingLimit, Pool, PoolEvent

pytestmark = pytest.mark.django_db

KEYS = (
    "name",
    "name_key",
    "pinyin",
    "search_key",
    "number",
    "mobile",
    "mobile_key",
    "mobile_rev",
    "office_phone",
    "phone_key",
    "phone_rev",
    "email",
    "level",
    "source",
    "custom_data",
    "owner_id",
    "created_by_id",
    "updated_by_id",
    "pool_id",
)


def _csv(headers, rows) -> bytes:
    lines = [",".join(headers), *(",".join(str(c) for c in r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _job(user, content, *, on_duplicate="skip", **kwargs) -> ImportJob:
    upload = SimpleUploadedFile("data.csv", content)
    return imports.create_job(
        user, record_type("customers"), upload, on_duplicate=on_duplicate, **kwargs
    )


def _checked(user, content, **kwargs) -> ImportJob:
    return imports.dry_run(user, _job(user, content, **kwargs))


def _run(user, content, **kwargs) -> ImportJob:
    return imports.queue(user, _checked(user, content, **kwargs))


class _Undo(Exception):
    pass


def _snapshot(user, content, *, bulk: bool, monkeypatch) -> tuple[list, list]:
    """Import ``content`` through one path, read what it wrote, then roll it all back
    (numbers included, so both paths hand out the same ones)."""
    rt = record_type("customers")
    with monkeypatch.context() as patch:
        if not bulk:
            patch.setattr(rt, "bulk_import", None)
        try:
            with transaction.atomic():
                job = _run(user, content)
                rows = [
                    {k: getattr(c, k) for k in KEYS}
                    for c in Customer.objects.filter(pk__in=job.created_ids).order_by("number")
                ]
                logs = [
                    (o.action, o.actor_id, o.object_repr, o.message, o.changes)
                    for o in OperationLog.objects.filter(
                        object_id__in=[str(i) for i in job.created_ids]
                    ).order_by("object_repr")
                ]
                counts = (job.created_count, job.skipped_count, job.error_count, job.errors)
                raise _Undo
        except _Undo:
            pass
    return [rows, logs, counts]


def _copy(on: bool, monkeypatch) -> None:
    """Batches of the real size insert through COPY on PostgreSQL; these small files do too
    when ``on`` (``huike.core.bulk_insert``)."""
    if on:
        if connection.vendor != "postgresql":
            pytest.skip("COPY is PostgreSQL's")
        monkeypatch.setattr(bulk_insert, "COPY_FROM", 1)


@pytest.mark.parametrize("copy", [False, True], ids=["insert", "copy"])
def test_bulk_path_writes_what_create_customer_writes(demo, monkeypatch, english, copy):
    _copy(copy, monkeypatch)
    admin, user = demo["admin"], demo["manager_east"]
    custom_fields.create_field(admin, "customers", "region_code", "text", label_zh="区域码")
    services.create_customer(user, {"name": "已有客户有限公司", "mobile": "13800000001"})
    content = _csv(
        ["name", "mobile", "office_phone", "email", "level", "source", "cf_region_code"],
        [
            [
                "上海浦东发展银行股份有限公司",
                "13912345678",
                "021-55556666",
                "a@x.com",
                "a",
                "",
                "R1",
            ],
            ["北京汇客科技有限公司", "+86 139 1234 0000", "", "", "b", "online", ""],
            ["已有客户", "", "", "", "", "", ""],  # skipped: exists
            ["坏邮箱有限公司", "", "", "not-mail", "", "", ""],  # bad e-mail
            ["撞电话有限公司", "13800000001", "", "", "", "", ""],  # phone of an existing one
            ["北京汇客科技", "", "", "", "", "", ""],  # repeats row 3: skipped
            ["Huike Trading Co. Ltd.", "", "010-12345678", "", "c", "", "R2"],
        ],
    )
    row_by_row = _snapshot(user, content, bulk=False, monkeypatch=monkeypatch)
    bulk = _snapshot(user, content, bulk=True, monkeypatch=monkeypatch)
    assert row_by_row[2][:3] == (3, 2, 2)
    assert bulk == row_by_row
    assert [r["number"][-4:] for r in bulk[0]] == ["0002", "0003", "0004"]


def test_bulk_path_is_the_one_customers_use(demo, monkeypatch):
    calls = []
    rt = record_type("customers")
    original = rt.bulk_import
    monkeypatch.setattr(rt, "bulk_import", lambda batch: calls.append(batch) or original(batch))
    job = _run(demo["manager_east"], _csv(["name"], [["批量甲有限公司"], ["批量乙有限公司"]]))
    assert job.created_count == 2
    assert [b.check_only for b in calls] == [True, False]


def test_duplicates_against_the_database_follow_the_policy(demo, english):
    rep, other = demo["rep_east1"], demo["rep_east2"]
    mine = services.create_customer(rep, {"name": "我的客户有限公司", "remark": "旧"})
    services.create_customer(other, {"name": "别人的客户有限公司"})
    content = _csv(["name", "remark"], [["我的客户", "新"], ["别人的客户有限公司", "新"]])
    role = Role.objects.get(code="sales_rep")
    role.permissions = [*role.permissions, "customers.import"]
    role.save(update_fields=["permissions"])
    cache.clear()
    rep = type(rep).objects.get(pk=rep.pk)  # rights are cached on the user object
    skip = _run(rep, content, on_duplicate="skip")
    # The other rep's customer is invisible to rep_east1: refused, naming its owner.
    assert (skip.skipped_count, skip.error_count) == (1, 1)
    assert "别人的客户有限公司" in skip.errors[0]["message"]
    assert other.name in skip.errors[0]["message"]
    update = _run(rep, content, on_duplicate="update")
    assert (update.updated_count, update.error_count) == (1, 1)
    mine.refresh_from_db()
    assert mine.remark == "新"
    create = _run(rep, content, on_duplicate="create")
    assert (create.created_count, create.error_count) == (0, 2)
    assert Customer.objects.count() == 2


def test_duplicates_within_the_file(demo, english):
    user = demo["manager_east"]
    content = _csv(
        ["name", "mobile", "remark"],
        [
            ["文件内甲有限公司", "13900000001", "一"],
            ["文件内甲", "", "二"],  # same name key as row 2
            ["文件内乙有限公司", "13900000001", ""],  # same mobile as row 2
        ],
    )
    skip = _run(user, content, on_duplicate="skip")
    assert (skip.created_count, skip.skipped_count, skip.error_count) == (1, 1, 1)
    assert skip.errors[0]["row"] == 4 and skip.errors[0]["column"] == "mobile"
    assert "13900000001" in skip.errors[0]["message"]
    Customer.objects.all().delete()
    update = _run(user, content, on_duplicate="update")
    assert (update.created_count, update.updated_count) == (1, 1)
    assert Customer.objects.get().remark == "二"
    Customer.objects.all().delete()
    create = _run(user, content, on_duplicate="create")
    assert (create.created_count, create.error_count) == (1, 2)
    assert {e["row"] for e in create.errors} == {3, 4}


def test_dry_run_sees_duplicates_across_batches(demo, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    user = demo["manager_east"]
    rows = [[f"跨批{i}有限公司"] for i in range(5)] + [["跨批1"], ["跨批4有限公司"]]
    job = _checked(user, _csv(["name"], rows), on_duplicate="create")
    assert (job.created_count, job.error_count) == (5, 2)
    assert job.total_rows == 7
    run = imports.queue(user, job)
    assert (run.created_count, run.error_count) == (5, 2)
    assert {e["row"] for e in run.errors} == {e["row"] for e in job.errors} == {7, 8}


def test_phone_duplicates_are_warned_when_the_setting_says_so(demo):
    user = demo["manager_east"]
    services.create_customer(user, {"name": "原电话有限公司", "mobile": "13900000002"})
    settings = CustomerSettings.get()
    settings.duplicates = CustomerSettings.Duplicates.WARN
    settings.save()
    job = _run(user, _csv(["name", "mobile"], [["同电话有限公司", "13900000002"]]))
    assert job.created_count == 1
    log = OperationLog.objects.get(object_id=str(job.created_ids[0]))
    assert "13900000002" in log.message


def test_numbers_are_consecutive_across_batches(demo, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)
    user = demo["manager_east"]
    job = _run(user, _csv(["name"], [[f"编号{i}有限公司"] for i in range(8)]))
    numbers = sorted(Customer.objects.values_list("number", flat=True))
    assert [n[-4:] for n in numbers] == [f"{i:04d}" for i in range(1, 9)]
    assert job.created_count == 8


# -- holdings limit (POOL-05) ------------------------------------------------------------


def test_rows_past_the_owners_limit_are_refused_in_the_dry_run_and_the_run(
    demo, monkeypatch, english
):
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    manager, rep = demo["manager_east"], demo["rep_east1"]
    HoldingLimit.objects.create(user=rep, max_customers=3)
    services.create_customer(manager, {"name": "已持有有限公司"}, owner=rep)
    rows = [[f"限额{i}有限公司"] for i in range(4)]
    job = _checked(manager, _csv(["name"], rows), owner=rep)
    assert (job.created_count, job.error_count) == (2, 2)
    assert {e["row"] for e in job.errors} == {4, 5}
    assert all("may hold at most 3 customers" in e["message"] for e in job.errors)
    job = imports.queue(manager, job)
    assert (job.created_count, job.error_count) == (2, 2)
    assert {e["row"] for e in job.errors} == {4, 5}
    assert Customer.objects.filter(owner=rep, pool__isnull=True).count() == 3


# -- into a public pool (POOL-09) --------------------------------------------------------


@pytest.fixture
def pool(demo):
    pool = Pool.objects.create(name="华东公海")
    pool.admins.add(demo["manager_east"])
    return pool


def test_import_into_a_pool(demo, pool, english):
    manager = demo["manager_east"]
    HoldingLimit.objects.create(user=manager, max_customers=0)  # pooled ones do not count
    rt = record_type("customers")
    assert imports.destinations(rt, manager) == [(pool.pk, "华东公海")]
    job = _run(
        manager, _csv(["name"], [["入池甲有限公司"], ["入池乙有限公司"]]), destination=pool.pk
    )
    assert job.created_count == 2, job.errors
    pooled = Customer.objects.filter(pk__in=job.created_ids)
    assert {(c.pool_id, c.owner_id) for c in pooled} == {(pool.pk, manager.pk)}
    assert all(c.pooled_at is not None for c in pooled)
    logs = OperationLog.objects.filter(object_id__in=[str(i) for i in job.created_ids])
    assert {log.message for log in logs} == {"Imported into 华东公海."}
    assert not PoolEvent.objects.exists()  # no return: nobody's cooldown starts
    with pytest.raises(DomainError):  # refused plainly, not silently half done
        imports.undo(manager, job)


def test_only_pool_admins_with_the_assign_right_import_into_a_pool(demo, pool, login):
    rt = record_type("customers")
    assert imports.destinations(rt, demo["manager_north"]) == []
    with pytest.raises(PermissionDenied):
        _job(demo["manager_north"], _csv(["name"], [["越权有限公司"]]), destination=pool.pk)
    page = login("manager_east").get("/customers/import/").content.decode()
    assert f'value="destination:{pool.pk}"' in page
    page = login("manager_north").get("/customers/import/").content.decode()
    assert "destination:" not in page


def test_the_upload_page_creates_a_pool_job(demo, pool, login):
    client = login("manager_east")
    upload = SimpleUploadedFile("p.csv", _csv(["name"], [["页面入池有限公司"]]))
    response = client.post(
        "/customers/import/",
        {"file": upload, "on_duplicate": "skip", "owner": f"destination:{pool.pk}"},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.destination == pool.pk
    assert "华东公海" in client.get(response["Location"]).content.decode()
    forged = SimpleUploadedFile("p.csv", _csv(["name"], [["伪造有限公司"]]))
    other = login("manager_north").post(
        "/customers/import/", {"file": forged, "owner": f"destination:{pool.pk}"}
    )
    assert other.status_code == 403


# -- the dry run as a job ------------------------------------------------------------------


def test_dry_run_is_a_background_job_with_progress(demo, login, monkeypatch):
    from huike.core import tasks_imports

    queued = []
    monkeypatch.setattr(tasks_imports, "check_import", lambda pk: queued.append(pk))
    user = demo["manager_east"]
    job = imports.dry_run(user, _job(user, _csv(["name"], [["后台甲有限公司"]])))
    assert job.status == ImportJob.Status.CHECKING and queued == [job.pk]
    client = login("manager_east")
    page = client.get(f"/customers/import/{job.token}/").content.decode()
    assert 'id="import-checking"' in page and "?checking=1" in page
    assert 'id="import-mapping"' not in page
    imports.check(ImportJob.objects.get(pk=job.pk))
    done = client.get(f"/customers/import/{job.token}/progress/?checking=1")
    assert done["HX-Redirect"] == f"/customers/import/{job.token}/"
    report = client.get(f"/customers/import/{job.token}/").content.decode()
    assert 'id="import-report"' in report and 'id="import-forecast"' in report
    assert not Customer.objects.exists()


def test_an_unreadable_file_sends_the_job_back_with_the_reason(demo, login):
    user = demo["manager_east"]
    job = _job(user, _csv(["name"], [["好的有限公司"]]))
    job.file.save("data.csv", SimpleUploadedFile("x", b"name\r\n\xff\xfe\x00bad\x81\r\n"))
    job = imports.dry_run(user, job)
    assert job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED)
    if job.status == ImportJob.Status.UPLOADED:
        assert job.message
        page = login("manager_east").get(f"/customers/import/{job.token}/").content.decode()
        assert 'id="import-file-error"' in page


# -- queries -------------------------------------------------------------------------------


def _queries_of_run(user, rows: int) -> list[str]:
    data = [[f"查询{rows}-{i}有限公司", f"1390{rows:03d}{i:04d}", "a"] for i in range(rows)]
    job = _checked(user, _csv(["name", "mobile", "level"], data))
    job.status = ImportJob.Status.QUEUED
    job.save()
    with CaptureQueriesContext(connection) as queries:
        imports.run(job)
    assert job.created_count == rows, job.errors
    return [q["sql"] for q in queries.captured_queries]


def test_queries_per_batch_do_not_grow_with_rows(demo):
    user = demo["manager_east"]
    _queries_of_run(user, 2)  # warm the caches (dictionaries, content types)
    few, many = _queries_of_run(user, 5), _queries_of_run(user, 40)
    if connection.vendor == "postgresql":
        assert len(few) == len(many)
    else:
        # SQLite caps the parameters of one statement, so Django splits a bulk INSERT of
        # many rows into several; every other statement is once per batch.
        def others(sqls):
            return [s for s in sqls if not s.startswith("INSERT")]

        assert len(others(few)) == len(others(many))
        assert len(many) - len(others(many)) <= 2 + 2 * 40 * 60 // 999


@pytest.mark.parametrize("copy", [False, True], ids=["insert", "copy"])
def test_a_batch_that_loses_a_name_race_is_redone_row_by_row(demo, monkeypatch, english, copy):
    """A parallel creator commits a name between the duplicate check and the insert (here:
    the check is made blind once): the unique constraint refuses the batch, which is rolled
    back as a whole and done again row by row, each row getting its own verdict."""
    from huike.customers import bulk

    _copy(copy, monkeypatch)
    user = demo["manager_east"]
    services.create_customer(user, {"name": "抢先有限公司"})
    real, calls = bulk._found, []

    def blind_once(rows):
        calls.append(len(rows))
        return [] if len(calls) == 1 else real(rows)

    monkeypatch.setattr(bulk, "_found", blind_once)
    job = _job(user, _csv(["name"], [["竞争甲有限公司"], ["抢先"], ["竞争乙有限公司"]]))
    job.status = ImportJob.Status.QUEUED
    job.save()
    job = imports.run(job)
    assert calls == [3, 1, 1, 1]
    assert (job.created_count, job.skipped_count, job.error_count) == (2, 1, 0)
    numbers = sorted(Customer.objects.values_list("number", flat=True))
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]  # the lost range came back


def test_the_chosen_owner_is_told_once_for_the_whole_import(demo, english):
    from huike.core.models import Notification

    manager, rep = demo["manager_east"], demo["rep_east1"]
    job = _run(manager, _csv(["name"], [[f"通知{i}有限公司"] for i in range(3)]), owner=rep)
    assert job.created_count == 3
    (note,) = Notification.objects.filter(recipient=rep, kind="record_transferred")
    assert "imported 3 customers for you" in note.title
    assert not Notification.objects.filter(recipient=manager, kind="record_transferred").exists()
