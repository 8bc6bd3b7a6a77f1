"""The registry rejects bad declarations at start-up, with a message naming the fix."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from huike.core.registry import ACTIONS, MenuItem, PermissionModule, Registry, registry
from huike.org.models import Department, User
from tests.testapp.models import Memo


@pytest.fixture
def reg():
    """A private registry, so these declarations never leak into the real one."""
    r = Registry()
    r.register_module(PermissionModule(key="memos", label="Memos", actions=("view",), scoped=True))
    return r


def test_real_registry_knows_the_test_module():
    assert "memos.view" in registry.all_permission_codes()
    assert registry.scoped(Memo).module == "memos"


@isolate_apps("tests.testapp")
def test_a_proxy_is_scoped_like_its_model():
    class MemoProxy(Memo):
        class Meta:
            proxy = True
            app_label = "testapp"

    assert registry.scoped(MemoProxy).module == "memos"


def test_unknown_action_is_refused(reg):
    with pytest.raises(ImproperlyConfigured, match="fly"):
        reg.register_module(PermissionModule(key="x", label="X", actions=("view", "fly")))


def test_preset_granting_an_action_the_module_lacks_is_refused(reg):
    module = PermissionModule(
        key="x", label="X", actions=("view",), presets={"sales_rep": (("delete",), None)}
    )
    with pytest.raises(ImproperlyConfigured, match="delete"):
        reg.register_module(module)


def test_preset_with_unknown_scope_is_refused(reg):
    module = PermissionModule(
        key="x",
        label="X",
        actions=("view",),
        scoped=True,
        presets={"sales_rep": (("view",), "my_friends")},
    )
    with pytest.raises(ImproperlyConfigured, match="my_friends"):
        reg.register_module(module)


def test_scoped_model_needs_a_registered_scoped_module(reg):
    with pytest.raises(ImproperlyConfigured, match="register_module"):
        reg.register_scoped_model(Memo, "nothing")
    reg.register_module(PermissionModule(key="plain", label="Plain", actions=("view",)))
    with pytest.raises(ImproperlyConfigured, match="scoped=False"):
        reg.register_scoped_model(Memo, "plain")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nobody", "not a path"),
        ("title", "not a path"),
        ("owner__department", "not to the user model"),
        ("watchers", "many-valued"),
    ],
)
def test_owner_path_must_lead_to_one_user(reg, path, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        reg.register_scoped_model(Memo, "memos", owner_field=path)
    with pytest.raises(ImproperlyConfigured, match=message):
        reg.register_handover(Memo, owner_field=path)


@isolate_apps("tests.testapp")
def test_owner_path_through_a_relation_is_accepted(reg):
    class Nested(models.Model):
        memo = models.ForeignKey(Memo, on_delete=models.CASCADE)

        class Meta:
            app_label = "testapp"

        def __str__(self) -> str:
            return str(self.pk)

    entry = reg.register_scoped_model(Nested, "memos", owner_field="memo__owner")
    assert entry.owner_field == "memo__owner"


def test_unregistered_model_names_the_missing_call(reg):
    with pytest.raises(ImproperlyConfigured, match="register_scoped_model"):
        reg.scoped(Department)
    with pytest.raises(ImproperlyConfigured, match="not registered"):
        reg.module("nothing")


def test_extensions_attach_to_the_entry(reg):
    reg.register_scoped_model(Memo, "memos")
    reg.add_scope_extension(Memo, lambda user: models.Q(shared_with=user))
    assert len(reg.scoped(Memo).extensions) == 1
    with pytest.raises(ImproperlyConfigured):
        reg.add_scope_extension(User, lambda user: models.Q())


def test_handover_declared_twice_moves_once(reg):
    reg.register_handover(Memo, label="Memos")
    reg.register_handover(Memo, label="Memos")
    reg.register_handover(Memo, owner_field="shared_with", label="Shared memos")
    assert [(t.owner_field, t.label) for t in reg.handover] == [
        ("owner", "Memos"),
        ("shared_with", "Shared memos"),
    ]


def test_sorting_and_codes(reg):
    reg.register_module(PermissionModule(key="a", label="A", actions=("view", "edit"), order=1))
    reg.register_menu(MenuItem(key="z", label="Z", url_name="z", icon="i", order=2))
    reg.register_menu(MenuItem(key="y", label="Y", url_name="y", icon="i", order=1))
    assert [m.key for m in reg.sorted_modules()] == ["a", "memos"]
    assert [i.key for i in reg.sorted_menu()] == ["y", "z"]
    assert reg.all_permission_codes() == {"a.view", "a.edit", "memos.view"}


def test_actions_cover_the_spec_list():
    # ORG-04's list of actions, in the role editor's order.
    assert list(ACTIONS) == [
        "view",
        "create",
        "edit",
        "delete",
        "import",
        "export",
        "transfer",
        "share",
        "lock",
        "claim",
        "assign",
        "return",
        "approve",
        "print",
        "manage",
    ]
