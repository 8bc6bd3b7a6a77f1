"""API conventions shared by every endpoint (ARCHITECTURE.md, "Fixed interfaces").

Every module's ``api.py`` builds on these pieces so that all endpoints answer alike:

- ``CursorPagination`` and ``OrderingFilter``: keyset pages ``{"next", "previous", "results"}``
  with a stable order (the primary key breaks ties), ``page_size`` capped at 200;
- ``ModulePermission`` (used by ``huike.core.viewsets``): the same permission codes as the
  pages ("customers.view", "departments.create", ...), checked per action before any input is read,
  so a user without the right gets 403 whatever they send;
- ``exception_handler``: every error is JSON, ``{"detail", "code"}``, validation errors keep
  DRF's ``{"field": ["message"]}`` shape, and a service's ``DomainError`` becomes 400/409;
- throttles that read their rates when a request comes in (DRF's own read them once at
  import), so the rates follow the settings, including ``override_settings`` in tests.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, filters, pagination, permissions, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .errors import DomainError
from .permissions import has_perm
from .registry import registry

MAX_PAGE_SIZE = 200


# -- lists -----------------------------------------------------------------------------------
class CursorPagination(pagination.CursorPagination):
    """Keyset pages: no COUNT(*), stable under inserts, cheap at any depth."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=name,-id`` restricted to the view's ``ordering_fields``; the primary key is
    appended as a tie-breaker so that equal values never swap places between pages."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ["-id"])
        if not any(term.lstrip("-") in {"id", "pk"} for term in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return tuple(ordering)


# -- permissions -----------------------------------------------------------------------------
#: The permission action each standard viewset action needs.
STANDARD_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "create",
    "update": "edit",
    "partial_update": "edit",
    "destroy": "delete",
}


class ModulePermission(permissions.BasePermission):
    """The page's permission codes, per action: ``<permission_module>.<action>``.

    A viewset names its module in ``permission_module`` and maps its extra business actions
    in ``action_permissions`` ({"move": "edit"}). An action mapped to nobody is refused, so a
    new endpoint cannot be left open by forgetting to declare its right.
    """

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        code = view.required_permission()
        if code is None:
            return True
        if not has_perm(request.user, code):
            raise DjangoPermissionDenied(code)
        return True


# -- throttles -------------------------------------------------------------------------------
class _RatesFromSettings:
    """Read the rate from the settings at request time, not at import time."""

    scope: str | None

    def get_rate(self):
        if not getattr(self, "scope", None):
            raise ImproperlyConfigured(f"{type(self).__name__} has no scope.")
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"No rate for throttle scope {self.scope!r} in DEFAULT_THROTTLE_RATES."
            ) from None


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_RatesFromSettings, throttling.ScopedRateThrottle):
    pass


# -- errors ----------------------------------------------------------------------------------
def set_rollback() -> None:
    # rest_framework.views imports this module (through the settings), so not at the top.
    from rest_framework.views import set_rollback as drf_set_rollback

    drf_set_rollback()


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def _error(detail: Any, code: str, status: int, headers: dict | None = None) -> Response:
    set_rollback()
    return Response({"detail": detail, "code": code}, status=status, headers=headers)


def exception_handler(exc, context):
    """Every API error as JSON: ``{"detail": "...", "code": "..."}``; validation errors as
    ``{"field": ["message"]}``; a domain error naming a field as both."""
    if isinstance(exc, DomainError):
        set_rollback()
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        # A service may report several fields at once (``errors``: {field or None: [...]}).
        per_field = getattr(exc, "errors", None) or {exc.field: [exc.message]}
        for field, messages in per_field.items():
            if field:
                body[field] = [str(m) for m in messages]
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoPermissionDenied):
        # check_perm raises with the missing code ("users.edit"); services may raise with a
        # sentence that tells the user why instead.
        reason = str(exc.args[0]) if exc.args else ""
        body = {
            "detail": _("You do not have permission to perform this action."),
            "code": "permission_denied",
        }
        if reason in registry.all_permission_codes():
            body["permission"] = reason
        elif reason:
            body["detail"] = reason
        set_rollback()
        return Response(body, status=403)
    if isinstance(exc, Http404):
        # Django's message names the model ("No User matches..."): say no more than "not found".
        return _error(_("Not found."), "not_found", 404)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=400)
        return Response({"non_field_errors": exc.messages}, status=400)
    if isinstance(exc, exceptions.ValidationError):
        set_rollback()
        detail = exc.detail
        if not isinstance(detail, dict):
            detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
        return Response(detail, status=exc.status_code)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail
        if isinstance(detail, dict) and "detail" in detail:
            set_rollback()
            return Response(
                {**detail, "code": detail.get("code") or _code_of(exc)},
                status=exc.status_code,
                headers=headers,
            )
        if isinstance(detail, (list, dict)):
            set_rollback()
            return Response(detail, status=exc.status_code, headers=headers)
        return _error(str(detail), _code_of(exc), exc.status_code, headers)
    return None


def not_found(request, *args, **kwargs):
    """A URL under /api/v1/ that names no endpoint: JSON, like every other API error."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
