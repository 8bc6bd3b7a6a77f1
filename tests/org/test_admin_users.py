"""The users pages (ORG-02, ORG-07) through HTTP."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huike.core.models import Notification, OperationLog
from huike.org.models import Department, Role, User
from tests.testapp.models import Memo


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def make_users(n: int) -> None:
    east = Department.objects.get(name="华东销售组")
    manager = User.objects.get(username="manager_east")
    rep_role = Role.objects.get(code="sales_rep")
    for i in range(n):
        user = User.objects.create(
            username=f"bulk{i}", name=f"批量{i}", department=east, supervisor=manager
        )
        user.roles.add(rep_role)


def test_users_list_query_count_does_not_grow(login, demo, django_assert_max_num_queries):
    client = login("admin")
    url = reverse("org:users")
    client.get(url)
    small = count_queries(client, url)
    make_users(20)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert "批量1" in response.content.decode()
    assert small <= 12


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ({"q": "张伟"}, "rep_east1", "rep_east2"),
        ({"q": "rep_east2"}, "rep_east2", "rep_east1"),
        ({"q": "13800000006"}, "rep_north1", "rep_east1"),
        ({"q": "finance1@huike"}, "finance1", "rep_east1"),
    ],
)
def test_search(login, demo, query, expected, absent):
    page = login("admin").get(reverse("org:users"), query).content.decode()
    assert f'data-user="{expected}"' in page
    assert f'data-user="{absent}"' not in page


def test_department_filter_includes_sub_departments(login, demo):
    sales = Department.objects.get(name="销售部")
    page = login("admin").get(reverse("org:users"), {"department": sales.pk}).content.decode()
    for username in ("director", "manager_east", "rep_east1", "rep_north1"):
        assert f'data-user="{username}"' in page
    assert 'data-user="finance1"' not in page


def test_role_and_status_filters(login, demo):
    client = login("admin")
    rep = Role.objects.get(code="sales_rep")
    page = client.get(reverse("org:users"), {"role": rep.pk}).content.decode()
    assert 'data-user="rep_east1"' in page and 'data-user="director"' not in page
    User.objects.filter(username="viewer").update(is_active=False)
    page = client.get(reverse("org:users"), {"status": "disabled"}).content.decode()
    assert 'data-user="viewer"' in page and 'data-user="admin"' not in page
    page = client.get(reverse("org:users"), {"status": "enabled"}).content.decode()
    assert 'data-user="viewer"' not in page


def test_pagination(login, demo):
    make_users(30)
    client = login("admin")
    first = client.get(reverse("org:users")).content.decode()
    second = client.get(reverse("org:users"), {"page": 2}).content.decode()
    assert first.count("data-user=") == 25
    assert second.count("data-user=") == 15


def user_post(**overrides):
    data = {
        "username": "newbie",
        "name": "新人",
        "mobile": "13900000001",
        "email": "",
        "gender": "female",
        "department": Department.objects.get(name="华东销售组").pk,
        "title": "销售代表",
        "supervisor": User.objects.get(username="manager_east").pk,
        "roles": [Role.objects.get(code="sales_rep").pk, Role.objects.get(code="finance").pk],
        "password1": "Good-pass-2026",
        "password2": "Good-pass-2026",
    }
    data.update(overrides)
    return data


def test_create_user(login, demo):
    response = login("admin").post(reverse("org:user_create"), user_post())
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.email is None
    assert user.roles.count() == 2
    assert user.check_password("Good-pass-2026")


def test_create_user_with_weak_password_shows_the_policy(login, demo):
    response = login("admin").post(
        reverse("org:user_create"), user_post(password1="abc", password2="abc")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(username="newbie").exists()


def test_edit_user_refuses_a_supervisor_cycle(login, demo):
    director = demo["director"]
    data = user_post(
        username="director",
        name=director.name,
        mobile=director.mobile,
        supervisor=demo["rep_east1"].pk,
        roles=[Role.objects.get(code="sales_director").pk],
    )
    response = login("admin").post(reverse("org:user_edit", args=[director.pk]), data)
    assert response.status_code == 200
    assert "supervisor" in response.context["form"].errors
    director.refresh_from_db()
    assert director.supervisor == demo["admin"]


def test_disable_page_lists_owned_records_and_requires_a_successor(login, demo):
    rep = demo["rep_east1"]
    Memo.objects.create(title="m1", owner=rep)
    client = login("admin")
    page = client.get(reverse("org:user_disable", args=[rep.pk])).content.decode()
    assert "Memos" in page
    response = client.post(reverse("org:user_disable", args=[rep.pk]), {"successor": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["successor"]
    rep.refresh_from_db()
    assert rep.is_active


def test_disable_with_successor_hands_over(login, demo):
    rep, successor = demo["rep_east1"], demo["rep_east2"]
    Memo.objects.create(title="m1", owner=rep)
    response = login("admin").post(
        reverse("org:user_disable", args=[rep.pk]), {"successor": successor.pk}
    )
    assert response.status_code == 302
    assert Memo.objects.get(title="m1").owner == successor
    assert Notification.objects.filter(recipient=successor, kind="handover").exists()
    assert not User.objects.get(pk=rep.pk).is_active
    login("admin").post(reverse("org:user_enable", args=[rep.pk]))
    assert User.objects.get(pk=rep.pk).is_active


def test_reset_password(login, demo):
    rep = demo["rep_east1"]
    response = login("admin").post(
        reverse("org:user_password", args=[rep.pk]),
        {"password1": "Brand-new-2026", "password2": "Brand-new-2026"},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=rep.pk).check_password("Brand-new-2026")
    assert OperationLog.objects.filter(action="reset_password", object_id=str(rep.pk)).exists()


def test_personal_grant_gives_the_right_immediately(login, demo, client):
    rep = demo["rep_east1"]
    assert login("rep_east1").get(reverse("org:users")).status_code == 403
    login("admin").post(reverse("org:user_grants", args=[rep.pk]), {"permissions": ["users.view"]})
    assert User.objects.get(pk=rep.pk).extra_permissions == ["users.view"]
    assert login("rep_east1").get(reverse("org:users")).status_code == 200


def test_grants_page_marks_rights_from_roles(login, demo):
    page = login("admin").get(reverse("org:user_grants", args=[demo["director"].pk]))
    rows = {row["module"].key: row for row in page.context["form"].permission_rows()}
    view = next(c for c in rows["users"]["cells"] if c["code"] == "users.view")
    create = next(c for c in rows["users"]["cells"] if c["code"] == "users.create")
    assert view["inherited"] and not create["inherited"]


def test_user_administrator_cannot_open_a_super_administrator(login, demo):
    hr = Role.objects.create(name="HR", permissions=["users.view", "users.edit", "users.delete"])
    demo["finance1"].roles.set([hr])
    client = login("finance1")
    page = client.get(reverse("org:users")).content.decode()
    assert reverse("org:user_edit", args=[demo["admin"].pk]) not in page
    assert reverse("org:user_edit", args=[demo["rep_east1"].pk]) in page
    for name in ("org:user_edit", "org:user_password", "org:user_grants", "org:user_disable"):
        assert client.get(reverse(name, args=[demo["admin"].pk])).status_code == 403
    # and the super administrator role is not offered to them
    form = client.get(reverse("org:user_edit", args=[demo["rep_east1"].pk])).context["form"]
    assert not form.fields["roles"].queryset.filter(is_superadmin=True).exists()


def test_export_is_formula_safe(login, demo):
    User.objects.filter(username="viewer").update(title="=HYPERLINK(1)")
    response = login("admin").get(reverse("org:user_export"), {"q": "viewer"})
    body = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body
    assert "rep_east1" not in body
