"""Preset roles (ORG-03): created once, grants from the modules' declarations, and upgrades
that add new modules without undoing an administrator's edits."""

from __future__ import annotations

import pytest

from huike.core.registry import PermissionModule, registry
from huike.org.models import Role
from huike.org.presets import PRESET_ROLES, SUPERADMIN, ensure_preset_roles

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        Role.objects.order_by("code").values_list(
            "code", "name", "permissions", "data_scopes", "seeded_modules", "is_builtin"
        )
    )


@pytest.fixture
def later_module(monkeypatch):
    """Register a module after the roles were seeded, as an upgrade would."""
    monkeypatch.setattr(registry, "modules", dict(registry.modules))

    def register():
        return registry.register_module(
            PermissionModule(
                key="gadgets",
                label="Gadgets",
                actions=("view", "create", "export"),
                scoped=True,
                presets={
                    "sales_rep": (("view", "create"), "self"),
                    "sales_manager": (("view", "export"), "subordinates"),
                },
            )
        )

    return register


def test_every_preset_role_exists_once():
    codes = [SUPERADMIN, *(code for code, _label in PRESET_ROLES)]
    assert sorted(Role.objects.values_list("code", flat=True)) == sorted(codes)
    superadmin = Role.objects.get(code=SUPERADMIN)
    assert superadmin.is_superadmin and superadmin.is_builtin
    assert not Role.objects.filter(is_superadmin=True).exclude(code=SUPERADMIN).exists()


def test_grants_come_from_module_declarations():
    rep = Role.objects.get(code="sales_rep")
    assert {"memos.view", "memos.create", "memos.edit"} <= set(rep.permissions)
    assert "memos.delete" not in rep.permissions
    assert rep.data_scopes["memos"] == "self"
    assert Role.objects.get(code="sales_manager").data_scopes["memos"] == "subordinates"
    assert Role.objects.get(code="sales_director").data_scopes["memos"] == "department_tree"
    assert "memos" in rep.seeded_modules


def test_read_only_gets_view_all_on_record_modules_only():
    ro = Role.objects.get(code="read_only")
    assert "memos.view" in ro.permissions and ro.data_scopes["memos"] == "all"
    assert not any(p.startswith("memos.") and p != "memos.view" for p in ro.permissions)
    assert "departments.view" in ro.permissions  # declared explicitly by the org module
    assert "roles.view" not in ro.permissions  # not declared: settings stay closed


def test_idempotent():
    before = snapshot()
    ensure_preset_roles()
    ensure_preset_roles()
    assert snapshot() == before


def test_admin_edits_survive_a_rerun():
    rep = Role.objects.get(code="sales_rep")
    rep.permissions = [p for p in rep.permissions if p != "memos.edit"]
    rep.data_scopes = {**rep.data_scopes, "memos": "department"}
    rep.save()
    ensure_preset_roles()
    rep.refresh_from_db()
    assert "memos.edit" not in rep.permissions
    assert rep.data_scopes["memos"] == "department"


def test_later_module_grants_are_added_without_undoing_edits(later_module):
    rep = Role.objects.get(code="sales_rep")
    rep.permissions = [p for p in rep.permissions if p != "memos.edit"]
    rep.save()

    later_module()
    ensure_preset_roles()

    rep.refresh_from_db()
    assert {"gadgets.view", "gadgets.create"} <= set(rep.permissions)
    assert rep.data_scopes["gadgets"] == "self"
    assert "memos.edit" not in rep.permissions  # the administrator's edit stands
    assert "gadgets" in rep.seeded_modules
    manager = Role.objects.get(code="sales_manager")
    assert {"gadgets.view", "gadgets.export"} <= set(manager.permissions)
    assert manager.data_scopes["gadgets"] == "subordinates"
    ro = Role.objects.get(code="read_only")
    assert "gadgets.view" in ro.permissions and ro.data_scopes["gadgets"] == "all"
    finance = Role.objects.get(code="finance")
    assert not any(p.startswith("gadgets.") for p in finance.permissions)
    assert "gadgets" in finance.seeded_modules  # decided once: no grant

    # Once seeded, a removed grant is not given back by the next run.
    rep.permissions = [p for p in rep.permissions if p != "gadgets.create"]
    rep.save()
    ensure_preset_roles()
    rep.refresh_from_db()
    assert "gadgets.create" not in rep.permissions


def test_new_preset_whose_name_an_admin_already_uses_does_not_break_setup():
    """An upgrade that introduces a preset role must not fail on Role.name's uniqueness."""
    finance = Role.objects.get(code="finance")
    name = finance.name
    finance.delete()  # as if this preset were new in the upgrade
    custom = Role.objects.create(name=name, code="custom", permissions=["memos.view"])
    ensure_preset_roles()
    created = Role.objects.get(code="finance")
    assert created.name != name and created.is_builtin
    custom.refresh_from_db()
    assert (custom.name, custom.permissions) == (name, ["memos.view"])
