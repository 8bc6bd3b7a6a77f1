"""Departments, users and roles over the REST API: shapes, filters, rights and business rules."""

from __future__ import annotations

import pytest

from huike.core.models import OperationLog
from huike.org.models import Department, Role, User
from tests.testapp.models import Memo

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def dept(name: str) -> Department:
    return Department.objects.get(name=name)


# -- lists -----------------------------------------------------------------------------------
def test_list_answers_cursor_page_shape(admin_api):
    response = admin_api.get("/api/v1/departments/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert {d["name"] for d in body["results"]} >= {"汇客科技", "销售部", "华东销售组"}
    east = next(d for d in body["results"] if d["name"] == "华东销售组")
    assert east["member_count"] == 3
    assert east["parent"] == dept("销售部").pk
    assert east["depth"] == 2


@pytest.fixture
def many_departments(demo):
    root = Department.objects.get(parent__isnull=True)
    Department.objects.bulk_create(
        Department(name=f"d{i:03d}", parent=root, path=f"{root.path}x{i:03d}/") for i in range(230)
    )
    return Department.objects.count()


def test_page_size_is_capped_at_200_and_pages_cover_everything(admin_api, many_departments):
    first = admin_api.get("/api/v1/departments/?page_size=1000").json()
    assert len(first["results"]) == 200
    assert first["next"]
    assert len(admin_api.get("/api/v1/departments/").json()["results"]) == 50

    seen, url = [], "/api/v1/departments/?page_size=70&ordering=name"
    while url:
        page = admin_api.get(url).json()
        seen += [d["id"] for d in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == many_departments


def test_user_list_without_n_plus_one(admin_api, demo, django_assert_max_num_queries):
    admin_api.get("/api/v1/users/")  # warm up per-process caches (content types, settings)
    with django_assert_max_num_queries(5):
        response = admin_api.get("/api/v1/users/?page_size=200")
    assert len(response.json()["results"]) == 10
    extra = Role.objects.get(code="read_only")
    for i in range(30):
        u = User.objects.create_user(f"bulk{i}", "x", name=f"Bulk {i}", department=dept("财务部"))
        u.roles.set([extra])
    with django_assert_max_num_queries(5):
        response = admin_api.get("/api/v1/users/?page_size=200")
    assert len(response.json()["results"]) == 40
    with django_assert_max_num_queries(5):
        assert admin_api.get("/api/v1/departments/").status_code == 200
    with django_assert_max_num_queries(5):
        assert admin_api.get("/api/v1/roles/").status_code == 200


def _usernames(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/users/?{query}")
    assert response.status_code == 200, response.content
    return {u["username"] for u in response.json()["results"]}


def test_user_filters_and_text_search(admin_api, demo):
    east, sales = dept("华东销售组"), dept("销售部")
    assert _usernames(admin_api, f"department={east.pk}") == {
        "manager_east",
        "rep_east1",
        "rep_east2",
    }
    assert _usernames(admin_api, f"department_tree={sales.pk}") == {
        "director",
        "manager_east",
        "rep_east1",
        "rep_east2",
        "manager_north",
        "rep_north1",
    }
    rep_role = Role.objects.get(code="sales_rep")
    assert _usernames(admin_api, f"role={rep_role.pk}") == {"rep_east1", "rep_east2", "rep_north1"}
    assert _usernames(admin_api, "q=张伟") == {"rep_east1"}
    assert _usernames(admin_api, "q=13800000005") == {"manager_north"}
    assert _usernames(admin_api, "q=FINANCE1@") == {"finance1"}
    assert _usernames(admin_api, "q=rep_") == {"rep_east1", "rep_east2", "rep_north1"}
    assert _usernames(admin_api, "is_active=false") == set()
    User.objects.filter(username="viewer").update(is_active=False)
    assert _usernames(admin_api, "is_active=false") == {"viewer"}


def test_ordering(admin_api, demo):
    names = [
        u["username"] for u in admin_api.get("/api/v1/users/?ordering=-username").json()["results"]
    ]
    assert names == sorted(names, reverse=True)
    bad = admin_api.get("/api/v1/users/?ordering=password")  # not an ordering field: ignored
    assert bad.status_code == 200


def test_unknown_filter_value_is_a_validation_error(admin_api, demo):
    response = admin_api.get("/api/v1/users/?department=999999", **EN)
    assert response.status_code == 400
    assert "department" in response.json()


# -- rights ----------------------------------------------------------------------------------
def test_rep_may_not_create_departments_or_users(bearer, demo):
    rep = bearer("rep_east1")
    before = Department.objects.count(), User.objects.count()
    response = rep.post(
        "/api/v1/departments/", {"name": "Rogue", "parent": dept("销售部").pk}, **EN
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You do not have permission to perform this action.",
        "code": "permission_denied",
        "permission": "departments.create",
    }
    # Refused before the input is even read: an empty body is 403 too, not 400.
    assert rep.post("/api/v1/users/", {}).status_code == 403
    assert rep.get("/api/v1/users/").status_code == 403
    assert (Department.objects.count(), User.objects.count()) == before


def test_view_right_does_not_give_write_rights(bearer, demo):
    director = bearer("director")
    assert director.get("/api/v1/departments/").status_code == 200
    east = dept("华东销售组")
    assert director.patch(f"/api/v1/departments/{east.pk}/", {"name": "X"}).status_code == 403
    assert director.post(f"/api/v1/departments/{east.pk}/move/", {"parent": 1}).status_code == 403
    assert director.get("/api/v1/roles/").status_code == 403
    rep = demo["rep_east1"]
    assert director.post(f"/api/v1/users/{rep.pk}/disable/", {}).status_code == 403
    assert User.objects.get(pk=rep.pk).is_active


def test_missing_id_is_404_json(admin_api, demo):
    for url in ("/api/v1/users/999999/", "/api/v1/departments/999999/", "/api/v1/roles/abc/"):
        response = admin_api.get(url, **EN)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_unknown_url_and_method_are_json(admin_api, demo):
    response = admin_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    rep = demo["rep_east1"]
    response = admin_api.delete(f"/api/v1/users/{rep.pk}/")  # users are disabled, never deleted
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# -- departments -----------------------------------------------------------------------------
def test_create_update_move_and_delete_department(admin_api, demo):
    sales, east = dept("销售部"), dept("华东销售组")
    created = admin_api.post(
        "/api/v1/departments/", {"name": "华南销售组", "parent": sales.pk, "sort_order": 3}
    )
    assert created.status_code == 201, created.content
    new = created.json()
    assert new["parent"] == sales.pk and new["sort_order"] == 3 and new["member_count"] == 0
    assert new["path"] == f"{sales.path}{new['id']}/"

    renamed = admin_api.patch(f"/api/v1/departments/{new['id']}/", {"name": "华南组"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "华南组"

    moved = admin_api.post(f"/api/v1/departments/{new['id']}/move/", {"parent": east.pk})
    assert moved.status_code == 200, moved.content
    assert moved.json()["parent"] == east.pk
    assert moved.json()["path"].startswith(east.path)

    assert admin_api.delete(f"/api/v1/departments/{new['id']}/").status_code == 204
    assert not Department.objects.filter(pk=new["id"]).exists()
    actions = set(
        OperationLog.objects.filter(object_id=str(new["id"])).values_list("action", flat=True)
    )
    assert {"create", "update", "move", "delete"} <= actions


def test_validation_errors_use_the_field_shape(admin_api, demo):
    response = admin_api.post("/api/v1/departments/", {}, **EN)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"name", "parent"}
    assert body["name"] == ["This field is required."]

    response = admin_api.post(
        "/api/v1/users/",
        {"username": "new", "name": "New", "mobile": "123", "password": "Huike-demo-2026"},
        **EN,
    )
    assert response.status_code == 400
    assert "mobile" in response.json()
    assert not User.objects.filter(username="new").exists()


def test_domain_error_is_json_and_changes_nothing(admin_api, demo):
    east = dept("华东销售组")
    logs = OperationLog.objects.count()
    response = admin_api.delete(f"/api/v1/departments/{east.pk}/", **EN)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "has_members"
    assert "members" in body["detail"]
    assert Department.objects.filter(pk=east.pk).exists()
    assert OperationLog.objects.count() == logs


def test_domain_error_naming_a_field_answers_that_field(admin_api, demo):
    sales = dept("销售部")
    response = admin_api.post("/api/v1/departments/", {"name": "华东销售组", "parent": sales.pk})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_name"
    assert body["name"] == [body["detail"]]


def test_moving_under_own_subtree_is_refused(admin_api, demo):
    sales, east = dept("销售部"), dept("华东销售组")
    response = admin_api.post(f"/api/v1/departments/{sales.pk}/move/", {"parent": east.pk})
    assert response.status_code == 400
    assert response.json()["code"] == "cycle"
    assert dept("销售部").parent_id == Department.objects.get(parent__isnull=True).pk


# -- users -----------------------------------------------------------------------------------
def test_create_and_update_user(admin_api, api_client, demo):
    rep_role = Role.objects.get(code="sales_rep")
    east = dept("华东销售组")
    response = admin_api.post(
        "/api/v1/users/",
        {
            "username": "rep_east3",
            "name": "钱多多",
            "mobile": "13900000001",
            "email": "qian@huike.example",
            "department": east.pk,
            "supervisor": demo["manager_east"].pk,
            "roles": [rep_role.pk],
            "password": "Start-2026-pass",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert "password" not in body
    assert body["roles"] == [rep_role.pk] and body["department"] == east.pk

    token = api_client.post(
        "/api/v1/auth/token/", {"username": "13900000001", "password": "Start-2026-pass"}
    )
    assert token.status_code == 200

    patched = admin_api.patch(
        f"/api/v1/users/{body['id']}/", {"title": "高级销售", "extra_permissions": ["memos.delete"]}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "高级销售"
    assert patched.json()["extra_permissions"] == ["memos.delete"]
    assert patched.json()["roles"] == [rep_role.pk]


def test_disable_with_successor_hands_memos_over(admin_api, demo):
    rep, successor = demo["rep_east1"], demo["rep_east2"]
    Memo.objects.create(title="a", owner=rep)
    Memo.objects.create(title="b", owner=rep)

    refused = admin_api.post(f"/api/v1/users/{rep.pk}/disable/", {})
    assert refused.status_code == 400
    assert refused.json()["code"] == "successor_required"
    assert "successor" in refused.json()
    assert User.objects.get(pk=rep.pk).is_active

    response = admin_api.post(f"/api/v1/users/{rep.pk}/disable/", {"successor": successor.pk})
    assert response.status_code == 200, response.content
    assert response.json()["user"]["is_active"] is False
    assert sum(response.json()["moved"].values()) == 2
    assert Memo.objects.filter(owner=successor).count() == 2
    assert not Memo.objects.filter(owner=rep).exists()

    enabled = admin_api.post(f"/api/v1/users/{rep.pk}/enable/")
    assert enabled.status_code == 200 and enabled.json()["is_active"] is True


def test_reset_password(admin_api, api_client, demo):
    rep = demo["rep_east1"]
    weak = admin_api.post(f"/api/v1/users/{rep.pk}/reset-password/", {"password": "1"})
    assert weak.status_code == 400 and "password" in weak.json()
    ok = admin_api.post(f"/api/v1/users/{rep.pk}/reset-password/", {"password": "Fresh-2026-x"})
    assert ok.status_code == 204
    token = api_client.post(
        "/api/v1/auth/token/", {"username": "rep_east1", "password": "Fresh-2026-x"}
    )
    assert token.status_code == 200


# -- roles -----------------------------------------------------------------------------------
def test_role_crud(admin_api, demo):
    created = admin_api.post(
        "/api/v1/roles/",
        {
            "name": "Intern",
            "permissions": ["memos.view"],
            "data_scopes": {"memos": "self"},
        },
    )
    assert created.status_code == 201, created.content
    role = created.json()
    assert role["permissions"] == ["memos.view"] and role["user_count"] == 0
    assert role["is_builtin"] is False

    patched = admin_api.patch(f"/api/v1/roles/{role['id']}/", {"description": "Summer"})
    assert patched.status_code == 200, patched.content
    # PATCH keeps what it does not name.
    assert patched.json()["permissions"] == ["memos.view"]
    assert patched.json()["data_scopes"] == {"memos": "self"}
    assert patched.json()["description"] == "Summer"

    bad = admin_api.patch(f"/api/v1/roles/{role['id']}/", {"data_scopes": {"memos": "galaxy"}})
    assert bad.status_code == 400 and "data_scopes" in bad.json()

    assert admin_api.delete(f"/api/v1/roles/{role['id']}/").status_code == 204
    assert not Role.objects.filter(pk=role["id"]).exists()


def test_super_administrator_role_cannot_be_changed(admin_api, demo):
    superadmin = Role.objects.get(is_superadmin=True)
    response = admin_api.patch(f"/api/v1/roles/{superadmin.pk}/", {"name": "Boss"}, **EN)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "Super administrator" in response.json()["detail"]
    assert Role.objects.get(pk=superadmin.pk).name == superadmin.name
