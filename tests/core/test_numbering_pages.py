"""Settings pages of numbering rules: access, create and edit, live preview, query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huike.core.models import OperationLog
from huike.core.models_config import NumberingRule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def rule_data(**overrides) -> dict:
    data = {
        "module": "memos",
        "separator": "-",
        "reset": "daily",
        "enabled": "on",
        "seg0-kind": "text",
        "seg0-text": "MM",
        "seg1-kind": "date",
        "seg1-format": "YYYYMMDD",
        "seg2-kind": "counter",
        "seg2-width": "4",
    }
    data.update(overrides)
    return data


def make_rule(module="memos", prefix="MM") -> NumberingRule:
    return NumberingRule.objects.create(
        module=module,
        segments=[
            {"kind": "text", "text": prefix},
            {"kind": "date", "format": "YYYY"},
            {"kind": "counter", "width": 3},
        ],
        reset="yearly",
    )


@pytest.mark.parametrize(
    ("method", "name", "kwargs"),
    [
        ("get", "config:numbering", {}),
        ("get", "config:numbering_create", {}),
        ("post", "config:numbering_create", {}),
        ("get", "config:numbering_preview", {}),
        ("get", "config:numbering_edit", {"pk": 0}),
        ("post", "config:numbering_edit", {"pk": 0}),
    ],
)
def test_sales_rep_is_forbidden(demo, login, method, name, kwargs):
    if "pk" in kwargs:
        kwargs = {"pk": make_rule().pk}
    client = login("rep_east1")
    response = getattr(client, method)(reverse(name, kwargs=kwargs), rule_data())
    assert response.status_code == 403
    assert NumberingRule.objects.count() == (1 if kwargs else 0)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("config:numbering"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_menu_shows_the_page_to_admins_only(demo, login):
    assert reverse("config:numbering") in login("admin").get("/").content.decode()
    assert reverse("config:numbering") not in login("rep_east1").get("/").content.decode()


def test_create_a_rule(demo, login):
    client = login("admin")
    page = client.get(reverse("config:numbering_create"))
    assert page.status_code == 200
    assert 'value="memos"' in page.content.decode()  # the registered record module is offered

    response = client.post(reverse("config:numbering_create"), rule_data())
    assert response.status_code == 302
    rule = NumberingRule.objects.get(module="memos")
    assert rule.segments == [
        {"kind": "text", "text": "MM"},
        {"kind": "date", "format": "YYYYMMDD"},
        {"kind": "counter", "width": 4},
    ]
    assert OperationLog.objects.filter(action="create", object_id=str(rule.pk)).exists()
    listing = client.get(reverse("config:numbering")).content.decode()
    assert "MM-{YYYYMMDD}-{0000}" in listing


def test_invalid_rule_is_refused_with_a_message(demo, login):
    client = login("admin")
    data = rule_data(**{"seg1-format": "YYYYMM"})  # daily reset, but only the month shown
    response = client.post(reverse("config:numbering_create"), data)
    assert response.status_code == 200
    assert "restarts daily needs a date segment showing the day" in response.content.decode()
    assert not NumberingRule.objects.exists()

    data = rule_data(**{"seg2-kind": ""})  # no counter
    response = client.post(reverse("config:numbering_create"), data)
    assert "exactly one counter" in response.content.decode()
    assert not NumberingRule.objects.exists()


def test_edit_a_rule(demo, login):
    rule = make_rule()
    client = login("admin")
    page = client.get(reverse("config:numbering_edit", args=[rule.pk]))
    assert page.status_code == 200
    assert "MM-" in page.content.decode()
    data = rule_data(module="ignored", reset="never", enabled="", **{"seg0-text": "NB"})
    response = client.post(reverse("config:numbering_edit", args=[rule.pk]), data)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.module == "memos"  # fixed once created
    assert rule.reset == "never"
    assert rule.enabled is False
    assert rule.segments[0] == {"kind": "text", "text": "NB"}
    entry = OperationLog.objects.get(action="update", object_id=str(rule.pk))
    assert {c["field"] for c in entry.changes} == {"segments", "reset", "enabled"}


def test_live_preview(demo, login):
    client = login("admin")
    url = reverse("config:numbering_preview")
    response = client.get(url, rule_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="preview-number"' in body
    assert "MM-" in body and "-0001" in body

    response = client.get(url, rule_data(**{"seg2-kind": ""}), headers={"HX-Request": "true"})
    assert "exactly one counter" in response.content.decode()

    rule = make_rule()
    from django.db import transaction

    from huike.core import numbering

    with transaction.atomic():
        numbering.next_number("memos")
    data = rule_data(rule=str(rule.pk), reset="yearly", **{"seg1-format": "YYYY"})
    body = client.get(url, data).content.decode()
    assert "-0002" in body  # the draft of an existing rule continues its counter
    assert NumberingRule.objects.count() == 1


def test_list_query_count_does_not_grow_with_rules(demo, login, django_assert_max_num_queries):
    client = login("admin")
    make_rule()
    client.get(reverse("config:numbering"))  # warm per-process caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("config:numbering")).status_code == 200
    for index in range(5):
        make_rule(module=f"extra{index}", prefix=f"X{index}")
    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("config:numbering"))
    assert response.content.decode().count("data-next-number") == 6
