"""The record-type registry: one declaration per business record type, read by everything
generic (ARCHITECTURE.md, "core: write it once").

A module declares each of its record types once, in ``AppConfig.ready()``::

    register_record_type(RecordType(
        model=Customer,
        key="customers",                       # URL /customers/, API /api/v1/customers/,
                                               # permission module, custom-field module
        list_columns=("name", "level", "owner", "updated_at"),
        field_groups=((_("Basic information"), ("name", "type", ...)), ...),
        create=adapters.create_customer,       # (actor, data) -> record
        update=adapters.update_customer,       # (actor, record, data) -> record
        ...
    ))

and gets, without a view of its own: the list page (filters, scenes, columns, bulk actions,
keyset pages), the detail page with its tabs, create and edit forms, the recycle bin, import
and export, global search and the REST endpoints. What a type does differently (a transfer
that moves contacts along, a tab of opportunities) is a callable or a tab in its declaration.

Writes always go through the declared services (``create``, ``update``, ``delete``,
``transfer``): data is a plain ``{field: value}`` dict with custom fields under
``"custom_data"`` as ``{code: value}``; the services check rights, validate, log and raise
``DomainError`` / ``ValidationError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models

from .records import Record, sorted_fields

#: Fields every list may show and filter on, from the Record base.
BASE_COLUMNS = ("owner", "created_by", "created_at", "updated_by", "updated_at")


@dataclass(frozen=True)
class Tab:
    """A tab of the detail page, loaded on demand (htmx) from
    ``/<type>/<id>/tabs/<key>/``. ``render(request, record)`` returns the tab's HTML response;
    ``permission`` ("opportunities.view") hides the tab from users without it; ``count``
    (record -> int | None) puts a badge on the tab."""

    key: str
    label: Any
    render: Callable[[Any, Any], Any]
    order: int = 100
    permission: str | None = None
    count: Callable[[Any], int | None] | None = None


@dataclass(frozen=True)
class RecordAction:
    """A business action button in the detail header, declared by the module that owns the
    action (convert a lead, return a customer to the pool). ``url(record)`` is the action's
    page or form; ``permission`` and ``when(user, record)`` decide whether it shows (the
    action's own service checks again)."""

    key: str
    label: Any
    url: Callable[[Any], str]
    icon: str = "ti-bolt"
    permission: str | None = None
    when: Callable[[Any, Any], bool] | None = None
    order: int = 100


@dataclass
class RecordType:
    model: type[Record]
    key: str
    #: Default columns of the list, in order; the first links to the detail page.
    list_columns: tuple[str, ...]
    #: Sections of the form and of the "Basic information" tab: ((label, (field, ...)), ...).
    field_groups: tuple[tuple[Any, tuple[str, ...]], ...]
    #: (actor, data) -> record and (actor, record, data) -> record; typed loosely because
    #: each service names its own model.
    create: Callable[..., Any]
    update: Callable[..., Any]
    #: (actor, records) -> None; default: ``huike.core.recycle.move_to_bin``.
    delete: Callable[..., Any] | None = None
    #: (actor, records, new_owner) -> int; default: ``huike.core.record_actions.transfer``.
    transfer: Callable[..., int] | None = None
    #: URL name of the type's own transfer page (options beyond the new owner); the list's
    #: bulk bar then posts the ticked ``ids`` there instead of transferring at once.
    transfer_page: str | None = None
    #: Field shown as the record's name (links, titles, search results, pickers).
    title_field: str = "name"
    number_field: str | None = None
    #: Key facts in the detail header.
    header_fields: tuple[str, ...] = ()
    #: Fields lists may filter and sort on; None = every concrete, non-derived field.
    filter_fields: tuple[str, ...] | None = None
    #: None = the fields with a sort index (``sortable_fields``).
    sort_fields: tuple[str, ...] | None = None
    #: Fields the form and API may set on create only (a contact's customer).
    create_only_fields: tuple[str, ...] = ()
    #: Column holding ``huike.core.text.search_keys(...)`` of the record (global search).
    search_key_field: str | None = "search_key"
    #: Columns of reversed phone digits (``phone_reverse_key``): "ends with 8860" searches.
    phone_rev_fields: tuple[str, ...] = ()
    #: Extra text the search result shows under the title (customer of a contact…).
    search_subtitle_fields: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ("owner",)
    #: Import: fields matching an existing record (duplicate policy), and required columns.
    import_match_fields: tuple[str, ...] = ()
    #: Bulk import (NFR-01): ``(batch: huike.core.imports.BulkBatch) -> [imports.Outcome]``,
    #: one outcome per row, checking (``batch.check_only``) or creating a whole batch with
    #: the rules of ``create`` at a few queries per batch instead of several per row. None:
    #: the import goes row by row through ``create``. Updates always go through ``update``.
    bulk_import: Callable[..., list[Any]] | None = None
    #: Places an import may put new records in instead of giving them an owner (customers:
    #: the public pools): ``(user) -> [(id, label)]`` of those ``user`` may use, shown under
    #: ``import_destination_label``; ``bulk_import`` receives the chosen id. Needs
    #: ``bulk_import``.
    import_destinations: Callable[[Any], list[tuple[int, str]]] | None = None
    import_destination_label: Any = None
    icon: str = "ti-file"
    order: int = 100
    tabs: list[Tab] = field(default_factory=list)
    actions: list[RecordAction] = field(default_factory=list)

    # -- derived -------------------------------------------------------------------------
    @property
    def module(self) -> str:
        """Permission module and custom-field module key."""
        return self.key

    @property
    def label(self) -> Any:
        return self.model._meta.verbose_name

    @property
    def label_plural(self) -> Any:
        return self.model._meta.verbose_name_plural

    def perm(self, action: str) -> str:
        return f"{self.key}.{action}"

    def model_field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)  # type: ignore[return-value]

    def form_fields(self) -> list[str]:
        return [name for _label, names in self.field_groups for name in names]

    def listable_fields(self) -> list[str]:
        """Model fields a list may show, filter and sort on: the declared form fields, the
        derived facts worth seeing (number, last follow-up…) and the Record base columns."""
        if self.filter_fields is not None:
            return list(self.filter_fields)
        names: list[str] = []
        for f in self.model._meta.concrete_fields:
            if f.primary_key or f.name in {"custom_data", "deleted_at", "deleted_by"}:
                continue
            if f.name.endswith(("_key", "_rev")) or f.name in {"pinyin", "search_key"}:
                continue
            names.append(f.name)
        return names

    def sortable_fields(self) -> list[str]:
        """What lists and the API may sort on: ``sort_fields`` or, by default, every field
        with a sort index (``huike.core.records.sort_index``), so that no sort the product
        offers is a sort of a million rows (NFR-01)."""
        if self.sort_fields is not None:
            return list(self.sort_fields)
        listable = set(self.listable_fields())
        return [n for n in sorted_fields(self.model) if n in listable]

    def visible_tabs(self, user: Any) -> list[Tab]:
        from .permissions import has_perm

        return [t for t in self.tabs if not t.permission or has_perm(user, t.permission)]

    def add_tab(self, tab: Tab) -> None:
        """Later modules fill the detail page: ``record_type("customers").add_tab(...)``."""
        self.tabs[:] = [t for t in self.tabs if t.key != tab.key]
        self.tabs.append(tab)
        self.tabs.sort(key=lambda t: t.order)

    def add_action(self, action: RecordAction) -> None:
        self.actions[:] = [a for a in self.actions if a.key != action.key]
        self.actions.append(action)
        self.actions.sort(key=lambda a: a.order)

    def visible_actions(self, user: Any, record: Any) -> list[tuple[RecordAction, str]]:
        """(action, url) pairs the header shows to ``user`` for ``record``."""
        from .permissions import has_perm

        return [
            (a, a.url(record))
            for a in self.actions
            if (not a.permission or has_perm(user, a.permission))
            and (a.when is None or a.when(user, record))
        ]

    def title_of(self, record: Any) -> str:
        return str(getattr(record, self.title_field, "") or record)


_types: dict[str, RecordType] = {}


def _check(rt: RecordType) -> None:
    if not (isinstance(rt.model, type) and issubclass(rt.model, Record)):
        raise ImproperlyConfigured(f"Record type {rt.key!r}: {rt.model} is not a Record.")
    if rt.import_destinations is not None and rt.bulk_import is None:
        raise ImproperlyConfigured(
            f"Record type {rt.key!r} declares import_destinations without bulk_import, "
            "which is what puts imported records there."
        )
    from .registry import registry

    if rt.key not in registry.modules:
        raise ImproperlyConfigured(
            f"Record type {rt.key!r} needs a permission module of the same key "
            "(registry.register_module) declared first."
        )
    names = [
        *rt.list_columns,
        *rt.form_fields(),
        *rt.header_fields,
        *(rt.filter_fields or ()),
        *(rt.sort_fields or ()),
        *rt.phone_rev_fields,
        *rt.import_match_fields,
        *rt.search_subtitle_fields,
        rt.title_field,
    ]
    if rt.number_field:
        names.append(rt.number_field)
    if rt.search_key_field:
        names.append(rt.search_key_field)
    for name in names:
        if name.startswith("cf_"):
            continue
        try:
            rt.model._meta.get_field(name.split("__")[0])
        except FieldDoesNotExist:
            raise ImproperlyConfigured(
                f"Record type {rt.key!r} names {name!r}, which {rt.model.__name__} lacks."
            ) from None


def register_record_type(rt: RecordType) -> RecordType:
    """Declare a record type; a mistake in the declaration fails at start-up."""
    existing = _types.get(rt.key)
    if existing is not None and existing.model is rt.model:
        return existing  # ready() ran twice: keep the first declaration (and its tabs)
    if existing is not None:
        raise ImproperlyConfigured(f"Record type key {rt.key!r} is taken by {existing.model}.")
    _check(rt)
    _types[rt.key] = rt
    return rt


def record_types() -> list[RecordType]:
    return sorted(_types.values(), key=lambda rt: (rt.order, rt.key))


def record_type(key: str) -> RecordType:
    try:
        return _types[key]
    except KeyError:
        raise LookupError(f"No record type {key!r}") from None


def record_type_for(model: type[models.Model]) -> RecordType | None:
    concrete = model._meta.concrete_model or model
    for rt in _types.values():
        if rt.model is model or rt.model is concrete:
            return rt
    return None
