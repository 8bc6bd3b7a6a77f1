"""The customers app's declarations: permission modules, scopes, hand-over, recycle-bin
dependents and menu items for customers and contacts (docs/development/adding-a-module.md)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REP_ACTIONS = ("view", "create", "edit", "transfer", "share", "lock")
MANAGER_ACTIONS = (*REP_ACTIONS, "delete", "import", "export")
ALL_ACTIONS = (*MANAGER_ACTIONS,)

#: Preset grants shared by customers and contacts: a contact is visible with its customer.
PRESETS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "sales_rep": (REP_ACTIONS, "self"),
    "sales_manager": (MANAGER_ACTIONS, "subordinates"),
    "sales_director": (ALL_ACTIONS, "department_tree"),
    "service_agent": (("view",), "all"),
    "finance": (("view",), "all"),
}


class CustomersConfig(AppConfig):
    name = "huike.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from huike.core.records_registry import register_bin_dependent
        from huike.core.registry import PermissionModule, registry

        from .models import Contact, Customer

        # A contact carries its own owner, the customer's owner kept in sync by the services
        # (and by the hand-over, which moves both types): scopes need no join.
        registry.register_owned_records(
            Customer,
            PermissionModule(
                key="customers",
                label=_("Customers"),
                actions=ALL_ACTIONS,
                scoped=True,
                policy_fields=(
                    ("mobile", _("Mobile")),
                    ("office_phone", _("Office phone")),
                    ("home_phone", _("Home phone")),
                    ("fax", _("Fax")),
                    ("email", _("E-mail")),
                    ("wechat", _("WeChat")),
                    ("qq", _("QQ")),
                    ("address", _("Address")),
                    ("credit_limit", _("Credit limit")),
                ),
                presets=PRESETS,
                order=30,
            ),
            icon="ti-building-store",
        )
        registry.register_owned_records(
            Contact,
            PermissionModule(
                key="contacts",
                label=_("Contacts"),
                actions=ALL_ACTIONS,
                scoped=True,
                policy_fields=(
                    ("mobile", _("Mobile")),
                    ("phone", _("Phone")),
                    ("email", _("E-mail")),
                    ("wechat", _("WeChat")),
                    ("qq", _("QQ")),
                    ("birthday", _("Birthday")),
                    ("address", _("Address")),
                ),
                presets=PRESETS,
                order=31,
            ),
            icon="ti-address-book",
        )
        from .actions import team_rule

        registry.add_scope_extension(Customer, team_rule)  # CUS-07: shared with me
        register_bin_dependent(Customer, Contact, "customer")
        from .record_types import register

        register()
