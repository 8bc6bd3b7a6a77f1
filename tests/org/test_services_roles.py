"""Roles (ORG-03..06): rights, data scopes and field rules saved and logged; the Super
administrator role protected; deletion guarded."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from huike.core.errors import DomainError
from huike.core.fields import policy
from huike.core.models import OperationLog
from huike.core.scopes import scopes_for
from huike.org import services
from huike.org.models import Role, User


def rights(**overrides):
    values = {
        "name": "Key accounts",
        "description": "Big customers",
        "permissions": ["memos.view", "memos.edit"],
        "data_scopes": {"memos": "department_tree"},
        "field_policies": {"memos": {"phone": "masked", "secret": "hidden"}},
        "require_2fa": True,
    }
    values.update(overrides)
    return values


def test_create_role_and_it_applies(demo):
    role = services.create_role(demo["admin"], **rights())
    rep = demo["rep_east1"]
    rep.roles.set([role])
    rep = User.objects.get(pk=rep.pk)
    assert scopes_for(rep, "memos") == {"department_tree"}
    assert policy(rep, "memos").is_hidden("secret")
    assert rep.requires_2fa


def test_edit_preset_role_saves_everything_and_logs_what_changed(demo):
    rep_role = Role.objects.get(code="sales_rep")
    services.update_role(
        demo["admin"],
        rep_role,
        name=rep_role.name,
        description="Field sales",
        permissions=["memos.view", "memos.create"],  # edit removed, nothing added
        data_scopes={"memos": "subordinates"},
        field_policies={"memos": {"phone": "masked_list"}},
        require_2fa=False,
    )
    rep_role.refresh_from_db()
    assert rep_role.permissions == ["memos.create", "memos.view"]
    assert rep_role.data_scopes == {"memos": "subordinates"}
    assert rep_role.field_policies == {"memos": {"phone": "masked_list"}}
    entry = OperationLog.objects.get(action="update", object_id=str(rep_role.pk))
    fields = {c["field"] for c in entry.changes}
    assert fields == {
        "description",
        "permissions_removed",
        "data_scopes.memos",
        "field_policies.memos.phone",
    }
    removed = next(c for c in entry.changes if c["field"] == "permissions_removed")
    assert "Memos" in removed["old"]


def test_unchanged_role_writes_no_log(demo):
    role = services.create_role(demo["admin"], **rights())
    before = OperationLog.objects.count()
    services.update_role(demo["admin"], role, **rights())
    assert OperationLog.objects.count() == before


@pytest.mark.parametrize(
    "bad",
    [
        {"permissions": ["memos.fly"]},
        {"data_scopes": {"memos": "galaxy"}},
        {"data_scopes": {"users": "all"}},  # users is not a scoped module
        {"field_policies": {"memos": {"title": "hidden"}}},  # not a policy field
        {"field_policies": {"memos": {"phone": "shredded"}}},
    ],
)
def test_invalid_rights_are_refused(demo, bad):
    with pytest.raises(DomainError):
        services.create_role(demo["admin"], **rights(**bad))
    assert not Role.objects.filter(name="Key accounts").exists()


def test_duplicate_name_is_refused(demo):
    with pytest.raises(DomainError) as error:
        services.create_role(demo["admin"], **rights(name=Role.objects.get(code="finance").name))
    assert error.value.field == "name"


def test_super_administrator_role_cannot_be_edited_or_deleted(demo):
    superadmin = Role.objects.get(is_superadmin=True)
    with pytest.raises(PermissionDenied):
        services.update_role(demo["admin"], superadmin, **rights(name="Boss"))
    with pytest.raises(PermissionDenied):
        services.delete_role(demo["admin"], superadmin)
    assert Role.objects.get(pk=superadmin.pk).name == superadmin.name


def test_role_held_by_users_cannot_be_deleted(demo):
    role = services.create_role(demo["admin"], **rights())
    demo["rep_east1"].roles.add(role)
    with pytest.raises(DomainError) as error:
        services.delete_role(demo["admin"], role)
    assert error.value.code == "in_use"
    demo["rep_east1"].roles.remove(role)
    services.delete_role(demo["admin"], role)
    assert not Role.objects.filter(pk=role.pk).exists()


def test_preset_role_is_kept(demo):
    finance = Role.objects.get(code="finance")
    finance.users.clear()
    with pytest.raises(DomainError) as error:
        services.delete_role(demo["admin"], finance)
    assert error.value.code == "preset"


def test_role_editor_cannot_add_rights_they_lack(demo):
    editor_role = Role.objects.create(name="Role editor", permissions=["roles.view", "roles.edit"])
    editor = demo["finance1"]
    editor.roles.set([editor_role])
    editor = User.objects.get(pk=editor.pk)
    with pytest.raises(DomainError) as error:
        services.update_role(
            editor,
            editor_role,
            name="Role editor",
            permissions=["roles.view", "roles.edit", "system.manage"],
        )
    assert error.value.code == "not_grantable"
