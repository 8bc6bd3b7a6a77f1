"""Custom-field admin pages (PLT-09), namespace ``config``, mounted at /settings/custom-fields/.

The views parse input and call ``huike.core.custom_fields`` (which validates, checks
``system.manage`` and logs); every page needs ``system.manage`` (403 without it).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import custom_fields as cf
from .errors import DomainError
from .forms_custom_fields import CustomFieldForm
from .models_custom import CustomField
from .permissions import permission_required
from .record_types import record_types

PERMISSION = cf.PERMISSION
MENU_ITEM = (
    "custom_fields",
    gettext_lazy("Custom fields"),
    "config:custom_fields",
    "ti-forms",
    PERMISSION,
)


def _modules() -> list[tuple[str, str]]:
    """Every registered record type's module, labelled as in the menu."""
    seen: dict[str, str] = {}
    for rt in record_types():
        seen.setdefault(rt.module, str(rt.model._meta.verbose_name_plural))
    return list(seen.items())


def _module_or_404(code: str) -> str:
    if code not in dict(_modules()):
        raise Http404
    return code


def _list_url(module: str) -> str:
    return f"{reverse('config:custom_fields')}?module={module}"


@permission_required(PERMISSION)
def field_list(request):
    modules = _modules()
    module = request.GET.get("module") or (modules[0][0] if modules else "")
    if modules:
        _module_or_404(module)
    fields = list(CustomField.objects.filter(module=module).order_by("order", "id"))
    return render(
        request,
        "config/custom_fields_list.html",
        {"modules": modules, "module": module, "fields": fields},
    )


@permission_required(PERMISSION)
def field_create(request, module: str):
    module = _module_or_404(module)
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            field = cf.create_field(
                request.user,
                module,
                form.cleaned_data["code"],
                form.cleaned_data["type"],
                **form.attributes(),
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Custom field %(label)s added.") % {"label": field.label})
            return redirect(_list_url(module))
    return render(
        request,
        "config/custom_fields_form.html",
        {"form": form, "module": module, "title": _("New custom field")},
    )


@permission_required(PERMISSION)
def field_edit(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    form = CustomFieldForm(request.POST or None, field=field)
    if request.method == "POST" and form.is_valid():
        try:
            field = cf.update_field(request.user, field, **form.attributes())
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Custom field %(label)s saved.") % {"label": field.label})
            return redirect(_list_url(field.module))
    return render(
        request,
        "config/custom_fields_form.html",
        {"form": form, "module": field.module, "field": field, "title": field.label},
    )


@permission_required(PERMISSION)
@require_POST
def field_toggle(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    if field.enabled:
        cf.disable_field(request.user, field)
    else:
        cf.enable_field(request.user, field)
    return redirect(_list_url(field.module))


@permission_required(PERMISSION)
@require_POST
def field_move(request, pk: int):
    """Move one field up or down (buttons; works without JavaScript)."""
    field = get_object_or_404(CustomField, pk=pk)
    codes = list(
        CustomField.objects.filter(module=field.module)
        .order_by("order", "id")
        .values_list("code", flat=True)
    )
    index = codes.index(field.code)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(codes):
        codes[index], codes[other] = codes[other], codes[index]
        try:
            cf.reorder_fields(request.user, field.module, codes)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect(_list_url(field.module))
