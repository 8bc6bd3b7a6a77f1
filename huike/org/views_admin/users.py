"""Users (ORG-02, ORG-07): list, create, edit, disable with hand-over, enable, reset the
password and per-user grants."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core.errors import DomainError
from huike.core.permissions import check_perm, is_superadmin, permission_required

from .. import services
from ..forms_admin import DisableUserForm, GrantsForm, PasswordForm, UserFilterForm, UserForm
from ..models import User
from .common import flags, page_of

USER_RIGHTS = {
    "create": "users.create",
    "edit": "users.edit",
    "delete": "users.delete",
    "export": "users.export",
}


def _listed_users(request):
    form = UserFilterForm(request.GET or None)
    users = form.filter(
        User.objects.select_related("department", "supervisor")
        .prefetch_related("roles")
        .order_by("-is_active", "name", "id")
    )
    return form, users


@permission_required("users.view")
def user_list(request):
    form, users = _listed_users(request)
    page = page_of(request, users)
    actor_is_super = is_superadmin(request.user)
    for user in page:
        # Roles are prefetched: no query per row.
        user.holds_superadmin = any(role.is_superadmin for role in user.roles.all())
        user.manageable = actor_is_super or not user.holds_superadmin
    return render(
        request,
        "org/admin/users.html",
        {
            "filter_form": form,
            "page": page,
            "can": flags(request.user, **USER_RIGHTS),
        },
    )


def _formula_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @; a leading apostrophe defuses them."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@permission_required("users.export")
def user_export(request):
    _form, users = _listed_users(request)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="users-{stamp}.csv"'
    response.write("\ufeff")  # so Excel opens UTF-8 Chinese text correctly
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Username"),
            _("Name"),
            _("Mobile"),
            _("E-mail"),
            _("Department"),
            _("Job title"),
            _("Direct supervisor"),
            _("Roles"),
            _("Status"),
        ]
    )
    for user in users.iterator(chunk_size=500):
        writer.writerow(
            _formula_safe(v)
            for v in (
                user.username,
                user.name,
                user.mobile,
                user.email,
                user.department,
                user.title,
                user.supervisor,
                ", ".join(role.name for role in user.roles.all()),
                _("Enabled") if user.is_active else _("Disabled"),
            )
        )
    return response


@permission_required("users.create")
def user_create(request):
    form = UserForm(request.POST or None, actor=request.user, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(
                request.user,
                password=form.cleaned_data["password1"],
                roles=form.cleaned_data["roles"],
                **form.user_values(),
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user})
            return redirect("org:users")
    return render(request, "org/admin/user_form.html", {"form": form, "title": _("New user")})


def _managed_user(request, pk: int, code: str) -> User:
    """The user ``pk``, provided the actor may act on them (403 otherwise)."""
    check_perm(request.user, code)
    user = get_object_or_404(User.objects.select_related("department"), pk=pk)
    services.check_can_manage_user(request.user, user)
    return user


@permission_required("users.edit")
def user_edit(request, pk: int):
    user = _managed_user(request, pk, "users.edit")
    form = UserForm(request.POST or None, actor=request.user, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.update_user(
                request.user, user, roles=form.cleaned_data["roles"], **form.user_values()
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("User %(name)s saved.") % {"name": user})
            return redirect("org:users")
    return render(
        request,
        "org/admin/user_form.html",
        {
            "form": form,
            "target": user,
            "title": _("Edit user"),
            "can": flags(request.user, **USER_RIGHTS),
        },
    )


@permission_required("users.delete")
def user_disable(request, pk: int):
    user = _managed_user(request, pk, "users.delete")
    counts = services.handover_counts(user)
    form = DisableUserForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.disable_user(request.user, user, form.cleaned_data["successor"])
        except DomainError as error:
            form.show_error(error)
        else:
            text = _("%(name)s is disabled.") % {"name": user}
            if moved:
                summary = ", ".join(f"{label} {n}" for label, n in moved.items())
                text += " " + _("Handed over: %(summary)s") % {"summary": summary}
            messages.success(request, text)
            return redirect("org:users")
    return render(
        request,
        "org/admin/user_disable.html",
        {
            "form": form,
            "target": user,
            "counts": counts,
            "owned": sum(n for _label, n in counts),
        },
    )


@require_POST
@permission_required("users.edit")
def user_enable(request, pk: int):
    user = _managed_user(request, pk, "users.edit")
    try:
        services.enable_user(request.user, user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is enabled again.") % {"name": user})
    return redirect("org:users")


@permission_required("users.edit")
def user_password(request, pk: int):
    user = _managed_user(request, pk, "users.edit")
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(request.user, user, form.cleaned_data["password1"])
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(
                request,
                _("The password of %(name)s was reset; tell them the new one.") % {"name": user},
            )
            return redirect("org:users")
    return render(request, "org/admin/user_password.html", {"form": form, "target": user})


@permission_required("users.edit")
def user_grants(request, pk: int):
    user = _managed_user(request, pk, "users.edit")
    form = GrantsForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_extra_permissions(request.user, user, form.cleaned_data["permissions"])
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Personal grants of %(name)s saved.") % {"name": user})
            return redirect("org:users")
    return render(request, "org/admin/user_grants.html", {"form": form, "target": user})
