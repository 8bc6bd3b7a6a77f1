"""The roles pages (ORG-03..06) through HTTP."""

from __future__ import annotations

from django.urls import reverse

from huike.core.models import OperationLog
from huike.org.models import Role


def role_post(**overrides):
    data = {
        "name": "Key accounts",
        "description": "Big customers",
        "require_2fa": "on",
        "permissions": ["memos.view", "memos.edit", "users.view"],
        "scope__memos": "department",
        "rule__memos__phone": "masked",
        "rule__memos__secret": "",
    }
    data.update(overrides)
    return data


def test_list_shows_user_counts(login, demo, django_assert_max_num_queries):
    client = login("admin")
    client.get(reverse("org:roles"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:roles"))
    roles = {r.code: r for r in response.context["roles"]}
    assert roles["sales_rep"].user_count == 3
    assert roles["superadmin"].user_count == 1
    page = response.content.decode()
    superadmin = roles["superadmin"]
    assert reverse("org:role_edit", args=[superadmin.pk]) not in page
    assert reverse("org:role_delete", args=[superadmin.pk]) not in page


def test_create_role(login, demo):
    response = login("admin").post(reverse("org:role_create"), role_post())
    assert response.status_code == 302
    role = Role.objects.get(name="Key accounts")
    assert sorted(role.permissions) == ["memos.edit", "memos.view", "users.view"]
    assert role.data_scopes == {"memos": "department"}
    assert role.field_policies == {"memos": {"phone": "masked"}}
    assert role.require_2fa


def test_edit_preset_role_saves_rights_scopes_and_rules(login, demo):
    rep = Role.objects.get(code="sales_rep")
    client = login("admin")
    form = client.get(reverse("org:role_edit", args=[rep.pk])).context["form"]
    assert form["scope__memos"].value() == "self"
    response = client.post(
        reverse("org:role_edit", args=[rep.pk]),
        role_post(
            name=rep.name,
            permissions=["memos.view"],
            scope__memos="subordinates",
            rule__memos__secret="hidden",
        ),
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.permissions == ["memos.view"]
    assert rep.data_scopes == {"memos": "subordinates"}
    assert rep.field_policies == {"memos": {"phone": "masked", "secret": "hidden"}}
    entry = OperationLog.objects.get(action="update", object_id=str(rep.pk))
    assert {"permissions_removed", "data_scopes.memos"} <= {c["field"] for c in entry.changes}


def test_super_administrator_role_is_forbidden(login, demo):
    superadmin = Role.objects.get(is_superadmin=True)
    client = login("admin")
    assert client.get(reverse("org:role_edit", args=[superadmin.pk])).status_code == 403
    assert (
        client.post(reverse("org:role_edit", args=[superadmin.pk]), role_post()).status_code == 403
    )
    assert client.post(reverse("org:role_delete", args=[superadmin.pk])).status_code == 403
    assert Role.objects.filter(pk=superadmin.pk, name=superadmin.name).exists()


def test_delete_role_in_use_shows_a_message(login, demo):
    role = Role.objects.create(name="Key accounts", permissions=["memos.view"])
    demo["rep_east1"].roles.add(role)
    client = login("admin")
    response = client.post(reverse("org:role_delete", args=[role.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Role.objects.filter(pk=role.pk).exists()
    demo["rep_east1"].roles.remove(role)
    client.post(reverse("org:role_delete", args=[role.pk]))
    assert not Role.objects.filter(pk=role.pk).exists()


def test_bad_scope_value_is_a_form_error(login, demo):
    response = login("admin").post(reverse("org:role_create"), role_post(scope__memos="galaxy"))
    assert response.status_code == 200
    assert "scope__memos" in response.context["form"].errors
    assert not Role.objects.filter(name="Key accounts").exists()
