"""The pools app's declarations: its permission module and menu item."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

ACTIONS = ("view", "claim", "assign", "manage")


class PoolsConfig(AppConfig):
    name = "huike.pools"
    label = "pools"
    verbose_name = _("Public pools")

    def ready(self) -> None:
        from django.db.models import Q

        from huike.core.registry import MenuItem, PermissionModule, registry
        from huike.customers.models import Customer

        # A customer in the pool is nobody's: its last owner (kept in ``owner``) no longer
        # sees it through the owner scopes; pool members see it on the pool's page.
        registry.add_scope_restriction(Customer, lambda user: Q(pool__isnull=True))

        registry.register_module(
            PermissionModule(
                key="pools",
                label=_("Public pools"),
                actions=ACTIONS,
                presets={
                    "sales_rep": (("view", "claim"), None),
                    "sales_manager": (("view", "claim", "assign"), None),
                    "sales_director": (ACTIONS, None),
                },
                order=35,
            )
        )
        registry.register_menu(
            MenuItem(
                key="pools",
                label=_("Public pools"),
                url_name="pools:list",
                icon="ti-inbox",
                permission="pools.view",
                order=35,
            )
        )
        _declare_customer_actions()


def _declare_customer_actions() -> None:
    """The customer page's "Return to pool" button (the form lives here, in pools)."""
    from django.urls import reverse

    from huike.core.record_types import RecordAction, record_type

    record_type("customers").add_action(
        RecordAction(
            key="return-to-pool",
            label=_("Return to pool"),
            url=lambda customer: f"{reverse('pools:return')}?ids={customer.pk}",
            icon="ti-arrow-back-up",
            permission="customers.edit",
            when=lambda user, customer: customer.pool_id is None and not customer.is_locked,
            order=50,
        )
    )
