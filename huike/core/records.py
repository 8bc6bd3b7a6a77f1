"""The ``Record`` base every business record type (customer, contact, lead…) inherits.

It carries what the generic machinery needs and a module must never re-declare: the owner
(data scopes, hand-over), who created and last changed the row and when (lists, the operation
log), soft delete (the recycle bin, PLT-13), custom field values (PLT-09, one JSON column keyed
by field code, as NetBox does), tags (PLT-14) and attachments (PLT-11).

Managers — decided once here, so no module has to remember a ``deleted_at`` filter:

* ``objects`` (the default manager) returns live rows only. Everything that starts from the
  default manager — ``scopes.visible()``, forms' model choice fields, reverse relations such as
  ``customer.contacts.all()``, the API — therefore never shows a binned record.
* ``all_objects`` returns every row, binned ones included. It is also the *base* manager
  (``Meta.base_manager_name``), which Django uses for forward relations and for collecting
  cascades: ``contact.customer`` still works while the customer is in the bin (the bin page
  and the restore check need it), and a hard delete (purge) reaches binned children.

Indexes: see ``record_indexes()``; a concrete model adds them to its own ``Meta.indexes``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import bulk_insert, oplog
from .models import OperationLog
from .request_context import current_ip

#: Fields of the base that the change log never reports (they change on every save or are
#: reported by their own actions: delete, restore, transfer).
MACHINERY_FIELDS = frozenset(
    {
        "id",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "deleted_at",
        "deleted_by",
        "custom_data",
    }
)


class RecordQuerySet(models.QuerySet):
    def live(self) -> RecordQuerySet:
        return self.filter(deleted_at__isnull=True)

    def binned(self) -> RecordQuerySet:
        return self.filter(deleted_at__isnull=False)


class LiveManager(models.Manager.from_queryset(RecordQuerySet)):  # type: ignore[misc]
    """Rows that are not in the recycle bin."""

    def get_queryset(self) -> RecordQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class AllRecordsManager(models.Manager.from_queryset(RecordQuerySet)):  # type: ignore[misc]
    """Every row, binned ones included (the bin, purge, restore checks)."""


#: The rows lists read: the condition of ``record_indexes`` and ``sort_index``.
LIVE_ROWS = Q(deleted_at__isnull=True)


def record_indexes(prefix: str) -> list[models.Index]:
    """The indexes a concrete record type adds to ``Meta.indexes``: ``record_indexes("cus")``.

    They serve what every generic list does: keyset pagination over live rows ordered by
    (-updated_at, -id) or (-created_at, -id), and the same order inside one owner's rows
    ("Mine", "self" scope, owner filter). They are partial (``deleted_at IS NULL``), so the bin
    costs them nothing and a list reads a range of the index instead of sorting the table.
    Index names are global and at most 30 characters, hence the short per-model ``prefix``.
    """
    names = {
        "upd": ["-updated_at", "-id"],
        "crt": ["-created_at", "-id"],
        "own": ["owner", "-updated_at", "-id"],
    }
    longest = max(len(f"{prefix}_live_{s}") for s in names)
    if longest > 30 or not prefix.isidentifier():
        raise ImproperlyConfigured(
            f"record_indexes({prefix!r}): use a short identifier (at most 21 characters) as "
            "prefix; index names are limited to 30 characters"
        )
    return [
        models.Index(fields=fields, name=f"{prefix}_live_{suffix}", condition=LIVE_ROWS)
        for suffix, fields in names.items()
    ]


def sort_index(prefix: str, field: str) -> models.Index:
    """The index that lets a list sort on ``field`` at any size: ``(field, id)`` over live
    rows, read forwards or backwards for either direction (``huike.core.listing``).

    A list may sort only on fields that have one (``sorted_fields``): without it the first
    page of a million rows is a sort of every visible row (0.8-2.5 s, bench/RESULTS.md)."""
    return models.Index(fields=[field, "id"], name=f"{prefix}_live_{field}", condition=LIVE_ROWS)


def exact_indexes(prefix: str, *fields: str) -> list[models.Index]:
    """Plain one-column indexes for columns that are only compared for equality or ranges
    (dictionary codes, phone keys). ``db_index=True`` on a CharField would give PostgreSQL a
    second, ``varchar_pattern_ops`` index for ``LIKE 'x%'`` that these columns never see, and
    every index is paid for on each insert (the 100,000-row import, NFR-01)."""
    return [models.Index(fields=[name], name=f"{prefix}_{name}") for name in fields]


def sorted_fields(model: type[models.Model]) -> list[str]:
    """Fields of ``model`` a list can read in order from an index: the first column of a
    live-rows index whose second column is ``id`` (``record_indexes``, ``sort_index``)."""
    names: list[str] = []
    for index in model._meta.indexes:
        columns = [name.lstrip("-") for name in index.fields]
        if len(columns) >= 2 and columns[1] == "id" and index.condition == LIVE_ROWS:
            names.append(columns[0])
    return names


class Record(models.Model):
    """Abstract base of every business record type (see the module docstring)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Not indexed alone: record_indexes() gives (created_at, id) and (updated_at, id) over live
    # rows, which every list, scene and keyset page uses (and a system check insists on them).
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("deleted by"),
    )
    #: Custom field values keyed by the field's code: {"industry_code": "A01", "budget": "12.50"}.
    custom_data = models.JSONField(
        _("custom fields"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )

    # A hard delete (purge) takes the record's tag links and attachment rows with it.
    tag_links = GenericRelation("core.TaggedRecord")
    attachments = GenericRelation("core.Attachment")

    objects = LiveManager()
    all_objects = AllRecordsManager()

    #: Fields whose changes the operation log reports; None = every editable concrete field
    #: except the machinery above (custom_data is reported key by key).
    log_fields: ClassVar[tuple[str, ...] | None] = None

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    # -- state -------------------------------------------------------------------------------
    @property
    def is_binned(self) -> bool:
        return self.deleted_at is not None

    def stamp(self, actor: Any) -> None:
        """Set created_by (on a new row) and updated_by before a service saves."""
        user = actor if getattr(actor, "pk", None) else None
        if self._state.adding and getattr(self, "created_by_id", None) is None:
            self.created_by = user
        self.updated_by = user

    # -- operation log -----------------------------------------------------------------------
    @classmethod
    def logged_field_names(cls) -> list[str]:
        if cls.log_fields is not None:
            return list(cls.log_fields)
        return [
            f.name
            for f in cls._meta.concrete_fields
            if f.editable and not f.primary_key and f.name not in MACHINERY_FIELDS
        ]

    def snapshot_fields(self) -> dict[str, Any]:
        """What ``log_changes()`` compares against; take it before changing the record."""
        data = oplog.snapshot(self, self.logged_field_names())
        data["custom_data"] = copy.deepcopy(self.custom_data or {})
        return data

    def changes_since(self, before: dict[str, Any]) -> list[dict]:
        """Log entries for every logged field and custom field that differs from ``before``."""
        changes = oplog.diff(self, before, self.logged_field_names())
        for change in changes:
            field = self._meta.get_field(change["field"])
            choices = dict(getattr(field, "flatchoices", None) or ())
            if choices:
                for side in ("old", "new"):
                    change[side] = str(choices.get(change[side], change[side]))
        changes.extend(
            custom_changes(type(self), before.get("custom_data") or {}, self.custom_data or {})
        )
        return changes

    def log_changes(self, actor: Any, before: dict[str, Any]) -> OperationLog | None:
        """Write "changed field X from A to B" for everything changed since ``before``; one
        log row for the whole edit, none when nothing changed."""
        changes = self.changes_since(before)
        if not changes:
            return None
        return oplog.log(actor, OperationLog.Action.UPDATE, self, changes=changes)


def custom_field_label(model: type[models.Model], code: str) -> str:
    """The label of custom field ``code`` of ``model``.

    Custom field definitions (PLT-09) are not built yet; until they are, the code is the label.
    """
    return code


def custom_changes(
    model: type[models.Model], old: dict[str, Any], new: dict[str, Any]
) -> list[dict]:
    changes = []
    for code in sorted(set(old) | set(new)):
        before, after = oplog._text(old.get(code)), oplog._text(new.get(code))
        if before != after:
            changes.append(
                {
                    "field": f"custom_data.{code}",
                    "label": custom_field_label(model, code),
                    "old": before,
                    "new": after,
                }
            )
    return changes


def log_many(
    actor: Any,
    action: str,
    entries: Iterable[tuple[models.Model, list[dict], str]],
) -> list[OperationLog]:
    """``oplog.log()`` for many records in one INSERT: (record, changes, message) triples.

    Bulk actions (tag 200 selected rows, bin a customer with its contacts) must not cost one
    query per row.
    """
    from django.contrib.contenttypes.models import ContentType

    user = actor if getattr(actor, "pk", None) else None
    ip = current_ip()
    rows = [
        OperationLog(
            actor=user,
            action=action,
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            object_repr=str(target)[:200],
            changes=changes or [],
            message=message[:500],
            ip=ip,
        )
        for target, changes, message in entries
    ]
    return bulk_insert.insert(OperationLog, rows)  # an import logs 1,000 rows a batch


def is_record_model(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, Record)


@checks.register(checks.Tags.models)
def check_record_indexes(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A record type without ``record_indexes()`` would sort its lists by a full scan: fail at
    start-up (``manage.py check``), not under a million rows."""
    from django.apps import apps

    errors: list[checks.CheckMessage] = []
    wanted = {("-updated_at", "-id"), ("-created_at", "-id"), ("owner", "-updated_at", "-id")}
    for model in apps.get_models():
        if not issubclass(model, Record) or model._meta.proxy:
            continue
        have = {
            tuple(index.fields)
            for index in model._meta.indexes
            if index.condition is not None and tuple(index.fields) in wanted
        }
        if have != wanted:
            errors.append(
                checks.Error(
                    f"{model._meta.label} lacks the list indexes of a record type",
                    hint='Add "indexes = [*record_indexes("<short prefix>")]" to its Meta.',
                    obj=model,
                    id="huike.E101",
                )
            )
    return errors
