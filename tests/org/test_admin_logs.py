"""Online users (ORG-08), login log (PLT-02) and system log (PLT-12) pages."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from huike.core import oplog
from huike.core.models import OperationLog
from huike.org.models import LoginLog, UserSession
from tests.testapp.models import Memo


def test_ending_a_session_signs_the_other_browser_out(login, demo):
    rep = demo["rep_east1"]
    other = Client()
    other.force_login(rep)
    key = other.session.session_key
    UserSession.objects.get_or_create(session_key=key, defaults={"user": rep, "ip": "10.0.0.7"})
    assert other.get(reverse("workbench")).status_code == 200

    admin = login("admin")
    page = admin.get(reverse("org:online")).content.decode()
    session = UserSession.objects.get(session_key=key)
    assert f'data-session="{session.pk}"' in page
    response = admin.post(reverse("org:end_session", args=[session.pk]))
    assert response.status_code == 302

    response = other.get(reverse("workbench"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not UserSession.objects.filter(session_key=key).exists()
    assert OperationLog.objects.filter(action="end_session", object_id=str(rep.pk)).exists()


def test_system_view_without_manage_sees_sessions_but_cannot_end_them(login, demo):
    rep = demo["rep_east1"]
    rep.extra_permissions = ["system.view"]
    rep.save()
    session = UserSession.objects.create(session_key="z" * 32, user=demo["rep_east2"])
    client = login("rep_east1")
    page = client.get(reverse("org:online")).content.decode()
    assert reverse("org:end_session", args=[session.pk]) not in page
    assert client.post(reverse("org:end_session", args=[session.pk])).status_code == 403
    assert client.get(reverse("org:security")).status_code == 403


def make_logins(n: int, **fields):
    for i in range(n):
        values = {
            "identifier": f"user{i}",
            "ip": "10.0.0.1",
            "result": LoginLog.Result.SUCCESS,
            "user_agent": "Firefox",
        }
        values.update(fields)
        LoginLog.objects.create(**values)


def test_login_log_filters(login, demo):
    LoginLog.objects.create(
        user=demo["rep_east1"],
        identifier="13800000003",
        ip="192.168.5.9",
        result="bad_password",
        user_agent="Mozilla/5.0 iPhone",
    )
    LoginLog.objects.create(
        user=demo["director"],
        identifier="director",
        ip="10.1.1.1",
        result="success",
        user_agent="Mozilla/5.0 Windows",
    )
    old = LoginLog.objects.create(identifier="ghost", ip="10.1.1.2", result="unknown_user")
    LoginLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    client = login("admin")
    url = reverse("org:login_log")

    def shown(**query):
        rows = client.get(url, query).context["page"].rows
        return {row.identifier for row in rows}

    assert shown(user="张伟") == {"13800000003"}
    assert shown(ip="192.168.5.9") == {"13800000003"}
    assert shown(ip="10.1.") == {"director", "ghost"}
    assert shown(result="success") == {"director"}
    assert shown(q="iphone") == {"13800000003"}
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert "ghost" not in shown(date_from=since)
    until = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert shown(date_to=until) == {"ghost"}


def test_login_log_pages_newest_first_with_constant_queries(
    login, demo, django_assert_max_num_queries
):
    make_logins(60)
    client = login("admin")
    url = reverse("org:login_log")
    client.get(url)
    with django_assert_max_num_queries(10):
        first = client.get(url).context["page"]
    assert len(first.rows) == 50
    assert first.rows[0].created_at >= first.rows[-1].created_at
    assert first.rows[0].identifier == "user59"
    second = client.get(url, {"older": first.older}).context["page"]
    assert [r.identifier for r in second.rows] == [f"user{i}" for i in range(9, -1, -1)]
    assert second.older is None
    back = client.get(url, {"newer": second.newer}).context["page"]
    assert [r.pk for r in back.rows] == [r.pk for r in first.rows]
    make_logins(200, user=demo["rep_east1"])
    with django_assert_max_num_queries(10):
        client.get(url)


def test_system_log_shows_admin_actions_and_filters(login, demo, django_assert_max_num_queries):
    admin, director = demo["admin"], demo["director"]
    oplog.log(admin, OperationLog.Action.DISABLE, demo["rep_east2"])
    oplog.log(director, OperationLog.Action.UPDATE, demo["rep_east1"], message="title changed")
    memo = Memo.objects.create(title="not an admin record", owner=admin)
    oplog.log(admin, OperationLog.Action.CREATE, memo)
    client = login("admin")
    url = reverse("org:system_log")

    def shown(**query):
        return [(r.action, r.object_repr) for r in client.get(url, query).context["page"].rows]

    everything = shown()
    assert ("disable", "陈静") in everything
    assert ("create", "not an admin record") not in everything
    assert shown(actor="王志远") == [("update", "张伟")]
    assert shown(action="disable") == [("disable", "陈静")]
    assert shown(q="title changed") == [("update", "张伟")]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert shown(date_from=tomorrow) == []
    for _i in range(40):
        oplog.log(director, OperationLog.Action.UPDATE, demo["rep_east1"], message="bulk")
    with django_assert_max_num_queries(10):
        client.get(url)


def test_idle_sessions_are_not_listed_as_online(login, demo):
    fresh = UserSession.objects.create(session_key="f" * 32, user=demo["rep_east1"])
    stale = UserSession.objects.create(
        session_key="s" * 32,
        user=demo["rep_east2"],
        last_seen_at=timezone.now() - timedelta(days=2),
    )
    page = login("admin").get(reverse("org:online")).content.decode()
    assert f'data-session="{fresh.pk}"' in page
    assert f'data-session="{stale.pk}"' not in page


def test_online_page_queries_do_not_grow(login, demo, django_assert_max_num_queries):
    client = login("admin")
    client.get(reverse("org:online"))
    for i in range(30):
        UserSession.objects.create(session_key=f"{i:040d}", user=demo["rep_east1"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("org:online"))
    assert response.content.decode().count("data-session=") == 31
