"""The rows a list page shows: scope, filters, text search, a whitelisted sort and keyset
pagination. Keyset (sort value, id) rather than OFFSET/COUNT keeps every page cheap on big
tables, and nullable sort columns put their NULLs last in both directions."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from . import filtering, scenes, scopes, search
from .errors import DomainError
from .record_types import RecordType

DEFAULT_SORT = "-updated_at"
PAGE_SIZE = 20


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None
    sort: str


def sort_of(rt: RecordType, raw: str | None) -> tuple[str, bool]:
    """(field name, descending) for ``sort=field`` / ``sort=-field``; refuses fields the type
    does not declare sortable, so a URL cannot sort on (and so probe) anything else."""
    raw = (raw or DEFAULT_SORT).strip()
    descending = raw.startswith("-")
    name = raw.lstrip("-")
    if name not in rt.sortable_fields():
        raise DomainError(
            _("The list cannot be sorted by “%(field)s”.") % {"field": name},
            code="invalid_sort",
            field="sort",
        )
    return name, descending


def _column(rt: RecordType, name: str) -> str:
    field = rt.model_field(name)
    return field.attname if isinstance(field, models.ForeignKey) else name


def encode_cursor(value: Any, pk: int) -> str:
    raw = json.dumps([None if value is None else str(value), pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(rt: RecordType, name: str, cursor: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        field = rt.model_field(name)
        value = None if text is None else field.to_python(text)
        return value, int(pk)
    except Exception as exc:
        raise DomainError(
            _("This page link is out of date; start again."), code="bad_cursor"
        ) from exc


def _after(column: str, descending: bool, value: Any, pk: int) -> Q:
    """Rows after (value, pk) in the order ``column`` (NULLs last), then id the same way."""
    beyond = "lt" if descending else "gt"
    id_after = Q(**{f"pk__{beyond}": pk})
    if value is None:
        return Q(**{f"{column}__isnull": True}) & id_after
    return (
        Q(**{f"{column}__{beyond}": value})
        | (Q(**{column: value}) & id_after)
        | Q(**{f"{column}__isnull": True})
    )


def ordered(qs: QuerySet, column: str, descending: bool) -> QuerySet:
    if descending:
        return qs.order_by(F(column).desc(nulls_last=True), "-pk")
    return qs.order_by(F(column).asc(nulls_last=True), "pk")


def base_queryset(rt: RecordType, user: Any, params: Mapping[str, Any]) -> QuerySet:
    """Visible records narrowed by the system scene, filters and ``q`` of ``params``."""
    qs = scopes.visible(user, rt.model).select_related(*rt.select_related)
    qs = scenes.apply_scene(rt, qs, params.get("scene"), user)
    qs = filtering.apply_filters(rt, qs, params, user)
    q = (params.get("q") or "").strip()
    if q:
        qs = search.narrow(rt, qs, q, user=user)
    return qs


def page(
    rt: RecordType,
    qs: QuerySet,
    sort: str | None,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of ``qs`` in the requested order, starting after ``cursor``."""
    name, descending = sort_of(rt, sort)
    column = _column(rt, name)
    if cursor:
        value, pk = decode_cursor(rt, name, cursor)
        qs = qs.filter(_after(column, descending, value, pk))
    rows = list(ordered(qs, column, descending)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, column), last.pk)
    return Page(rows=rows, next_cursor=next_cursor, sort=("-" if descending else "") + name)
