"""The lead conversion page (LEAD-03): shows the customer the lead would merge into."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from huike.core import scopes
from huike.core.errors import DomainError
from huike.core.permissions import permission_required

from . import services
from .models import Lead


@login_required
@permission_required("leads.edit")
def convert(request, pk: int):
    lead = scopes.get_visible_or_404(request.user, Lead, pk=pk)
    match = services.matching_customer(lead)
    match_visible = match is not None and scopes.is_visible(request.user, match)
    error = ""
    if request.method == "POST":
        try:
            lead = services.convert(
                request.user, lead, create_opportunity=bool(request.POST.get("create_opportunity"))
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The lead was converted."))
            return redirect("customers:detail", lead.converted_customer_id)
    return render(
        request,
        "leads/convert.html",
        {"lead": lead, "match": match, "match_visible": match_visible, "error": error},
        status=400 if error else 200,
    )
