"""Data scopes (ORG-05) on the test-only Memo type, with users and departments made here."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import Http404

from huike.core.permissions import forget
from huike.core.registry import registry
from huike.core.scopes import Scope, get_visible_or_404, is_visible, scopes_for, visible
from tests.testapp import factories as f
from tests.testapp.models import Memo

pytestmark = pytest.mark.django_db


def memo(owner, **kw):
    return Memo.objects.create(
        title=kw.pop("title", f"memo of {owner.username}"), owner=owner, **kw
    )


def seen(user):
    return set(visible(user, Memo).values_list("title", flat=True))


# -- self ------------------------------------------------------------------------------------
def test_self_scope_sees_only_own_records():
    rep_role = f.role(scope=Scope.SELF)
    me, other = f.user("me", roles=[rep_role]), f.user("other", roles=[rep_role])
    memo(me, title="mine")
    memo(other, title="theirs")
    assert seen(me) == {"mine"}
    assert seen(other) == {"theirs"}


def test_role_with_view_but_no_scope_gives_self():
    me = f.user(roles=[f.role(scope=None)])
    other = f.user()
    memo(me, title="mine")
    memo(other, title="theirs")
    assert scopes_for(me, "memos") == {Scope.SELF}
    assert seen(me) == {"mine"}


def test_unknown_scope_value_in_role_falls_back_to_self():
    me = f.user(roles=[f.role(scope="everything-please")])
    memo(me, title="mine")
    memo(f.user(), title="theirs")
    assert seen(me) == {"mine"}


# -- self and subordinates -------------------------------------------------------------------
@pytest.fixture
def chain():
    """A → B → C → D (each reports to the previous), B2 a sibling of B, C2 a sibling of C."""
    role = f.role(scope=Scope.SUBORDINATES)
    a = f.user("a", roles=[role])
    b = f.user("b", roles=[role], supervisor=a)
    b2 = f.user("b2", roles=[role], supervisor=a)
    c = f.user("c", roles=[role], supervisor=b)
    c2 = f.user("c2", roles=[role], supervisor=b)
    d = f.user("d", roles=[role], supervisor=c)
    for u in (a, b, b2, c, c2, d):
        memo(u, title=u.username)
    return {u.username: u for u in (a, b, b2, c, c2, d)}


def test_subordinates_at_any_depth(chain):
    assert seen(chain["a"]) == {"a", "b", "b2", "c", "c2", "d"}
    assert seen(chain["b"]) == {"b", "c", "c2", "d"}
    assert seen(chain["c"]) == {"c", "d"}  # not the sibling c2, not the managers
    assert seen(chain["d"]) == {"d"}
    assert seen(chain["b2"]) == {"b2"}


def test_disabled_subordinates_records_stay_visible_to_manager(chain):
    c = chain["c"]
    c.is_active = False
    c.save()
    # c is disabled and d still reports to c: both stay in a's and b's view until handed over.
    assert seen(chain["a"]) == {"a", "b", "b2", "c", "c2", "d"}
    assert seen(chain["b"]) == {"b", "c", "c2", "d"}


def test_disabled_user_sees_nothing(chain):
    a = chain["a"]
    a.is_active = False
    a.save()
    assert seen(a) == set()
    assert not visible(a, Memo).exists()


# -- departments -----------------------------------------------------------------------------
@pytest.fixture
def org():
    """sales → (east → east_shanghai), (north); service. One user with a memo in each."""
    sales = f.department("Sales")
    east = f.department("East", sales)
    shanghai = f.department("Shanghai", east)
    north = f.department("North", sales)
    service = f.department("Service")
    people = {}
    for dept in (sales, east, shanghai, north, service):
        u = f.user(f"in_{dept.name.lower()}", department=dept)
        memo(u, title=dept.name)
        people[dept.name] = u
    return {"depts": locals(), "people": people}


def test_own_department_only(org):
    me = f.user(roles=[f.role(scope=Scope.DEPARTMENT)], department=org["depts"]["east"])
    memo(me, title="mine")
    assert seen(me) == {"East", "mine"}  # not the child Shanghai, not sibling North


def test_department_subtree_includes_children_and_grandchildren(org):
    me = f.user(roles=[f.role(scope=Scope.DEPARTMENT_TREE)], department=org["depts"]["sales"])
    memo(me, title="mine")
    assert seen(me) == {"Sales", "East", "Shanghai", "North", "mine"}
    mid = f.user(roles=[f.role(scope=Scope.DEPARTMENT_TREE)], department=org["depts"]["east"])
    assert seen(mid) == {"East", "Shanghai"}  # not the parent Sales, not the sibling North


def test_department_tree_follows_a_moved_department(org):
    """The prefix is read in the same statement, so a move shows at once."""
    me = f.user(roles=[f.role(scope=Scope.DEPARTMENT_TREE)], department=org["depts"]["sales"])
    service = org["depts"]["service"]
    # Move Service under Sales the way the service does: rewrite its path.
    service.parent = org["depts"]["sales"]
    service.path = f"{org['depts']['sales'].path}{service.pk}/"
    service.save()
    assert "Service" in seen(me)


def test_department_without_path_fails_closed(org):
    broken = f.department("Broken")
    type(broken).objects.filter(pk=broken.pk).update(path="")
    me = f.user(roles=[f.role(scope=Scope.DEPARTMENT_TREE)], department=broken)
    assert seen(me) == set()  # not "every path starts with ''"


@pytest.mark.parametrize("scope", [Scope.DEPARTMENT, Scope.DEPARTMENT_TREE])
def test_user_without_department_sees_only_own(org, scope):
    loner = f.user(roles=[f.role(scope=scope)], department=None)
    other_loner = f.user(department=None)
    memo(loner, title="mine")
    memo(other_loner, title="another without department")
    assert seen(loner) == {"mine"}


# -- several roles, grants, missing rights ---------------------------------------------------
def test_several_roles_union(org):
    east = org["depts"]["east"]
    me = f.user(
        roles=[f.role(scope=Scope.SUBORDINATES), f.role(scope=Scope.DEPARTMENT)],
        department=east,
    )
    report = f.user(supervisor=me, department=org["depts"]["service"])
    memo(report, title="my report's")
    assert seen(me) == {"East", "my report's"}


def test_widest_scope_wins():
    me = f.user(roles=[f.role(scope=Scope.SELF), f.role(scope=Scope.ALL)])
    memo(f.user(), title="anyone's")
    assert seen(me) == {"anyone's"}
    assert scopes_for(me, "memos") == {Scope.ALL}


def test_scope_of_a_role_without_the_view_right_does_not_widen():
    viewer = f.role(scope=Scope.SELF)
    scope_only = f.role(permissions=["memos.edit"], scope=Scope.ALL)
    me = f.user(roles=[viewer, scope_only])
    memo(me, title="mine")
    memo(f.user(), title="theirs")
    assert seen(me) == {"mine"}


def test_no_view_right_sees_nothing_not_even_shared():
    me = f.user(roles=[f.role(permissions=["memos.edit"], scope=Scope.ALL)])
    memo(me, title="mine")
    memo(f.user(), title="shared", shared_with=me)
    assert seen(me) == set()
    assert scopes_for(me, "memos") == set()


def test_personal_grant_of_view_gives_self():
    me = f.user(extra_permissions=["memos.view"])
    memo(me, title="mine")
    memo(f.user(), title="theirs")
    assert scopes_for(me, "memos") == {Scope.SELF}
    assert seen(me) == {"mine"}


# -- extensions ------------------------------------------------------------------------------
def test_shared_records_are_ored_in():
    me = f.user(roles=[f.role(scope=Scope.SELF)])
    memo(me, title="mine")
    memo(f.user(), title="shared", shared_with=me)
    memo(f.user(), title="private")
    assert seen(me) == {"mine", "shared"}


def test_many_valued_extension_never_duplicates_rows(monkeypatch):
    entry = registry.scoped(Memo)
    monkeypatch.setattr(entry, "extensions", [*entry.extensions, lambda u: Q(watchers=u)])
    me = f.user(roles=[f.role(scope=Scope.SELF)])
    mine = memo(me, title="mine")
    watched = memo(f.user(), title="watched")
    others = [f.user() for _ in range(3)]
    mine.watchers.set(others)
    watched.watchers.set([me, *others])
    memo(f.user(), title="private").watchers.set(others)
    titles = list(visible(me, Memo).values_list("title", flat=True))
    assert sorted(titles) == ["mine", "watched"]
    assert get_visible_or_404(me, Memo, pk=watched.pk) == watched


# -- superadmin, anonymous -------------------------------------------------------------------
def test_superadmin_sees_everything():
    boss = f.user(roles=[f.superadmin_role()])
    memo(f.user(), title="one")
    memo(f.user(), title="two")
    assert seen(boss) == {"one", "two"}


def test_disabled_superadmin_sees_nothing():
    boss = f.user(roles=[f.superadmin_role()], is_active=False)
    memo(f.user(), title="one")
    assert seen(boss) == set()


def test_anonymous_sees_nothing():
    memo(f.user(), title="one")
    assert seen(AnonymousUser()) == set()


def test_visible_narrows_a_given_queryset():
    me = f.user(roles=[f.role(scope=Scope.SELF)])
    memo(me, title="a")
    memo(me, title="b")
    memo(f.user(), title="c")
    qs = visible(me, Memo, Memo.objects.filter(title__in=["b", "c"]))
    assert set(qs.values_list("title", flat=True)) == {"b"}


def test_is_visible():
    me = f.user(roles=[f.role(scope=Scope.SELF)])
    assert is_visible(me, memo(me))
    assert not is_visible(me, memo(f.user()))


# -- 404: missing and invisible are the same -------------------------------------------------
def test_get_visible_or_404_same_for_missing_invisible_and_malformed():
    me = f.user(roles=[f.role(scope=Scope.SELF)])
    mine, theirs = memo(me), memo(f.user())
    assert get_visible_or_404(me, Memo, pk=mine.pk) == mine
    for pk in (theirs.pk, theirs.pk + 1000, "abc"):
        with pytest.raises(Http404):
            get_visible_or_404(me, Memo, pk=pk)


@pytest.mark.urls("tests.testapp.urls")
def test_http_404_for_invisible_is_identical_to_missing(client):
    me = f.user(roles=[f.role(permissions=["memos.view", "memos.delete"], scope=Scope.SELF)])
    mine, theirs = memo(me, title="mine"), memo(f.user(), title="theirs")
    client.force_login(me)
    assert client.get(f"/testapp/memos/{mine.pk}/").json()["title"] == "mine"
    invisible = client.get(f"/testapp/memos/{theirs.pk}/")
    missing = client.get(f"/testapp/memos/{theirs.pk + 1000}/")
    malformed = client.get("/testapp/memos/abc/")
    assert invisible.status_code == missing.status_code == malformed.status_code == 404
    # Identical but for the per-response masked CSRF token in the page head.
    bodies = {
        re.sub(rb'name="csrf-token" content="[^"]*"', b"", r.content)
        for r in (invisible, missing, malformed)
    }
    assert len(bodies) == 1
    # The delete action cannot probe for existence either.
    assert client.post(f"/testapp/memos/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/testapp/memos/{theirs.pk + 1000}/delete/").status_code == 404
    assert Memo.objects.filter(pk=theirs.pk).exists()


@pytest.mark.urls("tests.testapp.urls")
def test_http_403_for_forbidden_action_on_visible_record(client):
    me = f.user(roles=[f.role(permissions=["memos.view"], scope=Scope.SELF)])
    mine = memo(me)
    client.force_login(me)
    assert client.post(f"/testapp/memos/{mine.pk}/delete/").status_code == 403
    assert Memo.objects.filter(pk=mine.pk).exists()
    # The same user with the right (a personal grant) may delete.
    me.extra_permissions = ["memos.delete"]
    me.save()
    assert client.post(f"/testapp/memos/{mine.pk}/delete/").status_code == 204
    assert not Memo.objects.filter(pk=mine.pk).exists()


@pytest.mark.urls("tests.testapp.urls")
def test_http_anonymous_is_sent_to_login(client):
    m = memo(f.user())
    response = client.get(f"/testapp/memos/{m.pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# -- query counts ----------------------------------------------------------------------------
def test_department_tree_listing_costs_one_cached_extra_query(org, django_assert_num_queries):
    """The tree is resolved to owner ids first (a literal IN list the planner can estimate),
    once per user object, like the subordinates below."""
    me = f.user(roles=[f.role(scope=Scope.DEPARTMENT_TREE)], department=org["depts"]["sales"])
    with django_assert_num_queries(3):  # roles + the tree's member ids + the list
        assert len(list(visible(me, Memo))) == 4
    with django_assert_num_queries(1):  # rights cached: the listing only
        assert len(list(visible(me, Memo))) == 4


def test_subordinates_listing_costs_one_cached_extra_query(chain, django_assert_num_queries):
    a = type(chain["a"]).objects.get(pk=chain["a"].pk)
    with django_assert_num_queries(3):  # roles + subordinate ids + the list
        assert len(list(visible(a, Memo))) == 6
    with django_assert_num_queries(1):
        assert len(list(visible(a, Memo))) == 6


def test_union_of_all_kinds_is_still_one_listing_query(org, django_assert_num_queries):
    me = f.user(
        roles=[
            f.role(scope=Scope.SUBORDINATES),
            f.role(scope=Scope.DEPARTMENT_TREE),
            f.role(scope=Scope.SELF),
        ],
        department=org["depts"]["east"],
    )
    list(visible(me, Memo))  # warm the per-user caches
    with django_assert_num_queries(1):
        assert seen(me) == {"East", "Shanghai"}


def test_forget_drops_cached_subordinates(chain):
    a = chain["a"]
    assert "d" in seen(a)
    new = f.user("e", supervisor=chain["d"])
    memo(new, title="e")
    assert "e" not in seen(a)  # cached for this user object (one request)
    forget(a)
    assert "e" in seen(a)


def test_forget_drops_the_cached_department_tree(org):
    me = f.user(roles=[f.role(scope=Scope.DEPARTMENT_TREE)], department=org["depts"]["sales"])
    before = seen(me)
    newcomer = f.user("newcomer", department=org["depts"]["east"])
    memo(newcomer, title="newcomer")
    assert seen(me) == before  # cached for this user object (one request)
    forget(me)
    assert seen(me) == before | {"newcomer"}
