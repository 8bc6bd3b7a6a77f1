"""Operation permissions (ORG-04, ORG-07): what a user may do, per module and action.

A user's rights are the union of their roles' permission codes ("customers.transfer") and
their personal grants. The Super administrator role holds every right. The answer is computed
once per request object and kept on the user instance.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied

from .registry import registry

_CACHE_ATTR = "_huike_permission_cache"


class UserRights:
    """The roles-derived facts about a user the permission and scope checks need."""

    def __init__(self, user: Any) -> None:
        roles = list(user.roles.all()) if user.is_authenticated and user.is_active else []
        self.roles = roles
        self.is_superadmin = any(r.is_superadmin for r in roles)
        codes: set[str] = set()
        for role in roles:
            codes.update(role.permissions or [])
        if user.is_authenticated and user.is_active:
            codes.update(user.extra_permissions or [])
        self.codes = frozenset(codes)

    def has(self, code: str) -> bool:
        return self.is_superadmin or code in self.codes


def rights(user: Any) -> UserRights:
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = UserRights(user)
        if user.is_authenticated:
            setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop the cached rights, e.g. after the user's roles changed in this request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_perm(user: Any, code: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rights(user).has(code)


def is_superadmin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and rights(user).is_superadmin


def check_perm(user: Any, code: str) -> None:
    """Raise PermissionDenied (HTTP 403) unless the user holds ``code``."""
    if not has_perm(user, code):
        raise PermissionDenied(code)


def permission_required(code: str):
    """View decorator: 403 for a signed-in user without the right (login is checked first)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check_perm(request.user, code)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def validate_codes(codes: list[str]) -> list[str]:
    """Return the codes that do not name a registered module action."""
    known = registry.all_permission_codes()
    return [c for c in codes if c not in known]
