"""System scenes and saved scenes of every registered record type's list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from huike.core.models_lists import SavedScene
from huike.core.record_types import record_types
from tests.record_samples import make

pytestmark = pytest.mark.django_db

TYPES = [pytest.param(rt, id=rt.key) for rt in record_types()]


def url(rt, name="list", *args):
    return reverse(f"{rt.key}:{name}", args=args)


def shown(client, rt, **params):
    html = client.get(url(rt), params).content.decode()
    return {int(pk) for pk in re.findall(r'data-record-id="(\d+)"', html)}


@pytest.mark.parametrize("rt", TYPES)
def test_system_scenes(demo, login, rt):
    mine = make(rt.key, demo["manager_east"], 1)
    rep1 = make(rt.key, demo["rep_east1"], 2)
    old = make(rt.key, demo["rep_east2"], 3)
    rt.model.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=9))
    client = login("manager_east")
    assert {mine.pk, rep1.pk, old.pk} <= shown(client, rt, scene="all")
    assert mine.pk in shown(client, rt, scene="mine")
    assert rep1.pk not in shown(client, rt, scene="mine")
    subordinates = shown(client, rt, scene="subordinates")
    assert {rep1.pk, old.pk} <= subordinates and mine.pk not in subordinates
    assert shown(client, rt, scene="shared") == set()
    week = shown(client, rt, scene="this_week")
    assert rep1.pk in week and old.pk not in week
    if any(f.name == "last_follow_up_at" for f in rt.model._meta.fields):
        rt.model.objects.filter(pk=mine.pk).update(last_follow_up_at=timezone.now())
        stale = shown(client, rt, scene="stale")
        assert rep1.pk in stale and mine.pk not in stale


@pytest.mark.parametrize("rt", TYPES)
def test_saved_scene_save_default_delete(demo, login, rt):
    rep = demo["rep_east1"]
    a = make(rt.key, rep, 1)
    b = make(rt.key, rep, 2)
    client = login("rep_east1")
    query = f"q={rt.title_of(a)}&cursor=abc"
    response = client.post(url(rt, "scene_save"), {"name": "A级客户", "query": query})
    assert response.status_code == 302
    scene = SavedScene.objects.get(user=rep, type_key=rt.key, name="A级客户")
    assert scene.params == {"q": [rt.title_of(a)]}  # the page position is not kept
    other = client.post(url(rt, "scene_save"), {"name": "all", "query": ""})
    other = SavedScene.objects.get(user=rep, type_key=rt.key, name="all")
    # The default opens the list when no parameters are given.
    assert client.post(url(rt, "scene_default", scene.pk)).status_code == 302
    assert shown(client, rt) == {a.pk}
    client.post(url(rt, "scene_default", other.pk))
    scene.refresh_from_db()
    assert not scene.is_default and SavedScene.objects.get(pk=other.pk).is_default
    assert {a.pk, b.pk} <= shown(client, rt)
    # Somebody else's scene cannot be touched.
    login("rep_east2").post(url(rt, "scene_delete", scene.pk))
    assert SavedScene.objects.filter(pk=scene.pk).exists()
    client = login("rep_east1")
    client.post(url(rt, "scene_delete", scene.pk))
    assert not SavedScene.objects.filter(pk=scene.pk).exists()
