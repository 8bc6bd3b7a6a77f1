"""The notification centre (PLT-05): list, tabs, keyset pages, open, read/unread, privacy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huike.core.models import Notification
from huike.core.notify import notify, safe_target, unread_count

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def make(user, count: int, **fields) -> list[Notification]:
    """``count`` notifications, one second apart, the last one newest."""
    start = timezone.now() - timedelta(hours=1)
    rows = Notification.objects.bulk_create(
        Notification(recipient=user, kind="system", title=f"n{i:03d}", **fields)
        for i in range(count)
    )
    for i, row in enumerate(rows):
        Notification.objects.filter(pk=row.pk).update(created_at=start + timedelta(seconds=i))
    return list(Notification.objects.filter(pk__in=[r.pk for r in rows]).order_by("created_at"))


def titles(html: str) -> list[str]:
    return re.findall(r'class="d-block text-reset text-truncate[^"]*">([^<]+)</a>', html)


def test_list_shows_only_my_notifications_newest_first(demo, login):
    rep = demo["rep_east1"]
    make(rep, 3)
    notify([demo["rep_east2"]], "system", "someone else's")
    html = login("rep_east1").get(reverse("notifications")).content.decode()
    assert titles(html) == ["n002", "n001", "n000"]
    assert "someone else&#x27;s" not in html and "someone else's" not in html


def test_unread_tab_hides_read_ones(demo, login):
    rep = demo["rep_east1"]
    rows = make(rep, 3)
    Notification.objects.filter(pk=rows[1].pk).update(read_at=timezone.now())
    html = login("rep_east1").get(reverse("notifications") + "?tab=unread").content.decode()
    assert titles(html) == ["n002", "n000"]
    assert 'data-tab="unread"' in html and 'class="nav-link active"' in html


def test_empty_states(demo, login):
    client = login("rep_east1")
    assert 'id="no-notifications"' in client.get(reverse("notifications")).content.decode()
    html = client.get(reverse("notifications") + "?tab=unread").content.decode()
    assert 'id="no-notifications"' in html


def test_keyset_pages_walk_forwards_and_back(demo, login):
    rep = demo["rep_east1"]
    make(rep, 45)
    client = login("rep_east1")
    first = client.get(reverse("notifications")).content.decode()
    assert titles(first) == [f"n{i:03d}" for i in range(44, 24, -1)]
    assert 'rel="prev"' not in first
    older = re.search(r'href="\?before=([\d-]+)" rel="next"', first).group(1)
    second = client.get(reverse("notifications") + f"?before={older}").content.decode()
    assert titles(second) == [f"n{i:03d}" for i in range(24, 4, -1)]
    older = re.search(r'href="\?before=([\d-]+)" rel="next"', second).group(1)
    third = client.get(reverse("notifications") + f"?before={older}").content.decode()
    assert titles(third) == [f"n{i:03d}" for i in range(4, -1, -1)]
    assert 'rel="next"' not in third
    newer = re.search(r'href="\?after=([\d-]+)" rel="prev"', third).group(1)
    back = client.get(reverse("notifications") + f"?after={newer}").content.decode()
    assert titles(back) == titles(second)
    newer = re.search(r'href="\?after=([\d-]+)" rel="prev"', back).group(1)
    assert titles(client.get(f"{reverse('notifications')}?after={newer}").content.decode()) == (
        titles(first)
    )


def test_same_timestamp_rows_are_neither_skipped_nor_repeated(demo, login):
    rep = demo["rep_east1"]
    rows = make(rep, 30)
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=timezone.now())
    client = login("rep_east1")
    first = client.get(reverse("notifications")).content.decode()
    older = re.search(r'before=([\d-]+)"', first).group(1)
    second = client.get(reverse("notifications") + f"?before={older}").content.decode()
    seen = titles(first) + titles(second)
    assert sorted(seen) == sorted(r.title for r in rows)


def test_garbage_cursor_falls_back_to_first_page(demo, login):
    make(demo["rep_east1"], 2)
    client = login("rep_east1")
    for bad in ("abc", "1-x", "-", "99999999999999999999999-1"):
        response = client.get(reverse("notifications") + f"?before={bad}&after={bad}")
        assert response.status_code == 200
        assert titles(response.content.decode()) == ["n001", "n000"]


def test_list_query_count_is_constant(demo, login, django_assert_max_num_queries):
    rep = demo["rep_east1"]
    client = login("rep_east1")
    make(rep, 3, actor=demo["manager_east"])
    client.get(reverse("notifications"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications"))
    make(rep, 60, actor=demo["manager_east"])
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("notifications")).content.decode()
    assert "李晓梅" in html  # actor names come from the joined row
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with django_assert_max_num_queries(6):
        client.get(reverse("notifications") + "?tab=unread")


def test_open_marks_read_and_redirects_to_the_record(demo, login):
    rep = demo["rep_east1"]
    (n,) = notify([rep], "system", "Customer handed over", url="/customers/12/?tab=log")
    response = login("rep_east1").get(reverse("notification_open", args=[n.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/customers/12/?tab=log"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "customers/12/",
        "",
        "/ok\nSet-Cookie: x",
    ],
)
def test_open_never_leaves_the_site(demo, login, url):
    rep = demo["rep_east1"]
    n = Notification.objects.create(recipient=rep, kind="system", title="x", url=url)
    response = login("rep_east1").get(reverse("notification_open", args=[n.pk]))
    assert response["Location"] == reverse("notifications")
    n.refresh_from_db()
    assert n.read_at is not None


def test_safe_target():
    assert safe_target("/customers/1/") == "/customers/1/"
    assert safe_target("http://testserver/customers/1/") is None
    assert safe_target("/\\\\host") is None


def test_someone_elses_notification_is_404_everywhere(demo, login):
    (n,) = notify([demo["rep_east2"]], "system", "private", url="/x/")
    client = login("rep_east1")
    assert client.get(reverse("notification_open", args=[n.pk])).status_code == 404
    assert client.post(reverse("notification_read", args=[n.pk])).status_code == 404
    assert client.post(reverse("notification_unread", args=[n.pk])).status_code == 404
    client.post(reverse("notifications_read_all"))
    n.refresh_from_db()
    assert n.read_at is None
    # The same answer as a notification that does not exist at all.
    assert client.get(reverse("notification_open", args=[n.pk + 1000])).status_code == 404


def test_mark_read_and_unread_with_htmx(demo, login):
    rep = demo["rep_east1"]
    (n,) = notify([rep], "system", "hello")
    client = login("rep_east1")
    response = client.post(reverse("notification_read", args=[n.pk]), {"tab": "all"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    html = response.content.decode()
    assert html.strip().startswith(
        f'<div class="list-group-item notification-item" id="notification-{n.pk}"'
    )
    assert 'data-action="unread"' in html
    assert unread_count(rep) == 0
    response = client.post(reverse("notification_unread", args=[n.pk]), **HTMX)
    assert 'data-action="read"' in response.content.decode()
    assert unread_count(rep) == 1


def test_mark_read_without_javascript_goes_back(demo, login):
    rep = demo["rep_east1"]
    (n,) = notify([rep], "system", "hello")
    client = login("rep_east1")
    response = client.post(
        reverse("notification_read", args=[n.pk]), {"next": "/notifications/?tab=unread"}
    )
    assert response["Location"] == "/notifications/?tab=unread"
    response = client.post(
        reverse("notification_unread", args=[n.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notifications")
    assert unread_count(rep) == 1


def test_state_changes_need_post(demo, login):
    (n,) = notify([demo["rep_east1"]], "system", "hello")
    client = login("rep_east1")
    assert client.get(reverse("notification_read", args=[n.pk])).status_code == 405
    assert client.get(reverse("notifications_read_all")).status_code == 405
    assert unread_count(demo["rep_east1"]) == 1


def test_mark_all_read(demo, login):
    rep = demo["rep_east1"]
    make(rep, 5)
    notify([demo["rep_east2"]], "system", "other")
    client = login("rep_east1")
    response = client.post(reverse("notifications_read_all"), follow=True)
    assert unread_count(rep) == 0
    assert unread_count(demo["rep_east2"]) == 1
    assert 'id="mark-all-read"' not in response.content.decode()


def test_count_fragment_is_the_polling_badge(demo, login):
    rep = demo["rep_east1"]
    client = login("rep_east1")
    html = client.get(reverse("notification_count"), **HTMX).content.decode()
    assert html.startswith('<span id="notification-badge"')
    assert 'hx-trigger="every 60s' in html
    assert 'id="unread-count"' not in html
    make(rep, 3)
    html = client.get(reverse("notification_count"), **HTMX).content.decode()
    assert re.search(r'id="unread-count"[^>]*>3<', html)
    assert "<html" not in html


def test_count_fragment_query_count(demo, login, django_assert_max_num_queries):
    make(demo["rep_east1"], 30)
    client = login("rep_east1")
    client.get(reverse("notification_count"))
    with django_assert_max_num_queries(4):
        client.get(reverse("notification_count"), **HTMX)


def test_expired_session_redirects_the_whole_page_from_htmx(client, db):
    response = client.get(reverse("notification_count"), **HTMX)
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("login"))
    assert client.get(reverse("notifications")).status_code == 302


def test_workbench_shows_latest_five_unread_and_polls(demo, login):
    rep = demo["rep_east1"]
    rows = make(rep, 7)
    Notification.objects.filter(pk=rows[-1].pk).update(read_at=timezone.now())
    client = login("rep_east1")
    html = client.get(reverse("workbench")).content.decode()
    widget = html[html.index('id="workbench-notifications"') :]
    widget = widget[: widget.index('id="workbench-links"')]
    shown = re.findall(r'data-notification="(\d+)"', widget)
    assert shown == [str(r.pk) for r in reversed(rows[1:-1])]
    assert f'hx-get="{reverse("workbench_notifications")}"' in widget
    assert 'hx-trigger="every 60s' in widget
    fragment = client.get(reverse("workbench_notifications"), **HTMX).content.decode()
    assert fragment.strip().startswith('<div class="card" id="workbench-notifications"')
    assert re.findall(r'data-notification="(\d+)"', fragment) == shown


def test_workbench_quick_links_follow_permissions(demo, login):
    html = login("rep_east1").get(reverse("workbench")).content.decode()
    links = html[html.index('id="workbench-links"') :]
    assert 'data-menu="users"' not in links
    html = login("admin").get(reverse("workbench")).content.decode()
    links = html[html.index('id="workbench-links"') :]
    assert 'data-menu="users"' in links and 'data-menu="roles"' in links
    assert 'data-menu="workbench"' not in links
