"""The leads app's declarations: permission module, scope, hand-over, menu item and the
record type (docs/development/adding-a-module.md)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

REP_ACTIONS = ("view", "create", "edit", "transfer")
MANAGER_ACTIONS = (*REP_ACTIONS, "delete", "import", "export")

PRESETS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "sales_rep": (REP_ACTIONS, "self"),
    "sales_manager": (MANAGER_ACTIONS, "subordinates"),
    "sales_director": (MANAGER_ACTIONS, "department_tree"),
}


class LeadsConfig(AppConfig):
    name = "huike.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from huike.core.registry import PermissionModule, registry

        from .models import Lead

        registry.register_owned_records(
            Lead,
            PermissionModule(
                key="leads",
                label=_("Leads"),
                actions=MANAGER_ACTIONS,
                scoped=True,
                policy_fields=(
                    ("mobile", _("Mobile")),
                    ("phone", _("Phone")),
                    ("email", _("E-mail")),
                    ("wechat", _("WeChat")),
                ),
                presets=PRESETS,
                order=20,
            ),
            icon="ti-target-arrow",
        )
        from .record_types import register

        register()
