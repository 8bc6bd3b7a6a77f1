"""The recycle bin (PLT-13): delete moves records to the bin, restore brings them back, an
admin purges, and a daily job purges what has been there longer than
``HUIKE_RECYCLE_BIN_DAYS`` (default 30).

A delete writes one ``RecycleEntry`` per deleted record ("root") listing the dependents that
went to the bin with it (``records_registry.register_bin_dependent``). Restore brings back
exactly that set: a contact deleted on its own the day before keeps its own entry and stays
in the bin. Binned rows keep their place in their tables (``deleted_at`` set), so tags,
attachments, the operation log and every foreign key survive a round trip untouched.

Rights: delete and restore need "<module>.delete"; purge needs "system.manage". The caller
found the records through ``scopes.visible()`` (and the entries through ``visible_entries``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import scopes
from .attachments import delete_files_on_commit
from .errors import ConflictError, DomainError
from .models import OperationLog
from .models_records import Attachment, RecycleEntry
from .permissions import check_perm, has_perm
from .records import Record, is_record_model, log_many
from .records_registry import dependents_of, parents_of
from .registry import registry

PURGE_PERMISSION = "system.manage"


def retention_days() -> int:
    return int(getattr(settings, "HUIKE_RECYCLE_BIN_DAYS", 30))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _module_of(model: type[models.Model]) -> str:
    from .fields import module_of

    return module_of(model)


def _collect(
    model: type[Record], root_ids: list[int], *, live_only: bool
) -> dict[int, dict[type[Record], list[Record]]]:
    """{root id: {dependent type: [rows]}}, following the dependents' own dependents.

    ``live_only`` (delete): a dependent already in the bin belongs to its own entry.
    Rows are locked (FOR UPDATE on PostgreSQL) in primary-key order, the same order every
    writer takes, so two deletes touching the same contacts queue instead of deadlocking.
    """
    found: dict[int, dict[type[Record], list[Record]]] = {pk: defaultdict(list) for pk in root_ids}
    seen: set[tuple[type, int]] = {(model, pk) for pk in root_ids}
    frontier: list[tuple[type[Record], dict[int, int]]] = [(model, {pk: pk for pk in root_ids})]
    while frontier:
        parent, root_of = frontier.pop(0)
        for dep in dependents_of(parent):
            attname = dep.attname
            qs = dep.model.all_objects.filter(**{f"{attname}__in": list(root_of)})
            if live_only:
                qs = qs.filter(deleted_at__isnull=True)
            child_root: dict[int, int] = {}
            for row in qs.select_for_update().order_by("pk"):
                if (dep.model, row.pk) in seen:
                    continue
                seen.add((dep.model, row.pk))
                root = root_of[getattr(row, attname)]
                found[root][dep.model].append(row)
                child_root[row.pk] = root
            if child_root:
                frontier.append((dep.model, child_root))
    return found


def _same_type(records: Sequence[models.Model]) -> type[Record]:
    model = type(records[0])
    if not is_record_model(model) or any(type(r) is not model for r in records):
        raise ValueError("the recycle bin takes records of one Record type at a time")
    return model  # type: ignore[return-value]


@transaction.atomic
def move_to_bin(
    actor: Any, records: Sequence[Record], *, module: str | None = None
) -> list[RecycleEntry]:
    """Move ``records`` and their registered dependents to the bin, in one transaction.

    Records already in the bin are skipped. Returns the new entries, one per record.
    """
    records = list(records)
    if not records:
        return []
    model = _same_type(records)
    module = module or _module_of(model)
    check_perm(actor, f"{module}.delete")
    live = model.all_objects.filter(pk__in=[r.pk for r in records], deleted_at__isnull=True)
    # of=self: scope rules may outer-join other tables, which PostgreSQL cannot lock.
    roots = list(scopes.visible(actor, model, live.select_for_update(of=("self",))).order_by("pk"))
    if len(roots) != live.count():
        raise PermissionDenied  # a record the actor cannot see is not theirs to delete
    if not roots:
        return []
    members = _collect(model, [r.pk for r in roots], live_only=True)
    now, user = timezone.now(), _user(actor)

    by_model: dict[type[Record], list[int]] = defaultdict(list)
    by_model[model] = [r.pk for r in roots]
    for groups in members.values():
        for dep_model, rows in groups.items():
            by_model[dep_model].extend(r.pk for r in rows)
    for m, ids in by_model.items():
        m.all_objects.filter(pk__in=ids).update(deleted_at=now, deleted_by=user)

    ct = ContentType.objects.get_for_model(model)
    entries = [
        RecycleEntry(
            content_type=ct,
            object_id=root.pk,
            object_repr=str(root)[:200],
            module=module,
            members={
                str(ContentType.objects.get_for_model(m).pk): [r.pk for r in rows]
                for m, rows in members[root.pk].items()
            },
            member_count=sum(len(rows) for rows in members[root.pk].values()),
            deleted_by=user,
            deleted_at=now,
        )
        for root in roots
    ]
    RecycleEntry.objects.bulk_create(entries)

    log_rows: list[tuple[models.Model, list[dict], str]] = []
    for root, entry in zip(roots, entries, strict=True):
        log_rows.append((root, [], _with_count(entry.member_count)))
        for rows in members[root.pk].values():
            log_rows.extend(
                (row, [], _("Deleted together with “%(record)s”.") % {"record": root})
                for row in rows
            )
    log_many(actor, OperationLog.Action.DELETE, log_rows)

    binned = {r.pk for r in roots}
    for r in records:
        if r.pk in binned:
            r.deleted_at, r.deleted_by = now, user
    return entries


def _with_count(count: int) -> str:
    if not count:
        return ""
    return ngettext(
        "%(count)d dependent record went to the recycle bin with it.",
        "%(count)d dependent records went to the recycle bin with it.",
        count,
    ) % {"count": count}


def _members(entry: RecycleEntry) -> list[tuple[type[Record], list[int]]]:
    groups: list[tuple[type[Record], list[int]]] = []
    for ct_id, ids in (entry.members or {}).items():
        model = ContentType.objects.get_for_id(int(ct_id)).model_class()
        if model is not None and is_record_model(model) and ids:
            groups.append((cast(type[Record], model), [int(i) for i in ids]))
    return groups


def _lock_entry(entry: RecycleEntry) -> tuple[RecycleEntry, type[Record], Record | None]:
    locked = RecycleEntry.objects.select_for_update().filter(pk=entry.pk).first()
    if locked is None:
        raise ConflictError(
            _("“%(record)s” is no longer in the recycle bin.") % {"record": entry.object_repr},
            code="gone",
        )
    model = locked.content_type.model_class()
    if model is None or not is_record_model(model):
        raise DomainError(_("This record type no longer exists."), code="gone")
    record_model = cast(type[Record], model)
    return locked, record_model, record_model.all_objects.filter(pk=locked.object_id).first()


def _check_parents(record: Record) -> None:
    for _parent_model, fk in parents_of(type(record)):
        parent = getattr(record, fk, None)  # the base manager reaches binned parents
        if parent is not None and parent.deleted_at is not None:
            raise DomainError(
                _(
                    "Restore “%(parent)s” first: “%(record)s” belongs to it, and it is in the "
                    "recycle bin too."
                )
                % {"parent": parent, "record": record},
                code="parent_binned",
            )


@transaction.atomic
def restore(actor: Any, entry: RecycleEntry) -> Record:
    """Bring back the record of ``entry`` and the dependents binned with it."""
    check_perm(actor, f"{entry.module}.delete")
    entry, model, root = _lock_entry(entry)
    if root is None:
        entry.delete()
        raise ConflictError(
            _("“%(record)s” no longer exists.") % {"record": entry.object_repr}, code="gone"
        )
    _check_parents(root)
    groups = [(model, [root.pk]), *_members(entry)]
    restored: list[tuple[models.Model, list[dict], str]] = []
    try:
        with transaction.atomic():
            for m, ids in groups:
                rows = list(
                    m.all_objects.select_for_update()
                    .filter(pk__in=ids, deleted_at=entry.deleted_at)
                    .order_by("pk")
                )
                m.all_objects.filter(pk__in=[r.pk for r in rows]).update(
                    deleted_at=None, deleted_by=None
                )
                restored.extend(
                    (r, [], "" if r.pk == root.pk and m is model else _restored_with(root))
                    for r in rows
                )
    except IntegrityError:
        raise ConflictError(
            _(
                "“%(record)s” cannot be restored: a record with the same unique details was "
                "created meanwhile. Change or delete that record, then try again."
            )
            % {"record": entry.object_repr},
            code="restore_conflict",
        ) from None
    entry.delete()
    log_many(actor, OperationLog.Action.RESTORE, restored)
    root.deleted_at = root.deleted_by = None  # type: ignore[assignment]
    return root


def _restored_with(root: Record) -> str:
    return _("Restored together with “%(record)s”.") % {"record": root}


@transaction.atomic
def purge(actor: Any, entry: RecycleEntry) -> None:
    """Delete the entry's record and everything binned with it for good (admins only).
    Attachment files are removed from the storage after the commit."""
    check_perm(actor, PURGE_PERMISSION)
    _purge(actor, entry)


def _purge(actor: Any, entry: RecycleEntry) -> None:
    entry, model, root = _lock_entry(entry)
    if root is None:
        entry.delete()
        return
    if root.deleted_at is None:
        raise DomainError(
            _("“%(record)s” is not in the recycle bin.") % {"record": root}, code="not_binned"
        )
    # Every dependent goes, whichever entry it is in: a contact binned on its own before its
    # customer cannot outlive the customer (its own entry goes too).
    found = _collect(model, [root.pk], live_only=False)[root.pk]
    groups: list[tuple[type[Record], list[Record]]] = [(model, [root]), *found.items()]
    entry_q = Q(pk=entry.pk)
    files: list[tuple[Any, str | None]] = []
    for m, rows in groups:
        ct = ContentType.objects.get_for_model(m)
        ids = [r.pk for r in rows]
        entry_q |= Q(content_type=ct, object_id__in=ids)
        files.extend(
            (a.file.storage, a.file.name)
            for a in Attachment.objects.filter(content_type=ct, object_id__in=ids)
        )
    log_many(
        actor,
        OperationLog.Action.PURGE,
        [(r, [], "") for _m, rows in groups for r in rows],
    )
    RecycleEntry.objects.filter(entry_q).delete()
    try:
        with transaction.atomic():
            # Deepest dependents first, so a PROTECT from a dependent to its parent holds.
            for m, rows in reversed(groups):
                m.all_objects.filter(pk__in=[r.pk for r in rows]).delete()
    except ProtectedError as exc:
        blocking = next(iter(exc.protected_objects), None)
        raise DomainError(
            _("“%(record)s” cannot be purged: “%(other)s” still refers to it.")
            % {"record": root, "other": blocking},
            code="protected",
        ) from None
    delete_files_on_commit(files)


def purge_expired(days: int | None = None) -> int:
    """Purge every entry older than ``days`` (default: the setting); returns how many.

    Each entry is purged in its own transaction, so one that cannot be purged (another record
    still refers to it) does not keep the others in the bin.
    """
    days = retention_days() if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    ids = list(
        RecycleEntry.objects.filter(deleted_at__lt=cutoff)
        .order_by("deleted_at", "pk")
        .values_list("pk", flat=True)
    )
    purged = 0
    for pk in ids:
        entry = RecycleEntry.objects.filter(pk=pk).first()
        if entry is None:
            continue  # gone with a customer purged just before
        try:
            with transaction.atomic():
                _purge(None, entry)
        except DomainError:
            continue
        purged += 1
    return purged


def visible_entries(user: Any) -> QuerySet:
    """The bin as ``user`` sees it: entries of modules where they hold "delete", whose record
    lies in their data scope. Newest first."""
    q = Q(pk__in=[])
    for model, scoped in registry.scoped_models.items():
        if not is_record_model(model) or not has_perm(user, f"{scoped.module}.delete"):
            continue
        binned = scopes.visible(user, model, model.all_objects.binned())  # type: ignore[attr-defined]
        q |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=binned.values("pk"),
        )
    return RecycleEntry.objects.filter(q).select_related("deleted_by", "content_type")


def get_entry_or_404(user: Any, pk: Any) -> RecycleEntry:
    from django.http import Http404

    try:
        return visible_entries(user).get(pk=pk)
    except (RecycleEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
