"""Every administration page renders for the administrator and is refused (403) to a sales
representative, for pages and actions alike."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huike.core.models import OperationLog
from huike.org.models import Department, LoginLog, Role, User, UserSession


@pytest.fixture
def targets(demo):
    """Ids for the urls that name a record."""
    return {
        "dept": Department.objects.get(name="华北销售组").pk,
        "user": demo["rep_east2"].pk,
        "role": Role.objects.get(code="finance").pk,
        "session": UserSession.objects.create(
            session_key="k" * 32, user=demo["rep_east2"], ip="10.1.1.1"
        ).pk,
    }


PAGES = [
    ("org:departments", None),
    ("org:department_create", None),
    ("org:department_edit", "dept"),
    ("org:users", None),
    ("org:user_create", None),
    ("org:user_export", None),
    ("org:user_edit", "user"),
    ("org:user_disable", "user"),
    ("org:user_password", "user"),
    ("org:user_grants", "user"),
    ("org:roles", None),
    ("org:role_create", None),
    ("org:role_edit", "role"),
    ("org:security", None),
    ("org:company", None),
    ("org:online", None),
    ("org:login_log", None),
    ("org:system_log", None),
]
ACTIONS = [
    ("org:department_create", None),
    ("org:department_edit", "dept"),
    ("org:department_delete", "dept"),
    ("org:user_create", None),
    ("org:user_edit", "user"),
    ("org:user_disable", "user"),
    ("org:user_enable", "user"),
    ("org:user_password", "user"),
    ("org:user_grants", "user"),
    ("org:role_create", None),
    ("org:role_edit", "role"),
    ("org:role_delete", "role"),
    ("org:security", None),
    ("org:company", None),
    ("org:end_session", "session"),
]


def _url(name, key, targets):
    return reverse(name, args=[targets[key]] if key else [])


@pytest.mark.parametrize(("name", "key"), PAGES)
def test_admin_sees_every_page(login, targets, name, key):
    response = login("admin").get(_url(name, key, targets))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "key"), PAGES)
def test_sales_rep_is_refused_every_page(login, targets, name, key):
    response = login("rep_east1").get(_url(name, key, targets))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "key"), ACTIONS)
def test_sales_rep_is_refused_every_action(login, targets, name, key):
    before = OperationLog.objects.count()
    response = login("rep_east1").post(
        _url(name, key, targets),
        {"name": "x", "username": "x", "password1": "Aa1!aaaaaa", "company_name": "x"},
    )
    assert response.status_code == 403
    assert OperationLog.objects.count() == before
    assert UserSession.objects.filter(pk=targets["session"]).exists()
    assert User.objects.get(pk=targets["user"]).is_active


def test_menu_shows_administration_only_to_those_allowed(login, demo):
    page = login("admin").get(reverse("workbench")).content.decode()
    assert reverse("org:users") in page
    page = login("rep_east1").get(reverse("workbench")).content.decode()
    assert reverse("org:users") not in page


def test_anonymous_is_sent_to_login(client, demo):
    response = client.get(reverse("org:users"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_login_log_model_is_listed(login, demo):
    LoginLog.objects.create(identifier="ghost", ip="10.9.9.9", result=LoginLog.Result.UNKNOWN_USER)
    page = login("admin").get(reverse("org:login_log")).content.decode()
    assert "ghost" in page
