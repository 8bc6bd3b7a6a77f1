"""Scenes: named views of a list. System scenes (all, mine, my subordinates', shared with me,
created this week, not followed up for 7 days) are code; saved scenes are a user's own filter
sets (``SavedScene``), one of which may open the list by default."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import DomainError
from .models_lists import SavedScene
from .record_types import RecordType

#: Query parameters a saved scene never keeps: the page position is not a filter.
NOT_SAVED = frozenset({"cursor", "scene"})
STALE_AFTER = dt.timedelta(days=7)

_shared_rules: dict[type, list[Callable[[Any], Q]]] = {}


def register_shared_rule(model: type, rule: Callable[[Any], Q]) -> None:
    """Let a module (pools, teams) say which records are shared with a user."""
    _shared_rules.setdefault(model, []).append(rule)


def _shared(rt: RecordType, user: Any) -> Q:
    rules = _shared_rules.get(rt.model, [])
    if not rules:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for rule in rules:
        q |= rule(user)
    return q


def _subordinates(rt: RecordType, user: Any) -> Q:
    from huike.org.services import subordinate_ids

    return Q(owner_id__in=list(subordinate_ids(user)))


def _this_week(rt: RecordType, user: Any) -> Q:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    return Q(created_at__gte=start)


def _stale(rt: RecordType, user: Any) -> Q:
    since = timezone.now() - STALE_AFTER
    return Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=since)


@dataclass(frozen=True)
class SystemScene:
    key: str
    label: Any
    q: Callable[[RecordType, Any], Q]
    needs: str | None = None

    def applies_to(self, rt: RecordType) -> bool:
        return self.needs is None or any(f.name == self.needs for f in rt.model._meta.fields)


SYSTEM_SCENES = (
    SystemScene("all", gettext_lazy("All"), lambda rt, user: Q()),
    SystemScene("mine", gettext_lazy("Mine"), lambda rt, user: Q(owner_id=user.pk)),
    SystemScene("subordinates", gettext_lazy("My subordinates'"), _subordinates),
    SystemScene("shared", gettext_lazy("Shared with me"), _shared),
    SystemScene("this_week", gettext_lazy("Created this week"), _this_week),
    SystemScene(
        "stale", gettext_lazy("Not followed up for 7 days"), _stale, needs="last_follow_up_at"
    ),
)


def system_scenes(rt: RecordType) -> list[SystemScene]:
    return [s for s in SYSTEM_SCENES if s.applies_to(rt)]


def apply_scene(rt: RecordType, qs: QuerySet, key: str | None, user: Any) -> QuerySet:
    """``qs`` narrowed by system scene ``key`` (no scene or an unknown one: unchanged)."""
    for scene in system_scenes(rt):
        if scene.key == key:
            return qs.filter(scene.q(rt, user))
    return qs


# -- saved scenes ----------------------------------------------------------------------------
def scene_params(params: Any) -> dict[str, list[str]]:
    """The GET parameters worth saving, as ``{name: [values]}``."""
    return {
        k: [v for v in params.getlist(k) if v]
        for k in params
        if k not in NOT_SAVED and any(params.getlist(k))
    }


def saved_scenes(user: Any, rt: RecordType) -> list[SavedScene]:
    return list(SavedScene.objects.filter(user=user, type_key=rt.key))


def default_scene(user: Any, rt: RecordType) -> SavedScene | None:
    return SavedScene.objects.filter(user=user, type_key=rt.key, is_default=True).first()


@transaction.atomic
def save_scene(actor: Any, rt: RecordType, name: str, params: dict[str, list[str]]) -> SavedScene:
    """Save (or overwrite, by name) the actor's scene for this list."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the scene a name."), code="invalid", field="name")
    if len(name) > 60:
        raise DomainError(_("Scene names are at most 60 characters."), code="invalid", field="name")
    scene, _created = SavedScene.objects.update_or_create(
        user=actor, type_key=rt.key, name=name, defaults={"params": params}
    )
    return scene


def _own(actor: Any, rt: RecordType, pk: int) -> SavedScene:
    scene = SavedScene.objects.filter(user=actor, type_key=rt.key, pk=pk).first()
    if scene is None:
        raise DomainError(_("This scene no longer exists."), code="not_found")
    return scene


@transaction.atomic
def delete_scene(actor: Any, rt: RecordType, pk: int) -> None:
    _own(actor, rt, pk).delete()


@transaction.atomic
def set_default(actor: Any, rt: RecordType, pk: int) -> SavedScene:
    """Make scene ``pk`` the one the list opens with; the previous default stops being one in
    the same transaction (the database allows one default per user and list)."""
    scene = _own(actor, rt, pk)
    SavedScene.objects.filter(user=actor, type_key=rt.key, is_default=True).exclude(
        pk=scene.pk
    ).update(is_default=False)
    scene.is_default = True
    try:
        with transaction.atomic():
            scene.save(update_fields=["is_default"])
    except IntegrityError as exc:
        raise DomainError(_("Another default was set at the same time; try again.")) from exc
    return scene
