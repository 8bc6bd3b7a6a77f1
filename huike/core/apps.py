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

        registry.register_menu(
            MenuItem(
                key="recycle_bin",
                label=_("Recycle bin"),
                url_name="recycle:list",
                icon="ti-trash",
                order=890,
            )
        )

        from .views_config import register_config_menu

        register_config_menu()

        from .views_custom_fields import MENU_ITEM

        registry.register_menu_run("system", 942, [MENU_ITEM])
