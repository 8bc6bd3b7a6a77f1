"""GET /api/v1/search/?q=&types=customers,contacts: the global search for API clients, with
the page's rules (scope, ``<key>.view``, field policy on matching and display)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .search import search
from .search_views import MAX_QUERY_LENGTH

_HIT = inline_serializer(
    "SearchHit",
    {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "subtitle": serializers.CharField(),
        "url": serializers.CharField(allow_null=True),
    },
)
_RESULT = inline_serializer(
    "SearchResult",
    {"results": serializers.DictField(child=serializers.ListField(child=_HIT))},
)


class SearchView(APIView):
    """Records matching ``q`` grouped by record type (only types with matches)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="search",
        summary="Global search",
        description=(
            "Name, number, phone (or its last 4+ digits), e-mail and pinyin (full spelling, "
            "initials, abbreviation) of every record the user may see, grouped by type; "
            "`limit` records per type (default 5, at most 50)."
        ),
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            OpenApiParameter("types", OpenApiTypes.STR, description="Comma-separated type keys."),
            OpenApiParameter("limit", OpenApiTypes.INT),
        ],
        responses=_RESULT,
        tags=["search"],
    )
    def get(self, request: Request) -> Response:
        query = (request.query_params.get("q") or "").strip()[:MAX_QUERY_LENGTH]
        keys = [k for k in (request.query_params.get("types") or "").split(",") if k]
        try:
            limit = min(max(int(request.query_params.get("limit", 5)), 1), 50)
        except ValueError:
            limit = 5
        groups = search(request.user, query, keys=keys or None, limit=limit)
        return Response(
            {
                "results": {
                    g.key: [
                        {"id": h.id, "title": h.title, "subtitle": h.subtitle, "url": h.url}
                        for h in g.hits
                    ]
                    for g in groups
                }
            }
        )


routes: list = []
views = [("search/", SearchView.as_view(), "api-search")]
