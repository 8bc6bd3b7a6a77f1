"""The demo company is exactly SPEC.md DEMO, and its preset scopes behave as the spec says."""

from __future__ import annotations

import pytest

from huike.core.permissions import has_perm
from huike.core.scopes import Scope, scopes_for, visible
from huike.org.demo import DEMO_PASSWORD, load_demo
from huike.org.models import Department, Role, User
from tests.testapp.models import Memo

pytestmark = pytest.mark.django_db

#: SPEC.md DEMO, verbatim: username, mobile, role code, department, supervisor.
SPEC_USERS = [
    ("admin", "13800000000", "superadmin", "汇客科技", None),
    ("director", "13800000001", "sales_director", "销售部", "admin"),
    ("manager_east", "13800000002", "sales_manager", "华东销售组", "director"),
    ("rep_east1", "13800000003", "sales_rep", "华东销售组", "manager_east"),
    ("rep_east2", "13800000004", "sales_rep", "华东销售组", "manager_east"),
    ("manager_north", "13800000005", "sales_manager", "华北销售组", "director"),
    ("rep_north1", "13800000006", "sales_rep", "华北销售组", "manager_north"),
    ("service1", "13800000007", "service_agent", "客服部", "admin"),
    ("finance1", "13800000008", "finance", "财务部", "admin"),
    ("viewer", "13800000009", "read_only", "汇客科技", "admin"),
]

SPEC_TREE = {
    "汇客科技": None,
    "销售部": "汇客科技",
    "华东销售组": "销售部",
    "华北销售组": "销售部",
    "客服部": "汇客科技",
    "财务部": "汇客科技",
}


def test_departments_form_the_spec_tree(demo):
    depts = {d.name: d for d in Department.objects.select_related("parent")}
    assert set(depts) == set(SPEC_TREE)
    for name, parent in SPEC_TREE.items():
        dept = depts[name]
        assert (dept.parent.name if dept.parent else None) == parent
        expected_path = (depts[parent].path if parent else "/") + f"{dept.pk}/"
        assert dept.path == expected_path
    assert {d.name for d in depts["销售部"].subtree()} == {"销售部", "华东销售组", "华北销售组"}


def test_users_match_the_spec_table(demo):
    users = {u.username: u for u in User.objects.select_related("department", "supervisor")}
    assert set(users) == {row[0] for row in SPEC_USERS}
    for username, mobile, role_code, dept, supervisor in SPEC_USERS:
        user = users[username]
        assert user.mobile == mobile, username
        assert [r.code for r in user.roles.all()] == [role_code], username
        assert user.department.name == dept, username
        assert (user.supervisor.username if user.supervisor else None) == supervisor, username
        assert user.is_active
        assert user.check_password(DEMO_PASSWORD), username
        assert not user.check_password("wrong-password")


def test_admin_is_superadmin_and_role_names_are_set(demo):
    assert Role.objects.get(code="superadmin").is_superadmin
    assert list(Role.objects.filter(is_superadmin=True).values_list("code", flat=True)) == [
        "superadmin"
    ]
    assert all(r.name for r in Role.objects.all())


def test_sign_in_with_mobile_and_demo_password(demo, client):
    assert client.login(username="13800000003", password=DEMO_PASSWORD)


def test_loading_twice_changes_nothing(demo):
    before = (
        list(Department.objects.values_list("id", "name", "path", "parent_id")),
        list(User.objects.values_list("id", "username", "mobile", "supervisor_id", "password")),
        list(Role.objects.values_list("id", "code", "permissions", "data_scopes")),
    )
    load_demo()
    after = (
        list(Department.objects.values_list("id", "name", "path", "parent_id")),
        list(User.objects.values_list("id", "username", "mobile", "supervisor_id", "password")),
        list(Role.objects.values_list("id", "code", "permissions", "data_scopes")),
    )
    assert before == after


def test_preset_scopes_on_the_test_module(demo):
    assert scopes_for(demo["director"], "memos") == {Scope.DEPARTMENT_TREE}
    assert scopes_for(demo["manager_east"], "memos") == {Scope.SUBORDINATES}
    assert scopes_for(demo["rep_east1"], "memos") == {Scope.SELF}
    assert scopes_for(demo["viewer"], "memos") == {Scope.ALL}
    assert scopes_for(demo["admin"], "memos") == {Scope.ALL}
    assert scopes_for(demo["service1"], "memos") == set()


def test_preset_scopes_see_the_right_records(demo):
    for username in demo:
        Memo.objects.create(title=username, owner=demo[username])

    def seen(username):
        return set(
            visible(User.objects.get(username=username), Memo).values_list("title", flat=True)
        )

    sales = {"director", "manager_east", "rep_east1", "rep_east2", "manager_north", "rep_north1"}
    assert seen("admin") == set(demo)
    assert seen("viewer") == set(demo)
    assert seen("director") == sales
    assert seen("manager_east") == {"manager_east", "rep_east1", "rep_east2"}
    assert seen("manager_north") == {"manager_north", "rep_north1"}
    assert seen("rep_east1") == {"rep_east1"}
    assert seen("service1") == set()
    assert seen("finance1") == set()


def test_read_only_views_but_never_writes(demo):
    viewer = demo["viewer"]
    assert has_perm(viewer, "memos.view")
    assert not any(has_perm(viewer, f"memos.{a}") for a in ("create", "edit", "delete"))
    # Settings pages are not business records: read-only does not get them by default.
    assert not has_perm(viewer, "roles.view")
    assert not has_perm(viewer, "system.view")
