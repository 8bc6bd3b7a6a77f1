"""GET/PATCH /api/v1/me/: the signed-in user's profile, rights and data scopes."""

from __future__ import annotations

from huike.core.registry import registry
from huike.org.models import User


def test_me_shows_profile_rights_and_scopes(bearer, demo):
    body = bearer("rep_east1").get("/api/v1/me/").json()
    assert body["username"] == "rep_east1"
    assert body["mobile"] == "13800000003"
    assert body["department"]["name"] == "华东销售组"
    assert [r["name"] for r in body["roles"]] == [demo["rep_east1"].roles.get().name]
    assert "memos.view" in body["permissions"]
    assert "departments.create" not in body["permissions"]
    assert body["data_scopes"]["memos"] == ["self"]


def test_superadmin_sees_every_permission(bearer, demo):
    body = bearer("admin").get("/api/v1/me/").json()
    assert set(body["permissions"]) == registry.all_permission_codes()
    assert body["data_scopes"]["memos"] == ["all"]


def test_patch_changes_personal_settings_only(bearer, demo):
    client = bearer("rep_east1")
    response = client.patch(
        "/api/v1/me/",
        {
            "name": "张伟伟",
            "theme": "dark",
            "presence": "busy",
            "language": "en",
            "username": "hijack",
            "mobile": "13999999999",
        },
    )
    assert response.status_code == 200, response.content
    user = User.objects.get(pk=demo["rep_east1"].pk)
    assert (user.name, user.theme, user.presence, user.language) == ("张伟伟", "dark", "busy", "en")
    assert (user.username, user.mobile) == ("rep_east1", "13800000003")
    assert response.json()["name"] == "张伟伟"


def test_patch_refuses_a_taken_email_and_keeps_everything(bearer, demo):
    client = bearer("rep_east1")
    response = client.patch("/api/v1/me/", {"email": "rep_east2@huike.example", "theme": "dark"})
    assert response.status_code == 400
    assert "email" in response.json()
    user = User.objects.get(pk=demo["rep_east1"].pk)
    assert (user.email, user.theme) == ("rep_east1@huike.example", "light")


def test_put_is_not_offered(bearer, demo):
    response = bearer("rep_east1").put("/api/v1/me/", {"name": "x"})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_me_query_count(bearer, demo, django_assert_max_num_queries):
    client = bearer("manager_east")
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/me/").status_code == 200
