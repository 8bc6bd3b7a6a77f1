"""Bulk actions of every registered record type's list: rights, invisible ids, effects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from huike.core import tags
from huike.core.permissions import has_perm
from huike.core.record_types import record_types
from tests.record_samples import make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def bulk(rt, action):
    return reverse(f"{rt.key}:bulk", args=[action])


@pytest.mark.parametrize("rt", TYPES)
def test_bulk_delete_needs_the_right_and_visible_ids(demo, login, rt):
    rep1, rep2 = demo["rep_east1"], demo["rep_east2"]
    a, b = make(rt.key, rep1, 1), make(rt.key, rep1, 2)
    theirs = make(rt.key, rep2, 3)
    assert not has_perm(rep1, rt.perm("delete"))
    assert login("rep_east1").post(bulk(rt, "delete"), {"ids": [a.pk]}).status_code == 403
    manager = login("manager_east")
    assert has_perm(demo["manager_east"], rt.perm("delete"))
    outsider = make(rt.key, demo["rep_north1"], 4)
    response = manager.post(bulk(rt, "delete"), {"ids": [a.pk, outsider.pk]})
    assert response.status_code == 404
    assert rt.model.objects.filter(pk=a.pk).exists()  # nothing changed
    assert manager.post(bulk(rt, "delete"), {"ids": [a.pk, b.pk]}).status_code == 302
    assert not rt.model.objects.filter(pk__in=[a.pk, b.pk]).exists()
    assert rt.model.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("rt", TYPES)
def test_bulk_tag_and_transfer(demo, login, rt):
    rep1 = demo["rep_east1"]
    a = make(rt.key, rep1, 1)
    client = login("rep_east1")
    if has_perm(rep1, rt.perm("edit")):
        assert client.post(bulk(rt, "tag"), {"ids": [a.pk], "tags": "重点"}).status_code == 302
        assert "重点" in [t.name for t in tags.tags_of(a)]
    assert client.post(bulk(rt, "nonsense"), {"ids": [a.pk]}).status_code == 404
    manager = login("manager_east")
    if rt.transfer is None or not has_perm(demo["manager_east"], rt.perm("transfer")):
        pytest.skip("no transfer here")
    response = manager.post(bulk(rt, "transfer"), {"ids": [a.pk], "owner": demo["rep_east2"].pk})
    a.refresh_from_db()
    if rt.key == "contacts":
        assert response.status_code == 403 and a.owner_id == rep1.pk
    else:
        assert response.status_code == 302 and a.owner_id == demo["rep_east2"].pk
