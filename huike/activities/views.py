"""Logging a follow-up from the detail page's tab (a plain form post)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core import scopes
from huike.core.errors import DomainError
from huike.core.record_types import record_type

from . import services
from .registry import target_for


def _when(text: str):
    value = parse_datetime((text or "").strip()) if text else None
    if value is not None and is_naive(value):
        value = make_aware(value)
    return value


@login_required
@require_POST
def log_follow_up(request, key: str, pk: int):
    try:
        rt = record_type(key)
    except (KeyError, LookupError):
        raise Http404 from None
    if target_for(rt.model) is None:
        raise Http404
    record = scopes.get_visible_or_404(request.user, rt.model, pk=pk)
    post = request.POST
    data = {
        "type": post.get("type") or "phone",
        "content": post.get("content", ""),
        "occurred_at": _when(post.get("occurred_at", "")),
        "next_contact_at": _when(post.get("next_contact_at", "")),
        "latitude": post.get("latitude") or None,
        "longitude": post.get("longitude") or None,
        "place": post.get("place", ""),
    }
    try:
        services.create_follow_up(request.user, record, data, photo=request.FILES.get("photo"))
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Follow-up logged."))
    return redirect(f"{key}:detail", pk)
