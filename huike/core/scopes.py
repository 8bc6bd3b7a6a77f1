"""Data scopes (ORG-05): the single source of which records a user may see.

Lists, detail pages, search, counts, dashboards, exports, the API and pickers all start from
``visible(user, Model)``. A role gives each module one scope; with several roles the union
wins, so "self and subordinates" plus "own department" sees both sets. Team members and shares
come in through scope extensions registered by the modules that own them.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .permissions import rights
from .registry import registry


class Scope(models.TextChoices):
    SELF = "self", _("Self")
    SUBORDINATES = "subordinates", _("Self and subordinates")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_TREE = "department_tree", _("Own department and sub-departments")
    ALL = "all", _("All")


def scopes_for(user: Any, module: str) -> set[str]:
    """The scope kinds the user's roles give for ``module`` (empty = no view right)."""
    r = rights(user)
    if r.is_superadmin:
        return {Scope.ALL}
    if not r.has(f"{module}.view"):
        return set()
    found = {(role.data_scopes or {}).get(module) for role in r.roles}
    found.discard(None)
    # A view right from a personal grant with no role scope sees the user's own records.
    return found or {Scope.SELF}


def owner_q(user: Any, scope: str, owner_field: str) -> Q:
    """Rows whose owner falls inside ``scope`` as seen from ``user``."""
    from huike.org.services import subordinate_ids

    if scope == Scope.ALL:
        return Q()
    if scope == Scope.SELF:
        return Q(**{owner_field: user.pk})
    if scope == Scope.SUBORDINATES:
        return Q(**{f"{owner_field}__in": [user.pk, *subordinate_ids(user)]})
    if scope == Scope.DEPARTMENT:
        if user.department_id is None:
            return Q(**{owner_field: user.pk})
        return Q(**{f"{owner_field}__department_id": user.department_id})
    if scope == Scope.DEPARTMENT_TREE:
        if user.department_id is None:
            return Q(**{owner_field: user.pk})
        prefix = user.department.path
        return Q(**{f"{owner_field}__department__path__startswith": prefix})
    raise ValueError(f"unknown data scope {scope!r}")


def visible_q(user: Any, model: type[models.Model]) -> Q | None:
    """The filter for rows of ``model`` the user may see; None means nothing at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    entry = registry.scoped(model)
    kinds = scopes_for(user, entry.module)
    if Scope.ALL in kinds:
        return Q()
    q = Q(pk__in=[])
    for kind in kinds:
        q |= owner_q(user, kind, entry.owner_field)
    for extension in entry.extensions:
        q |= extension(user)
    if not kinds and not entry.extensions:
        return None
    return q


def visible(user: Any, model: type[models.Model], queryset: QuerySet | None = None) -> QuerySet:
    """Rows of ``model`` (or of ``queryset``) that ``user`` may see."""
    qs = queryset if queryset is not None else model._default_manager.all()
    q = visible_q(user, model)
    if q is None:
        return qs.none()
    return qs.filter(q) if q else qs


def get_visible_or_404(user: Any, model: type[models.Model], **lookup: Any) -> Any:
    """One visible record; a missing and an invisible record give the same 404."""
    from django.http import Http404

    try:
        return visible(user, model).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
