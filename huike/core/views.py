"""Pages of the shell: the workbench and the notification centre (PLT-04 first stage, PLT-05).

The views only parse input and call ``huike.core.notify``; every look-up goes through
``notify.for_user`` so another user's notification is a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import notify
from .models import Notification

PAGE_SIZE = 20
WORKBENCH_LATEST = 5
#: htmx listens for this event to refresh every badge and widget after a change.
CHANGED_EVENT = "notifications-changed"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def signed_in(view):
    """``login_required`` that also serves htmx fragments: an expired session sends the whole
    page to the sign-in form (HX-Redirect) instead of swapping a login form into a badge."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if is_htmx(request):
                response = HttpResponse(status=401)
                response["HX-Redirect"] = redirect_to_login(request.get_full_path()).url
                return response
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


# -- workbench ------------------------------------------------------------------------------


def greeting(now: datetime) -> str:
    hour = timezone.localtime(now).hour
    if 5 <= hour < 12:
        return _("Good morning")
    if 12 <= hour < 18:
        return _("Good afternoon")
    return _("Good evening")


def latest_unread(user):
    return list(notify.for_user(user).filter(read_at__isnull=True)[:WORKBENCH_LATEST])


@login_required
@require_GET
def workbench(request):
    now = timezone.now()
    return render(
        request,
        "core/workbench.html",
        {"greeting": greeting(now), "today": now, "latest": latest_unread(request.user)},
    )


@signed_in
@require_GET
def workbench_notifications(request):
    """The workbench's notification widget, re-fetched by htmx polling."""
    return render(
        request, "core/_workbench_notifications.html", {"latest": latest_unread(request.user)}
    )


@login_required
def placeholder(request):
    """Former stand-in for unbuilt pages; nothing routes to it any more. Delete when convenient."""
    return workbench(request)


# -- notification centre --------------------------------------------------------------------


def encode_cursor(notification) -> str:
    """Keyset position (created_at, id) as two integers; no COUNT and no OFFSET scans."""
    delta = notification.created_at - _EPOCH
    micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{notification.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    try:
        micros, pk = (int(part) for part in value.split("-", 1))
    except (ValueError, AttributeError):
        return None
    try:
        return _EPOCH + timedelta(microseconds=micros), pk
    except OverflowError:
        return None


def page_of(queryset, before: str, after: str):
    """One page of ``queryset`` (newest first) around a cursor: (rows, newer, older)."""
    newer = older = None
    if after and (position := decode_cursor(after)):
        at, pk = position
        rows = list(
            queryset.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk)).order_by(
                "created_at", "id"
            )[: PAGE_SIZE + 1]
        )
        has_more_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        older = encode_cursor(rows[-1]) if rows else None
        newer = encode_cursor(rows[0]) if rows and has_more_newer else None
        return rows, newer, older
    if before and (position := decode_cursor(before)):
        at, pk = position
        queryset = queryset.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = list(queryset.order_by("-created_at", "-id")[: PAGE_SIZE + 1])
    has_more_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if rows and has_more_older:
        older = encode_cursor(rows[-1])
    if rows and before:
        newer = encode_cursor(rows[0])
    return rows, newer, older


@login_required
@require_GET
def notification_list(request):
    tab = "unread" if request.GET.get("tab") == "unread" else "all"
    queryset = notify.for_user(request.user)
    if tab == "unread":
        queryset = queryset.filter(read_at__isnull=True)
    rows, newer, older = page_of(
        queryset, request.GET.get("before", ""), request.GET.get("after", "")
    )
    return render(
        request,
        "core/notifications.html",
        {"tab": tab, "notifications": rows, "newer": newer, "older": older},
    )


@signed_in
@require_GET
def notification_count(request):
    """The bell's badge, polled by htmx every minute."""
    return render(request, "shell/notification_badge.html")


@login_required
@require_GET
def notification_open(request, pk: int):
    """Follow a notification to its record, marking it read on the way."""
    notification = notify.get_for_user(request.user, pk)
    notify.mark_read(request.user, notification)
    target = notify.safe_target(notification.url)
    return redirect(target or reverse("notifications"))


def _after_change(request, notification):
    """htmx gets the re-drawn item and an event for the badges; a plain form goes back."""
    if is_htmx(request):
        response = render(
            request,
            "core/_notification_item.html",
            {
                "n": notification,
                "tab": request.POST.get("tab", "all"),
                "next": notify.safe_target(request.POST.get("next", "")),
            },
        )
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    return redirect(notify.safe_target(request.POST.get("next", "")) or reverse("notifications"))


def _mark(request, pk: int, mark: Callable[[Any, Notification], object]):
    notification = notify.get_for_user(request.user, pk)
    mark(request.user, notification)
    return _after_change(request, notification)


@signed_in
@require_POST
def notification_read(request, pk: int):
    return _mark(request, pk, notify.mark_read)


@signed_in
@require_POST
def notification_unread(request, pk: int):
    return _mark(request, pk, notify.mark_unread)


@login_required
@require_POST
def notification_read_all(request):
    changed = notify.mark_all_read(request.user)
    if changed:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(notify.safe_target(request.POST.get("next", "")) or reverse("notifications"))
