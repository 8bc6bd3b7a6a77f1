"""What every page of the shell needs: company branding, the menu and the unread count.

The values are lazy: an htmx fragment or a page that does not show the menu pays no query for
it, and a page that shows the count twice pays one.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from .models import Notification, SystemSettings
from .permissions import has_perm
from .registry import registry

MENU_GROUPS = ("main", "system")
#: Above this the bell shows "99+": the exact number stops mattering and the badge stays small.
BADGE_LIMIT = 99


def menu_for(user, path: str | None = None) -> dict[str, list[dict]]:
    """The menu items ``user`` may use, by group; the one owning ``path`` is marked active.

    Items whose permission the user lacks are left out (hidden, not disabled), and so are items
    whose page is not installed yet, so the menu never shows a dead link.
    """
    groups: dict[str, list[dict]] = {g: [] for g in MENU_GROUPS}
    entries = []
    for item in registry.sorted_menu():
        if item.permission and not has_perm(user, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entry = {
            "key": item.key,
            "label": item.label,
            "url": url,
            "icon": item.icon,
            "group": item.group,
            "active": False,
        }
        groups.setdefault(item.group, []).append(entry)
        entries.append(entry)
    if path:
        # The longest menu URL that prefixes the path wins, so /customers/12/ lights up
        # "Customers" while "/" (the workbench) only matches itself.
        owners = [
            e
            for e in entries
            if path == e["url"] or (e["url"] != "/" and path.startswith(e["url"]))
        ]
        if owners:
            max(owners, key=lambda e: len(e["url"]))["active"] = True
    return groups


def search_url() -> str | None:
    """The global search page once a module provides one (url name ``search``)."""
    try:
        return reverse("search")
    except NoReverseMatch:
        return None


def unread_for_badge(user) -> int:
    """Unread notifications, counted no further than the badge shows (bounded index scan)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    return unread[: BADGE_LIMIT + 1].count()


def shell(request) -> dict:
    user = request.user
    context: dict[str, Any] = {
        "site": SimpleLazyObject(SystemSettings.get),
        "search_url": search_url(),
    }
    if user.is_authenticated:
        context["menu"] = SimpleLazyObject(lambda: menu_for(user, request.path))
        context["unread_notifications"] = SimpleLazyObject(lambda: unread_for_badge(user))
    return context
