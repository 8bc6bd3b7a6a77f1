"""Template helpers of the shell, for every module's templates: ``{% load huike %}``.

``{% can "users.edit" as allowed %}`` and ``user|can:"users.edit"`` ask the same
``huike.core.permissions.has_perm`` as views and services do, so a button is shown exactly when
clicking it would be allowed.
"""

from __future__ import annotations

from django import template

from huike.core.context_processors import BADGE_LIMIT
from huike.core.permissions import has_perm

register = template.Library()


@register.simple_tag(takes_context=True, name="can")
def can_tag(context, code: str, user=None) -> bool:
    """``{% can "customers.export" as allowed %}``: the current user's right (or ``user``'s)."""
    if user is None:
        user = context.get("user") or getattr(context.get("request"), "user", None)
    return user is not None and has_perm(user, code)


@register.filter(name="can")
def can_filter(user, code: str) -> bool:
    """``{% if user|can:"users.edit" %}``."""
    return user is not None and has_perm(user, code)


@register.filter
def badge(count) -> str:
    """An unread count as a badge shows it: empty for none, "99+" above the limit."""
    if not count:
        return ""
    return f"{BADGE_LIMIT}+" if count > BADGE_LIMIT else str(count)
