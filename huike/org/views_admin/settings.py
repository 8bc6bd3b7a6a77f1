"""Security settings (ORG-10) and company name and logo (PLT-03)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from huike.core.errors import DomainError
from huike.core.models import SystemSettings
from huike.core.permissions import permission_required

from .. import services
from ..forms_admin import CompanySettingsForm, SecuritySettingsForm


def _current() -> SystemSettings:
    # Straight from the table, not the shared cache: the form must show the saved truth.
    return SystemSettings.objects.get_or_create(pk=1)[0]


@permission_required("system.manage")
def security_settings(request):
    form = SecuritySettingsForm(request.POST or None, instance=_current())
    if request.method == "POST" and form.is_valid():
        try:
            services.update_security_settings(request.user, **form.cleaned_data)
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Security settings saved."))
            return redirect("org:security")
    return render(request, "org/admin/security.html", {"form": form})


@permission_required("system.manage")
def company_settings(request):
    current = _current()
    form = CompanySettingsForm(request.POST or None, request.FILES or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_company_settings(
                request.user,
                company_name=data["company_name"],
                logo=data.get("logo"),
                remove_logo=data.get("remove_logo", False),
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Company settings saved."))
            return redirect("org:company")
    return render(request, "org/admin/company.html", {"form": form, "current": current})
