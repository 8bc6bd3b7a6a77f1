"""Operation permissions (ORG-04, ORG-07) and the per-user-object cache of rights."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from huike.core.permissions import (
    check_perm,
    forget,
    has_perm,
    is_superadmin,
    permission_required,
    rights,
    validate_codes,
)
from huike.org.models import User
from tests.testapp import factories as f

pytestmark = pytest.mark.django_db


def test_rights_are_the_union_of_roles_and_personal_grants():
    me = f.user(
        roles=[f.role(["memos.view"]), f.role(["memos.edit"])],
        extra_permissions=["memos.delete"],
    )
    assert all(has_perm(me, c) for c in ("memos.view", "memos.edit", "memos.delete"))
    assert not has_perm(me, "memos.create")


def test_no_roles_no_rights():
    me = f.user()
    assert not has_perm(me, "memos.view")
    assert not is_superadmin(me)


def test_superadmin_holds_every_right_even_unregistered_ones():
    boss = f.user(roles=[f.superadmin_role()])
    assert is_superadmin(boss)
    assert has_perm(boss, "memos.delete")
    assert has_perm(boss, "system.manage")


def test_disabled_user_holds_nothing():
    boss = f.user(roles=[f.superadmin_role()], extra_permissions=["memos.view"], is_active=False)
    assert not is_superadmin(boss)
    assert not has_perm(boss, "memos.view")
    with pytest.raises(PermissionDenied):
        check_perm(boss, "memos.view")


def test_user_disabled_after_rights_were_cached_holds_nothing():
    me = f.user(roles=[f.role(["memos.view"])])
    assert has_perm(me, "memos.view")
    me.is_active = False
    assert not has_perm(me, "memos.view")


def test_anonymous_holds_nothing():
    anon = AnonymousUser()
    assert not has_perm(anon, "memos.view")
    assert not is_superadmin(anon)
    with pytest.raises(PermissionDenied):
        check_perm(anon, "memos.view")


def test_check_perm_raises_permission_denied():
    me = f.user(roles=[f.role(["memos.view"])])
    check_perm(me, "memos.view")
    with pytest.raises(PermissionDenied):
        check_perm(me, "memos.delete")


# -- caching ---------------------------------------------------------------------------------
def test_rights_are_computed_once_per_user_object(django_assert_num_queries):
    me = f.user(roles=[f.role(["memos.view"])])
    with django_assert_num_queries(1):
        for _ in range(5):
            assert has_perm(me, "memos.view")
            assert not has_perm(me, "memos.delete")


def test_cache_does_not_leak_between_users():
    allowed = f.user(roles=[f.role(["memos.delete"])])
    denied = f.user()
    assert has_perm(allowed, "memos.delete")
    assert not has_perm(denied, "memos.delete")
    assert rights(allowed) is not rights(denied)
    # A second object for the same person (the next request) computes afresh.
    again = User.objects.get(pk=allowed.pk)
    assert rights(again) is not rights(allowed)


def test_forget_after_role_change():
    me = f.user()
    assert not has_perm(me, "memos.delete")
    # A role gained through the reverse side: the signal cannot see the user object.
    f.role(["memos.delete"]).users.add(me)
    assert not has_perm(me, "memos.delete")  # still the cached answer for this object
    forget(me)
    assert has_perm(me, "memos.delete")


def test_roles_changed_on_the_user_object_drop_its_cache():
    me = f.user(roles=[f.role(["memos.delete"])])
    assert has_perm(me, "memos.delete")
    me.roles.clear()
    assert not has_perm(me, "memos.delete")
    me.roles.add(f.role(["memos.edit"]))
    assert has_perm(me, "memos.edit")


def test_set_roles_service_forgets(demo):
    from huike.org.services import set_roles

    admin, rep = demo["admin"], demo["rep_east1"]
    assert not has_perm(rep, "memos.delete")
    set_roles(admin, rep, [f.role(["memos.delete"])])
    assert has_perm(rep, "memos.delete")


def test_personal_grant_change_is_seen_after_forget():
    me = f.user()
    assert not has_perm(me, "memos.view")
    me.extra_permissions = ["memos.view"]
    me.save()
    forget(me)
    assert has_perm(me, "memos.view")


# -- decorator and validation ----------------------------------------------------------------
def _view(request):
    return HttpResponse("ok")


def test_permission_required_decorator():
    view = permission_required("memos.delete")(_view)
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302 and "/login/" in response["Location"]

    request.user = f.user(roles=[f.role(["memos.view"])])
    with pytest.raises(PermissionDenied):
        view(request)

    request.user = f.user(roles=[f.role(["memos.delete"])])
    assert view(request).content == b"ok"


def test_validate_codes_names_the_unknown_ones():
    assert validate_codes(["memos.view", "memos.fly", "nothing.view"]) == [
        "memos.fly",
        "nothing.view",
    ]
