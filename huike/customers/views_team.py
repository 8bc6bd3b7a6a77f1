"""The customer's team (CUS-07): the "Team" tab and its in-place forms (htmx) to add a
colleague, change their access or end date, and take them off the team.

Anyone who sees the customer sees its team; owners and editors with the "share" right
manage it (``actions.add_member`` / ``remove_member`` check again). A member whose end date
has passed is shown as ended: they no longer find the customer under "Shared with me".
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from huike.core import scopes
from huike.core.errors import DomainError
from huike.core.permissions import check_perm, has_perm

from . import actions
from .forms import MemberChangeForm, MemberForm
from .models import Customer, CustomerMember


def current_members(customer: Any) -> Any:
    """Members who see the customer today (the same rule as ``actions.team_rule``)."""
    today = timezone.localdate()
    return CustomerMember.objects.filter(customer=customer).exclude(until__lt=today)


def may_manage(user: Any, customer: Customer) -> bool:
    return has_perm(user, "customers.share") and actions.can_edit(user, customer)


def team_fragment(
    request: HttpRequest, customer: Customer, form: MemberForm | None = None, error: str = ""
) -> HttpResponse:
    today = timezone.localdate()
    members: list[Any] = list(
        CustomerMember.objects.filter(customer=customer)
        .select_related("user", "user__department")
        .order_by("user__name", "user_id")
    )
    for member in members:
        member.ended = member.until is not None and member.until < today
        member.change_form = MemberChangeForm(
            initial={"access": member.access, "until": member.until},
            prefix=f"m{member.user_id}",
        )
    mine = next((m for m in members if m.user_id == request.user.pk and not m.ended), None)
    manage = may_manage(request.user, customer)
    return render(
        request,
        "customers/_team.html",
        {
            "customer": customer,
            "members": members,
            "mine": mine,
            "manage": manage,
            "form": (form or MemberForm(initial={"access": "read"})) if manage else None,
            "error": error,
        },
    )


def _customer(request: HttpRequest, pk: int) -> Customer:
    customer = scopes.get_visible_or_404(request.user, Customer, pk=pk)
    check_perm(request.user, "customers.share")
    return customer


def _answer(
    request: HttpRequest, customer: Customer, form: MemberForm | None = None, error: str = ""
) -> HttpResponse:
    """htmx swaps the tab in place (a 200 even with an error: htmx does not swap a 4xx);
    a plain form post goes back to the customer page with the message."""
    if request.headers.get("HX-Request"):
        return team_fragment(request, customer, form, error)
    error = error or (_first_error(form) if form is not None else "")
    if error:
        messages.error(request, error)
    return redirect(reverse("customers:detail", args=[customer.pk]) + "#team")


@login_required
@require_POST
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _answer(request, customer, form)
    data = form.cleaned_data
    try:
        actions.add_member(request.user, customer, data["user"], data["access"], data["until"])
    except DomainError as error:
        form.show_error(error)
        return _answer(request, customer, form)
    return _answer(request, customer)


@login_required
@require_POST
def change_member(request: HttpRequest, pk: int, user: int) -> HttpResponse:
    customer = _customer(request, pk)
    member = get_object_or_404(
        CustomerMember.objects.select_related("user"), customer=customer, user=user
    )
    form = MemberChangeForm(request.POST, prefix=f"m{member.user_id}")
    if not form.is_valid():
        return _answer(request, customer, error=_first_error(form))
    data = form.cleaned_data
    try:
        actions.add_member(request.user, customer, member.user, data["access"], data["until"])
    except DomainError as error:
        return _answer(request, customer, error=error.message)
    return _answer(request, customer)


@login_required
@require_POST
def remove_member(request: HttpRequest, pk: int, user: int) -> HttpResponse:
    customer = _customer(request, pk)
    member = get_object_or_404(
        CustomerMember.objects.select_related("user"), customer=customer, user=user
    )
    try:
        actions.remove_member(request.user, customer, member.user)
    except DomainError as error:
        return _answer(request, customer, error=error.message)
    return _answer(request, customer)


def _first_error(form: Any) -> str:
    return next((str(m) for ms in form.errors.values() for m in ms), "")
