"""Operation permissions (ORG-04, ORG-07): what a user may do, per module and action.

A user's rights are the union of their roles' permission codes ("customers.transfer") and
their personal grants. The Super administrator role holds every right. A disabled user holds
none. The answer is computed once per user object (in practice: once per request, because
every request loads its own ``request.user``) and kept on that instance; ``forget()`` drops it
when the roles change while the object is still in use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models.signals import m2m_changed

from .registry import registry

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

_CACHE_ATTR = "_huike_permission_cache"
#: Other per-user-object caches derived from the organisation (see huike.org.services).
_DERIVED_ATTRS = ("_huike_subordinates", "_huike_department_tree")


def _is_active_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(
        getattr(user, "is_active", False)
    )


class UserRights:
    """The roles-derived facts about a user the permission, scope and field checks need."""

    def __init__(self, user: Any) -> None:
        active = _is_active_user(user)
        self.roles: list[Any] = list(user.roles.all()) if active else []
        self.is_superadmin = any(r.is_superadmin for r in self.roles)
        #: Per-user grants (ORG-07); a personal "x.view" sees the user's own records.
        self.personal: frozenset[str] = frozenset((user.extra_permissions or []) if active else [])
        codes: set[str] = set(self.personal)
        for role in self.roles:
            codes.update(role.permissions or [])
        self.codes = frozenset(codes)
        #: fields.policy() results per module, so a list page computes them once.
        self.field_policies: dict[str, Any] = {}

    def has(self, code: str) -> bool:
        return self.is_superadmin or code in self.codes

    def roles_granting(self, code: str) -> list[Any]:
        """The roles that hold ``code`` themselves (a personal grant is not a role)."""
        return [r for r in self.roles if code in (r.permissions or [])]


def rights(user: Any) -> UserRights:
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = UserRights(user)
        if getattr(user, "is_authenticated", False):
            setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop everything cached on this user object (rights, subordinates), e.g. after the
    user's roles or supervisor changed while the object is still in use."""
    for attr in (_CACHE_ATTR, *_DERIVED_ATTRS):
        if attr in getattr(user, "__dict__", {}):
            delattr(user, attr)


def _forget_on_m2m_change(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    # ``user.roles.add/remove/set/clear`` on an object whose rights are cached: drop them, so
    # the next check on this object cannot answer from the old roles.
    if action.startswith("post_") and _CACHE_ATTR in getattr(instance, "__dict__", {}):
        forget(instance)


m2m_changed.connect(_forget_on_m2m_change, dispatch_uid="huike.core.permissions.forget")


def has_perm(user: Any, code: str) -> bool:
    if not _is_active_user(user):
        return False
    return rights(user).has(code)


def is_superadmin(user: Any) -> bool:
    return _is_active_user(user) and rights(user).is_superadmin


def check_perm(user: Any, code: str) -> None:
    """Raise PermissionDenied (HTTP 403) unless the user holds ``code``."""
    if not has_perm(user, code):
        raise PermissionDenied(code)


def permission_required(code: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: 403 for a signed-in user without the right (login is checked first)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
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
