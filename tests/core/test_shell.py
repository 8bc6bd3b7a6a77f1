"""The app shell (PLT-01, PLT-03): menu by permission, branding, theme, bell, user menu."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from huike.core.context_processors import menu_for
from huike.core.models import Notification, SystemSettings
from huike.core.notify import notify

pytestmark = pytest.mark.django_db


def menu_keys(html: str) -> set[str]:
    return set(re.findall(r'data-menu="([^"]+)"', html.split('id="main-content"')[0]))


def test_rep_sees_no_user_or_role_admin_in_menu(demo, login):
    html = login("rep_east1").get("/").content.decode()
    keys = menu_keys(html)
    assert "workbench" in keys
    assert not keys & {"users", "roles", "security", "company", "system_log"}
    assert reverse("org:users") not in html
    assert 'id="menu-system"' not in html


def test_admin_sees_the_whole_system_menu(demo, login):
    html = login("admin").get("/").content.decode()
    keys = menu_keys(html)
    assert {"workbench", "users", "roles", "departments", "company", "system_log"} <= keys
    assert 'id="menu-system"' in html


def test_director_sees_users_but_not_roles(demo, login):
    keys = menu_keys(login("director").get("/").content.decode())
    assert "users" in keys and "departments" in keys
    assert "roles" not in keys


def test_active_menu_item_follows_the_path(demo):
    admin = demo["admin"]
    flat = {
        e["key"]: e["active"]
        for group in menu_for(admin, reverse("org:users")).values()
        for e in group
    }
    assert flat["users"] is True
    assert flat["workbench"] is False
    on_home = {e["key"]: e["active"] for g in menu_for(admin, "/").values() for e in g}
    assert on_home["workbench"] is True and on_home["users"] is False


def test_active_item_is_marked_in_the_page(demo, login):
    html = login("admin").get("/").content.decode()
    assert re.search(r'class="nav-link active" href="/" data-menu="workbench"', html)


def test_theme_attribute_follows_the_user(demo, login):
    admin = demo["admin"]
    client = login("admin")
    assert '<html lang="zh-hans" data-bs-theme="light"' in client.get("/").content.decode()
    admin.theme = "dark"
    admin.save(update_fields=["theme"])
    html = client.get("/").content.decode()
    assert 'data-bs-theme="dark"' in html.split("<head>")[0]
    # The toggle offers the other theme through the preferences form contract.
    assert 'name="theme" value="light"' in html


def test_company_name_and_logo_are_shown(demo, login, settings, tmp_path):
    site = SystemSettings.get()
    site.company_name = "上海测试贸易有限公司"
    site.logo = "branding/logo.png"
    site.save()
    html = login("rep_east1").get("/").content.decode()
    assert "上海测试贸易有限公司" in html
    assert f'src="{settings.MEDIA_URL}branding/logo.png"' in html
    assert "<title>" in html and "· 上海测试贸易有限公司</title>" in html


def test_bell_shows_unread_count_and_polls(demo, login):
    rep = demo["rep_east1"]
    client = login("rep_east1")
    html = client.get("/").content.decode()
    assert 'id="unread-count"' not in html
    notify([rep], "system", "A")
    notify([rep], "system", "B")
    notify([demo["rep_east2"]], "system", "not mine")
    html = client.get("/").content.decode()
    assert re.search(r'id="unread-count"[^>]*>2<', html)
    bell = html[html.index('id="notification-badge"') - 10 :]
    assert f'hx-get="{reverse("notification_count")}"' in bell[:400]
    assert 'hx-trigger="every 60s' in bell[:400]


def test_badge_caps_at_99(demo, login):
    rep = demo["rep_east1"]
    Notification.objects.bulk_create(
        Notification(recipient=rep, kind="system", title=str(i)) for i in range(120)
    )
    html = login("rep_east1").get(reverse("notification_count")).content.decode()
    assert re.search(r'id="unread-count"[^>]*>99\+<', html)
    assert re.search(r'class="visually-hidden">[^<]*99\+<', html)


def test_user_menu_forms_keep_the_preferences_contract(demo, login):
    html = login("rep_east1").get("/").content.decode()
    action = reverse("account:preferences")
    forms = re.findall(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    prefs = [body for url, body in forms if url == action]
    assert any('name="language" value="zh-hans"' in b for b in prefs)
    assert any('name="language" value="en"' in b for b in prefs)
    assert any('name="theme" value="dark"' in b for b in prefs)
    assert all('name="next" value="/"' in b and "csrfmiddlewaretoken" in b for b in prefs)
    assert any(url == reverse("logout") for url, _body in forms)


def test_search_box_submits_to_the_search_page(demo, login):
    html = login("rep_east1").get("/").content.decode()
    assert 'id="global-search"' in html
    assert 'action="/search/"' in html


def test_shell_loads_tabler_js_and_favicon(demo, login):
    html = login("rep_east1").get("/").content.decode()
    assert "/static/vendor/tabler/tabler.min.js" in html
    assert 'rel="icon" type="image/svg+xml" href="/static/huike/favicon.svg"' in html
    assert 'data-bs-toggle="collapse" data-bs-target="#sidebar-menu"' in html


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_workbench_query_count_is_bounded(demo, login, django_assert_max_num_queries):
    client = login("admin")
    rep = demo["admin"]
    Notification.objects.bulk_create(
        Notification(recipient=rep, kind="system", title=str(i)) for i in range(50)
    )
    client.get("/")
    with django_assert_max_num_queries(7):
        response = client.get("/")
    assert response.status_code == 200


# -- template tag library -------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load huike %}" + source).render(Context(context)).strip()


def test_can_tag_and_filter(demo):
    admin, rep = demo["admin"], demo["rep_east1"]
    tag = '{% can "users.edit" as allowed %}{{ allowed }}'
    assert render(tag, user=admin) == "True"
    assert render(tag, user=rep) == "False"
    assert render('{{ user|can:"roles.view" }}', user=admin) == "True"
    assert render('{{ user|can:"roles.view" }}', user=rep) == "False"
    assert render('{% can "users.view" user=other as ok %}{{ ok }}', user=rep, other=admin) == (
        "True"
    )


def test_can_is_false_for_anonymous(db):
    from django.contrib.auth.models import AnonymousUser

    assert render('{% can "users.view" as ok %}{{ ok }}', user=AnonymousUser()) == "False"
    assert render('{{ user|can:"users.view" }}', user=None) == "False"


def test_badge_filter():
    assert render("{{ n|badge }}", n=0) == ""
    assert render("{{ n|badge }}", n=7) == "7"
    assert render("{{ n|badge }}", n=100) == "99+"
