"""Field permissions (ORG-06): hidden, masked, read-only; least restrictive role wins."""

from __future__ import annotations

import pytest

from huike.core.fields import UNRESTRICTED, FieldPolicy, FieldRule, mask_value, policy
from tests.testapp import factories as f
from tests.testapp.models import Memo

pytestmark = pytest.mark.django_db

VIEW = ["memos.view"]


# -- masking ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13809228860", "138****8860"),
        (13809228860, "138****8860"),
        ("021-62345678", "021****5678"),
        ("jiang@pfbank.example", "j***@pfbank.example"),
        ("1234567", "1****7"),  # never reveals most of a short value
        ("上海浦东发展银行", "上海****银行"),
        ("abc", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_value(value, masked):
    assert mask_value(value) == masked


def test_display_applies_each_rule():
    p = FieldPolicy(
        hidden=frozenset({"secret"}),
        masked=frozenset({"phone"}),
        masked_in_list=frozenset({"mobile"}),
        readonly=frozenset({"title"}),
    )
    assert p.display("secret", "s3cret") is None
    assert p.display("phone", "13809228860") == "138****8860"
    assert p.display("phone", "13809228860", in_list=True) == "138****8860"
    assert p.display("mobile", "13809228860") == "13809228860"
    assert p.display("mobile", "13809228860", in_list=True) == "138****8860"
    assert p.display("title", "hello") == "hello"
    assert p.display("other", "x") == "x"
    assert [n for n in ("secret", "phone", "mobile", "title", "other") if p.is_readonly(n)] == [
        "secret",
        "phone",
        "title",
    ]
    assert p.is_hidden("secret") and not p.is_hidden("phone")
    assert p.is_masked("mobile", in_list=True) and not p.is_masked("mobile")


# -- policy() --------------------------------------------------------------------------------
def test_single_role_rules():
    me = f.user(
        roles=[f.role(VIEW, fields={"phone": FieldRule.MASKED, "secret": FieldRule.HIDDEN})]
    )
    p = policy(me, Memo)
    assert p.masked == {"phone"}
    assert p.hidden == {"secret"}
    assert p.display("phone", "13809228860") == "138****8860"


def test_policy_by_module_key_equals_by_model():
    me = f.user(roles=[f.role(VIEW, fields={"phone": FieldRule.READONLY})])
    assert policy(me, "memos") == policy(me, Memo)
    assert policy(me, Memo).readonly == {"phone"}


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (FieldRule.HIDDEN, FieldRule.MASKED, "masked"),
        (FieldRule.MASKED, FieldRule.MASKED_IN_LIST, "masked_in_list"),
        (FieldRule.MASKED_IN_LIST, FieldRule.READONLY, "readonly"),
        (FieldRule.HIDDEN, None, None),
        (FieldRule.HIDDEN, FieldRule.HIDDEN, "hidden"),
    ],
)
def test_least_restrictive_rule_across_roles_wins(first, second, expected):
    roles = [f.role(VIEW, fields={"phone": first}), f.role(VIEW, fields={"phone": second})]
    p = policy(f.user(roles=roles), Memo)
    for kind in ("hidden", "masked", "masked_in_list", "readonly"):
        assert ("phone" in getattr(p, kind)) == (kind == expected), kind


def test_role_without_the_module_cannot_unmask_it():
    sales = f.role(VIEW, fields={"phone": FieldRule.MASKED})
    unrelated = f.role(["users.view"])  # says nothing about memos
    p = policy(f.user(roles=[sales, unrelated]), Memo)
    assert p.masked == {"phone"}


def test_personal_view_grant_keeps_the_roles_rules():
    role = f.role(["memos.edit"], fields={"phone": FieldRule.MASKED})
    me = f.user(roles=[role], extra_permissions=["memos.view"])
    assert policy(me, Memo).masked == {"phone"}


def test_superadmin_is_unrestricted():
    restricted = f.role(VIEW, fields={"phone": FieldRule.HIDDEN})
    boss = f.user(roles=[restricted, f.superadmin_role()])
    assert policy(boss, Memo) == UNRESTRICTED
    assert policy(boss, Memo).display("phone", "13809228860") == "13809228860"


def test_rules_for_undeclared_fields_are_ignored():
    me = f.user(roles=[f.role(VIEW, fields={"title": FieldRule.HIDDEN})])
    assert policy(me, Memo) == UNRESTRICTED


def test_policy_is_computed_once_per_user_object(django_assert_num_queries):
    me = f.user(roles=[f.role(VIEW, fields={"phone": FieldRule.MASKED})])
    with django_assert_num_queries(1):
        first = policy(me, Memo)
        assert policy(me, Memo) is first


@pytest.mark.urls("tests.testapp.urls")
def test_detail_view_shows_masked_and_omits_hidden(client):
    me = f.user(
        roles=[f.role(VIEW, fields={"phone": FieldRule.MASKED, "secret": FieldRule.HIDDEN})]
    )
    memo = Memo.objects.create(title="t", phone="13809228860", secret="s", owner=me)
    client.force_login(me)
    data = client.get(f"/testapp/memos/{memo.pk}/").json()
    assert data["phone"] == "138****8860"
    assert "secret" not in data
