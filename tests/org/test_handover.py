"""Hand-over (ORG-02): disabling a user moves every registered record type, all or nothing."""

from __future__ import annotations

import pytest

from huike.core.errors import DomainError
from huike.core.registry import HandoverTarget, registry
from huike.org import services
from huike.org.services import disable_user, handover_counts
from tests.testapp import factories as f
from tests.testapp.models import Memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    admin = f.user("boss", roles=[f.superadmin_role()])
    leaver = f.user("leaver")
    successor = f.user("successor")
    return admin, leaver, successor


@pytest.fixture
def two_types(monkeypatch):
    """Two registered record types: memos by owner, and memos by the user they are shared
    with (a second owner path stands in for a second module)."""
    targets = [
        HandoverTarget(model=Memo, owner_field="owner", label="Memos"),
        HandoverTarget(model=Memo, owner_field="shared_with", label="Shared memos"),
    ]
    monkeypatch.setattr(registry, "handover", targets)
    return targets


def test_memos_are_registered_for_handover():
    assert any(t.model is Memo and t.owner_field == "owner" for t in registry.handover)


def test_handover_counts_per_type(people, two_types):
    _admin, leaver, other = people
    for _ in range(3):
        Memo.objects.create(title="m", owner=leaver)
    Memo.objects.create(title="s", owner=other, shared_with=leaver)
    Memo.objects.create(title="x", owner=other)
    assert handover_counts(leaver) == [("Memos", 3), ("Shared memos", 1)]


def test_disable_user_moves_every_type(people, two_types):
    admin, leaver, successor = people
    owned = [Memo.objects.create(title="m", owner=leaver) for _ in range(2)]
    shared = Memo.objects.create(title="s", owner=admin, shared_with=leaver)
    untouched = Memo.objects.create(title="x", owner=admin)

    moved = disable_user(admin, leaver, successor)

    assert moved == {"Memos": 2, "Shared memos": 1}
    assert set(Memo.objects.filter(owner=successor)) == set(owned)
    assert Memo.objects.get(pk=shared.pk).shared_with == successor
    assert Memo.objects.get(pk=untouched.pk).owner == admin
    assert handover_counts(leaver) == [("Memos", 0), ("Shared memos", 0)]
    leaver.refresh_from_db()
    assert not leaver.is_active


class _BrokenManager:
    """Counts like a real manager, fails on the write: a failure between two moves."""

    def filter(self, **_lookup):
        return self

    def count(self):
        return 1

    def update(self, **_values):
        raise RuntimeError("disk full")


class _BrokenModel:
    _default_manager = _base_manager = _BrokenManager()


def test_failure_in_the_middle_moves_nothing(people, monkeypatch):
    admin, leaver, successor = people
    monkeypatch.setattr(
        registry,
        "handover",
        [
            HandoverTarget(model=Memo, owner_field="owner", label="Memos"),
            HandoverTarget(model=_BrokenModel, label="Broken"),  # type: ignore[arg-type]
            HandoverTarget(model=Memo, owner_field="shared_with", label="Shared memos"),
        ],
    )
    owned = Memo.objects.create(title="m", owner=leaver)
    shared = Memo.objects.create(title="s", owner=admin, shared_with=leaver)

    with pytest.raises(RuntimeError, match="disk full"):
        disable_user(admin, leaver, successor)

    assert Memo.objects.get(pk=owned.pk).owner == leaver
    assert Memo.objects.get(pk=shared.pk).shared_with == leaver
    leaver.refresh_from_db()
    assert leaver.is_active


def test_failure_after_the_moves_undoes_them(people, two_types, monkeypatch):
    admin, leaver, successor = people
    owned = Memo.objects.create(title="m", owner=leaver)

    def broken_notify(*args, **kwargs):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(services, "notify", broken_notify)
    with pytest.raises(RuntimeError):
        disable_user(admin, leaver, successor)
    assert Memo.objects.get(pk=owned.pk).owner == leaver
    leaver.refresh_from_db()
    assert leaver.is_active


def test_owner_of_records_needs_a_successor(people, two_types):
    admin, leaver, _successor = people
    Memo.objects.create(title="m", owner=leaver)
    with pytest.raises(DomainError) as exc:
        disable_user(admin, leaver, None)
    assert exc.value.code == "successor_required"
    leaver.refresh_from_db()
    assert leaver.is_active


def test_user_without_records_is_disabled_without_successor(people, two_types):
    admin, leaver, _successor = people
    assert disable_user(admin, leaver, None) == {}
    leaver.refresh_from_db()
    assert not leaver.is_active


def test_disabled_successor_is_refused(people, two_types):
    admin, leaver, successor = people
    Memo.objects.create(title="m", owner=leaver)
    successor.is_active = False
    successor.save()
    with pytest.raises(DomainError):
        disable_user(admin, leaver, successor)
    assert Memo.objects.filter(owner=leaver).count() == 1


def test_disable_needs_the_right(people, two_types):
    from django.core.exceptions import PermissionDenied

    _admin, leaver, successor = people
    clerk = f.user(roles=[f.role(["users.view"])])
    with pytest.raises(PermissionDenied):
        disable_user(clerk, leaver, successor)
