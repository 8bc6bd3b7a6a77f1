"""List filters of every registered record type (PLT-07): one definition serving the list
page, saved scenes, exports and the REST API, so a filter means the same everywhere.

Query parameters (the page's form and the API use the same names):

* text field ``name=汇客`` — contains, case-insensitive;
* choice or dictionary field ``level=a&level=b`` (or ``level=a,b``) — any of;
* number, money, date, datetime field ``created_at__min=2026-01-01&created_at__max=…`` —
  inclusive range (a date bound on a datetime field covers the whole day, company time);
* boolean ``is_locked=true``;
* user field ``owner=3&owner=me`` — any of (``me`` is the requesting user);
* ``owner_department=4`` — owned by someone in department 4 or below;
* ``tags=重点,VIP`` — carries any of the tags;
* a link to another record ``customer=12`` — any of;
* custom field ``cf_<code>`` with the same shapes (``cf_budget__min``).

Bad values raise ``DomainError`` naming the field: a list never silently ignores a filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from . import custom_fields as cf
from . import dictionaries, tags
from .dictionaries import DictionaryField
from .errors import DomainError
from .fields import policy
from .models_custom import CustomField
from .record_types import RecordType

#: Parameters that are not filters (list machinery, API).
RESERVED = frozenset(
    {"q", "sort", "ordering", "scene", "cursor", "page_size", "columns", "format", "ids"}
)
USER_FIELDS = ("owner", "created_by", "updated_by")


@dataclass(frozen=True)
class FilterDef:
    """One filter: ``kind`` is text, choice, number, date, datetime, boolean, user,
    department, tags or record; ``choices`` for choice pickers; ``custom`` for custom fields;
    ``model`` for record links (the picker's type)."""

    name: str
    label: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    custom: CustomField | None = None
    model: type[models.Model] | None = None

    @property
    def is_range(self) -> bool:
        return self.kind in {"number", "date", "datetime"}

    @property
    def param_names(self) -> tuple[str, ...]:
        if self.is_range:
            return (f"{self.name}__min", f"{self.name}__max")
        return (self.name,)


def _kind_of(field: models.Field) -> str | None:
    if isinstance(field, models.ForeignKey):
        from django.contrib.auth import get_user_model

        if field.related_model is get_user_model():
            return "user"
        return "record"
    if isinstance(field, DictionaryField) or getattr(field, "choices", None):
        return "choice"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.IntegerField | models.DecimalField | models.FloatField):
        return "number"
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return None


def _choices(field: models.Field) -> tuple[tuple[str, str], ...]:
    if isinstance(field, DictionaryField):
        return tuple(dictionaries.options(field.dictionary))
    return tuple((str(v), str(label)) for v, label in field.flatchoices)


_CUSTOM_KINDS = {"contains": "text", "any_of": "choice", "exact": "boolean"}


def _custom_def(field: CustomField) -> FilterDef | None:
    spec = cf.filter_spec(field)
    if spec is None:
        return None
    if spec.kind == "range":
        kind = {"date": "date", "datetime": "datetime"}.get(spec.value_type, "number")
    elif spec.value_type == "user":
        kind = "user"
    elif spec.value_type == "department":
        kind = "department"
    else:
        kind = _CUSTOM_KINDS[spec.kind]
    return FilterDef(f"cf_{field.code}", str(spec.label), kind, spec.choices, custom=field)


def _concealed(rt: RecordType, user: Any) -> frozenset[str]:
    """Fields the user may not filter on: a filter on a hidden or masked field would reveal
    its values one guess at a time (masked in lists only is fine: the detail shows it)."""
    if user is None:
        return frozenset()
    pol = policy(user, rt.model)
    return pol.hidden | pol.masked


def filter_defs(rt: RecordType, user: Any = None) -> list[FilterDef]:
    """Every filter of the type: its listable fields, department, tags, custom fields; with
    ``user``, without the fields their field policy hides or masks."""
    concealed = _concealed(rt, user)
    defs: list[FilterDef] = []
    for name in rt.listable_fields():
        if name in concealed:
            continue
        field = rt.model_field(name)
        kind = _kind_of(field)
        if kind is None:
            continue
        defs.append(
            FilterDef(
                name,
                str(field.verbose_name),
                kind,
                _choices(field) if kind == "choice" else (),
                model=field.related_model if kind == "record" else None,
            )
        )
    # Not "department": a contact has a department field of its own.
    defs.append(FilterDef("owner_department", _("Owner's department"), "department"))
    defs.append(FilterDef("tags", _("Tags"), "tags"))
    defs.extend(d for d in map(_custom_def, cf.fields_for(rt.module)) if d is not None)
    return defs


# -- values ---------------------------------------------------------------------------------


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """All values of a parameter, repeated or comma-separated, blanks dropped."""
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    out: list[str] = []
    for item in raw or []:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def _one(params: Mapping[str, Any], name: str) -> str:
    values = _values(params, name)
    return values[0] if values else ""


def _bad(label: str, value: str) -> DomainError:
    return DomainError(
        _("%(field)s: “%(value)s” is not a valid filter value.") % {"field": label, "value": value},
        code="invalid_filter",
        field=label,
    )


def _number(d: FilterDef, raw: str) -> Decimal:
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise _bad(d.label, raw) from None


def _date(d: FilterDef, raw: str) -> dt.date:
    value = parse_date(raw)
    if value is None:
        raise _bad(d.label, raw)
    return value


def _moment(d: FilterDef, raw: str, upper: bool) -> dt.datetime:
    """A datetime bound; a bare date means the start (or end) of that day, company time."""
    value = None
    if len(raw) > 10:  # parse_datetime reads "2026-11-23" as midnight: days are handled below
        try:
            value = parse_datetime(raw)
        except ValueError:
            value = None
    if value is None:
        day = _date(d, raw)
        value = dt.datetime.combine(day, dt.time.max if upper else dt.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _ids(d: FilterDef, raw: list[str], user: Any) -> list[int]:
    out = []
    for item in raw:
        if item == "me" and d.kind == "user":
            out.append(user.pk)
            continue
        try:
            out.append(int(item))
        except ValueError:
            raise _bad(d.label, item) from None
    return out


def _boolean(d: FilterDef, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise _bad(d.label, raw)


def _range(d: FilterDef, params: Mapping[str, Any]) -> tuple[Any, Any]:
    low, high = _one(params, f"{d.name}__min"), _one(params, f"{d.name}__max")
    if d.kind == "number":
        return (_number(d, low) if low else None, _number(d, high) if high else None)
    if d.kind == "date":
        return (_date(d, low) if low else None, _date(d, high) if high else None)
    return (_moment(d, low, False) if low else None, _moment(d, high, True) if high else None)


# -- applying -------------------------------------------------------------------------------


def _apply_custom(qs: QuerySet, d: FilterDef, params: Mapping[str, Any], user: Any) -> QuerySet:
    assert d.custom is not None
    if d.is_range:
        low, high = _one(params, f"{d.name}__min"), _one(params, f"{d.name}__max")
        if not (low or high):
            return qs
        value: Any = {"from": low or None, "to": high or None}
    elif d.kind in {"choice", "user", "department"}:
        value = _values(params, d.name)
        if d.kind == "user":
            value = [str(user.pk) if v == "me" else v for v in value]
        if not value:
            return qs
    else:
        value = _one(params, d.name)
        if not value:
            return qs
    try:
        return cf.apply_filter(qs, d.custom, value)
    except ValidationError as exc:
        raise DomainError(
            f"{d.label}: {exc.messages[0]}", code="invalid_filter", field=d.name
        ) from None


def _apply_one(qs: QuerySet, d: FilterDef, params: Mapping[str, Any], user: Any) -> QuerySet:
    if d.custom is not None:
        return _apply_custom(qs, d, params, user)
    if d.is_range:
        low, high = _range(d, params)
        if low is not None:
            qs = qs.filter(**{f"{d.name}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{d.name}__lte": high})
        return qs
    values = _values(params, d.name)
    if not values:
        return qs
    if d.kind == "text":
        return qs.filter(**{f"{d.name}__icontains": values[0]})
    if d.kind == "choice":
        return qs.filter(**{f"{d.name}__in": values})
    if d.kind == "boolean":
        return qs.filter(**{d.name: _boolean(d, values[0])})
    if d.kind in {"user", "record"}:
        return qs.filter(**{f"{d.name}_id__in": _ids(d, values, user)})
    if d.kind == "department":
        from huike.org.models import Department

        paths = list(
            Department.objects.filter(pk__in=_ids(d, values, user)).values_list("path", flat=True)
        )
        if not paths:
            return qs.none()
        q = models.Q()
        for path in paths:
            q |= models.Q(owner__department__path__startswith=path)
        return qs.filter(q)
    if d.kind == "tags":
        return tags.with_tags(qs, values, mode="any")
    return qs


def active_filters(rt: RecordType, params: Mapping[str, Any]) -> list[FilterDef]:
    """The filters ``params`` sets (for chips above the list and the export's description)."""
    return [d for d in filter_defs(rt) if any(_values(params, p) for p in d.param_names)]


def apply_filters(
    rt: RecordType, queryset: QuerySet, params: Mapping[str, Any], user: Any
) -> QuerySet:
    """``queryset`` narrowed by every filter in ``params``. Start from the user's visible
    records (``scopes.visible``): filters narrow a scope, never widen it."""
    concealed = _concealed(rt, user)
    for d in active_filters(rt, params):
        if d.name in concealed:
            raise DomainError(
                _("You may not filter on %(field)s.") % {"field": d.label},
                code="invalid_filter",
                field=d.name,
            )
        queryset = _apply_one(queryset, d, params, user)
    return queryset
