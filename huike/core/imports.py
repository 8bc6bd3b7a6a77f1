"""Generic spreadsheet import of every registered record type (PLT-08, CUS-10).

Each row becomes the same ``{field: value}`` dict the pages send to the type's ``create`` /
``update`` services, so an import obeys exactly the rules a form does. Rows go in batches of
``BATCH_SIZE``, one transaction each (ARCHITECTURE rule 7):

* a type with a ``bulk_import`` hook (customers) checks and creates a whole batch at a few
  queries per batch (NFR-01: 100,000 rows in under a minute); a batch that loses a race on a
  unique constraint is rolled back and done again row by row, so every bad row is reported
  and no batch is half written;
* other types go row by row through ``create``, each row under a savepoint.

The dry run is a background job like the real run: it goes through the same batches with the
same code and writes nothing (each batch's transaction is rolled back), remembering across
batches what the earlier ones would have created, so it reports exactly the rows the real
run would refuse. The real run remembers what undo needs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import custom_fields, dictionaries, scopes, statistics
from .errors import DomainError
from .fields import policy
from .models_lists import ImportJob
from .permissions import check_perm, has_perm
from .record_types import RecordType, record_type, record_type_for
from .tabular import read_table, suggest_mapping, write_xlsx
from .text import normalise_company_name

BATCH_SIZE = 1000
#: Problems kept on the job for the report page; the error file holds them all.
MAX_STORED_ERRORS = 1000
#: Fields the import never sets: derived by the services or decided by the job.
_NOT_IMPORTED = {"owner", "number", "created_by", "updated_by", "created_at", "updated_at"}


class _Rollback(Exception):
    """Raised inside a dry-run savepoint so the row's (or batch's) writes are undone."""

    def __init__(self, outcomes: list[Outcome] | None = None):
        super().__init__()
        self.outcomes = outcomes or []


@dataclass
class Outcome:
    """What became of one row. A ``bulk_import`` hook answers ``created``, ``skipped``,
    ``error`` (``problems``: (field, message) pairs) or ``update`` (``record``: the existing
    record the row duplicates, which the import then changes through ``update``)."""

    kind: str  # created / updated / skipped / error / update
    record: Any = None
    before: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BulkBatch:
    """One batch for a record type's ``bulk_import`` hook."""

    actor: Any
    #: The rows' data dicts, as ``create`` would get them (custom fields under custom_data).
    rows: list[dict[str, Any]]
    #: Owner of the created records, unless ``destination`` names a place for them.
    owner: Any
    destination: int | None
    on_duplicate: str
    #: Dry run: check every rule, write nothing (the caller rolls the batch back anyway).
    check_only: bool
    #: Kept by the hook between the batches of one dry run: what the earlier, unwritten
    #: batches would have created (names, counts), so duplicates within the file and limits
    #: spanning batches are reported as the real run will. Empty for every real batch: the
    #: earlier batches are then in the database.
    memory: dict[str, Any]


# -- columns ---------------------------------------------------------------------------------


def importable_fields(rt: RecordType, user: Any) -> list[tuple[str, str]]:
    """(field name, label) the user may import into: the form fields they may edit, then the
    enabled custom fields as ``cf_<code>``."""
    rules = policy(user, rt.model)
    result = []
    for name in rt.form_fields():
        if name in _NOT_IMPORTED or rules.is_readonly(name):
            continue
        result.append((name, str(rt.model_field(name).verbose_name)))
    for cf in custom_fields.fields_for(rt.module):
        if not rules.is_readonly(f"cf_{cf.code}"):
            result.append((f"cf_{cf.code}", str(cf.label)))
    return result


def required_fields(rt: RecordType) -> set[str]:
    """Fields a row cannot do without: the match fields and non-blank model fields."""
    names = set(rt.import_match_fields)
    for name in rt.form_fields():
        f = rt.model_field(name)
        if not f.blank and not f.has_default():
            names.add(name)
    return names


# -- jobs ------------------------------------------------------------------------------------


def destinations(rt: RecordType, user: Any) -> list[tuple[int, str]]:
    """The places ``user`` may import new records of ``rt`` into instead of an owner."""
    return list(rt.import_destinations(user)) if rt.import_destinations else []


def create_job(
    user: Any,
    rt: RecordType,
    upload: Any,
    *,
    on_duplicate: str,
    owner: Any = None,
    destination: int | None = None,
):
    """Store the upload and a suggested column mapping; nothing is imported yet. The new
    records go to ``owner`` (default: the user), or into ``destination`` (a place from
    ``destinations()``, e.g. a public pool)."""
    check_perm(user, rt.perm("import"))
    owner = owner or user
    if destination is not None:
        if destination not in {pk for pk, _label in destinations(rt, user)}:
            raise PermissionDenied
        owner = user
    if owner.pk != user.pk:
        check_perm(user, rt.perm("transfer"))
        if not owner.is_active:
            raise DomainError(_("Choose an active user as the owner."), field="owner")
    if on_duplicate not in ImportJob.OnDuplicate.values:
        raise DomainError(_("Choose what to do with duplicates."), field="on_duplicate")
    name = getattr(upload, "name", "") or "import.csv"
    with read_table(upload, name) as table:
        headers = list(table.headers)
    choices = [(n, [label]) for n, label in importable_fields(rt, user)]
    mapping = {h: (target or "") for h, target in suggest_mapping(headers, choices).items()}
    upload.seek(0)
    job = ImportJob(
        user=user,
        type_key=rt.key,
        file_name=name[:255],
        mapping=mapping,
        on_duplicate=on_duplicate,
        owner=owner,
        destination=destination,
    )
    job.file.save(name, ContentFile(upload.read()), save=False)
    job.save()
    return job


def set_mapping(user: Any, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Change which field each column fills ("" ignores it); a field takes one column."""
    _check_owner_of(user, job)
    allowed = {n for n, _label in importable_fields(record_type(job.type_key), user)}
    clean: dict[str, str] = {}
    used: set[str] = set()
    for header in job.mapping:
        target = mapping.get(header, "") or ""
        if target and (target not in allowed or target in used):
            raise DomainError(
                _("Column “%(column)s” cannot fill that field.") % {"column": header},
                field="mapping",
            )
        used.add(target)
        clean[header] = target
    job.mapping = clean
    job.status = ImportJob.Status.UPLOADED
    job.save(update_fields=["mapping", "status"])
    return job


def visible_jobs(user: Any, rt: RecordType):
    return ImportJob.objects.filter(user=user, type_key=rt.key).order_by("-created_at")


def _check_owner_of(user: Any, job: ImportJob) -> None:
    if job.user_id != user.pk:
        raise PermissionDenied
    check_perm(user, f"{job.type_key}.import")


# -- rows → data -----------------------------------------------------------------------------


@dataclass
class _Context:
    """Caches of one import: owners, dictionaries and parent records are looked up once."""

    user: Any
    rt: RecordType
    job: ImportJob
    lookups: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: ``BulkBatch.memory`` of a dry run.
    memory: dict[str, Any] = field(default_factory=dict)

    def batch(self, rows: list[dict[str, Any]], check_only: bool) -> BulkBatch:
        return BulkBatch(
            actor=self.user,
            rows=rows,
            owner=self.job.owner or self.user,
            destination=self.job.destination,
            on_duplicate=self.job.on_duplicate,
            check_only=check_only,
            memory=self.memory if check_only else {},
        )

    def header_for(self, column: str) -> str:
        """The file's column behind a field name a service blamed (custom fields are
        "custom_data.<code>" in services, "cf_<code>" in the mapping)."""
        if column.startswith("custom_data."):
            column = "cf_" + column.removeprefix("custom_data.")
        return next((h for h, t in self.job.mapping.items() if t and t == column), column)

    def custom_field(self, code: str) -> Any:
        key = ("@cf", code)
        if key not in self.lookups:
            self.lookups[key] = custom_fields.field_by_code(self.rt.module, code)
        return self.lookups[key]

    def required(self) -> set[str]:
        key = ("@required", "")
        if key not in self.lookups:
            self.lookups[key] = required_fields(self.rt)
        return self.lookups[key]

    def users(self, text: str) -> Any:
        key = ("@user", text)
        if key not in self.lookups:
            found = list(
                get_user_model().objects.filter(
                    Q(username=text) | Q(name=text) | Q(mobile=text), is_active=True
                )[:2]
            )
            self.lookups[key] = found[0] if len(found) == 1 else None
        return self.lookups[key]

    def dictionary(self, f: Any, text: str) -> str | None:
        key = (f"@dict:{f.dictionary}", "")
        if key not in self.lookups:
            by_text = {}
            for value, label in dictionaries.options(f.dictionary, include_disabled=False):
                by_text[str(label).lower()] = value
                by_text[str(value).lower()] = value
            self.lookups[key] = by_text
        return self.lookups[key].get(text.lower())

    def parent(self, f: Any, text: str) -> Any:
        key = (f"@fk:{f.name}", text)
        if key not in self.lookups:
            target = f.related_model
            prt = record_type_for(target)
            found: list[Any] = []
            if prt is not None:
                q = Q(**{prt.title_field: text})
                if prt.number_field:
                    q |= Q(**{prt.number_field: text})
                found = list(scopes.visible(self.user, target).filter(q)[:2])
            if not found and text.isdigit():
                found = list(scopes.visible(self.user, target).filter(pk=int(text))[:2])
            self.lookups[key] = found[0].pk if len(found) == 1 else None
        return self.lookups[key]


def _choice_value(f: models.Field, text: str) -> str | None:
    for value, label in f.flatchoices:
        if text.lower() in (str(value).lower(), str(label).lower()):
            return value
    return None


def row_data(ctx: _Context, values: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The services' data dict of one row, and the (column, reason) problems found."""
    data: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for header, target in ctx.job.mapping.items():
        if not target:
            continue
        text = (values.get(header) or "").strip()
        if target.startswith("cf_"):
            cf = ctx.custom_field(target[3:])
            if cf is None:
                continue
            try:
                value = custom_fields.import_value(cf, text)
            except ValidationError as exc:
                problems.append((header, " ".join(exc.messages)))
                continue
            if value is not None:
                custom[cf.code] = value
            continue
        if not text:
            continue
        f = ctx.rt.model_field(target)
        if isinstance(f, dictionaries.DictionaryField):
            value = ctx.dictionary(f, text)
            if value is None:
                problems.append((header, _("“%(value)s” is not an option.") % {"value": text}))
                continue
        elif f.is_relation and f.related_model is get_user_model():
            user = ctx.users(text)
            if user is None:
                problems.append(
                    (header, _("No single user is called “%(value)s”.") % {"value": text})
                )
                continue
            value = user.pk
        elif f.is_relation:
            value = ctx.parent(f, text)
            if value is None:
                problems.append((header, _("No “%(value)s” found.") % {"value": text}))
                continue
        elif f.choices:
            value = _choice_value(f, text)
            if value is None:
                problems.append((header, _("“%(value)s” is not an option.") % {"value": text}))
                continue
        else:
            value = text
        data[target] = value
    if custom:
        data["custom_data"] = custom
    return data, problems


def find_existing(ctx: _Context, data: dict[str, Any]) -> Any:
    """The visible live record the row duplicates by the type's match fields, if any."""
    match = ctx.rt.import_match_fields
    if not match or any(data.get(n) in (None, "") for n in match):
        return None
    lookup: dict[str, Any] = {}
    names = {f.name for f in ctx.rt.model._meta.concrete_fields}
    for n in match:
        if n == "name" and "name_key" in names:
            lookup["name_key"] = normalise_company_name(data[n])
        elif ctx.rt.model_field(n).is_relation:
            lookup[f"{n}_id"] = data[n]
        else:
            lookup[n] = data[n]
    return scopes.visible(ctx.user, ctx.rt.model).filter(**lookup).first()


def _reason(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, DomainError):
        return exc.field or "", exc.message
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            name, errors = next(iter(exc.message_dict.items()))
            return name if name != "__all__" else "", " ".join(errors)
        return "", " ".join(exc.messages)
    if isinstance(exc, PermissionDenied):
        return "", _("You may not change this record.")
    raise exc


def _snapshot(rt: RecordType, record: Any, data: dict[str, Any]) -> dict[str, Any]:
    before: dict[str, Any] = {}
    for name in data:
        if name == "custom_data":
            before[name] = {k: (record.custom_data or {}).get(k) for k in data[name]}
        else:
            f = rt.model_field(name)
            before[name] = getattr(record, f.attname)
    return {k: _json(v) for k, v in before.items()}


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    return str(value)


def _required_problem(ctx: _Context, data: dict[str, Any]) -> list[tuple[str, str]]:
    missing = [n for n in ctx.required() if data.get(n) in (None, "")]
    if not missing:
        return []
    labels = ", ".join(str(ctx.rt.model_field(n).verbose_name) for n in missing)
    return [("", _("Required: %(fields)s.") % {"fields": labels})]


def _update(ctx: _Context, existing: Any, data: dict[str, Any]) -> Outcome:
    """Change ``existing`` through the type's ``update`` service (duplicate policy "update")."""
    if existing.pk is None:
        # Dry run: the row duplicates an earlier row of the file, which is not written; the
        # update's checks are those the earlier row already passed.
        return Outcome("updated")
    update_data = {k: v for k, v in data.items() if k not in ctx.rt.create_only_fields}
    try:
        with transaction.atomic():
            before = _snapshot(ctx.rt, existing, update_data)
            record = ctx.rt.update(ctx.user, existing, update_data)
    except (DomainError, ValidationError, PermissionDenied) as exc:
        return Outcome("error", problems=[_reason(exc)])
    return Outcome("updated", record=record, before=before)


def process_row(ctx: _Context, values: dict[str, str]) -> Outcome:
    """Write one row through the type's services (the caller owns the transaction)."""
    data, problems = row_data(ctx, values)
    if problems:
        return Outcome("error", problems=problems)
    problems = _required_problem(ctx, data)
    if problems:
        return Outcome("error", problems=problems)
    try:
        existing = find_existing(ctx, data)
        if existing is not None and ctx.job.on_duplicate == ImportJob.OnDuplicate.SKIP:
            return Outcome("skipped", record=existing)
        if existing is not None and ctx.job.on_duplicate == ImportJob.OnDuplicate.UPDATE:
            return _headed(ctx, _update(ctx, existing, data))
        record = ctx.rt.create(ctx.user, data)
        owner = ctx.job.owner
        if owner is not None and owner.pk != ctx.user.pk and record.owner_id != owner.pk:
            from .record_actions import transfer

            (ctx.rt.transfer or transfer)(ctx.user, [record], owner)
        return Outcome("created", record=record)
    except (DomainError, ValidationError, PermissionDenied) as exc:
        return _headed(ctx, Outcome("error", problems=[_reason(exc)]))


def _headed(ctx: _Context, outcome: Outcome) -> Outcome:
    """The outcome with its problems blamed on the file's columns, not on field names."""
    outcome.problems = [(ctx.header_for(c) if c else "", m) for c, m in outcome.problems]
    return outcome


# -- batches ---------------------------------------------------------------------------------


def _row_by_row(ctx: _Context, rows: list[Any], check_only: bool) -> list[Outcome]:
    outcomes = []
    for row in rows:
        outcome = Outcome("error")
        try:
            with transaction.atomic():
                outcome = process_row(ctx, row.values)
                if check_only or outcome.kind == "error":
                    raise _Rollback
        except _Rollback:
            pass
        outcomes.append(outcome)
    return outcomes


def _bulk(ctx: _Context, rows: list[Any], check_only: bool) -> list[Outcome]:
    """The batch through the type's ``bulk_import`` hook, then the "update" rows through
    ``update``: all in one savepoint, rolled back for a dry run. A unique constraint that a
    parallel writer won (IntegrityError) rolls the batch back and it is done again row by
    row, each row under its own savepoint (``ROW_ATTEMPTS`` tries), so each row gets its own
    verdict."""
    outcomes: list[Outcome | None] = [None] * len(rows)
    datas: list[dict[str, Any]] = []
    places: list[int] = []
    for index, row in enumerate(rows):
        data, problems = row_data(ctx, row.values)
        problems = problems or _required_problem(ctx, data)
        if problems:
            outcomes[index] = Outcome("error", problems=problems)
        else:
            datas.append(data)
            places.append(index)
    if datas:
        try:
            done = _bulk_write(ctx, datas, check_only)
        except IntegrityError:
            done = [_one_by_one(ctx, data, check_only) for data in datas]
        for index, outcome in zip(places, done, strict=True):
            outcomes[index] = _headed(ctx, outcome)
    return [o or Outcome("error") for o in outcomes]


#: Attempts of one row after its batch lost a race; each attempt meets the previous winner in
#: the duplicate check, so a second loss needs yet another writer of the same key.
ROW_ATTEMPTS = 3


def _one_by_one(ctx: _Context, data: dict[str, Any], check_only: bool) -> Outcome:
    for _attempt in range(ROW_ATTEMPTS):
        try:
            return _bulk_write(ctx, [data], check_only)[0]
        except IntegrityError:
            continue
    return Outcome(
        "error",
        problems=[
            (
                "",
                _(
                    "Someone saved a record with the same details a moment ago; check the "
                    "row and import it again."
                ),
            )
        ],
    )


def _bulk_write(ctx: _Context, datas: list[dict[str, Any]], check_only: bool) -> list[Outcome]:
    assert ctx.rt.bulk_import is not None
    try:
        with transaction.atomic():
            outcomes = list(ctx.rt.bulk_import(ctx.batch(datas, check_only)))
            for i, outcome in enumerate(outcomes):
                if outcome.kind == "update":
                    outcomes[i] = _update(ctx, outcome.record, datas[i])
            if check_only:
                raise _Rollback(outcomes)
    except _Rollback as rolled_back:
        outcomes = rolled_back.outcomes
    return outcomes


def _outcomes(ctx: _Context, rows: list[Any], check_only: bool) -> list[Outcome]:
    if ctx.rt.bulk_import is not None:
        return _bulk(ctx, rows, check_only)
    return _row_by_row(ctx, rows, check_only)


def _rows(job: ImportJob) -> Iterator[Any]:
    with job.file.open("rb") as stream, read_table(stream, job.file_name) as table:
        yield from table


def _batches(job: ImportJob) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in _rows(job):
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _problem(row: Any, column: str, message: str) -> dict[str, Any]:
    return {"row": row.number, "column": column, "message": str(message)}


def _reset_counts(job: ImportJob) -> None:
    job.processed_rows = job.created_count = job.updated_count = job.skipped_count = 0
    job.error_count, job.errors, job.created_ids, job.updated_before = 0, [], [], {}
    job.message = ""


def _tally(job: ImportJob, rows: list[Any], outcomes: list[Outcome], bad_rows: list | None) -> None:
    """Count a batch's outcomes on the job; remember what undo and the error file need."""
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.kind == "error":
            job.error_count += 1
            if bad_rows is not None:
                bad_rows.append(
                    (row, "; ".join(f"{c}: {m}" if c else m for c, m in outcome.problems))
                )
            for column, message in outcome.problems:
                if len(job.errors) < MAX_STORED_ERRORS:
                    job.errors.append(_problem(row, column, message))
        elif outcome.kind == "created":
            job.created_count += 1
            if outcome.record is not None:
                job.created_ids.append(outcome.record.pk)
        elif outcome.kind == "updated":
            job.updated_count += 1
            if outcome.record is not None:
                job.updated_before.setdefault(str(outcome.record.pk), outcome.before)
        else:
            job.skipped_count += 1
        job.processed_rows += 1


# -- dry run ---------------------------------------------------------------------------------


def dry_run(user: Any, job: ImportJob) -> ImportJob:
    """Queue the dry run (``tasks_imports.check_import``); the job page follows it."""
    _check_owner_of(user, job)
    if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKED):
        raise DomainError(_("This import has already run."), code="ran")
    job.status = ImportJob.Status.CHECKING
    _reset_counts(job)
    job.total_rows = 0
    job.save()
    from .tasks_imports import check_import

    check_import(job.pk)
    job.refresh_from_db()
    return job


def check(job: ImportJob) -> ImportJob:
    """The dry run (in the worker): every row through the real run's code, batch by batch,
    each batch rolled back; lists every problem and what would be created, updated and
    skipped. A file that cannot be read sends the job back to the mapping with the reason."""
    ctx = _Context(job.user, record_type(job.type_key), job)
    try:
        job.total_rows = sum(1 for _row in _rows(job))
        job.save(update_fields=["total_rows"])
        for rows in _batches(job):
            _tally(job, rows, _outcomes(ctx, rows, check_only=True), None)
            job.save()
    except DomainError as exc:  # the file itself (TableError): fix it and upload again
        _reset_counts(job)
        job.status, job.message = ImportJob.Status.UPLOADED, exc.message
        job.save()
        return job
    except Exception as exc:
        job.status, job.message = ImportJob.Status.FAILED, str(exc)[:2000]
        job.save()
        raise
    job.total_rows = job.processed_rows
    job.status = ImportJob.Status.CHECKED
    job.save()
    return job


# -- the real run ----------------------------------------------------------------------------


def queue(user: Any, job: ImportJob) -> ImportJob:
    """Hand a checked job to the worker (``tasks_imports.run_import``)."""
    _check_owner_of(user, job)
    if job.status not in (ImportJob.Status.CHECKED, ImportJob.Status.UPLOADED):
        raise DomainError(_("This import has already run."), code="ran")
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["status"])
    from .tasks_imports import run_import

    run_import(job.pk)
    job.refresh_from_db()
    return job


def run(job: ImportJob) -> ImportJob:
    """The real import: batches of ``BATCH_SIZE`` rows, one transaction each; a row the
    services refuse goes to the error file, the others are kept. Progress saved per batch."""
    ctx = _Context(job.user, record_type(job.type_key), job)
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    _reset_counts(job)
    job.save()
    bad_rows: list[tuple[Any, str]] = []
    try:
        for rows in _batches(job):
            with transaction.atomic():
                _tally(job, rows, _outcomes(ctx, rows, check_only=False), bad_rows)
                job.save()
    except Exception as exc:  # the job must end "failed", not stay "running"
        job.status, job.message = ImportJob.Status.FAILED, str(exc)[:2000]
        job.finished_at = timezone.now()
        job.save()
        raise
    if bad_rows:
        _write_error_file(job, bad_rows)
    job.total_rows = job.processed_rows
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.save()
    if ctx.rt.bulk_import is not None:
        _tell_owner(ctx.rt, job)
    if job.created_count >= statistics.AFTER_IMPORT_ROWS:
        # The table just grew by a lot: without fresh statistics SQLite plans its lists as
        # if it had not (huike.core.statistics).
        statistics.refresh(ctx.rt.model._meta.db_table)
    return job


def _tell_owner(rt: RecordType, job: ImportJob) -> None:
    """The bulk path gives new records straight to the chosen owner, without the per-row
    transfer (which notifies on its own): tell the owner once for the whole import."""
    from . import notify

    owner = job.owner
    if owner is None or owner.pk == job.user_id or not job.created_count or job.destination:
        return
    notify.notify(
        [owner],
        "record_transferred",
        _("%(actor)s imported %(count)d %(type)s for you")
        % {
            "actor": job.user,
            "count": job.created_count,
            "type": rt.model._meta.verbose_name_plural,
        },
        url=f"/{rt.key}/?scene=mine",
        actor=job.user,
    )


def _write_error_file(job: ImportJob, bad_rows: list[tuple[Any, str]]) -> None:
    headers = list(job.mapping)
    error_header = _("error")
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        [_("row"), *headers, error_header],
        (
            [row.number, *(row.values.get(h, "") for h in headers), reason]
            for row, reason in bad_rows
        ),
    )
    job.error_file.save(f"errors-{job.token}.xlsx", ContentFile(buffer.getvalue()), save=False)


def undo_refusal(user: Any, job: ImportJob) -> str:
    """Why ``user`` cannot undo ``job`` ("" when they can): the page shows the undo button
    only when this is empty, and ``undo`` refuses with the same words."""
    if job.status != ImportJob.Status.DONE:
        return _("Only a finished import can be undone, and only once.")
    if not job.created_ids and not job.updated_before:
        return _("This import changed nothing, so there is nothing to undo.")
    if job.destination is not None and job.created_ids:
        # Records put into a destination (a public pool) are nobody's: the owner scopes that
        # undo and the recycle bin go by do not reach them.
        return _(
            "An import into a public pool cannot be undone as a batch: assign its "
            "customers to yourself from the pool, then delete them."
        )
    if job.created_ids and not has_perm(user, record_type(job.type_key).perm("delete")):
        return _(
            "Undoing moves the records this import created to the recycle bin, which "
            "needs the right to delete them: ask someone who has it."
        )
    return ""


def undo(user: Any, job: ImportJob) -> ImportJob:
    """Undo the whole batch: created records go to the recycle bin, updated records get
    their previous values back. A job is undone once."""
    _check_owner_of(user, job)
    refusal = undo_refusal(user, job)
    if refusal:
        raise DomainError(refusal, code="undo")
    rt = record_type(job.type_key)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.DONE:
            raise DomainError(
                _("Only a finished import can be undone, and only once."), code="undo"
            )
        for pk, before in job.updated_before.items():
            record = scopes.visible(user, rt.model).filter(pk=int(pk)).first()
            if record is not None:
                rt.update(user, record, _restorable(rt, before))
        created = list(scopes.visible(user, rt.model).filter(pk__in=job.created_ids))
        if created:
            from .recycle import move_to_bin

            (rt.delete or move_to_bin)(user, created)
        job.status, job.undone_at = ImportJob.Status.UNDONE, timezone.now()
        job.save(update_fields=["status", "undone_at"])
    return job


def _restorable(rt: RecordType, before: dict[str, Any]) -> dict[str, Any]:
    """The update data that puts back the values remembered before the import."""
    known = {f.name: f for f in rt.model._meta.concrete_fields}
    data = {}
    for name, value in before.items():
        if name == "custom_data":
            data[name] = value
        elif name in known:
            data[name] = "" if value is None and not known[name].null else value
    return data


def can_import(user: Any, rt: RecordType) -> bool:
    return has_perm(user, rt.perm("import"))
