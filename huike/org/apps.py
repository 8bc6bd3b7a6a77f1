from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: Preset grants of the directory modules: managers and read-only users may look them up.
MANAGERS_MAY_LOOK: dict[str, tuple[tuple[str, ...], str | None]] = {
    "sales_director": (("view",), None),
    "sales_manager": (("view",), None),
    "read_only": (("view",), None),
}


class OrgConfig(AppConfig):
    name = "huike.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .presets import ensure_base_rows

        post_migrate.connect(ensure_base_rows, sender=self)

        from .signals import connect as connect_sign_in_signals

        connect_sign_in_signals()

        from huike.core.registry import PermissionModule, registry

        registry.register_module(
            PermissionModule(
                key="departments",
                label=_("Departments"),
                actions=("view", "create", "edit", "delete"),
                order=900,
                presets=MANAGERS_MAY_LOOK,
            )
        )
        registry.register_module(
            PermissionModule(
                key="users",
                label=_("Users"),
                actions=("view", "create", "edit", "delete", "export"),
                order=910,
                presets=MANAGERS_MAY_LOOK,
            )
        )
        registry.register_module(
            PermissionModule(
                key="roles",
                label=_("Roles"),
                actions=("view", "create", "edit", "delete"),
                order=920,
            )
        )
        registry.register_module(
            PermissionModule(
                key="system",
                label=_("System settings and logs"),
                actions=("view", "manage"),
                order=930,
            )
        )
        registry.register_menu_run(
            "system",
            900,
            [
                (
                    "departments",
                    _("Departments"),
                    "org:departments",
                    "ti-sitemap",
                    "departments.view",
                ),
                ("users", _("Users"), "org:users", "ti-users", "users.view"),
                ("roles", _("Roles"), "org:roles", "ti-shield-lock", "roles.view"),
                ("security", _("Security settings"), "org:security", "ti-lock", "system.manage"),
                ("company", _("Company"), "org:company", "ti-building", "system.manage"),
                ("online", _("Online users"), "org:online", "ti-plug-connected", "system.view"),
                ("login_log", _("Login log"), "org:login_log", "ti-login", "system.view"),
                ("system_log", _("System log"), "org:system_log", "ti-history", "system.view"),
            ],
        )
