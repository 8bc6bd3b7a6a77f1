"""Personal settings (ORG-09): profile, password, status, contacts, notifications, language
and theme, delegation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.org import account_services as services
from huike.org.models import Delegation, User

from .conftest import assert_no_inline_script

SECTIONS = [
    "profile",
    "password",
    "status",
    "contacts",
    "notifications",
    "appearance",
    "two_factor",
    "delegations",
]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_renders_without_inline_script(login, demo, section):
    client = login("rep_east1")
    response = client.get(reverse(f"account:{section}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="personal-settings"' in html
    assert_no_inline_script(html)


def test_pages_need_a_signed_in_user(client, db):
    response = client.get(reverse("account:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_profile_edits_name_email_gender_only(login, demo):
    client = login("rep_east1")
    response = client.post(
        reverse("account:profile"),
        {
            "name": "张伟伟",
            "email": "zw@huike.example",
            "gender": "female",
            "username": "hacker",
            "department": "1",
        },
    )
    assert response.status_code == 302
    rep = User.objects.get(pk=demo["rep_east1"].pk)
    assert (rep.name, rep.email, rep.gender, rep.username) == (
        "张伟伟",
        "zw@huike.example",
        "female",
        "rep_east1",
    )
    entry = OperationLog.objects.get(actor=rep, action="update")
    assert {c["field"] for c in entry.changes} == {"name", "email", "gender"}


def test_profile_refuses_an_email_someone_else_uses(login, demo):
    client = login("rep_east1")
    response = client.post(
        reverse("account:profile"),
        {"name": "张伟", "email": "REP_EAST2@huike.example", "gender": "male"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert User.objects.get(pk=demo["rep_east1"].pk).email == "rep_east1@huike.example"


def test_change_password_checks_current_and_policy_and_keeps_the_session(
    login, demo, password, client
):
    login("rep_east1")

    def change(current: str, new: str, confirm: str | None = None, **headers):
        form = {"current_password": current, "new_password": new}
        form["confirm_password"] = new if confirm is None else confirm
        return client.post(reverse("account:password"), form, **headers)

    wrong = change("nope", "Abcdefg9")
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["current_password"]

    weak = change(password, "abcdefghij", HTTP_ACCEPT_LANGUAGE="en")
    assert weak.status_code == 400
    assert "Include a digit." in weak.context["form"].errors["new_password"][0]

    mismatch = change(password, "Abcdefg9", "Abcdefg8")
    assert mismatch.context["form"].errors["confirm_password"]

    ok = change(password, "New-pass-2027")
    assert ok.status_code == 302
    rep = User.objects.get(pk=demo["rep_east1"].pk)
    assert rep.check_password("New-pass-2027")
    assert rep.password_changed_at is not None
    # Still signed in after the password hash changed.
    assert client.get(reverse("account:profile")).status_code == 200
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"), {"identifier": "rep_east1", "password": "New-pass-2027"}
    )
    assert response.status_code == 302


def test_preferences_set_language_and_theme_and_the_next_page_follows(login, demo):
    client = login("rep_east1")
    response = client.post(
        reverse("account:preferences"),
        {"language": "en", "theme": "dark", "next": reverse("workbench")},
    )
    assert response.status_code == 302 and response.url == reverse("workbench")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    rep = User.objects.get(pk=demo["rep_east1"].pk)
    assert (rep.language, rep.theme) == ("en", "dark")

    page = client.get(reverse("workbench"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert 'lang="en"' in html
    assert 'data-bs-theme="dark"' in html
    assert page["Content-Language"] == "en"

    # Only the posted setting changes; an empty language follows the browser again.
    client.post(reverse("account:preferences"), {"theme": "light"})
    rep.refresh_from_db()
    assert (rep.language, rep.theme) == ("en", "light")
    response = client.post(reverse("account:preferences"), {"language": ""})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    rep.refresh_from_db()
    assert rep.language == ""


def test_preferences_go_back_to_a_safe_referer_only(login, demo):
    client = login("rep_east1")
    back = client.post(
        reverse("account:preferences"),
        {"theme": "dark"},
        HTTP_REFERER="http://testserver/account/status/",
    )
    assert back.url == "http://testserver/account/status/"
    evil = client.post(
        reverse("account:preferences"),
        {"theme": "dark", "next": "https://evil.example/"},
        HTTP_REFERER="https://evil.example/",
    )
    assert evil.url == reverse("account:appearance")
    bad = client.post(reverse("account:preferences"), {"theme": "purple"})
    assert bad.status_code == 302
    assert User.objects.get(pk=demo["rep_east1"].pk).theme == "dark"


def test_status_contacts_and_notification_preferences(login, demo):
    client = login("rep_east1")
    rep = demo["rep_east1"]
    assert client.post(reverse("account:status"), {"presence": "busy"}).status_code == 302
    assert User.objects.get(pk=rep.pk).presence == "busy"

    picks = [demo["rep_east2"].pk, demo["manager_east"].pk]
    assert client.post(reverse("account:contacts"), {"contacts": picks}).status_code == 302
    assert set(rep.frequent_contacts.values_list("pk", flat=True)) == set(picks)
    # A disabled colleague cannot be picked.
    User.objects.filter(pk=demo["viewer"].pk).update(is_active=False)
    response = client.post(reverse("account:contacts"), {"contacts": [demo["viewer"].pk]})
    assert response.status_code == 400
    with pytest.raises(DomainError):
        services.set_frequent_contacts(rep, [User.objects.get(pk=demo["viewer"].pk)])

    response = client.post(
        reverse("account:notifications"), {"system__in_app": "on", "handover__email": "on"}
    )
    assert response.status_code == 302
    prefs = User.objects.get(pk=rep.pk).notification_prefs
    assert prefs["system"] == {"in_app": True, "email": False}
    assert prefs["handover"] == {"in_app": False, "email": True}
    from huike.core.notify import prefs_for

    assert prefs_for(User.objects.get(pk=rep.pk), "handover") == {"in_app": False, "email": True}


def _delegation_form(demo, **overrides):
    start = timezone.localtime() + timedelta(days=1)
    data = {
        "delegate": demo["rep_east2"].pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "approvals": "on",
        "tasks": "on",
        "note": "年假",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_delegation_create_list_and_delete(login, demo):
    client = login("rep_east1")
    response = client.post(reverse("account:delegations"), _delegation_form(demo))
    assert response.status_code == 302
    delegation = Delegation.objects.get(user=demo["rep_east1"])
    assert (delegation.delegate, delegation.note) == (demo["rep_east2"], "年假")
    assert "陈静" in client.get(reverse("account:delegations")).content.decode()

    # The delegate sees it; someone else's delegation cannot be deleted (invisible: 404).
    other = login("rep_east2")
    assert "张伟" in other.get(reverse("account:delegations")).content.decode()
    url = reverse("account:delegation_delete", args=[delegation.pk])
    assert other.post(url).status_code == 404
    login("rep_east1")
    assert client.post(url).status_code == 302
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"ends_at": "2020-01-01T10:00", "starts_at": "2020-01-02T10:00"}, "ends_at", "after"),
        ({"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-02T10:00"}, "ends_at", "past"),
        ({"approvals": None, "tasks": None}, "approvals", "both"),
        ({"delegate": ""}, "delegate", "colleague"),
    ],
)
def test_delegation_validation_messages(login, demo, overrides, field, fragment):
    client = login("rep_east1")
    response = client.post(
        reverse("account:delegations"),
        _delegation_form(demo, **overrides),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert fragment in " ".join(errors)
    assert not Delegation.objects.exists()


def test_delegation_periods_of_one_kind_may_not_overlap(demo):
    rep = demo["rep_east1"]
    start = timezone.now() + timedelta(days=1)
    services.create_delegation(
        rep,
        delegate=demo["rep_east2"],
        starts_at=start,
        ends_at=start + timedelta(days=3),
        approvals=True,
        tasks=False,
    )
    with pytest.raises(DomainError) as error:
        services.create_delegation(
            rep,
            delegate=demo["manager_east"],
            starts_at=start + timedelta(days=2),
            ends_at=start + timedelta(days=4),
            approvals=True,
            tasks=True,
        )
    assert error.value.code == "overlap"
    # Tasks alone do not clash with an approvals-only delegation.
    services.create_delegation(
        rep,
        delegate=demo["manager_east"],
        starts_at=start + timedelta(days=2),
        ends_at=start + timedelta(days=4),
        approvals=False,
        tasks=True,
    )
    with pytest.raises(DomainError):
        services.create_delegation(
            rep,
            delegate=rep,
            starts_at=start + timedelta(days=10),
            ends_at=start + timedelta(days=11),
            approvals=True,
            tasks=True,
        )
    assert Delegation.objects.filter(user=rep).count() == 2


def test_account_pages_query_counts(login, demo, django_assert_max_num_queries):
    client = login("rep_east1")
    for section in SECTIONS:
        client.get(reverse(f"account:{section}"))  # warm the session and settings cache
    with django_assert_max_num_queries(12):
        client.get(reverse("account:delegations"))
    with django_assert_max_num_queries(12):
        client.get(reverse("account:contacts"))
