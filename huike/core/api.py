"""API conventions shared by every endpoint (ARCHITECTURE.md, "Fixed interfaces")."""

from __future__ import annotations

from rest_framework import pagination
from rest_framework.views import exception_handler as drf_exception_handler


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


def exception_handler(exc, context):
    return drf_exception_handler(exc, context)
