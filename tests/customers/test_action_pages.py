"""The pages of CUS-05..08: transfer (one customer and the list's bulk), lock / unlock, the
Team tab and merge. Invisible is 404, no right is 403, a POST changes data and logs, bad
input changes nothing and says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huike.core.models import Notification, OperationLog
from huike.core.oplog import history
from huike.core.record_types import record_type
from huike.customers import actions
from huike.customers.models import Contact, Customer, CustomerMember
from huike.pools.models import HoldingLimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(demo, make_customer, make_contact):
    """rep_east1's customer with one contact."""
    customer = make_customer(demo["rep_east1"], "上海页面测试有限公司", mobile="13912345678")
    make_contact(demo["rep_east1"], customer, "王经理")
    return customer


def _messages(response) -> str:
    return response.content.decode()


def _log_texts(customer) -> list[str]:
    return [e.message for e in history(customer)]


# -- detail header buttons ------------------------------------------------------------------


def test_header_shows_the_actions_the_user_may_use(demo, login, mine):
    html = login("rep_east1").get(f"/customers/{mine.pk}/").content.decode()
    for key in ("transfer", "lock"):
        assert f'id="record-action-{key}"' in html
    assert 'id="record-action-unlock"' not in html
    assert 'id="record-action-merge"' not in html  # a rep may not delete, so may not merge
    actions.lock(demo["rep_east1"], [mine])
    html = login("rep_east1").get(f"/customers/{mine.pk}/").content.decode()
    assert 'id="record-action-unlock"' in html and 'id="record-action-lock"' not in html
    html = login("manager_east").get(f"/customers/{mine.pk}/").content.decode()
    assert 'id="record-action-merge"' in html
    html = login("service1").get(f"/customers/{mine.pk}/").content.decode()
    assert "record-action-transfer" not in html and "record-action-lock" not in html


# -- transfer -------------------------------------------------------------------------------


def test_transfer_page_access(demo, login, mine):
    url = f"/customers/{mine.pk}/transfer/"
    assert login("rep_east1").get(url).status_code == 200
    assert login("rep_east2").get(url).status_code == 404
    assert login("service1").get(url).status_code == 403
    assert login("rep_east1").get("/customers/999999/transfer/").status_code == 404


def test_transfer_with_options_changes_owner_team_and_logs(demo, login, mine, english):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    response = login("rep_east1").post(
        f"/customers/{mine.pk}/transfer/",
        {"confirm": "1", "owner": rep2.pk, "move_contacts": "on", "keep_old_owner": "read"},
    )
    assert response.status_code == 302
    # rep_east1 still sees it through the team: back to the customer's page.
    assert response["Location"] == f"/customers/{mine.pk}/"
    mine.refresh_from_db()
    assert mine.owner == rep2
    assert Contact.objects.get(customer=mine).owner == rep2
    member = CustomerMember.objects.get(customer=mine)
    assert (member.user, member.access) == (rep1, "read")
    assert history(mine).filter(action=OperationLog.Action.TRANSFER).exists()
    assert Notification.objects.filter(recipient=rep2, kind="record_transferred").exists()


def test_transfer_read_write_keep_and_contacts_stay(demo, login, mine):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    login("rep_east1").post(
        f"/customers/{mine.pk}/transfer/",
        {"confirm": "1", "owner": rep2.pk, "keep_old_owner": "read_write"},
    )
    assert CustomerMember.objects.get(customer=mine, user=rep1).access == "read_write"
    assert Contact.objects.get(customer=mine).owner == rep1
    assert actions.can_edit(rep1, Customer.objects.get(pk=mine.pk))


def test_transfer_without_keeping_goes_back_to_the_list(demo, login, mine):
    response = login("rep_east1").post(
        f"/customers/{mine.pk}/transfer/",
        {"confirm": "1", "owner": demo["rep_east2"].pk, "keep_old_owner": ""},
    )
    assert response["Location"] == "/customers/"
    assert not CustomerMember.objects.filter(customer=mine).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"owner": ""}, "Choose the new owner."),
        ({"owner": "999999"}, "Choose an active user as the new owner."),
        ({"owner": "rep_east2", "keep_old_owner": "admin"}, "Select a valid choice."),
    ],
)
def test_transfer_bad_input_changes_nothing(demo, login, mine, english, data, message):
    data = {"confirm": "1", **data}
    if data["owner"] in demo:
        data["owner"] = demo[data["owner"]].pk
    response = login("rep_east1").post(f"/customers/{mine.pk}/transfer/", data)
    assert response.status_code == 400
    assert message in _messages(response)
    mine.refresh_from_db()
    assert mine.owner == demo["rep_east1"]
    assert not history(mine).filter(action=OperationLog.Action.TRANSFER).exists()


def test_transfer_refused_at_the_holdings_limit_shows_it_at_the_form(
    demo, login, mine, make_customer, english
):
    rep2 = demo["rep_east2"]
    HoldingLimit.objects.create(user=rep2, max_customers=1)
    make_customer(rep2, "陈静已有的客户")
    response = login("rep_east1").post(
        f"/customers/{mine.pk}/transfer/", {"confirm": "1", "owner": rep2.pk}
    )
    assert response.status_code == 400
    html = _messages(response)
    assert 'id="transfer-errors"' in html
    assert "may hold at most 1 customers and can take 0 more" in html
    mine.refresh_from_db()
    assert mine.owner == demo["rep_east1"]


def test_list_bulk_bar_links_to_the_transfer_page(demo, login, mine):
    html = login("rep_east1").get("/customers/").content.decode()
    assert 'formaction="/customers/transfer/"' in html
    assert 'name="owner" aria-label' not in html  # the page brings its own picker


def test_bulk_transfer_opens_the_form_then_transfers(demo, login, mine, make_customer):
    rep2 = demo["rep_east2"]
    other = make_customer(demo["rep_east1"], "第二家客户")
    client = login("rep_east1")
    opened = client.post("/customers/transfer/", {"ids": [mine.pk, other.pk], "tags": ""})
    assert opened.status_code == 200
    html = opened.content.decode()
    assert f'name="ids" value="{mine.pk}"' in html and f'name="ids" value="{other.pk}"' in html
    assert Customer.objects.filter(owner=rep2).count() == 0  # opening changes nothing
    done = client.post(
        "/customers/transfer/", {"ids": [mine.pk, other.pk], "confirm": "1", "owner": rep2.pk}
    )
    assert done.status_code == 302 and done["Location"] == "/customers/"
    assert Customer.objects.filter(owner=rep2).count() == 2


def test_bulk_transfer_access(demo, login, mine, make_customer):
    theirs = make_customer(demo["rep_east2"], "别人的客户")
    assert (
        login("rep_east1").post("/customers/transfer/", {"ids": [mine.pk, theirs.pk]}).status_code
        == 404
    )
    assert login("rep_east1").post("/customers/transfer/", {"ids": ["x"]}).status_code == 404
    assert login("rep_east1").post("/customers/transfer/", {}).status_code == 404
    assert login("service1").post("/customers/transfer/", {"ids": [mine.pk]}).status_code == 403


# -- lock / unlock --------------------------------------------------------------------------


def test_lock_and_unlock_pages(demo, login, mine, english):
    assert login("rep_east2").get(f"/customers/{mine.pk}/lock/").status_code == 404
    assert login("service1").post(f"/customers/{mine.pk}/lock/").status_code == 403
    client = login("rep_east1")
    assert client.get(f"/customers/{mine.pk}/lock/").status_code == 200
    response = client.post(f"/customers/{mine.pk}/lock/")
    assert response.status_code == 302
    assert Customer.objects.get(pk=mine.pk).is_locked
    assert "Locked: never recycled to the pool." in _log_texts(mine)
    client.post(f"/customers/{mine.pk}/unlock/")
    assert not Customer.objects.get(pk=mine.pk).is_locked
    assert "Unlocked." in _log_texts(mine)


# -- team tab -------------------------------------------------------------------------------


def _tab(client, customer):
    return client.get(f"/customers/{customer.pk}/tabs/team/")


def test_team_tab_add_change_remove_in_place(demo, login, mine, english):
    rep2 = demo["rep_east2"]
    client = login("rep_east1")
    html = _tab(client, mine).content.decode()
    assert 'id="team-add-form"' in html and 'id="team-empty"' in html
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    added = client.post(
        f"/customers/{mine.pk}/team/",
        {"user": rep2.pk, "access": "read", "until": until},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200
    assert f'data-team-member="{rep2.username}"' in added.content.decode()
    member = CustomerMember.objects.get(customer=mine, user=rep2)
    assert (member.access, member.until.isoformat()) == ("read", until)
    assert any("added to the team" in t for t in _log_texts(mine))
    changed = client.post(
        f"/customers/{mine.pk}/team/{rep2.pk}/",
        {f"m{rep2.pk}-access": "read_write", f"m{rep2.pk}-until": ""},
        HTTP_HX_REQUEST="true",
    )
    assert changed.status_code == 200
    member.refresh_from_db()
    assert (member.access, member.until) == ("read_write", None)
    removed = client.post(f"/customers/{mine.pk}/team/{rep2.pk}/remove/", HTTP_HX_REQUEST="true")
    assert removed.status_code == 200 and 'id="team-empty"' in removed.content.decode()
    assert not CustomerMember.objects.filter(customer=mine).exists()
    assert any("removed from the team" in t for t in _log_texts(mine))


def test_team_add_without_htmx_redirects_to_the_customer(demo, login, mine):
    response = login("rep_east1").post(
        f"/customers/{mine.pk}/team/", {"user": demo["rep_east2"].pk, "access": "read"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/customers/{mine.pk}/")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"access": "read"}, "Choose an active user."),
        ({"user": "owner", "access": "read"}, "The owner is already on the team."),
        ({"user": "rep_east2", "access": "admin"}, "Select a valid choice."),
        (
            {"user": "rep_east2", "access": "read", "until": "2020-01-01"},
            "The end date is in the past.",
        ),
        ({"user": "rep_east2", "access": "read", "until": "tomorrow"}, "Enter a valid date."),
    ],
)
def test_team_bad_input_changes_nothing(demo, login, mine, english, data, message):
    data = dict(data)
    if data.get("user") == "owner":
        data["user"] = demo["rep_east1"].pk
    elif "user" in data:
        data["user"] = demo[data["user"]].pk
    before = history(mine).count()
    response = login("rep_east1").post(f"/customers/{mine.pk}/team/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CustomerMember.objects.filter(customer=mine).exists()
    assert history(mine).count() == before


def test_team_access(demo, login, mine):
    rep2 = demo["rep_east2"]
    url = f"/customers/{mine.pk}/team/"
    assert login("rep_east2").post(url, {"user": rep2.pk, "access": "read"}).status_code == 404
    assert login("rep_east2").get(f"/customers/{mine.pk}/tabs/team/").status_code == 404
    # service1 sees every customer but has no "share" right.
    assert login("service1").post(url, {"user": rep2.pk, "access": "read"}).status_code == 403
    html = _tab(login("service1"), mine).content.decode()
    assert 'id="team-read-only"' in html and "team-add-form" not in html
    assert login("rep_east1").post(f"{url}{rep2.pk}/remove/").status_code == 404


def test_a_read_only_member_sees_the_team_but_cannot_change_it(demo, login, mine):
    rep2 = demo["rep_east2"]
    actions.add_member(demo["rep_east1"], mine, rep2, "read")
    client = login("rep_east2")
    html = _tab(client, mine).content.decode()
    assert 'id="team-mine"' in html and 'id="team-read-only"' in html
    response = client.post(
        f"/customers/{mine.pk}/team/", {"user": demo["rep_north1"].pk, "access": "read"}
    )
    assert response.status_code == 403
    # …and finds it under "Shared with me".
    assert mine.name in client.get("/customers/?scene=shared_with_me").content.decode()


def test_an_ended_membership_shows_as_ended_and_is_not_counted(demo, login, mine):
    rep2 = demo["rep_east2"]
    CustomerMember.objects.create(
        customer=mine, user=rep2, until=timezone.localdate() - timedelta(days=1)
    )
    html = _tab(login("rep_east1"), mine).content.decode()
    assert "text-danger" in html
    tab = next(t for t in record_type("customers").tabs if t.key == "team")
    assert tab.count(mine) == 0
    assert login("rep_east2").get(f"/customers/{mine.pk}/").status_code == 404


def test_team_tab_queries_do_not_grow_with_members(
    demo, login, mine, django_assert_max_num_queries
):
    client = login("rep_east1")
    _tab(client, mine)  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert _tab(client, mine).status_code == 200
    for username in ("rep_east2", "rep_north1", "service1", "finance1", "viewer"):
        actions.add_member(demo["rep_east1"], mine, demo[username], "read")
    with django_assert_max_num_queries(len(one)):
        html = _tab(client, mine).content.decode()
    assert html.count("data-team-member=") == 5


# -- merge ----------------------------------------------------------------------------------


@pytest.fixture
def pair(demo, mine, make_customer, make_contact):
    other = make_customer(demo["rep_east1"], "上海页面测试二部")
    make_contact(demo["rep_east1"], other, "李主任")
    return mine, other


def test_merge_page_access(demo, login, pair):
    keep, _other = pair
    url = f"/customers/{keep.pk}/merge/"
    assert login("manager_east").get(url).status_code == 200
    assert login("rep_north1").get(url).status_code == 404
    assert login("rep_east1").get(url).status_code == 403  # no "delete" right
    assert login("service1").get(url).status_code == 403


def test_merge_preview_confirm_and_redirect(demo, login, pair, english):
    keep, other = pair
    client = login("manager_east")
    preview = client.get(f"/customers/{keep.pk}/merge/", {"other": other.pk})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="merge-form"' in html and other.name in html and "Contacts: 1" in html
    done = client.post(f"/customers/{keep.pk}/merge/", {"other": other.pk, "keep": "other"})
    assert done.status_code == 302 and done["Location"] == f"/customers/{other.pk}/"
    assert Customer.objects.filter(pk=keep.pk).count() == 0  # binned
    assert Contact.objects.filter(customer=other).count() == 2
    assert any("Merged “" in t for t in _log_texts(other))


@pytest.mark.parametrize("case", ["same", "invisible", "locked", "missing"])
def test_merge_errors_change_nothing(demo, login, pair, make_customer, english, case):
    keep, other = pair
    expected = "Choose another customer you may edit."
    target = other.pk
    if case == "same":
        target = keep.pk
    elif case == "invisible":
        target = make_customer(demo["rep_north1"], "华北的客户").pk
    elif case == "missing":
        target = ""
        expected = "Choose the other customer."
    elif case == "locked":
        actions.lock(demo["rep_east1"], [other])
        expected = "is locked; unlock it before merging it into another customer."
    response = login("manager_east").post(
        f"/customers/{keep.pk}/merge/", {"other": target, "keep": "this"}
    )
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert Customer.objects.filter(pk__in=[keep.pk, other.pk]).count() == 2
    assert Contact.objects.filter(customer=keep).count() == 1


def test_merge_candidates_are_visible_and_editable_only(demo, login, pair, make_customer):
    keep, other = pair
    make_customer(demo["rep_north1"], "华北客户")
    client = login("manager_east")
    rows = client.get(f"/customers/{keep.pk}/merge/candidates/").json()
    assert [r["id"] for r in rows] == [other.pk]
    assert (
        client.get(f"/customers/{keep.pk}/merge/candidates/", {"q": "二部"}).json()[0]["id"]
        == other.pk
    )
    assert login("rep_east1").get(f"/customers/{keep.pk}/merge/candidates/").status_code == 403


def test_operation_log_tab_shows_the_actions(demo, login, mine, english):
    rep1 = demo["rep_east1"]
    actions.lock(rep1, [mine])
    actions.add_member(rep1, mine, demo["rep_east2"], "read")
    html = login("rep_east1").get(f"/customers/{mine.pk}/tabs/log/").content.decode()
    assert "Locked: never recycled to the pool." in html
    assert f"{demo['rep_east2'].name} added to the team (Read only)." in html


def test_editable_covers_every_scope_kind(demo, mine):
    """Scope "all" is an empty Q(), which an OR with the team rule would swallow."""
    assert actions.can_edit(demo["admin"], mine)
    assert actions.editable(demo["admin"]).filter(pk=mine.pk).exists()
    assert actions.can_edit(demo["manager_east"], mine)
    assert not actions.can_edit(demo["rep_east2"], mine)
    assert not actions.editable(demo["service1"]).exists()
    actions.add_member(demo["rep_east1"], mine, demo["rep_east2"], "read_write")
    assert actions.editable(demo["rep_east2"]).filter(pk=mine.pk).exists()
