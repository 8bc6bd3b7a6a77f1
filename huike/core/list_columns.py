"""The columns a list shows and their cells as text, with the field policy applied: hidden
fields are never offered, masked ones are shown masked ("masked in lists" counts here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from .detail_tabs import _text
from .errors import DomainError
from .fields import FieldPolicy
from .models_lists import ListPreference
from .record_types import RecordType


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    sortable: bool


def available(rt: RecordType, pol: FieldPolicy) -> list[str]:
    """Columns a user may choose: listable model fields minus hidden ones."""
    return [n for n in rt.listable_fields() if not pol.is_hidden(n)]


def columns_for(rt: RecordType, pol: FieldPolicy, user: Any = None) -> list[Column]:
    """The user's chosen columns in their order (the type's defaults when none are saved),
    minus those the user may not see."""
    names: list[str] = list(rt.list_columns)
    if user is not None:
        pref = ListPreference.objects.filter(user=user, type_key=rt.key).first()
        if pref is not None and pref.columns:
            names = list(pref.columns)
    allowed = set(available(rt, pol))
    sortable = set(rt.sortable_fields())
    return [
        Column(name, rt.model_field(name).verbose_name, name in sortable)
        for name in names
        if name in allowed
    ]


@transaction.atomic
def save_columns(actor: Any, rt: RecordType, pol: FieldPolicy, names: list[str]) -> list[str]:
    """Keep the actor's column choice and order for this list."""
    allowed = set(available(rt, pol))
    chosen = list(dict.fromkeys(n for n in names if n in allowed))
    if not chosen:
        raise DomainError(_("Choose at least one column."), code="invalid", field="columns")
    ListPreference.objects.update_or_create(
        user=actor, type_key=rt.key, defaults={"columns": chosen}
    )
    return chosen


def cell(record: Any, name: str, pol: FieldPolicy) -> str:
    value = getattr(record, name)
    if pol.is_masked(name, in_list=True):
        return "" if value in (None, "") else pol.display(name, value, in_list=True)
    return _text(record, record._meta.get_field(name), value)
