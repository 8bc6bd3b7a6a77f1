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
    prev_cursor: str | None = None


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


def _after(column: str, descending: bool, value: Any, pk: int, nullable: bool = True) -> Q:
    """Rows after (value, pk) in the order ``column`` (NULLs last), then id the same way.

    The non-NULL part is bounded (``column <= value AND (...)``): with the OR alone
    PostgreSQL cannot use the (column, id) index as a range and a deep page at 1,000,000 rows
    took seconds instead of milliseconds (bench/RESULTS.md, "OR-only cursor")."""
    beyond = "lt" if descending else "gt"
    id_after = Q(**{f"pk__{beyond}": pk})
    if value is None:
        return Q(**{f"{column}__isnull": True}) & id_after
    bound = "lte" if descending else "gte"
    rest = Q(**{f"{column}__{bound}": value}) & (
        Q(**{f"{column}__{beyond}": value}) | (Q(**{column: value}) & id_after)
    )
    return rest | Q(**{f"{column}__isnull": True}) if nullable else rest


def _before(column: str, descending: bool, value: Any, pk: int) -> Q:
    """Rows before (value, pk) in the order of ``_after``: the mirror image, NULLs last,
    bounded the same way (the OR alone made a previous page at 90 % depth take 190 ms)."""
    short = "gt" if descending else "lt"
    id_before = Q(**{f"pk__{short}": pk})
    if value is None:
        return Q(**{f"{column}__isnull": False}) | (Q(**{f"{column}__isnull": True}) & id_before)
    bound = "gte" if descending else "lte"
    return Q(**{f"{column}__{bound}": value}) & (
        Q(**{f"{column}__{short}": value}) | (Q(**{column: value}) & id_before)
    )


def _nullable(qs: QuerySet, column: str) -> bool:
    return qs.model._meta.get_field(column).null


def ordered(qs: QuerySet, column: str, descending: bool) -> QuerySet:
    """``qs`` in the list's order. A NOT NULL column gets a plain ASC / DESC: PostgreSQL uses
    a (column DESC, id DESC) index only for ``DESC NULLS FIRST`` (its default), so spelling
    out ``NULLS LAST`` there made the first page of a million rows a full sort (1.2-5.7 s,
    bench/RESULTS.md); for such a column the NULL placement changes nothing."""
    if not _nullable(qs, column):
        return qs.order_by(f"-{column}", "-pk") if descending else qs.order_by(column, "pk")
    if descending:
        return qs.order_by(F(column).desc(nulls_last=True), "-pk")
    return qs.order_by(F(column).asc(nulls_last=True), "pk")


def _reversed(qs: QuerySet, column: str, descending: bool) -> QuerySet:
    """The mirror order of ``ordered`` (NULLs first), read backwards for a previous page."""
    if not _nullable(qs, column):
        return qs.order_by(column, "pk") if descending else qs.order_by(f"-{column}", "-pk")
    if descending:
        return qs.order_by(F(column).asc(nulls_first=True), "pk")
    return qs.order_by(F(column).desc(nulls_first=True), "-pk")


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
    before: str | None = None,
) -> Page:
    """One page of ``qs`` in the requested order, starting after ``cursor`` (or ending just
    before ``before``, for the previous page). ``prev_cursor`` is set when rows precede it."""
    name, descending = sort_of(rt, sort)
    column = _column(rt, name)
    sort_key = ("-" if descending else "") + name
    if before:
        value, pk = decode_cursor(rt, name, before)
        back = _reversed(qs.filter(_before(column, descending, value, pk)), column, descending)
        rows = list(back[: size + 1])
        has_prev = len(rows) > size
        rows = list(reversed(rows[:size]))
        first, last = (rows[0], rows[-1]) if rows else (None, None)
        return Page(
            rows=rows,
            next_cursor=encode_cursor(getattr(last, column), last.pk) if last else None,
            sort=sort_key,
            prev_cursor=(
                encode_cursor(getattr(first, column), first.pk) if has_prev and first else None
            ),
        )
    if cursor:
        value, pk = decode_cursor(rt, name, cursor)
        nullable = rt.model_field(name).null
        qs = qs.filter(_after(column, descending, value, pk, nullable))
    rows = list(ordered(qs, column, descending)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, column), last.pk)
    prev_cursor = None
    if cursor and rows:
        prev_cursor = encode_cursor(getattr(rows[0], column), rows[0].pk)
    return Page(rows=rows, next_cursor=next_cursor, sort=sort_key, prev_cursor=prev_cursor)


#: The list shows "20 of 1,000+" beyond this many rows rather than counting them all.
COUNT_LIMIT = 1000


def bounded_count(qs: QuerySet, limit: int | None = None) -> tuple[int, bool]:
    """(rows, more) counting at most ``limit`` + 1 ids in a LIMIT-ed subquery, so a huge
    list costs no more than a small one; ``more`` says the true number is above ``limit``."""
    limit = COUNT_LIMIT if limit is None else limit
    counted = qs.order_by().values("pk")[: limit + 1].count()
    return min(counted, limit), counted > limit
