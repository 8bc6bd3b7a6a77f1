"""Generic access-control checks that run for every registered record type, so a module
declared wrongly fails here even before it has tests of its own."""

from __future__ import annotations

import pytest
from django.http import Http404

from huike.core import fields
from huike.core.registry import registry
from huike.core.scopes import get_visible_or_404, visible, visible_q

pytestmark = pytest.mark.django_db

SCOPED = sorted(registry.scoped_models.values(), key=lambda e: e.model._meta.label)


def test_the_test_module_is_among_them():
    assert "testapp.Memo" in [e.model._meta.label for e in SCOPED]


@pytest.mark.parametrize("entry", SCOPED, ids=lambda e: e.model._meta.label)
def test_every_demo_user_can_query_every_scoped_model(entry, demo):
    model = entry.model
    total = model._default_manager.count()
    for username, user in demo.items():
        rows = visible(user, model)
        count = rows.count()  # the SQL must build and run for every scope kind
        assert 0 <= count <= total, username
        policy = fields.policy(user, model)
        declared = {name for name, _label in registry.module(entry.module).policy_fields}
        restricted = policy.hidden | policy.masked | policy.masked_in_list | policy.readonly
        assert restricted <= declared, username
    assert visible(demo["admin"], model).count() == total


@pytest.mark.parametrize("entry", SCOPED, ids=lambda e: e.model._meta.label)
def test_missing_record_is_404_for_everyone(entry, demo):
    for user in demo.values():
        with pytest.raises(Http404):
            get_visible_or_404(user, entry.model, pk=2**31 - 1)


@pytest.mark.parametrize("entry", SCOPED, ids=lambda e: e.model._meta.label)
def test_disabled_user_gets_no_filter_at_all(entry, demo):
    admin = demo["admin"]
    admin.is_active = False
    assert visible_q(admin, entry.model) is None
    assert not visible(admin, entry.model).exists()
