"""The registry every module declares itself in.

Menus, the permission matrix, data scopes, field permissions and the user hand-over all read
from here, so a new module is a handful of declarations in its ``AppConfig.ready()`` rather than
edits scattered over the core. Declarations are made once at start-up; after that the registry
is read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db import models
    from django.db.models import Q

#: Every action a permission can name, in the order the role editor shows them.
ACTIONS: dict[str, Any] = {
    "view": _("View"),
    "create": _("Create"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "import": _("Import"),
    "export": _("Export"),
    "transfer": _("Transfer"),
    "share": _("Share / team"),
    "lock": _("Lock"),
    "claim": _("Claim from pool"),
    "assign": _("Assign from pool"),
    "return": _("Return to pool"),
    "approve": _("Approve"),
    "print": _("Print"),
    "manage": _("Manage settings"),
}


@dataclass(frozen=True)
class PermissionModule:
    """A unit of the permission matrix: a business area and the actions it offers."""

    key: str
    label: Any
    actions: tuple[str, ...]
    #: Whether roles choose a data scope for it (record modules do, settings pages do not).
    scoped: bool = False
    #: Fields a role may hide, mask or make read-only: (field name, label) pairs.
    policy_fields: tuple[tuple[str, Any], ...] = ()
    #: What each preset role (by code) gets here on a fresh install: code -> (actions, scope).
    #: Scope is ignored for unscoped modules. Admins may edit the roles afterwards.
    presets: dict[str, tuple[tuple[str, ...], str | None]] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: Any
    url_name: str
    icon: str
    #: "module.action" that must be held to see the item; None = every signed-in user.
    permission: str | None = None
    group: str = "main"
    order: int = 100


@dataclass
class ScopedModel:
    """How a model's rows are filtered by data scope."""

    model: type[models.Model]
    module: str
    #: ORM path from the model to the owning user, e.g. "owner" or "customer__owner".
    owner_field: str = "owner"
    #: Extra visibility beyond the owner scope (team members, shares): user -> Q. A rule that
    #: crosses a many-valued relation is applied as a ``pk__in`` sub-query by the scope code,
    #: so it can never duplicate rows in a listing.
    extensions: list[Callable[[Any], Q]] = field(default_factory=list)
    #: Conditions every row must also meet unless the user's scope is "all" (a customer in
    #: the public pool is nobody's, though its last owner is kept): user -> Q.
    restrictions: list[Callable[[Any], Q]] = field(default_factory=list)


@dataclass(frozen=True)
class HandoverTarget:
    """Records a disabled user's successor inherits (ORG-02)."""

    model: type[models.Model]
    owner_field: str = "owner"
    label: Any = ""


class Registry:
    def __init__(self) -> None:
        self.modules: dict[str, PermissionModule] = {}
        self.menu: dict[str, MenuItem] = {}
        self.scoped_models: dict[type[models.Model], ScopedModel] = {}
        self.handover: list[HandoverTarget] = []

    # -- declarations --------------------------------------------------------------------
    def register_module(self, module: PermissionModule) -> PermissionModule:
        """Declare a permission module; mistakes in it fail at start-up, not in a role editor."""
        from .scopes import Scope

        unknown = set(module.actions) - set(ACTIONS)
        if unknown:
            raise ImproperlyConfigured(
                f"Module {module.key!r} names unknown actions {sorted(unknown)}"
            )
        for role_code, (actions, scope) in module.presets.items():
            stray = set(actions) - set(module.actions)
            if stray:
                raise ImproperlyConfigured(
                    f"Module {module.key!r}: preset for {role_code!r} grants actions "
                    f"{sorted(stray)} the module does not offer"
                )
            if scope is not None and scope not in Scope.values:
                raise ImproperlyConfigured(
                    f"Module {module.key!r}: preset for {role_code!r} names unknown data "
                    f"scope {scope!r}; use one of {Scope.values}"
                )
        self.modules[module.key] = module
        return module

    def register_menu(self, item: MenuItem) -> None:
        self.menu[item.key] = item

    def register_menu_run(
        self, group: str, first_order: int, items: list[tuple[str, Any, str, str, str | None]]
    ) -> None:
        """Declare menu items that stand together in the order given, numbered from
        ``first_order``; each is ``(key, label, url_name, icon, permission)``."""
        for offset, (key, label, url_name, icon, permission) in enumerate(items):
            self.register_menu(
                MenuItem(
                    key=key,
                    label=label,
                    url_name=url_name,
                    icon=icon,
                    permission=permission,
                    group=group,
                    order=first_order + offset,
                )
            )

    def register_scoped_model(
        self, model: type[models.Model], module: str, owner_field: str = "owner"
    ) -> ScopedModel:
        if module not in self.modules:
            raise ImproperlyConfigured(
                f"{model.__name__} is scoped by module {module!r}, which is not registered; "
                "call registry.register_module() first."
            )
        if not self.modules[module].scoped:
            raise ImproperlyConfigured(
                f"{model.__name__} is scoped by module {module!r}, which is declared with "
                "scoped=False, so no role could give it a data scope."
            )
        _check_user_path(model, owner_field)
        entry = ScopedModel(model=model, module=module, owner_field=owner_field)
        self.scoped_models[model] = entry
        return entry

    def add_scope_extension(self, model: type[models.Model], rule: Callable[[Any], Q]) -> None:
        """OR ``rule(user)`` into what ``user`` sees of ``model`` (teams, shares: ORG-05)."""
        self.scoped(model).extensions.append(rule)

    def register_owned_records(
        self,
        model: type[models.Model],
        module: PermissionModule,
        *,
        icon: str,
        owner_field: str = "owner",
    ) -> None:
        """The usual declarations of a module of owned records in one call: its permission
        module (scoped), its data scope by owner, the hand-over of a disabled user's rows and
        its menu item pointing at the generic list (``<key>:list``)."""
        self.register_module(module)
        self.register_scoped_model(model, module.key, owner_field=owner_field)
        self.register_handover(model, owner_field=owner_field, label=module.label)
        self.register_menu(
            MenuItem(
                key=module.key,
                label=module.label,
                url_name=f"{module.key}:list",
                icon=icon,
                permission=f"{module.key}.view",
                order=module.order,
            )
        )

    def add_scope_restriction(self, model: type[models.Model], rule: Callable[[Any], Q]) -> None:
        self.scoped(model).restrictions.append(rule)

    def register_handover(
        self, model: type[models.Model], owner_field: str = "owner", label: Any = ""
    ) -> None:
        _check_user_path(model, owner_field)
        if any(t.model is model and t.owner_field == owner_field for t in self.handover):
            return  # declared twice (e.g. ready() re-run): hand over once
        self.handover.append(
            HandoverTarget(
                model=model, owner_field=owner_field, label=label or model._meta.verbose_name_plural
            )
        )

    # -- look-ups ------------------------------------------------------------------------
    def scoped(self, model: type[models.Model]) -> ScopedModel:
        # A proxy is scoped like the concrete model it stands for.
        entry = self.scoped_models.get(model) or self.scoped_models.get(
            model._meta.concrete_model or model
        )
        if entry is None:
            raise ImproperlyConfigured(
                f"{model.__name__} is not registered for data scopes; call "
                "registry.register_scoped_model() in its AppConfig.ready()."
            )
        return entry

    def module(self, key: str) -> PermissionModule:
        try:
            return self.modules[key]
        except KeyError:
            raise ImproperlyConfigured(f"Permission module {key!r} is not registered") from None

    def all_permission_codes(self) -> set[str]:
        return {f"{m.key}.{a}" for m in self.modules.values() for a in m.actions}

    def sorted_modules(self) -> list[PermissionModule]:
        return sorted(self.modules.values(), key=lambda m: (m.order, m.key))

    def sorted_menu(self) -> list[MenuItem]:
        return sorted(self.menu.values(), key=lambda i: (i.order, i.key))


def _check_user_path(model: type[models.Model], path: str) -> None:
    """Fail at start-up when ``path`` (e.g. "customer__owner") does not lead to the user model,
    instead of with a FieldError on the first scoped query."""
    from django.conf import settings
    from django.core.exceptions import FieldDoesNotExist

    opts = model._meta
    target: Any = None
    for part in path.split("__"):
        try:
            target = opts.get_field(part)
        except FieldDoesNotExist:
            target = None
        if target is None or not target.is_relation or target.related_model is None:
            raise ImproperlyConfigured(
                f"{model.__name__}: {path!r} is not a path of relations to the user model"
            )
        if target.many_to_many or target.one_to_many:
            raise ImproperlyConfigured(
                f"{model.__name__}: {path!r} crosses a many-valued relation; an owner path must "
                "name exactly one user per record"
            )
        opts = target.related_model._meta
    if opts.label != settings.AUTH_USER_MODEL:
        raise ImproperlyConfigured(
            f"{model.__name__}: {path!r} leads to {opts.label}, not to the user model"
        )


registry = Registry()
