"""Customers and contacts as registered record types: everything generic (lists, detail
pages, forms, import/export, search, API) reads these two declarations."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huike.core import scopes
from huike.core.errors import DomainError
from huike.core.record_types import RecordAction, RecordType, record_type, register_record_type

from . import actions, bulk, services
from .models import Contact, Customer
from .tabs import contacts_tab, org_chart_tab, team_tab

CUSTOMER_GROUPS = (
    (
        gettext_lazy("Basic information"),
        ("name", "type", "source", "level", "industry", "status", "next_contact_at"),
    ),
    (
        gettext_lazy("Contact details"),
        (
            "contact_title",
            "mobile",
            "office_phone",
            "home_phone",
            "fax",
            "wechat",
            "qq",
            "email",
            "website",
        ),
    ),
    (
        gettext_lazy("Address"),
        (
            "country",
            "province",
            "city",
            "district",
            "address",
            "post_code",
            "latitude",
            "longitude",
        ),
    ),
    (
        gettext_lazy("Company"),
        (
            "legal_representative",
            "registered_capital",
            "staff_size",
            "credit_rating",
            "credit_limit",
            "remark",
        ),
    ),
)

CONTACT_GROUPS = (
    (
        gettext_lazy("Basic information"),
        (
            "name",
            "customer",
            "department",
            "title",
            "decision_role",
            "reports_to",
            "gender",
            "birthday",
        ),
    ),
    (
        gettext_lazy("Contact details"),
        ("mobile", "phone", "email", "wechat", "qq", "address", "remark"),
    ),
)


def _customer_of(actor: Any, value: Any) -> Customer:
    """The visible live customer a contact is created under (an id or a Customer)."""
    pk = getattr(value, "pk", value)
    if pk in (None, ""):
        raise DomainError(_("Choose the contact's customer."), field="customer")
    try:
        return scopes.visible(actor, Customer).get(pk=int(pk))
    except (Customer.DoesNotExist, TypeError, ValueError):
        raise DomainError(_("Choose the contact's customer."), field="customer") from None


def create_contact(actor: Any, data: dict[str, Any]) -> Contact:
    data = dict(data)
    customer = _customer_of(actor, data.pop("customer", None))
    return services.create_contact(actor, customer, data)


def update_contact(actor: Any, contact: Any, data: dict[str, Any]) -> Contact:
    data = dict(data)
    customer = data.pop("customer", None)
    if customer not in (None, "") and int(getattr(customer, "pk", customer)) != (
        contact.customer_id
    ):
        raise DomainError(
            _("A contact stays with its customer; create it again under the other one."),
            field="customer",
        )
    return services.update_contact(actor, contact, data)


def transfer_contacts(actor: Any, contacts: Any, new_owner: Any) -> int:
    raise PermissionDenied(_("A contact goes with its customer: transfer the customer."))


def _extra_url(name: str):
    return lambda customer: reverse(f"customers_extra:{name}", args=[customer.pk])


def _may_merge(user: Any, customer: Customer) -> bool:
    from huike.core.permissions import has_perm

    return customer.pool_id is None and has_perm(user, "customers.edit")


def customer_actions() -> list[RecordAction]:
    """The detail header's buttons of CUS-05, CUS-06 and CUS-08; each page checks again."""
    return [
        RecordAction(
            key="transfer",
            label=gettext_lazy("Transfer"),
            url=_extra_url("transfer_one"),
            icon="ti-transfer",
            permission="customers.transfer",
            when=lambda user, customer: customer.pool_id is None,
            order=20,
        ),
        RecordAction(
            key="lock",
            label=gettext_lazy("Lock"),
            url=_extra_url("lock"),
            icon="ti-lock",
            permission="customers.lock",
            when=lambda user, customer: customer.pool_id is None and not customer.is_locked,
            order=30,
        ),
        RecordAction(
            key="unlock",
            label=gettext_lazy("Unlock"),
            url=_extra_url("unlock"),
            icon="ti-lock-open",
            permission="customers.lock",
            when=lambda user, customer: customer.pool_id is None and customer.is_locked,
            order=30,
        ),
        RecordAction(
            key="merge",
            label=gettext_lazy("Merge"),
            url=_extra_url("merge"),
            icon="ti-arrow-merge",
            permission="customers.delete",
            when=_may_merge,
            order=60,
        ),
    ]


def _import_pools(user: Any) -> list[tuple[int, str]]:
    """POOL-09: the public pools a customer import may fill instead of giving an owner."""
    from huike.pools.services import pools_to_import_into

    return [(pool.pk, pool.name) for pool in pools_to_import_into(user)]


def register() -> None:
    register_record_type(
        RecordType(
            model=Customer,
            key="customers",
            list_columns=(
                "name",
                "number",
                "level",
                "industry",
                "mobile",
                "city",
                "status",
                "owner",
                "last_follow_up_at",
                "updated_at",
            ),
            field_groups=CUSTOMER_GROUPS,
            create=lambda actor, data: services.create_customer(actor, data),
            update=services.update_customer,
            transfer=actions.transfer,
            transfer_page="customers_extra:transfer",
            number_field="number",
            header_fields=(
                "number",
                "level",
                "status",
                "owner",
                "deal_total",
                "received_total",
                "outstanding_total",
                "last_follow_up_at",
            ),
            phone_rev_fields=("mobile_rev", "phone_rev"),
            search_subtitle_fields=("number", "city"),
            import_match_fields=("name",),
            bulk_import=bulk.import_batch,
            import_destinations=_import_pools,
            import_destination_label=gettext_lazy("Into a public pool"),
            icon="ti-building-store",
            order=30,
        )
    )
    customers = record_type("customers")
    customers.add_tab(contacts_tab())
    customers.add_tab(org_chart_tab())
    customers.add_tab(team_tab())
    for action in customer_actions():
        customers.add_action(action)
    register_record_type(
        RecordType(
            model=Contact,
            key="contacts",
            list_columns=(
                "name",
                "customer",
                "title",
                "mobile",
                "email",
                "decision_role",
                "owner",
                "updated_at",
            ),
            field_groups=CONTACT_GROUPS,
            create=create_contact,
            update=update_contact,
            transfer=transfer_contacts,
            create_only_fields=("customer",),
            header_fields=("customer", "title", "mobile", "email", "owner"),
            phone_rev_fields=("mobile_rev", "phone_rev"),
            search_subtitle_fields=("customer", "title"),
            select_related=("owner", "customer"),
            import_match_fields=("customer", "name"),
            icon="ti-address-book",
            order=31,
        )
    ).add_action(
        RecordAction(
            key="vcard",
            label=gettext_lazy("vCard"),
            url=lambda contact: reverse("customers_extra:contact_vcard", args=[contact.pk]),
            icon="ti-id",
            permission="contacts.view",
        )
    )
