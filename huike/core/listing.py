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
from django.db.models import Q, QuerySet
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
    if name not in rt.sortable_fields() and name != "id":  # id: the API's default order
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


def _beyond(column: str, descending: bool, value: Any, pk: int, *, back: bool = False) -> Q:
    """Rows with a value after (value, pk) in the order (column, id) — before it for
    ``back`` — NULLs excluded. Bounded (``column <= value AND (...)``): with the OR alone
    PostgreSQL cannot read the (column, id) index as a range, and a deep page at 1,000,000
    rows took seconds instead of milliseconds (bench/RESULTS.md, "OR-only cursor")."""
    later = descending == back  # the values that come next are the larger ones
    strict, bound = ("gt", "gte") if later else ("lt", "lte")
    return Q(**{f"{column}__{bound}": value}) & (
        Q(**{f"{column}__{strict}": value}) | (Q(**{column: value}) & Q(**{f"pk__{strict}": pk}))
    )


def _in_order(qs: QuerySet, column: str, descending: bool) -> QuerySet:
    return qs.order_by(f"-{column}", "-pk") if descending else qs.order_by(column, "pk")


def _by_id(qs: QuerySet, descending: bool) -> QuerySet:
    return qs.order_by("-pk" if descending else "pk")


def ordered(qs: QuerySet, column: str, descending: bool) -> QuerySet:
    """``qs`` in the order of a NOT NULL ``column`` (then id, the same way) as one query, for
    pickers and exports; lists use ``page``, which also handles nullable columns."""
    return _in_order(qs, column, descending)


def _segments(
    qs: QuerySet, column: str, descending: bool, nullable: bool, cursor: Any, back: bool
) -> list[QuerySet]:
    """The queries that read the rows after ``cursor`` ((value, pk), or None for the start),
    in the list's order — or, for ``back``, the rows before it, nearest first.

    The order is (column, id) with NULLs last in both directions. No index of PostgreSQL or
    SQLite can deliver that for a nullable column in one piece (PostgreSQL indexes put NULLs
    last ascending, SQLite first), so the rows with a value and those without are read as two
    segments, each a plain range of the (column, id) index: the descending next-contact list
    took 0.8 s at 1,000,000 rows as one ``DESC NULLS LAST`` query. The second segment is read
    only when the first does not fill the page."""
    step = descending != back  # the direction this read walks in
    if cursor is None:
        if not nullable:
            return [_in_order(qs, column, step)]
        return [
            _in_order(qs.filter(**{f"{column}__isnull": False}), column, step),
            _by_id(qs.filter(**{f"{column}__isnull": True}), step),
        ]
    value, pk = cursor
    if value is None:  # inside the NULL segment
        id_q = Q(**{f"pk__{'lt' if step else 'gt'}": pk})
        nulls = _by_id(qs.filter(Q(**{f"{column}__isnull": True}) & id_q), step)
        if not back:
            return [nulls]
        return [nulls, _in_order(qs.filter(**{f"{column}__isnull": False}), column, step)]
    values = _in_order(qs.filter(_beyond(column, descending, value, pk, back=back)), column, step)
    if back or not nullable:
        return [values]
    return [values, _by_id(qs.filter(**{f"{column}__isnull": True}), step)]


def _read(segments: list[QuerySet], limit: int) -> list[Any]:
    rows: list[Any] = []
    for segment in segments:
        rows += list(segment[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows


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
    nullable = rt.model_field(name).null

    def cursor_of(row: Any) -> str:
        return encode_cursor(getattr(row, column), row.pk)

    if before:
        back_from = decode_cursor(rt, name, before)
        rows = _read(_segments(qs, column, descending, nullable, back_from, back=True), size + 1)
        has_prev = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(
            rows=rows,
            next_cursor=cursor_of(rows[-1]) if rows else None,
            sort=sort_key,
            prev_cursor=cursor_of(rows[0]) if has_prev and rows else None,
        )
    position = decode_cursor(rt, name, cursor) if cursor else None
    rows = _read(_segments(qs, column, descending, nullable, position, back=False), size + 1)
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = cursor_of(rows[-1])
    prev_cursor = cursor_of(rows[0]) if cursor and rows else None
    return Page(rows=rows, next_cursor=next_cursor, sort=sort_key, prev_cursor=prev_cursor)


#: The list shows "20 of 1,000+" beyond this many rows rather than counting them all.
COUNT_LIMIT = 1000


def bounded_count(qs: QuerySet, limit: int | None = None) -> tuple[int, bool]:
    """(rows, more) counting at most ``limit`` + 1 ids in a LIMIT-ed subquery, so a huge
    list costs no more than a small one; ``more`` says the true number is above ``limit``."""
    limit = COUNT_LIMIT if limit is None else limit
    counted = qs.order_by().values("pk")[: limit + 1].count()
    return min(counted, limit), counted > limit
