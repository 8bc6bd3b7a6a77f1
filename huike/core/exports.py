"""Generic export of every registered record type (PLT-08): the rows the user sees in a
list (scope, filters, search, scene or selected ids), the columns they may see (hidden fields
left out, masked values masked), as XLSX or CSV. Rows are streamed from the database in
chunks, so the memory used does not grow with the list."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import custom_fields, dictionaries, scopes
from .errors import DomainError
from .fields import FieldPolicy, policy
from .filtering import apply_filters
from .permissions import check_perm
from .record_types import RecordType
from .search import narrow
from .tabular import iter_csv, write_xlsx

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Column:
    name: str  # model field name or cf_<code>
    label: str


def export_columns(rt: RecordType, user: Any, wanted: list[str] | None = None) -> list[Column]:
    """The columns the user may export: every listable field then the enabled custom fields
    (or those of ``wanted`` in its order), without the fields hidden from them."""
    rules = policy(user, rt.model)
    available: dict[str, str] = {}
    for name in rt.listable_fields():
        available[name] = str(rt.model_field(name).verbose_name)
    for cf in custom_fields.fields_for(rt.module):
        available[f"cf_{cf.code}"] = str(cf.label)
    names = [n for n in (wanted or available) if n in available]
    return [Column(n, available[n]) for n in names if not rules.is_hidden(n)]


def export_queryset(rt: RecordType, user: Any, params: Mapping[str, Any]) -> models.QuerySet:
    """The visible records the list shows for ``params`` (or the selected ``ids``)."""
    qs = scopes.visible(user, rt.model)
    scene = params.get("scene")
    if scene:
        try:
            from . import scenes  # written by the list-page concern

            qs = scenes.apply_scene(rt, qs, scene, user)  # type: ignore[attr-defined]
        except (ImportError, AttributeError):
            pass
    qs = apply_filters(rt, qs, params, user)
    q = (params.get("q") or "").strip()
    if q:
        qs = narrow(rt, qs, q, user=user)
    ids = params.getlist("ids") if hasattr(params, "getlist") else params.get("ids") or []
    ids = [int(i) for raw in ids for i in str(raw).split(",") if i.strip().isdigit()]
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("-pk")


def _cell(rt: RecordType, column: Column, record: Any, rules: FieldPolicy, names: Any) -> Any:
    if column.name.startswith("cf_"):
        cf = custom_fields.field_by_code(rt.module, column.name[3:])
        if cf is None:  # disabled or removed since the columns were chosen
            return ""
        value = custom_fields.export_value(cf, (record.custom_data or {}).get(cf.code), names)
    else:
        f = rt.model_field(column.name)
        value = getattr(record, column.name)
        if value is None:
            value = ""
        elif isinstance(f, dictionaries.DictionaryField):
            value = dictionaries.labels(f.dictionary).get(value, value)
        elif f.choices:
            value = str(dict(f.flatchoices).get(value, value))
        elif f.is_relation:
            value = str(value)
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
    if rules.is_masked(column.name, in_list=True) and value != "":
        return rules.display(column.name, str(value), in_list=True)
    return value


def export_rows(
    rt: RecordType, user: Any, qs: models.QuerySet, columns: list[Column]
) -> Iterator[list]:
    """One list of cells per record, read ``CHUNK_SIZE`` records at a time."""
    rules = policy(user, rt.model)
    relations = [
        c.name
        for c in columns
        if not c.name.startswith("cf_") and rt.model_field(c.name).is_relation
    ]
    cfs = [
        custom_fields.field_by_code(rt.module, c.name[3:])
        for c in columns
        if c.name.startswith("cf_")
    ]
    qs = qs.select_related(*relations)
    chunk: list[Any] = []
    for record in qs.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(record)
        if len(chunk) >= CHUNK_SIZE:
            yield from _chunk_rows(rt, chunk, columns, rules, cfs)
            chunk = []
    yield from _chunk_rows(rt, chunk, columns, rules, cfs)


def _chunk_rows(rt, chunk, columns, rules, cfs) -> Iterator[list]:
    if not chunk:
        return
    names = custom_fields.Names.load(cfs, [r.custom_data for r in chunk]) if cfs else None
    for record in chunk:
        yield [_cell(rt, c, record, rules, names) for c in columns]


def file_name(rt: RecordType, fmt: str) -> str:
    return f"{rt.label_plural}-{timezone.localdate():%Y%m%d}.{fmt}"


def export_response(rt: RecordType, user: Any, params: Mapping[str, Any]):
    """The download: ``format=xlsx`` (default) or ``csv``; needs ``<type>.export``."""
    check_perm(user, rt.perm("export"))
    fmt = params.get("format") or "xlsx"
    if fmt not in ("xlsx", "csv"):
        raise DomainError(_("Choose XLSX or CSV."), field="format")
    wanted = (
        [c for raw in params.getlist("columns") for c in raw.split(",") if c]
        if hasattr(params, "getlist")
        else None
    )
    columns = export_columns(rt, user, wanted or None)
    qs = export_queryset(rt, user, params)
    headers = [c.label for c in columns]
    rows = export_rows(rt, user, qs, columns)
    name = file_name(rt, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(iter_csv(headers, rows), content_type="text/csv")
        response["Content-Disposition"] = _disposition(name)
        return response
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(spool, headers, rows, sheet_name=str(rt.label_plural))
    spool.seek(0)
    response = FileResponse(
        spool,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _disposition(name)
    return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return (
        f"attachment; filename=\"export.{name.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(name)}"
    )
