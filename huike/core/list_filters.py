"""What the list page's filter panel and its chips need from ``filtering.filter_defs``: one
widget per filter with the current values, and one removable chip per parameter in use.
The rules of what a filter means stay in ``huike.core.filtering``; this module only
prepares inputs and labels for the template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.translation import gettext as _

from . import scopes
from .filtering import FilterDef


@dataclass
class Widget:
    """One input group of the panel. ``options`` are (value, label, selected) for selects;
    ``low``/``high`` the range bounds; ``value`` the text of single inputs."""

    d: FilterDef
    input_type: str = "text"
    value: str = ""
    low: str = ""
    high: str = ""
    options: list[tuple[str, str, bool]] = field(default_factory=list)
    picker_url: str = ""

    @property
    def name(self) -> str:
        return self.d.name

    @property
    def kind(self) -> str:
        return self.d.kind


@dataclass(frozen=True)
class Chip:
    label: str
    remove_query: str


def _values(params: QueryDict, name: str) -> list[str]:
    out: list[str] = []
    for item in params.getlist(name):
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _users() -> list[tuple[str, str]]:
    return [
        (str(pk), name or username)
        for pk, name, username in get_user_model()
        .objects.filter(is_active=True)
        .order_by("name", "pk")
        .values_list("pk", "name", "username")
    ]


def _departments() -> list[tuple[str, str]]:
    """The department tree in path order, each name indented by its depth."""
    from huike.org.models import Department

    return [
        (str(pk), "\u3000" * max(path.count("/") - 2, 0) + name)
        for pk, path, name in Department.objects.order_by("path").values_list("pk", "path", "name")
    ]


def _picker_url(d: FilterDef) -> str:
    from django.urls import NoReverseMatch, reverse

    from .record_types import record_types

    for rt in record_types():
        if rt.model is d.model:
            try:
                return reverse(f"{rt.key}:picker")
            except NoReverseMatch:
                return ""
    return ""


def _record_titles(d: FilterDef, user: Any, ids: list[str]) -> list[tuple[str, str, bool]]:
    from .record_types import record_types

    wanted = [int(i) for i in ids if i.isdigit()]
    if not wanted or d.model is None:
        return []
    rt = next((t for t in record_types() if t.model is d.model), None)
    records = scopes.visible(user, d.model).filter(pk__in=wanted)
    return [(str(r.pk), rt.title_of(r) if rt else str(r), True) for r in records]


def widgets(defs: list[FilterDef], params: QueryDict, user: Any) -> list[Widget]:
    """The panel's inputs, in the order of ``defs``, holding the values of ``params``. Users
    and departments are read once for the whole panel."""
    users: list[tuple[str, str]] | None = None
    departments: list[tuple[str, str]] | None = None
    out: list[Widget] = []
    seen: set[str] = set()
    for d in defs:
        if d.name in seen:  # one input per parameter name: the first definition wins
            continue
        seen.add(d.name)
        current = _values(params, d.name)
        w = Widget(d)
        if d.is_range:
            w.input_type = "number" if d.kind == "number" else "date"
            w.low = params.get(f"{d.name}__min", "")
            w.high = params.get(f"{d.name}__max", "")
        elif d.kind == "choice":
            w.options = [(v, str(label), v in current) for v, label in d.choices]
        elif d.kind == "user":
            users = users if users is not None else _users()
            w.options = [("me", _("Me"), "me" in current)]
            w.options += [(v, label, v in current) for v, label in users]
        elif d.kind == "department":
            departments = departments if departments is not None else _departments()
            w.options = [(v, label, v in current) for v, label in departments]
        elif d.kind == "record":
            w.picker_url = _picker_url(d)
            if not w.picker_url:
                continue
            w.options = _record_titles(d, user, current)
        elif d.kind == "tags":
            w.value = ",".join(current)
        else:
            w.value = current[0] if current else ""
        out.append(w)
    return out


def _without(params: QueryDict, name: str) -> str:
    rest = params.copy()
    for key in (name, "cursor", "before"):
        rest.pop(key, None)
    return rest.urlencode()


def chips(defs: list[FilterDef], params: QueryDict, panel: list[Widget]) -> list[Chip]:
    """One chip per filter parameter in use; each removes just that parameter."""
    labels = {w.name: {v: label for v, label, _s in w.options} for w in panel}
    out: list[Chip] = []
    for d in defs:
        if d.is_range:
            for suffix, sign in (("__min", "≥"), ("__max", "≤")):
                value = params.get(d.name + suffix, "")
                if value:
                    out.append(Chip(f"{d.label} {sign} {value}", _without(params, d.name + suffix)))
            continue
        values = _values(params, d.name)
        if not values:
            continue
        names = labels.get(d.name, {})
        if d.kind == "boolean":
            shown = [_("Yes") if values[0].lower() in {"1", "true", "yes", "on"} else _("No")]
        else:
            shown = [names.get(v, v) for v in values]
        out.append(Chip(f"{d.label}: {', '.join(shown)}", _without(params, d.name)))
    return out
