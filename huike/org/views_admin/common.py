"""Small helpers every administration page shares: rights flags, pagination, errors."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from huike.core.permissions import has_perm

#: Rows per page of the administration lists.
PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


def flags(user: Any, **codes: str) -> dict[str, bool]:
    """{"create": True, ...}: which buttons the template may show this user."""
    return {name: has_perm(user, code) for name, code in codes.items()}


def page_of(request: Any, queryset: QuerySet, per_page: int = PAGE_SIZE) -> Page:
    """Numbered pages, for the short administration lists (users, roles, sessions)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@dataclass
class KeysetPage:
    """One page of a log, newest first, with opaque cursors to the neighbouring pages.

    Logs grow without bound, so they page by position (created_at, id) rather than with
    OFFSET and COUNT(*): every page costs the same however deep it is.
    """

    rows: list
    older: str | None
    newer: str | None
    is_first: bool


def _encode(row: Any) -> str:
    raw = f"{row.created_at.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _sep, pk = raw.partition("|")
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            return None
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def keyset_page(request: Any, queryset: QuerySet, size: int = LOG_PAGE_SIZE) -> KeysetPage:
    newer = _decode(request.GET.get("newer"))
    older = _decode(request.GET.get("older"))
    if newer:
        moment, pk = newer
        rows = list(
            queryset.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk)).order_by(
                "created_at", "pk"
            )[: size + 1]
        )
        has_newer, has_older = len(rows) > size, True
        rows = rows[:size]
        rows.reverse()
    else:
        if older:
            moment, pk = older
            queryset = queryset.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
        rows = list(queryset.order_by("-created_at", "-pk")[: size + 1])
        has_newer, has_older = bool(older), len(rows) > size
        rows = rows[:size]
    return KeysetPage(
        rows=rows,
        older=_encode(rows[-1]) if rows and has_older else None,
        newer=_encode(rows[0]) if rows and has_newer else None,
        is_first=not (older or newer),
    )
