"""Users (ORG-02, ORG-07): create, edit, disable with hand-over, grants and the guards
around the Super administrator."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from huike.core.errors import DomainError
from huike.core.models import Notification, OperationLog
from huike.core.permissions import has_perm
from huike.org import services
from huike.org.models import Department, Role, User
from tests.testapp.models import Memo


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def new_user_fields(**overrides):
    fields = {
        "username": "newbie",
        "name": "新人",
        "mobile": "13900000001",
        "email": "newbie@huike.example",
        "gender": "female",
        "department": Department.objects.get(name="华东销售组"),
        "title": "销售代表",
        "supervisor": User.objects.get(username="manager_east"),
    }
    fields.update(overrides)
    return fields


def test_create_user_with_roles(demo):
    user = services.create_user(
        demo["admin"],
        password="Good-pass-2026",
        roles=[role("sales_rep"), role("service_agent")],
        **new_user_fields(),
    )
    user.refresh_from_db()
    assert user.check_password("Good-pass-2026")
    assert {r.code for r in user.roles.all()} == {"sales_rep", "service_agent"}
    assert user.supervisor == demo["manager_east"]
    assert OperationLog.objects.filter(action="create", object_id=str(user.pk)).exists()


@pytest.mark.parametrize("password", ["short1", "onlyletters", "", "newbie-Pass-1"])
def test_bad_password_is_refused_and_nothing_written(demo, password):
    users, logs = User.objects.count(), OperationLog.objects.count()
    with pytest.raises(DomainError) as error:
        services.create_user(
            demo["admin"], password=password, roles=[role("sales_rep")], **new_user_fields()
        )
    assert error.value.field == "password"
    assert User.objects.count() == users
    assert OperationLog.objects.count() == logs


def test_duplicate_username_and_bad_mobile_are_reported_together(demo):
    with pytest.raises(services.InvalidInput) as error:
        services.create_user(
            demo["admin"],
            password="Good-pass-2026",
            **new_user_fields(username="rep_east1", mobile="12345"),
        )
    assert set(error.value.errors) >= {"username", "mobile"}
    assert not User.objects.filter(mobile="12345").exists()


def test_supervisor_cycle_is_refused(demo):
    director = demo["director"]
    with pytest.raises(DomainError) as error:
        services.update_user(demo["admin"], director, supervisor=demo["rep_east1"])
    assert error.value.field == "supervisor"
    director.refresh_from_db()
    assert director.supervisor == demo["admin"]


def test_update_logs_changed_fields_and_roles(demo):
    rep = demo["rep_east1"]
    services.update_user(
        demo["admin"], rep, title="高级销售", roles=[role("sales_rep"), role("finance")]
    )
    entry = OperationLog.objects.filter(action="update", object_id=str(rep.pk)).get()
    fields = {c["field"] for c in entry.changes}
    assert fields == {"title", "roles"}
    assert {r.code for r in rep.roles.all()} == {"sales_rep", "finance"}


def test_disable_without_successor_is_refused_when_records_are_owned(demo):
    rep = demo["rep_east1"]
    Memo.objects.create(title="a", owner=rep)
    with pytest.raises(DomainError) as error:
        services.disable_user(demo["admin"], rep)
    assert error.value.code == "successor_required"
    rep.refresh_from_db()
    assert rep.is_active


def test_disable_hands_records_to_the_successor_and_tells_them(demo):
    rep, successor = demo["rep_east1"], demo["rep_east2"]
    Memo.objects.create(title="a", owner=rep)
    Memo.objects.create(title="b", owner=rep)
    counts = {str(label): n for label, n in services.handover_counts(rep)}
    # Every registered record type is listed; only the Memos are owned here.
    assert counts.pop("Memos") == 2
    assert set(counts.values()) <= {0}
    moved = services.disable_user(demo["admin"], rep, successor)
    assert moved == {"Memos": 2}
    assert Memo.objects.filter(owner=successor).count() == 2
    rep.refresh_from_db()
    assert not rep.is_active
    note = Notification.objects.get(recipient=successor, kind="handover")
    assert rep.name in note.title
    assert OperationLog.objects.filter(action="handover", object_id=str(rep.pk)).exists()


def test_disable_without_records_needs_no_successor(demo):
    services.disable_user(demo["admin"], demo["viewer"])
    assert not User.objects.get(username="viewer").is_active
    services.enable_user(demo["admin"], demo["viewer"])
    assert User.objects.get(username="viewer").is_active


def test_reset_password_applies_the_policy(demo):
    with pytest.raises(DomainError):
        services.reset_password(demo["admin"], demo["rep_east1"], "abc")
    services.reset_password(demo["admin"], demo["rep_east1"], "Fresh-start-99")
    assert User.objects.get(username="rep_east1").check_password("Fresh-start-99")


def test_personal_grant_gives_the_right(demo):
    rep = demo["rep_east1"]
    services.set_extra_permissions(demo["admin"], rep, ["users.view", "system.view"])
    assert has_perm(User.objects.get(pk=rep.pk), "users.view")
    entry = OperationLog.objects.filter(action="update", object_id=str(rep.pk)).get()
    assert entry.changes[0]["field"] == "permissions_added"


def test_unknown_permission_is_refused(demo):
    with pytest.raises(DomainError) as error:
        services.set_extra_permissions(demo["admin"], demo["rep_east1"], ["nuclear.launch"])
    assert error.value.code == "unknown_permission"


@pytest.fixture
def user_admin(demo):
    """A user administrator who is not a super administrator."""
    hr = Role.objects.create(
        name="HR", permissions=["users.view", "users.create", "users.edit", "users.delete"]
    )
    user = demo["finance1"]
    user.roles.set([hr])
    return User.objects.get(pk=user.pk)


def test_grants_cannot_exceed_the_granters_rights(demo, user_admin):
    with pytest.raises(DomainError) as error:
        services.set_extra_permissions(user_admin, demo["rep_east1"], ["roles.edit"])
    assert error.value.code == "not_grantable"
    services.set_extra_permissions(user_admin, demo["rep_east1"], ["users.view"])


def test_only_a_super_administrator_touches_a_super_administrator(demo, user_admin):
    admin = demo["admin"]
    with pytest.raises(PermissionDenied):
        services.reset_password(user_admin, admin, "Take-over-2026")
    with pytest.raises(PermissionDenied):
        services.disable_user(user_admin, admin, demo["director"])
    with pytest.raises(DomainError) as error:
        services.update_user(user_admin, demo["rep_east1"], roles=[role("superadmin")])
    assert error.value.code == "superadmin"


def test_more_users_may_hold_super_administrator_but_one_keeps_it(demo):
    admin, director = demo["admin"], demo["director"]
    services.set_roles(admin, director, [role("superadmin")])
    assert role("superadmin").users.count() == 2
    services.set_roles(admin, director, [role("sales_director")])
    with pytest.raises(DomainError) as error:
        services.set_roles(admin, admin, [role("sales_director")])
    assert error.value.code == "last_superadmin"


def test_cannot_disable_oneself(demo):
    with pytest.raises(DomainError):
        services.disable_user(demo["admin"], demo["admin"])
