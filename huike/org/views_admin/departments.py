"""Departments (ORG-01): the tree, create, edit (rename, move, head) and delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core.errors import DomainError
from huike.core.permissions import permission_required

from .. import services
from ..forms_admin import DepartmentForm
from ..models import Department
from .common import flags


@permission_required("departments.view")
def department_list(request):
    return render(
        request,
        "org/admin/departments.html",
        {
            "tree": services.department_tree(),
            "can": flags(
                request.user,
                create="departments.create",
                edit="departments.edit",
                delete="departments.delete",
            ),
        },
    )


@permission_required("departments.create")
def department_create(request):
    parent_id = request.GET.get("parent", "")
    parent = Department.objects.filter(pk=parent_id).first() if parent_id.isdigit() else None
    initial = {"parent": (parent or services.root_department()).pk}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dept = services.create_department(
                request.user,
                data["name"],
                data["parent"],
                sort_order=data["sort_order"],
                head=data["head"],
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Department “%(name)s” created.") % {"name": dept})
            return redirect("org:departments")
    return render(
        request,
        "org/admin/department_form.html",
        {"form": form, "title": _("New department")},
    )


@permission_required("departments.edit")
def department_edit(request, pk: int):
    dept = get_object_or_404(Department, pk=pk)
    form = DepartmentForm(request.POST or None, instance=dept)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dept = services.edit_department(
                request.user,
                dept,
                name=data["name"],
                parent=data.get("parent"),
                head=data["head"],
                sort_order=data["sort_order"],
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Department “%(name)s” saved.") % {"name": dept})
            return redirect("org:departments")
    return render(
        request,
        "org/admin/department_form.html",
        {"form": form, "department": dept, "title": _("Edit department")},
    )


@require_POST
@permission_required("departments.delete")
def department_delete(request, pk: int):
    dept = get_object_or_404(Department, pk=pk)
    try:
        services.delete_department(request.user, dept)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Department “%(name)s” deleted.") % {"name": dept})
    return redirect("org:departments")
