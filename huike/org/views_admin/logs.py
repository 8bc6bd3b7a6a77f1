"""Online users (ORG-08), the login log (PLT-02) and the system log (PLT-12)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core.errors import DomainError
from huike.core.models import OperationLog, SystemSettings
from huike.core.permissions import permission_required

from .. import services
from ..forms_admin import LoginLogFilterForm, SystemLogFilterForm
from ..models import LoginLog, UserSession
from .common import flags, keyset_page, page_of

#: The system log is the operation log of administration: organisation objects, the company
#: settings and actions with no record at all.
SYSTEM_LOG_Q = (
    Q(content_type__app_label="org")
    | Q(content_type__app_label="core", content_type__model="systemsettings")
    | Q(content_type__isnull=True)
)


@permission_required("system.view")
def online_users(request):
    # A browser idle for longer than the timeout is signed out on its next request already;
    # it is not "online", even though its row waits for that request to be removed.
    timeout = SystemSettings.get().session_timeout_minutes
    sessions = (
        UserSession.objects.filter(last_seen_at__gte=timezone.now() - timedelta(minutes=timeout))
        .select_related("user", "user__department")
        .order_by("-last_seen_at", "-id")
    )
    return render(
        request,
        "org/admin/online.html",
        {
            "page": page_of(request, sessions, per_page=50),
            "current_key": request.session.session_key,
            "can": flags(request.user, end="system.manage"),
        },
    )


@require_POST
@permission_required("system.manage")
def end_session(request, pk: int):
    session = get_object_or_404(UserSession.objects.select_related("user"), pk=pk)
    try:
        services.end_user_session(request.user, session)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The session of %(name)s was ended.") % {"name": session.user})
    return redirect("org:online")


@permission_required("system.view")
def login_log(request):
    form = LoginLogFilterForm(request.GET or None)
    rows = form.filter(LoginLog.objects.select_related("user"))
    return render(
        request,
        "org/admin/login_log.html",
        {"filter_form": form, "page": keyset_page(request, rows)},
    )


@permission_required("system.view")
def system_log(request):
    form = SystemLogFilterForm(request.GET or None)
    rows = form.filter(
        OperationLog.objects.filter(SYSTEM_LOG_Q).select_related("actor", "content_type")
    )
    return render(
        request,
        "org/admin/system_log.html",
        {"filter_form": form, "page": keyset_page(request, rows)},
    )
