"""What every page of the shell needs: company branding, the menu and the unread count."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .models import SystemSettings
from .notify import unread_count
from .permissions import has_perm
from .registry import registry

MENU_GROUPS = ("main", "system")


def menu_for(user) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {g: [] for g in MENU_GROUPS}
    for item in registry.sorted_menu():
        if item.permission and not has_perm(user, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        groups.setdefault(item.group, []).append(
            {"key": item.key, "label": item.label, "url": url, "icon": item.icon}
        )
    return groups


def shell(request) -> dict:
    user = request.user
    context = {"site": SystemSettings.get()}
    if user.is_authenticated:
        context["menu"] = menu_for(user)
        context["unread_notifications"] = unread_count(user)
    return context
