"""The departments page (ORG-01) through HTTP: tree, create, edit/move, delete messages."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huike.org import services
from huike.org.models import Department


def test_tree_shows_heads_and_member_counts_without_n_plus_one(
    login, demo, django_assert_max_num_queries
):
    client = login("admin")
    url = reverse("org:departments")
    client.get(url)  # warm per-process caches (content types)
    with CaptureQueriesContext(connection) as small:
        page = client.get(url).content.decode()
    assert "华东销售组" in page and "李晓梅" in page
    root = Department.objects.get(parent__isnull=True)
    for i in range(15):
        services.create_department(demo["admin"], f"组{i}", root, head=demo["rep_east1"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url).content.decode()
    assert "组14" in page


def test_create_child_department(login, demo):
    sales = Department.objects.get(name="销售部")
    client = login("admin")
    form = client.get(reverse("org:department_create") + f"?parent={sales.pk}")
    assert f'value="{sales.pk}" selected' in form.content.decode()
    response = client.post(
        reverse("org:department_create"),
        {"name": "华南销售组", "parent": sales.pk, "head": "", "sort_order": 3},
    )
    assert response.status_code == 302
    assert Department.objects.get(name="华南销售组").parent == sales


def test_edit_moves_and_sets_head(login, demo):
    east = Department.objects.get(name="华东销售组")
    service = Department.objects.get(name="客服部")
    response = login("admin").post(
        reverse("org:department_edit", args=[east.pk]),
        {"name": "华东组", "parent": service.pk, "head": demo["rep_east1"].pk, "sort_order": 0},
    )
    assert response.status_code == 302
    east.refresh_from_db()
    assert (east.name, east.parent, east.head) == ("华东组", service, demo["rep_east1"])
    assert east.path == f"{service.path}{east.pk}/"


def test_edit_refuses_moving_under_own_subtree(login, demo):
    sales = Department.objects.get(name="销售部")
    east = Department.objects.get(name="华东销售组")
    response = login("admin").post(
        reverse("org:department_edit", args=[sales.pk]),
        {"name": "销售部", "parent": east.pk, "head": "", "sort_order": 0},
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["form"].errors
    sales.refresh_from_db()
    assert sales.parent.parent is None


def test_root_can_be_renamed_but_has_no_parent_field(login, demo):
    root = Department.objects.get(parent__isnull=True)
    client = login("admin")
    assert (
        "parent"
        not in client.get(reverse("org:department_edit", args=[root.pk])).context["form"].fields
    )
    client.post(
        reverse("org:department_edit", args=[root.pk]),
        {"name": "汇客集团", "head": demo["admin"].pk, "sort_order": 0},
    )
    root.refresh_from_db()
    assert root.name == "汇客集团"


def test_delete_with_members_shows_a_clear_message(login, demo):
    finance = Department.objects.get(name="财务部")
    response = login("admin").post(reverse("org:department_delete", args=[finance.pk]), follow=True)
    assert "财务部" in response.content.decode()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Department.objects.filter(pk=finance.pk).exists()


def test_delete_with_children_shows_a_clear_message(login, demo):
    sales = Department.objects.get(name="销售部")
    response = login("admin").post(reverse("org:department_delete", args=[sales.pk]), follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "销售部" in messages[0]
    assert Department.objects.filter(pk=sales.pk).exists()


def test_viewer_sees_tree_without_buttons(login, demo):
    response = login("viewer").get(reverse("org:departments"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("org:department_create") not in page
    assert "/delete/" not in page


def test_bad_parent_parameter_is_ignored(login, demo):
    assert login("admin").get(reverse("org:department_create") + "?parent=abc").status_code == 200
