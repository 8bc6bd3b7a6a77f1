"""Built-in rows every installation has: the company root, the Super administrator role and
the preset roles (ORG-03), whose grants come from the modules' registry declarations."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from huike.core.models import SystemSettings
from huike.core.registry import registry

SUPERADMIN = "superadmin"
#: (code, name) of the preset roles, in the order the role list shows them.
PRESET_ROLES = [
    ("sales_director", _("Sales director")),
    ("sales_manager", _("Sales manager")),
    ("sales_rep", _("Sales representative")),
    ("service_agent", _("Service agent")),
    ("finance", _("Finance")),
    ("read_only", _("Read-only")),
]


@transaction.atomic
def ensure_preset_roles() -> None:
    from django.utils import translation

    from .models import Role

    with translation.override("zh-hans"):
        Role.objects.get_or_create(
            code=SUPERADMIN,
            defaults={
                "name": str(_("Super administrator")),
                "is_superadmin": True,
                "is_builtin": True,
                "sort_order": 0,
            },
        )
        for order, (code, label) in enumerate(PRESET_ROLES, start=1):
            role = Role.objects.filter(code=code).first()
            if role is None:
                name = str(label)
                if Role.objects.filter(name=name).exists():
                    # An administrator already made a role of that name: keep theirs intact.
                    name = f"{name} ({code})"
                role = Role.objects.create(code=code, name=name, is_builtin=True, sort_order=order)
            apply_module_presets(role)


def apply_module_presets(role) -> None:
    """Grant ``role`` the preset rights of modules it has not been seeded with yet.

    A module is applied once per role and then remembered in ``seeded_modules``: upgrades that
    add a module grant its presets, and an administrator's later edits (a right removed, a
    scope narrowed) are never undone.
    """
    seeded = set(role.seeded_modules or [])
    perms = list(role.permissions or [])
    scopes = dict(role.data_scopes or {})
    changed = False
    for module in registry.sorted_modules():
        if module.key in seeded:
            continue
        seeded.add(module.key)
        changed = True
        grant = module.presets.get(role.code)
        if role.code == "read_only" and grant is None and module.scoped:
            # Read-only sees every business record; settings pages must opt in explicitly.
            grant = (("view",), "all")
        if grant is None:
            continue
        actions, scope = grant
        perms.extend(
            f"{module.key}.{a}"
            for a in actions
            if a in module.actions and f"{module.key}.{a}" not in perms
        )
        if module.scoped and scope:
            scopes[module.key] = scope
    if changed:
        role.permissions, role.data_scopes = perms, scopes
        role.seeded_modules = sorted(seeded)
        role.save(update_fields=["permissions", "data_scopes", "seeded_modules"])


def ensure_root_department():
    from .models import Department

    root = Department.objects.filter(parent__isnull=True).first()
    if root is None:
        root = Department.objects.create(name="汇客科技")
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
    return root


def ensure_base_rows(**_kwargs) -> None:
    """post_migrate: the rows Huike cannot work without."""
    SystemSettings.objects.get_or_create(pk=1)
    ensure_root_department()
    ensure_preset_roles()
