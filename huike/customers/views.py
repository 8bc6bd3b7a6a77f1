"""vCard export of contacts and the org chart of a customer (namespace ``customers_extra``).

Every query starts from ``scopes.visible``; an out-of-scope id is a 404. Field rules
(``fields.policy``) decide which contact details leave the system.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from huike.core import scopes
from huike.core.fields import policy
from huike.core.permissions import check_perm

from . import org_chart as chart
from . import vcard
from .models import Contact, Customer

MAX_EXPORT = 500


def _vcard_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def contact_vcard(request, pk: int):
    check_perm(request.user, "contacts.view")
    contact = scopes.get_visible_or_404(request.user, Contact, pk=pk)
    return _vcard_response(
        vcard.card(contact, policy(request.user, Contact)), f"contact-{contact.pk}.vcf"
    )


def _ids(raw: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise Http404 from None
    if not ids or len(ids) > MAX_EXPORT:
        raise Http404
    return ids


@login_required
@require_GET
def contacts_vcard(request):
    check_perm(request.user, "contacts.export")
    ids = _ids(request.GET.get("ids", ""))
    contacts = list(
        scopes.visible(request.user, Contact)
        .filter(pk__in=ids)
        .select_related("customer")
        .order_by("pk")
    )
    if not contacts:
        raise Http404
    return _vcard_response(vcard.cards(contacts, policy(request.user, Contact)), "contacts.vcf")


@login_required
@require_GET
def org_chart(request, pk: int):
    check_perm(request.user, "customers.view")
    customer = scopes.get_visible_or_404(request.user, Customer, pk=pk)
    if request.headers.get("HX-Request"):
        return org_chart_fragment(request, customer)
    return render(request, "customers/org_chart.html", _org_chart_context(request, customer))


def _org_chart_context(request, customer: Customer) -> dict:
    contacts = list(
        scopes.visible(request.user, Contact).filter(customer=customer).order_by("name", "pk")
    )
    return {"customer": customer, "roots": chart.build(contacts)}


def org_chart_fragment(request, customer: Customer):
    """The chart alone: the customer page's tab and htmx requests."""
    return render(request, "customers/_org_chart.html", _org_chart_context(request, customer))
