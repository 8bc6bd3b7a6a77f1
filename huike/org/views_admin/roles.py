"""Roles (ORG-03..06): list, create, edit rights, scopes and field rules, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core.errors import DomainError
from huike.core.permissions import permission_required

from .. import services
from ..forms_admin import RoleForm
from ..models import Role
from .common import flags


@permission_required("roles.view")
def role_list(request):
    return render(
        request,
        "org/admin/roles.html",
        {
            "roles": services.roles_with_counts(),
            "can": flags(
                request.user, create="roles.create", edit="roles.edit", delete="roles.delete"
            ),
        },
    )


@permission_required("roles.create")
def role_create(request):
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.create_role(request.user, **form.role_values())
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Role “%(name)s” created.") % {"name": role})
            return redirect("org:roles")
    return render(request, "org/admin/role_form.html", {"form": form, "title": _("New role")})


@permission_required("roles.edit")
def role_edit(request, pk: int):
    role = get_object_or_404(Role, pk=pk)
    if role.is_superadmin:
        raise PermissionDenied(_("The Super administrator role cannot be edited."))
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.update_role(request.user, role, **form.role_values())
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Role “%(name)s” saved.") % {"name": role})
            return redirect("org:roles")
    return render(
        request,
        "org/admin/role_form.html",
        {"form": form, "role": role, "title": _("Edit role")},
    )


@require_POST
@permission_required("roles.delete")
def role_delete(request, pk: int):
    role = get_object_or_404(Role, pk=pk)
    try:
        services.delete_role(request.user, role)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Role “%(name)s” deleted.") % {"name": role})
    return redirect("org:roles")
