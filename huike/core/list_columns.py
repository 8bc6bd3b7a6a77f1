"""The columns a list shows and their cells as text, with the field policy applied: hidden
fields are never offered, masked ones are shown masked ("masked in lists" counts here).

Besides model fields a list may show the record's tags (``tags``) and its custom fields
(``cf_<code>``); ``page_cells`` reads those for a whole page with a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import custom_fields as cf
from . import tags as tagging
from .detail_tabs import _text
from .errors import DomainError
from .fields import FieldPolicy
from .models_lists import ListPreference
from .record_types import RecordType

TAGS = "tags"
CUSTOM_PREFIX = "cf_"


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    sortable: bool


def _custom_fields(rt: RecordType) -> dict[str, Any]:
    """Enabled custom fields of the type by column name (``cf_<code>``)."""
    return {f"{CUSTOM_PREFIX}{f.code}": f for f in cf.fields_for(rt.module)}


def available(rt: RecordType, pol: FieldPolicy) -> list[str]:
    """Columns a user may choose: listable model fields minus hidden ones, then tags and the
    type's custom fields."""
    names = [n for n in rt.listable_fields() if not pol.is_hidden(n)]
    return [*names, TAGS, *_custom_fields(rt)]


def label_of(rt: RecordType, name: str, custom: dict[str, Any] | None = None) -> Any:
    if name == TAGS:
        return gettext_lazy("Tags")
    if name.startswith(CUSTOM_PREFIX):
        custom = custom if custom is not None else _custom_fields(rt)
        return custom[name].label
    return rt.model_field(name).verbose_name


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
    custom = _custom_fields(rt)
    return [
        Column(name, label_of(rt, name, custom), name in sortable)
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


def page_cells(
    rt: RecordType, records: Sequence[Any], columns: Sequence[Column], pol: FieldPolicy
) -> list[list[str]]:
    """The cells of a page of rows. Tags come with one query for the page and custom values
    with one per kind of referenced object, whatever the number of rows."""
    names = [c.name for c in columns]
    if TAGS in names:
        tagging.prefetch_tags(list(records))
    custom = _custom_fields(rt)
    wanted = [custom[n] for n in names if n in custom]
    values = (
        cf.display_values(wanted, [getattr(r, "custom_data", None) or {} for r in records])
        if wanted
        else [{} for _r in records]
    )
    out = []
    for record, custom_text in zip(records, values, strict=True):
        row = []
        for name in names:
            if name == TAGS:
                row.append(", ".join(t.name for t in getattr(record, "tag_list", [])))
            elif name in custom:
                row.append(custom_text.get(custom[name].code, ""))
            else:
                row.append(cell(record, name, pol))
        out.append(row)
    return out
