"""Tabs the customers module adds to detail pages: a customer's contacts, org chart and
team."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from huike.core import scopes
from huike.core.fields import policy
from huike.core.record_types import Tab

from .models import Contact

CONTACTS_SHOWN = 100


def _contacts(request, customer: Any):
    """The customer's contacts the user sees (phones as the field policy allows)."""
    pol = policy(request.user, Contact)
    contacts = list(
        scopes.visible(request.user, Contact)
        .filter(customer=customer)
        .order_by("-is_primary", "name", "id")[:CONTACTS_SHOWN]
    )
    for contact in contacts:
        contact.mobile_shown = pol.display("mobile", contact.mobile)
        contact.email_shown = pol.display("email", contact.email)
    return render(
        request,
        "records/tabs/customer_contacts.html",
        {"customer": customer, "contacts": contacts},
    )


def contacts_tab() -> Tab:
    return Tab(
        key="contacts",
        label=_("Contacts"),
        render=_contacts,
        order=10,
        permission="contacts.view",
        count=lambda customer: Contact.objects.filter(customer=customer).count(),
    )


def _org_chart(request, customer: Any):
    from .views import org_chart_fragment

    return org_chart_fragment(request, customer)


def org_chart_tab() -> Tab:
    """CUS-09: the customer's contacts drawn from "reports to"."""
    return Tab(
        key="org-chart",
        label=_("Org chart"),
        render=_org_chart,
        order=15,
        permission="contacts.view",
    )


def _team(request, customer: Any):
    from .views_team import team_fragment

    return team_fragment(request, customer)


def team_tab() -> Tab:
    """CUS-07: the customer's team, managed in place by owners and editors."""
    from .views_team import current_members

    return Tab(
        key="team",
        label=_("Team"),
        render=_team,
        order=80,
        permission="customers.view",
        count=lambda customer: current_members(customer).count(),
    )
