from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "huike.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .registry import MenuItem, registry

        registry.register_menu(
            MenuItem(
                key="workbench",
                label=_("Workbench"),
                url_name="workbench",
                icon="ti-home",
                order=0,
            )
        )

        from .views_config import register_config_menu

        register_config_menu()
