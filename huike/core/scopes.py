"""Data scopes (ORG-05): the single source of which records a user may see.

Lists, detail pages, search, counts, dashboards, exports, the API and pickers all start from
``visible(user, Model)``. Each role that grants "<module>.view" gives the module one scope;
with several roles the union wins, so "self and subordinates" plus "own department" sees both
sets. Team members and shares come in through scope extensions registered by the modules that
own them. Without the view right a user sees nothing, extensions included.

Cost: the filter is part of the listing's own SQL. The only extra query is the supervisor
chain for "self and subordinates" (one recursive CTE, cached on the user object); the
department subtree is a sub-select, so it needs no query of its own.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from .permissions import rights
from .registry import registry


class Scope(models.TextChoices):
    SELF = "self", _("Self")
    SUBORDINATES = "subordinates", _("Self and subordinates")
    DEPARTMENT = "department", _("Own department")
    DEPARTMENT_TREE = "department_tree", _("Own department and sub-departments")
    ALL = "all", _("All")


#: Scope -> the narrower scopes it already contains. A user's own records are inside their
#: own department (and, without a department, "department" falls back to "self").
_CONTAINS: dict[str, set[str]] = {
    Scope.ALL: set(Scope.values) - {Scope.ALL},
    Scope.DEPARTMENT_TREE: {Scope.DEPARTMENT, Scope.SELF},
    Scope.DEPARTMENT: {Scope.SELF},
    Scope.SUBORDINATES: {Scope.SELF},
    Scope.SELF: set(),
}


def _widest(kinds: set[str]) -> set[str]:
    """Drop the kinds another kind in the set already covers: fewer OR branches in the SQL."""
    covered: set[str] = set()
    for kind in kinds:
        covered |= _CONTAINS[kind]
    return kinds - covered


def scopes_for(user: Any, module: str) -> set[str]:
    """The scope kinds the user's roles give for ``module`` (empty = no view right).

    Only roles that grant "<module>.view" contribute: a scope left in a role without the view
    right does not widen anything. A role with the right but no (or an unknown) scope, and a
    personal "<module>.view" grant, give "self" — the narrowest sensible answer.
    """
    r = rights(user)
    if r.is_superadmin:
        return {Scope.ALL.value}
    code = f"{module}.view"
    if not r.has(code):
        return set()
    kinds: set[str] = set()
    for role in r.roles_granting(code):
        kind = (role.data_scopes or {}).get(module)
        kinds.add(kind if kind in _CONTAINS else Scope.SELF.value)
    if code in r.personal:
        kinds.add(Scope.SELF.value)
    return _widest(kinds)


def owner_q(user: Any, scope: str, owner_field: str) -> Q:
    """Rows whose owner falls inside ``scope`` as seen from ``user``."""
    from huike.org.services import department_tree_member_ids, subordinate_ids

    if scope == Scope.ALL:
        return Q()
    if scope == Scope.SELF:
        return Q(**{owner_field: user.pk})
    if scope == Scope.SUBORDINATES:
        return Q(**{f"{owner_field}__in": [user.pk, *subordinate_ids(user)]})
    if scope in (Scope.DEPARTMENT, Scope.DEPARTMENT_TREE) and user.department_id is None:
        # No department: nobody shares it, so the user sees their own records only.
        return Q(**{owner_field: user.pk})
    if scope == Scope.DEPARTMENT:
        return Q(**{f"{owner_field}__department_id": user.department_id})
    if scope == Scope.DEPARTMENT_TREE:
        # Owner ids first (one small query, cached on the user object): the planner then
        # knows how many owners the list spans (see ``department_tree_member_ids``).
        return Q(**{f"{owner_field}__in": department_tree_member_ids(user)})
    raise ValueError(f"unknown data scope {scope!r}")


def _spans_many(model: type[models.Model], q: Q) -> bool:
    """Whether ``q`` follows a many-valued relation (which would repeat rows in a join)."""
    for child in q.children:
        if isinstance(child, Q):
            if _spans_many(model, child):
                return True
            continue
        if not isinstance(child, tuple):
            continue  # an expression such as Exists(): one value per row
        opts = model._meta
        for part in child[0].split(LOOKUP_SEP):
            try:
                field: Any = opts.get_field(part)
            except FieldDoesNotExist:
                break  # "pk", a lookup ("in") or a transform
            if field.many_to_many or field.one_to_many:
                return True
            if not field.is_relation or field.related_model is None:
                break
            opts = field.related_model._meta
    return False


def _extension_q(model: type[models.Model], q: Q) -> Q:
    if _spans_many(model, q):
        # Team members, share lists: match through a sub-select so a record with several
        # matching rows still appears once and ``.get()`` keeps working.
        return Q(pk__in=model._base_manager.filter(q).values("pk"))
    return q


def visible_q(user: Any, model: type[models.Model]) -> Q | None:
    """The filter for rows of ``model`` the user may see; None means nothing at all and an
    empty ``Q()`` means everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    entry = registry.scoped(model)
    kinds = scopes_for(user, entry.module)
    if not kinds:
        return None
    if Scope.ALL in kinds:
        return Q()
    q = Q()
    for kind in sorted(kinds):  # sorted: the same SQL text every time
        q |= owner_q(user, kind, entry.owner_field)
    for extension in entry.extensions:
        q |= _extension_q(model, extension(user))
    for restriction in entry.restrictions:
        q &= restriction(user)
    return q


def visible(user: Any, model: type[models.Model], queryset: QuerySet | None = None) -> QuerySet:
    """Rows of ``model`` (or of ``queryset``) that ``user`` may see."""
    qs = queryset if queryset is not None else model._default_manager.all()
    q = visible_q(user, model)
    if q is None:
        return qs.none()
    return qs.filter(q) if q else qs


def is_visible(user: Any, obj: models.Model) -> bool:
    """Whether ``user`` may see ``obj`` (e.g. a writer must still see what they saved)."""
    model = type(obj)
    return visible(user, model, model._base_manager.filter(pk=obj.pk)).exists()


def get_visible_or_404(user: Any, model: type[models.Model], **lookup: Any) -> Any:
    """One visible record; a missing and an invisible record give the same 404 (rule 3)."""
    from django.http import Http404

    try:
        return visible(user, model).get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError):
        # ValueError/TypeError/ValidationError: an id that is not an id ("abc") is missing too.
        raise Http404 from None
