"""API list pages of registered record types, read exactly as the list pages read them.

DRF's ``CursorPagination`` keeps the position as the first ordering value plus an offset.
That loses or repeats rows when the sort column has NULLs or many ties (a walk by
``-next_contact_at`` stopped after two pages), and its ``DESC NULLS LAST`` question has no
index at a million rows. ``huike.core.listing.page`` already answers both: (value, id)
keyset cursors, NULLs last both ways, every order an index range. This class puts it behind
the API's ``{"next", "previous", "results"}`` shape; ``next`` carries ``cursor=``,
``previous`` carries ``before=``, as on the pages.
"""

from __future__ import annotations

from typing import Any

from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import listing
from .api import MAX_PAGE_SIZE

DEFAULT_PAGE_SIZE = 50


class RecordPagination(pagination.BasePagination):
    page_size = DEFAULT_PAGE_SIZE
    cursor_query_param = "cursor"
    before_query_param = "before"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None) -> list[Any]:
        self.request = request
        params = request.query_params
        # One sort column: the id always breaks ties, in the same direction (listing.page).
        sort = (params.get("ordering") or "-id").split(",")[0].strip()
        result = listing.page(
            view.record_type,
            queryset,
            sort,
            params.get(self.cursor_query_param),
            size=self._size(params),
            before=params.get(self.before_query_param),
        )
        self.next_cursor, self.prev_cursor = result.next_cursor, result.prev_cursor
        return result.rows

    def _size(self, params) -> int:
        try:
            size = int(params.get(self.page_size_query_param, self.page_size))
        except (TypeError, ValueError):
            return self.page_size
        return max(1, min(size, MAX_PAGE_SIZE))

    def _link(self, key: str, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        for param in (self.cursor_query_param, self.before_query_param):
            url = remove_query_param(url, param)
        return replace_query_param(url, key, cursor)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "next": self._link(self.cursor_query_param, self.next_cursor),
                "previous": self._link(self.before_query_param, self.prev_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        def param(name: str, kind: str, description: str) -> dict:
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": {"type": kind},
            }

        return [
            param(self.cursor_query_param, "string", "The page after this one (from `next`)."),
            param(self.before_query_param, "string", "The page before (from `previous`)."),
            param(self.page_size_query_param, "integer", f"Rows a page, at most {MAX_PAGE_SIZE}."),
        ]
