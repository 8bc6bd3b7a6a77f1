"""Pages of the customers' business actions (CUS-05, CUS-06, CUS-08): transfer with its
options (one customer, or the ticked rows of the list), lock / unlock, and merge.

The views find what the user may see (``scopes.visible``: invisible is 404), check the right
the button needs (403), read the form and call ``actions``; every rule, log entry and
notification comes from there, and a refusal comes back as a message on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from huike.core import listing, scopes, search
from huike.core.detail_tabs import display
from huike.core.errors import DomainError
from huike.core.fields import policy
from huike.core.permissions import check_perm
from huike.core.record_types import record_type
from huike.core.records import Record

from . import actions
from .forms import KEEP_OTHER, KEEP_THIS, MergeForm, TransferForm
from .models import Contact, Customer, CustomerMember

#: Most customers one transfer page takes (the list's page is smaller).
MAX_TRANSFER = 500
PICKER_LIMIT = 20


def _detail(customer: Any) -> str:
    return reverse("customers:detail", args=[getattr(customer, "pk", customer)])


def _customer(request: HttpRequest, pk: int) -> Customer:
    return scopes.get_visible_or_404(request.user, Customer, pk=pk)


# -- transfer (CUS-05) ----------------------------------------------------------------------


def _posted_ids(request: HttpRequest) -> list[int]:
    raw = request.POST.getlist("ids") or request.GET.get("ids", "").split(",")
    try:
        ids = sorted({int(i) for i in raw if str(i).strip()})
    except ValueError:
        raise Http404 from None
    if not ids or len(ids) > MAX_TRANSFER:
        raise Http404
    return ids


def _transfer_page(request: HttpRequest, customers: list[Customer], single: bool):
    """Show the options; on a confirmed POST transfer. The list's bulk bar posts the ticked
    ``ids`` without ``confirm``: that only opens the form."""
    confirmed = request.method == "POST" and request.POST.get("confirm")
    form = TransferForm(
        request.POST if confirmed else None,
        initial={"move_contacts": True, "keep_old_owner": ""},
    )
    if confirmed and form.is_valid():
        data = form.cleaned_data
        try:
            moved = actions.transfer(
                request.user,
                customers,
                data["owner"],
                move_contacts=data["move_contacts"],
                keep_old_owner_as_member=data["keep_old_owner"] or False,
            )
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(
                request,
                _("%(count)d customers transferred to %(owner)s.")
                % {"count": moved, "owner": data["owner"]},
            )
            if single and scopes.is_visible(request.user, customers[0]):
                return redirect(_detail(customers[0]))
            return redirect(reverse("customers:list"))
    contacts = Contact.objects.filter(customer__in=[c.pk for c in customers]).count()
    context = {
        "form": form,
        "customers": customers,
        "single": single,
        "contact_count": contacts,
        "cancel_url": _detail(customers[0]) if single else reverse("customers:list"),
    }
    return render(request, "customers/transfer.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_one(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    check_perm(request.user, "customers.transfer")
    return _transfer_page(request, [customer], single=True)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_many(request: HttpRequest) -> HttpResponse:
    """The customers list's bulk transfer (``RecordType.transfer_page``)."""
    check_perm(request.user, "customers.transfer")
    ids = _posted_ids(request)
    customers = list(
        scopes.visible(request.user, Customer).filter(pk__in=ids).select_related("owner")
    )
    if len(customers) != len(ids):
        raise Http404
    return _transfer_page(request, sorted(customers, key=lambda c: c.pk), single=False)


# -- lock / unlock (CUS-06) -----------------------------------------------------------------


def _lock_page(locked: bool):
    @login_required
    @require_http_methods(["GET", "POST"])
    def lock_page(request: HttpRequest, pk: int) -> HttpResponse:
        customer = _customer(request, pk)
        check_perm(request.user, "customers.lock")
        error = ""
        if request.method == "POST":
            try:
                actions.set_locked(request.user, [customer], locked)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("The customer is locked: it is never recycled to the pool.")
                    if locked
                    else _("The customer is unlocked."),
                )
                return redirect(_detail(customer))
        return render(
            request,
            "customers/lock.html",
            {"customer": customer, "locking": locked, "error": error},
            status=400 if error else 200,
        )

    return lock_page


lock = _lock_page(True)
unlock = _lock_page(False)


# -- merge (CUS-08) -------------------------------------------------------------------------


def _check_merge_rights(user: Any, customer: Customer) -> None:
    check_perm(user, "customers.edit")
    check_perm(user, "customers.delete")
    if not actions.can_edit(user, customer):
        raise PermissionDenied


def _candidates(user: Any, customer: Customer) -> Any:
    """Customers the user may merge this one with: visible, editable, live, not pooled."""
    qs = scopes.visible(user, Customer).filter(pool__isnull=True).exclude(pk=customer.pk)
    return actions.editable(user, qs)


def _counts(customer: Customer) -> list[tuple[Any, int]]:
    """What moves with a customer in a merge: its records of every module pointing at it
    (found through the relations, so new modules appear), attachments and team members."""
    counts: list[tuple[Any, int]] = []
    for rel in Customer._meta.related_objects:
        model = rel.related_model
        if not rel.one_to_many or not issubclass(model, Record):
            continue
        n = model._default_manager.filter(**{rel.field.name: customer.pk}).count()
        counts.append((model._meta.verbose_name_plural, n))
    counts.append((_("attachments"), customer.attachments.count()))
    counts.append((CustomerMember._meta.verbose_name_plural, customer.members.count()))
    return counts


PREVIEW_FIELDS = (
    *("number", "owner", "status", "level", "mobile", "office_phone", "city"),
    *("created_at", "last_follow_up_at"),
)


def _preview(user: Any, customer: Customer) -> dict[str, Any]:
    pol = policy(user, Customer)
    rt = record_type("customers")
    rows = []
    for name in PREVIEW_FIELDS:
        value = display(customer, name, pol)
        if value is not None:
            rows.append((rt.model_field(name).verbose_name, value))
    return {"customer": customer, "rows": rows, "counts": _counts(customer)}


def _chosen(candidates: Any, data: Any) -> Customer | None:
    value = str((data or {}).get("other") or "")
    if not value.isdigit():
        return None
    return candidates.select_related("owner").filter(pk=int(value)).first()


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the other customer (GET ``?other=``), see both side by side, choose the one
    kept and confirm (POST); then the kept customer's page."""
    customer = _customer(request, pk)
    _check_merge_rights(request.user, customer)
    candidates = _candidates(request.user, customer)
    posted = request.method == "POST"
    data: Any = request.POST
    if not posted:
        data = request.GET.copy() if "other" in request.GET else None
        if data is not None:
            data.setdefault("keep", KEEP_THIS)
    chosen = _chosen(candidates, data)
    shown = list(
        listing.ordered(candidates.select_related("owner"), "updated_at", True)[:PICKER_LIMIT]
    )
    if chosen is not None and chosen not in shown:
        shown.insert(0, chosen)
    form = MergeForm(
        data,
        initial={"keep": KEEP_THIS},
        candidates=candidates,
        shown=shown,
        picker_url=reverse("customers_extra:merge_candidates", args=[customer.pk]),
    )
    if posted and form.is_valid():
        other = form.cleaned_data["other"]
        kept_is_other = form.cleaned_data["keep"] == KEEP_OTHER
        keep, remove = (other, customer) if kept_is_other else (customer, other)
        try:
            kept = actions.merge(request.user, keep, remove)
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(
                request,
                _("“%(remove)s” was merged into “%(keep)s”.") % {"remove": remove, "keep": kept},
            )
            return redirect(_detail(kept))
    context = {
        "customer": customer,
        "form": form,
        "this": _preview(request.user, customer),
        "other": _preview(request.user, chosen) if chosen is not None else None,
    }
    status = 400 if posted and form.errors else 200
    return render(request, "customers/merge.html", context, status=status)


@login_required
def merge_candidates(request: HttpRequest, pk: int) -> JsonResponse:
    """The merge picker's options: ``[{id, text, subtitle}]`` as the record pickers answer."""
    customer = _customer(request, pk)
    _check_merge_rights(request.user, customer)
    rt = record_type("customers")
    qs = _candidates(request.user, customer)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = search.narrow(rt, qs, q, user=request.user)
    rows = listing.ordered(qs.select_related("owner"), "updated_at", True)[:PICKER_LIMIT]
    return JsonResponse(
        [
            {
                "id": c.pk,
                "text": c.name,
                "subtitle": " · ".join(filter(None, (c.number, str(c.owner)))),
            }
            for c in rows
        ],
        safe=False,
    )
