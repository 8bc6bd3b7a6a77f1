"""The recycle bin page (PLT-13), namespace ``recycle``, mounted at /recycle-bin/.

Any signed-in user may open it; ``recycle.visible_entries`` limits the rows to the modules
where they may delete and to records in their data scope. Restore and purge go through
``huike.core.recycle`` (which checks the rights and writes the operation log).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import recycle
from .errors import DomainError
from .permissions import has_perm
from .record_types import record_types

PAGE_SIZE = 50


def _type_choices(user) -> list[tuple[str, str]]:
    """Record types whose bin rows this user could see (a delete right in the module)."""
    return [
        (rt.module, str(rt.model._meta.verbose_name_plural))
        for rt in record_types()
        if has_perm(user, f"{rt.module}.delete")
    ]


@login_required
@require_GET
def recycle_list(request):
    entries = recycle.visible_entries(request.user).order_by("-deleted_at", "-id")
    module = request.GET.get("type", "")
    q = request.GET.get("q", "").strip()
    if module:
        entries = entries.filter(module=module)
    if q:
        entries = entries.filter(object_repr__icontains=q)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    start = (page - 1) * PAGE_SIZE
    # One row more than a page tells whether a next page exists, without a COUNT.
    rows = list(entries[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    days = recycle.retention_days()
    for entry in rows:
        entry.purge_on = entry.deleted_at + timedelta(days=days)
    return render(
        request,
        "core/recycle_list.html",
        {
            "entries": rows,
            "types": _type_choices(request.user),
            "type": module,
            "q": q,
            "page": page,
            "has_next": has_next,
            "retention_days": days,
            "can_purge": has_perm(request.user, recycle.PURGE_PERMISSION),
        },
    )


@login_required
@require_POST
def recycle_restore(request, pk: int):
    entry = recycle.get_entry_or_404(request.user, pk)
    try:
        record = recycle.restore(request.user, entry)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(record)s” has been restored.") % {"record": record})
    return redirect("recycle:list")


@login_required
@require_POST
def recycle_purge(request, pk: int):
    entry = recycle.get_entry_or_404(request.user, pk)
    name = entry.object_repr
    try:
        recycle.purge(request.user, entry)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(record)s” has been deleted for good.") % {"record": name})
    return redirect("recycle:list")
