"""Custom fields (自定义字段, PLT-09): definitions, values, and the factories the generic
record machinery builds forms, API fields, filters and spreadsheet columns from.

Values live in ``Record.custom_data`` keyed by field code, in a JSON form that both SQLite and
PostgreSQL can filter on (``to_json``):

* text-like, phone, e-mail, URL, single select: a string; multi select: a list of strings;
* number with 0 places: an integer; number with places, money, percent: a string with exactly
  the field's places ("12.50"), so no float ever touches a Decimal;
* date: "YYYY-MM-DD"; date and time: UTC "YYYY-MM-DDTHH:MM:SSZ" (one fixed format, so string
  comparison is time order and ranges need no cast);
* boolean: true / false; user, department, file: the integer id; region: 1 to 3 names.

An empty value is not stored at all (the key is absent), so a numeric cast never meets "".

Uniqueness: ``check_unique`` locks the field's definition row (``SELECT … FOR UPDATE``) and
then looks for a live record with the same value. Writers of the same unique field therefore
queue behind each other inside their transactions, on PostgreSQL and SQLite alike; the generic
create/edit services must call it inside their ``transaction.atomic`` block, before saving.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers

from . import dictionaries, oplog
from .errors import DomainError
from .models import OperationLog
from .models_config import _in_language, code_validator
from .models_custom import CustomField
from .permissions import check_perm
from .registry import registry

T = CustomField.Type
PERMISSION = "system.manage"
CACHE_PREFIX = "huike:custom-fields:"
CACHE_SECONDS = 600
TEXT_MAX = 200
LONG_TEXT_MAX = 5000
#: Integer digits a number may have: well inside what a NUMERIC(30, 10) cast holds.
NUMBER_DIGITS = 15
NUMERIC_CAST = models.DecimalField(max_digits=30, decimal_places=10)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

NUMERIC_TYPES = {T.NUMBER, T.MONEY, T.PERCENT}
SELECT_TYPES = {T.SELECT, T.MULTI_SELECT}
ID_TYPES = {T.USER, T.DEPARTMENT, T.FILE}
#: Attributes fixed at creation: values already stored depend on them.
IMMUTABLE = ("module", "code", "type")
EDITABLE = (
    "label_zh",
    "label_en",
    "decimal_places",
    "currency",
    "dictionary",
    "choices",
    "required",
    "unique",
    "default",
    "help_zh",
    "help_en",
    "order",
    "group",
    "enabled",
)

# -- reading definitions --------------------------------------------------------------------


def _cache_key(module: str) -> str:
    return CACHE_PREFIX + module


#: Definitions held for the length of one unit of work (``definitions_pinned``).
_pinned: ContextVar[dict[str, list[CustomField]] | None] = ContextVar(
    "custom_field_definitions", default=None
)


@contextmanager
def definitions_pinned(module: str) -> Iterator[None]:
    """Read ``module``'s definitions once for the block instead of once per call: a batch
    of a thousand imported rows otherwise reads (and unpickles) the shared cache several
    times a row. Only for work that is one transaction anyway, where an admin's change in
    the middle could not apply half-way either."""
    held = dict(_pinned.get() or {})
    held[module] = all_fields_for(module)
    token = _pinned.set(held)
    try:
        yield
    finally:
        _pinned.reset(token)


def all_fields_for(module: str) -> list[CustomField]:
    """Every definition of ``module`` (disabled ones too) in display order, cached."""
    held = _pinned.get()
    if held is not None and module in held:
        return held[module]
    key = _cache_key(module)
    found = cache.get(key)
    if found is None:
        found = list(CustomField.objects.filter(module=module).order_by("order", "id"))
        cache.set(key, found, CACHE_SECONDS)
    return found


def fields_for(module: str, include_disabled: bool = False) -> list[CustomField]:
    """The enabled fields of ``module`` in display order (forms, lists, API, filters)."""
    return [f for f in all_fields_for(module) if include_disabled or f.enabled]


def field_by_code(module: str, code: str) -> CustomField | None:
    return next((f for f in all_fields_for(module) if f.code == code), None)


def label_for(module: str, code: str) -> str:
    """The label of custom field ``code`` (the code itself for an unknown one): the change
    log and the error messages use it."""
    found = field_by_code(module, code)
    return found.label if found else code


def invalidate(module: str) -> None:
    """Forget the cached definitions now and again at commit, so a reader that refilled the
    cache from the old rows while the change was in flight cannot keep them."""
    key = _cache_key(module)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# -- options of selects ---------------------------------------------------------------------


def options(field: CustomField, include_disabled: bool = False) -> list[tuple[str, str]]:
    """(value, label) pairs of a select, labels in the active language, read now."""
    if field.dictionary:
        return dictionaries.options(field.dictionary, include_disabled=include_disabled)
    return [
        (str(c["value"]), _in_language(c.get("label_zh", ""), c.get("label_en", "")) or c["value"])
        for c in field.choices or []
        if include_disabled or c.get("enabled", True)
    ]


def option_labels(field: CustomField) -> dict[str, str]:
    return dict(options(field, include_disabled=True))


# -- cleaning one value ---------------------------------------------------------------------


def _error(field: CustomField, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(
        _("%(field)s: %(problem)s") % {"field": field.label, "problem": message}, code=code
    )


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, set)) and len(value) == 0)


def _decimal(field: CustomField, raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise _error(field, _("enter a number."))
    if isinstance(raw, float):
        raw = repr(raw)
    text = str(raw).strip().replace(",", "").replace("\uff0c", "")  # full-width comma
    if field.type == T.MONEY:
        text = text.removeprefix("¥").removeprefix("￥").strip()
    if field.type == T.PERCENT:
        text = text.removesuffix("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _error(field, _("enter a number.")) from None
    if not value.is_finite():
        raise _error(field, _("enter a number."))
    places = field.places
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        if places == 0:
            raise _error(field, _("enter a whole number."))
        raise _error(field, _("enter at most %(places)d decimal places.") % {"places": places})
    if abs(value) >= Decimal(10) ** NUMBER_DIGITS:
        raise _error(
            field, _("enter a number below %(limit)s.") % {"limit": "1" + "0" * NUMBER_DIGITS}
        )
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _date(field: CustomField, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return timezone.localtime(raw).date() if timezone.is_aware(raw) else raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if value is None:
        raise _error(field, _("enter a date such as 2026-11-22."))
    return value


def _datetime(field: CustomField, raw: Any) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        value: dt.datetime | None = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime.combine(raw, dt.time())
    else:
        text = str(raw).strip().replace("/", "-")
        try:
            value = parse_datetime(text)
        except ValueError:
            value = None
        if value is None:
            try:
                day = parse_date(text)
            except ValueError:
                day = None
            value = dt.datetime.combine(day, dt.time()) if day else None
    if value is None:
        raise _error(field, _("enter a date and time such as 2026-11-22 14:30."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


TRUE_WORDS = {"1", "true", "yes", "y", "on", "是", "对", "√"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "否", "不是", "\u00d7"}  # multiplication sign


def _boolean(field: CustomField, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE_WORDS or text == str(_("Yes")).lower():
        return True
    if text in FALSE_WORDS or text == str(_("No")).lower():
        return False
    raise _error(field, _("choose yes or no."))


_PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-()]{3,28}[0-9](?:\s*(?:转|ext\.?|x|#)\s*[0-9]{1,6})?$")


def _object_id(field: CustomField, raw: Any) -> int:
    raw = getattr(raw, "pk", raw)
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise _error(field, _("choose an entry from the list.")) from None
    if value <= 0:
        raise _error(field, _("choose an entry from the list."))
    return value


def _id_exists(field: CustomField, pk: int, current: Any) -> bool:
    if current is not None and pk == current:
        return True  # a record keeps a user who has since been disabled
    if field.type == T.USER:
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=pk, is_active=True).exists()
    if field.type == T.DEPARTMENT:
        from huike.org.models import Department

        return Department.objects.filter(pk=pk).exists()
    from .models_records import Attachment

    return Attachment.objects.filter(pk=pk).exists()


def clean_value(field: CustomField, raw: Any, *, current: Any = None) -> Any:
    """Validate ``raw`` (form text, JSON, a spreadsheet cell or a Python value) for ``field``
    and return the Python value, or None when empty. Raises ``ValidationError`` whose
    message names the field. ``current`` is the stored value of the edited record: a select
    may keep a since-disabled option, a user field a since-disabled user."""
    if isinstance(raw, str) and field.type not in (T.LONG_TEXT,):
        raw = raw.strip()
    if is_empty(raw):
        if field.required:
            raise _error(field, _("this field is required."), code="required")
        return None
    kind = field.type
    if kind in (T.TEXT, T.LONG_TEXT):
        text = str(raw)
        limit = TEXT_MAX if kind == T.TEXT else LONG_TEXT_MAX
        if kind == T.TEXT and ("\n" in text or "\r" in text):
            raise _error(field, _("enter a single line."))
        if len(text) > limit:
            raise _error(
                field, _("enter at most %(max)d characters.") % {"max": limit}, code="max_length"
            )
        if not text.strip():
            return clean_value(field, "", current=current)
        return text
    if kind in NUMERIC_TYPES:
        value = _decimal(field, raw)
        return int(value) if kind == T.NUMBER and field.places == 0 else value
    if kind == T.DATE:
        return _date(field, raw)
    if kind == T.DATETIME:
        return _datetime(field, raw)
    if kind == T.BOOLEAN:
        return _boolean(field, raw)
    if kind == T.SELECT:
        choice = str(raw)
        allowed = {v for v, _label in options(field)}
        if choice not in allowed and choice != current:
            raise _error(field, _("%(value)s is not one of the options.") % {"value": choice})
        return choice
    if kind == T.MULTI_SELECT:
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        allowed = {v for v, _label in options(field)} | set(current or [])
        values: list[str] = []
        for item in items:
            item = str(item).strip()
            if not item or item in values:
                continue
            if item not in allowed:
                raise _error(field, _("%(value)s is not one of the options.") % {"value": item})
            values.append(item)
        return values or clean_value(field, "", current=current)
    if kind == T.PHONE:
        text = str(raw)
        if not _PHONE_RE.match(text):
            raise _error(field, _("enter a phone number such as 138 0000 0000 or 021-12345678."))
        return text
    if kind == T.EMAIL:
        text = str(raw)
        try:
            EmailValidator()(text)
        except ValidationError:
            raise _error(field, _("enter a valid e-mail address.")) from None
        local, _at, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"
    if kind == T.URL:
        text = str(raw)
        if "://" not in text:
            text = "https://" + text
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise _error(field, _("enter a web address such as https://example.com.")) from None
        return text
    if kind in ID_TYPES:
        pk = _object_id(field, raw)
        if not _id_exists(field, pk, current):
            raise _error(field, _("choose an entry from the list."))
        return pk
    if kind == T.REGION:
        parts = raw.split("/") if isinstance(raw, str) else list(raw)
        names = [str(p).strip() for p in parts]
        if not 1 <= len(names) <= 3 or any(not n or len(n) > 50 for n in names):
            raise _error(
                field, _("enter a province, city and district, e.g. 浙江省/杭州市/西湖区.")
            )
        return names
    raise _error(field, _("this field type is not supported."))  # pragma: no cover


# -- the JSON form --------------------------------------------------------------------------


def to_json(field: CustomField, value: Any) -> Any:
    """The stored form of a cleaned Python value (see the module docstring)."""
    if value is None:
        return None
    kind = field.type
    if kind in NUMERIC_TYPES:
        if isinstance(value, int) and field.places == 0:
            return value
        return f"{Decimal(value):.{field.places}f}"
    if kind == T.DATE:
        return value.isoformat()
    if kind == T.DATETIME:
        return value.astimezone(dt.UTC).strftime(DATETIME_FORMAT)
    if kind in (T.MULTI_SELECT, T.REGION):
        return list(value)
    return value


def from_json(field: CustomField, stored: Any) -> Any:
    """The Python value of a stored one; a value that no longer parses is returned as is
    (a definition changed under old data must not break a page)."""
    if stored is None:
        return None
    kind = field.type
    try:
        if kind in NUMERIC_TYPES:
            if kind == T.NUMBER and field.places == 0 and isinstance(stored, int):
                return stored
            return Decimal(str(stored))
        if kind == T.DATE:
            return dt.date.fromisoformat(stored)
        if kind == T.DATETIME:
            return dt.datetime.strptime(stored, DATETIME_FORMAT).replace(tzinfo=dt.UTC)
    except (InvalidOperation, TypeError, ValueError):
        return stored
    return stored


# -- a whole payload ------------------------------------------------------------------------


def clean_custom_data(
    module: str,
    data: dict[str, Any] | None,
    *,
    partial: bool = False,
    instance_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate submitted custom values of ``module`` and return the new ``custom_data``.

    ``instance_data`` is the record's current ``custom_data`` (None when creating: defaults
    are then applied to fields left out). ``partial`` (a PATCH, a bulk edit, an import that
    updates) checks only the codes given. Unknown and disabled codes are refused; values of
    disabled fields the record already holds are kept. Every problem is reported at once as
    ``ValidationError({code: [message]})``.
    """
    data = dict(data or {})
    creating = instance_data is None
    result = dict(instance_data or {})
    fields = {f.code: f for f in fields_for(module)}
    errors: dict[str, list[str]] = {}
    for code in data:
        if code not in fields:
            errors.setdefault(code, []).append(
                _("%(code)s is not a custom field of this record type.") % {"code": code}
            )
    for code, field in fields.items():
        if code not in data:
            if creating and field.default is not None:
                result[code] = field.default
                continue
            if partial or (not creating and not field.required):
                continue
            if not field.required:
                result.pop(code, None)
                continue
            if not creating and not is_empty(result.get(code)):
                continue
        current = from_json(field, result.get(code))
        try:
            value = clean_value(field, data.get(code), current=current)
        except ValidationError as exc:
            errors.setdefault(code, []).extend(exc.messages)
            continue
        if value is None:
            result.pop(code, None)
        else:
            result[code] = to_json(field, value)
    if errors:
        raise ValidationError(errors)
    return result


def check_unique(
    model: type[models.Model], field: CustomField, stored: Any, exclude_pk: Any = None
) -> None:
    """Refuse ``stored`` (JSON form) for a unique field when a live record of ``model`` has it.

    Call inside the writing transaction: the definition row is locked first, so concurrent
    writers of this field queue and the second one sees the first one's row.
    """
    if not field.unique or is_empty(stored):
        return
    CustomField.objects.select_for_update().filter(pk=field.pk).first()
    rows = model._default_manager.filter(**{f"custom_data__{field.code}": stored})
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        raise DomainError(
            _("%(field)s: another record already has %(value)s; enter a different value.")
            % {"field": field.label, "value": display_value(field, stored)},
            code="unique",
            field=f"custom_data.{field.code}",
        )


def check_unique_values(
    model: type[models.Model], module: str, data: dict[str, Any], exclude_pk: Any = None
) -> None:
    """``check_unique`` for every unique field of ``module`` in ``data`` (a custom_data)."""
    for field in fields_for(module):
        if field.unique and field.code in data:
            check_unique(model, field, data[field.code], exclude_pk)


# -- showing values -------------------------------------------------------------------------


@dataclass
class Names:
    """Names of the users, departments and files a page of rows refers to, each kind read
    with one query (lists must not cost a query per row)."""

    users: dict[int, str]
    departments: dict[int, str]
    files: dict[int, str]

    @classmethod
    def load(cls, fields: Sequence[CustomField], rows: Iterable[dict[str, Any]]) -> Names:
        wanted: dict[str, set[int]] = {T.USER: set(), T.DEPARTMENT: set(), T.FILE: set()}
        id_fields = [f for f in fields if f.type in ID_TYPES]
        if id_fields:
            for row in rows:
                for field in id_fields:
                    value = (row or {}).get(field.code)
                    if isinstance(value, int):
                        wanted[field.type].add(value)
        users: dict[int, str] = {}
        departments: dict[int, str] = {}
        files: dict[int, str] = {}
        if wanted[T.USER]:
            from django.contrib.auth import get_user_model

            for pk, name, username in (
                get_user_model()
                .objects.filter(pk__in=wanted[T.USER])
                .values_list("pk", "name", "username")
            ):
                users[pk] = name or username
        if wanted[T.DEPARTMENT]:
            from huike.org.models import Department

            departments = dict(
                Department.objects.filter(pk__in=wanted[T.DEPARTMENT]).values_list("pk", "name")
            )
        if wanted[T.FILE]:
            from .models_records import Attachment

            files = dict(
                Attachment.objects.filter(pk__in=wanted[T.FILE]).values_list("pk", "original_name")
            )
        return cls(users, departments, files)


def _text(field: CustomField, stored: Any, names: Names | None, labels: dict | None) -> str:
    if is_empty(stored):
        return ""
    kind = field.type
    if kind == T.BOOLEAN:
        return str(_("Yes") if stored else _("No"))
    if kind in SELECT_TYPES:
        labels = labels if labels is not None else option_labels(field)
        values = stored if isinstance(stored, list) else [stored]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == T.REGION:
        return "/".join(str(p) for p in stored)
    if kind in ID_TYPES:
        names = names or Names.load([field], [{field.code: stored}])
        source: dict[str, dict[int, str]] = {
            T.USER: names.users,
            T.DEPARTMENT: names.departments,
            T.FILE: names.files,
        }
        return source[kind].get(stored, f"#{stored}")
    if kind == T.MONEY:
        return f"{Decimal(str(stored)):,.2f}"
    if kind == T.PERCENT:
        return f"{stored}%"
    if kind == T.DATETIME:
        value = from_json(field, stored)
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(stored)


def display_value(field: CustomField, stored: Any) -> str:
    """The text a detail page shows for one stored value."""
    return _text(field, stored, None, None)


def display_values(
    fields: Sequence[CustomField], rows: Sequence[dict[str, Any]]
) -> list[dict[str, str]]:
    """{code: text} per row of ``custom_data`` dicts, with a fixed number of queries however
    many rows: one per kind of referenced object (users, departments, files)."""
    names = Names.load(fields, rows)
    labels = {f.code: option_labels(f) for f in fields if f.type in SELECT_TYPES}
    return [
        {f.code: _text(f, (row or {}).get(f.code), names, labels.get(f.code)) for f in fields}
        for row in rows
    ]


# -- spreadsheets ---------------------------------------------------------------------------


def export_value(field: CustomField, stored: Any, names: Names | None = None) -> Any:
    """A spreadsheet cell: numbers and dates stay typed so Excel can sum and sort them,
    everything else is the displayed text. Pass ``Names.load(...)`` when exporting many rows.
    """
    if is_empty(stored):
        return ""
    if field.type in NUMERIC_TYPES or field.type == T.DATE:
        return from_json(field, stored)
    if field.type == T.DATETIME:
        value = from_json(field, stored)
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).replace(tzinfo=None)
    return _text(field, stored, names, None)


def import_value(field: CustomField, cell: Any, *, current: Any = None) -> Any:
    """Clean a spreadsheet cell: selects accept a label (either language) or a value, users a
    user name, login name or id, departments a name or id; then ``clean_value``."""
    if isinstance(cell, str):
        cell = cell.strip()
    if is_empty(cell):
        return clean_value(field, None, current=current)
    kind = field.type
    if kind in SELECT_TYPES:
        by_label = {}
        for value, label_text in options(field):
            by_label[label_text.lower()] = value
        for entry in _all_labels(field):
            by_label.setdefault(entry[1].lower(), entry[0])
        parts = re.split("[,;\uff0c\uff1b\u3001]", cell) if isinstance(cell, str) else list(cell)
        mapped = [by_label.get(str(p).strip().lower(), str(p).strip()) for p in parts]
        return clean_value(field, mapped if kind == T.MULTI_SELECT else mapped[0], current=current)
    if kind == T.USER and not str(cell).isdigit():
        from django.contrib.auth import get_user_model

        found = list(
            get_user_model()
            .objects.filter(Q(username=cell) | Q(name=cell), is_active=True)
            .values_list("pk", flat=True)[:2]
        )
        if len(found) != 1:
            raise _error(field, _("no single user is called %(name)s.") % {"name": cell})
        cell = found[0]
    if kind == T.DEPARTMENT and not str(cell).isdigit():
        from huike.org.models import Department

        found = list(Department.objects.filter(name=cell).values_list("pk", flat=True)[:2])
        if len(found) != 1:
            raise _error(field, _("no single department is called %(name)s.") % {"name": cell})
        cell = found[0]
    return clean_value(field, cell, current=current)


def _all_labels(field: CustomField) -> list[tuple[str, str]]:
    """(value, label) in both languages, so a Chinese file imports under an English UI."""
    if field.dictionary:
        return [
            (o.value, text)
            for o in dictionaries._entries(field.dictionary)
            if o.enabled
            for text in (o.label_zh, o.label_en)
            if text
        ]
    return [
        (str(c["value"]), c.get(key) or "")
        for c in field.choices or []
        for key in ("label_zh", "label_en")
        if c.get(key)
    ]


# -- form and API fields --------------------------------------------------------------------


class _Cleaned:
    """Mixin: the widget and rendering of the Django field, the validation of clean_value,
    so a form accepts exactly what the services accept."""

    definition: CustomField

    def clean(self, value: Any) -> Any:
        kept = getattr(self, "kept", None)
        return clean_value(self.definition, value, current=kept)


def _form_class(base: type[forms.Field]) -> type[forms.Field]:
    return type(f"Custom{base.__name__}", (_Cleaned, base), {})


_FORM_CLASSES: dict[type[forms.Field], type[forms.Field]] = {}


def _make(base: type[forms.Field], definition: CustomField, **kwargs: Any) -> forms.Field:
    cls = _FORM_CLASSES.setdefault(base, _form_class(base))
    field = cls(**kwargs)
    field.definition = definition  # type: ignore[attr-defined]
    return field


class _LazyChoices:
    """Choices read from the definition each time they are iterated (render time)."""

    def __init__(self, definition: CustomField, blank: bool) -> None:
        self.definition, self.blank = definition, blank

    def __iter__(self):
        if self.blank:
            yield ("", "---------")
        # The cached definition, so an admin's change shows in a form already built.
        current = field_by_code(self.definition.module, self.definition.code)
        yield from options(current or self.definition)

    def as_list(self) -> list[tuple[str, str]]:
        """A callable for ``choices=``: Django calls it each time the choices are read."""
        return list(self)


def form_field(field: CustomField, *, initial: Any = None) -> forms.Field:
    """A Django form field for ``field``: the right widget per type, options read at render
    time, validation by ``clean_value``. ``initial`` is the stored (JSON) value."""
    common: dict[str, Any] = {
        "label": field.label,
        "help_text": field.help_text,
        "required": field.required,
        "initial": from_json(field, initial if initial is not None else field.default),
    }
    kind = field.type
    if kind == T.TEXT:
        return _make(forms.CharField, field, max_length=TEXT_MAX, **common)
    if kind == T.LONG_TEXT:
        return _make(forms.CharField, field, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind in NUMERIC_TYPES:
        step = "1" if field.places == 0 else str(Decimal(1).scaleb(-field.places))
        return _make(
            forms.CharField,
            field,
            widget=forms.NumberInput(attrs={"step": step, "inputmode": "decimal"}),
            **common,
        )
    if kind == T.DATE:
        return _make(
            forms.CharField, field, widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    if kind == T.DATETIME:
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        if isinstance(common["initial"], dt.datetime):
            common["initial"] = timezone.localtime(common["initial"]).replace(tzinfo=None)
        return _make(forms.CharField, field, widget=widget, **common)
    if kind == T.BOOLEAN:
        choices = [("", "---------"), ("true", _("Yes")), ("false", _("No"))]
        if common["initial"] is not None:
            common["initial"] = "true" if common["initial"] else "false"
        return _make(forms.ChoiceField, field, choices=choices, **common)
    if kind == T.SELECT:
        made = _make(forms.ChoiceField, field, choices=_LazyChoices(field, True).as_list, **common)
        made.kept = initial  # type: ignore[attr-defined]
        return made
    if kind == T.MULTI_SELECT:
        made = _make(
            forms.MultipleChoiceField,
            field,
            choices=_LazyChoices(field, False).as_list,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
        made.kept = initial  # type: ignore[attr-defined]
        return made
    if kind == T.PHONE:
        return _make(
            forms.CharField, field, widget=forms.TextInput(attrs={"type": "tel"}), **common
        )
    if kind == T.EMAIL:
        return _make(forms.CharField, field, widget=forms.EmailInput, **common)
    if kind == T.URL:
        return _make(forms.CharField, field, widget=forms.URLInput, **common)
    if kind == T.USER:
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(is_active=True).order_by("name")
        made = _make(forms.ModelChoiceField, field, queryset=users, **common)
        made.kept = initial  # type: ignore[attr-defined]
        return made
    if kind == T.DEPARTMENT:
        from huike.org.models import Department

        return _make(forms.ModelChoiceField, field, queryset=Department.objects.all(), **common)
    if kind == T.REGION:
        if isinstance(common["initial"], list):
            common["initial"] = "/".join(common["initial"])
        return _make(
            forms.CharField,
            field,
            widget=forms.TextInput(attrs={"placeholder": "浙江省/杭州市/西湖区"}),
            **common,
        )
    # T.FILE: the id of an attachment uploaded through the record's attachment flow.
    return _make(forms.IntegerField, field, widget=forms.HiddenInput, **common)


class CustomValueField(serializers.Field):
    """A DRF field for one custom field: validated by ``clean_value``, shown in JSON form
    (the same form ``custom_data`` stores, so clients can send back what they read)."""

    def __init__(self, definition: CustomField, **kwargs: Any) -> None:
        self.definition = definition
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", not definition.required)
        kwargs.setdefault("label", definition.label)
        kwargs.setdefault("help_text", definition.help_text or None)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        try:
            return clean_value(self.definition, data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None and self.definition.required:
            self.fail("null")
        return super().validate_empty_values(data)

    def to_representation(self, value: Any) -> Any:
        return value


def serializer_field(field: CustomField) -> serializers.Field:
    return CustomValueField(field)


# -- list filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterSpec:
    """How a list filters on a field: ``exact``, ``range`` (from/to), ``contains`` or
    ``any_of`` (a set of options or ids); ``choices`` for any_of pickers."""

    code: str
    label: str
    kind: str
    value_type: str
    choices: tuple[tuple[str, str], ...] = ()


def filter_spec(field: CustomField) -> FilterSpec | None:
    """None for a type lists cannot filter on (files)."""
    kind = field.type
    if kind in NUMERIC_TYPES or kind in (T.DATE, T.DATETIME):
        how = "range"
    elif kind in SELECT_TYPES or kind in (T.USER, T.DEPARTMENT):
        how = "any_of"
    elif kind == T.BOOLEAN:
        how = "exact"
    elif kind == T.FILE:
        return None
    else:
        how = "contains"
    choices = tuple(options(field)) if kind in SELECT_TYPES else ()
    return FilterSpec(field.code, field.label, how, kind, choices)


def _range_bounds(value: Any) -> tuple[Any, Any]:
    if isinstance(value, dict):
        return value.get("from"), value.get("to")
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    return value, value


def apply_filter(queryset: models.QuerySet, field: CustomField, value: Any) -> models.QuerySet:
    """Filter ``queryset`` on ``custom_data[field.code]`` per ``filter_spec``; the same SQL
    shape runs on SQLite and PostgreSQL. Values are cleaned like input, so a bad filter raises
    ``ValidationError`` naming the field instead of a database error."""
    spec = filter_spec(field)
    if spec is None or is_empty(value):
        return queryset
    code = field.code
    path = f"custom_data__{code}"
    loose = _loose(field)
    if spec.kind == "range":
        low, high = _range_bounds(value)
        if field.type in NUMERIC_TYPES:
            queryset = queryset.annotate(**{f"_cf_{code}": Cast(KT(path), NUMERIC_CAST)})
            if not is_empty(low):
                queryset = queryset.filter(**{f"_cf_{code}__gte": _decimal(loose, low)})
            if not is_empty(high):
                queryset = queryset.filter(**{f"_cf_{code}__lte": _decimal(loose, high)})
            return queryset
        # Dates and datetimes are stored in one fixed ISO format: text order is time order.
        if field.type == T.DATE:
            lo = to_json(field, _date(loose, low)) if not is_empty(low) else None
            hi = to_json(field, _date(loose, high)) if not is_empty(high) else None
        else:
            lo = to_json(field, _datetime(loose, low)) if not is_empty(low) else None
            if is_empty(high):
                hi = None
            elif isinstance(high, str) and len(high.strip()) <= 10:
                # A bare end day includes the whole day.
                end = _datetime(loose, high) + dt.timedelta(days=1) - dt.timedelta(seconds=1)
                hi = to_json(field, end)
            else:
                hi = to_json(field, _datetime(loose, high))
        queryset = queryset.annotate(**{f"_cf_{code}": _text_of(path)})
        if lo is not None:
            queryset = queryset.filter(**{f"_cf_{code}__gte": lo})
        if hi is not None:
            queryset = queryset.filter(**{f"_cf_{code}__lte": hi})
        return queryset
    if spec.kind == "contains":
        return queryset.filter(**{f"{path}__icontains": str(value).strip()})
    if spec.kind == "exact":  # boolean: "no" also matches records that never set it
        wanted = _boolean(loose, value)
        match = Q(**{path: wanted})
        if not wanted:
            match |= Q(**{f"{path}__isnull": True})
        return queryset.filter(match)
    values = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
    values = [str(v).strip() for v in values if str(v).strip()]
    if field.type in (T.USER, T.DEPARTMENT):
        ids = [_object_id(loose, v) for v in values]
        return queryset.filter(**{f"{path}__in": ids})
    if field.type == T.SELECT:
        return queryset.annotate(**{f"_cf_{code}": _text_of(path)}).filter(
            **{f"_cf_{code}__in": values}
        )
    # Multi select: the stored array's text holds "value" with its quotes; option values
    # cannot contain quotes, so this matches whole elements only, on both databases.
    match = Q()
    for v in values:
        match |= Q(**{f"_cf_{code}__contains": f'"{v}"'})
    return queryset.annotate(**{f"_cf_{code}": _text_of(path)}).filter(match)


def _text_of(path: str) -> Cast:
    """The key's value as SQL text (``->>`` / ``json_extract``), typed as text so lookups
    compare strings and results are not parsed as JSON."""
    return Cast(KT(path), models.TextField())


def _loose(field: CustomField) -> CustomField:
    """A copy that is not required: filter bounds may be left empty."""
    copy = CustomField(
        module=field.module,
        code=field.code,
        type=field.type,
        label_zh=field.label_zh,
        label_en=field.label_en,
        decimal_places=max(field.places, 10) if field.type in NUMERIC_TYPES else 0,
    )
    if field.type == T.MONEY:
        copy.type = T.NUMBER  # money's fixed 2 places must not refuse a bound like 0.005
    return copy


# -- editing definitions --------------------------------------------------------------------


def _model_field_names(module: str) -> set[str]:
    names: set[str] = set()
    for model, entry in registry.scoped_models.items():
        if entry.module == module:
            for f in model._meta.get_fields():
                names.add(f.name)
                attname = getattr(f, "attname", None)
                if attname:
                    names.add(attname)
    return names


def _validate_definition(field: CustomField, creating: bool) -> None:
    if field.module not in registry.modules:
        raise DomainError(
            _("%(module)s is not a module of Huike.") % {"module": field.module}, field="module"
        )
    if creating:
        try:
            code_validator(field.code)
        except ValidationError:
            raise DomainError(
                _("Use lower-case letters, digits and underscores, starting with a letter."),
                field="code",
            ) from None
        if len(field.code) > 50:
            raise DomainError(_("A code is at most 50 characters."), field="code")
        if field.code in _model_field_names(field.module):
            raise DomainError(
                _("%(code)s is already a standard field of this module; choose another code.")
                % {"code": field.code},
                field="code",
            )
        if CustomField.objects.filter(module=field.module, code=field.code).exists():
            raise DomainError(
                _("This module already has a custom field %(code)s.") % {"code": field.code},
                code="conflict",
                field="code",
            )
        if field.type not in T.values:
            raise DomainError(_("Choose a field type from the list."), field="type")
    field.label_zh, field.label_en = field.label_zh.strip(), field.label_en.strip()
    if not field.label_zh and not field.label_en:
        raise DomainError(_("Enter a label in Chinese or English."), field="label_zh")
    if len(field.label_zh) > 100 or len(field.label_en) > 100:
        raise DomainError(_("A label is at most 100 characters."), field="label_zh")
    if field.type == T.NUMBER and not 0 <= int(field.decimal_places) <= 6:
        raise DomainError(_("Use 0 to 6 decimal places."), field="decimal_places")
    if field.type == T.PERCENT and not 0 <= int(field.decimal_places) <= 6:
        raise DomainError(_("Use 0 to 6 decimal places."), field="decimal_places")
    if field.type in SELECT_TYPES:
        _validate_options(field)
    else:
        field.dictionary, field.choices = "", []
    if field.unique and field.type in (T.BOOLEAN, T.MULTI_SELECT, T.LONG_TEXT, T.FILE):
        raise DomainError(_("This field type cannot be unique."), field="unique")
    if field.default is not None and field.default != "":
        if field.unique:
            raise DomainError(_("A unique field cannot have a default value."), field="default")
        try:
            value = clean_value(field, field.default)
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="default") from None
        field.default = to_json(field, value)
    else:
        field.default = None


def _validate_options(field: CustomField) -> None:
    if field.dictionary:
        from .models_config import Dictionary

        if not Dictionary.objects.filter(code=field.dictionary).exists():
            raise DomainError(_("Choose an option list that exists."), field="dictionary")
        field.choices = []
        return
    cleaned, seen = [], set()
    for entry in field.choices or []:
        value = str(entry.get("value", "")).strip()
        zh = str(entry.get("label_zh", "")).strip()
        en = str(entry.get("label_en", "")).strip()
        if not dictionaries._valid_value(value) or len(value) > 50:
            raise DomainError(
                _("Use letters, digits, '_', '-' and '.' for a value, at most 50."),
                field="choices",
            )
        if value in seen:
            raise DomainError(
                _("The value %(value)s is already in this list; use another one.")
                % {"value": value},
                field="choices",
            )
        seen.add(value)
        item: dict[str, Any] = {"value": value, "label_zh": zh, "label_en": en}
        if entry.get("enabled", True) is False:
            item["enabled"] = False
        cleaned.append(item)
    if not cleaned:
        raise DomainError(
            _("Give the select an option list or at least one option."), field="choices"
        )
    field.choices = cleaned


def _describe(field: CustomField, name: str) -> str:
    value = getattr(field, name)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if name == "choices":
        return ", ".join(str(c["value"]) for c in value or [])
    return "" if value is None else str(value)


@transaction.atomic
def create_field(actor: Any, module: str, code: str, type: str, **attrs: Any) -> CustomField:
    """Add a custom field to ``module``; it shows in forms, lists and the API at once."""
    check_perm(actor, PERMISSION)
    unknown = set(attrs) - set(EDITABLE)
    if unknown:
        raise TypeError(f"create_field() got unknown attributes {sorted(unknown)}")
    if type == T.PERCENT and "decimal_places" not in attrs:
        attrs["decimal_places"] = 2
    field = CustomField(module=module, code=(code or "").strip(), type=type, **attrs)
    _validate_definition(field, creating=True)
    if "order" not in attrs:
        last = CustomField.objects.filter(module=module).aggregate(m=models.Max("order"))["m"]
        field.order = (last or 0) + 10
    field.save()
    oplog.log(
        actor,
        OperationLog.Action.CREATE,
        field,
        message=_("Custom field %(label)s (%(code)s) added to %(module)s")
        % {"label": field.label, "code": field.code, "module": module},
    )
    invalidate(module)
    return field


@transaction.atomic
def update_field(actor: Any, field: CustomField, **changes: Any) -> CustomField:
    """Change a definition's labels, options, flags, default, help, order or group.

    Module, code and type are fixed: stored values depend on them."""
    check_perm(actor, PERMISSION)
    fixed = set(changes) & set(IMMUTABLE)
    if fixed:
        raise DomainError(
            _("The module, code and type of a custom field cannot change; add a new field."),
            field=sorted(fixed)[0],
        )
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_field() got unknown attributes {sorted(unknown)}")
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    before = {name: _describe(field, name) for name in changes}
    for name, value in changes.items():
        setattr(field, name, value)
    _validate_definition(field, creating=False)
    log_changes = [
        {
            "field": name,
            "label": str(getattr(CustomField._meta.get_field(name), "verbose_name", name)),
            "old": before[name],
            "new": _describe(field, name),
        }
        for name in changes
        if before[name] != _describe(field, name)
    ]
    field.save()
    if log_changes:
        oplog.log(actor, OperationLog.Action.UPDATE, field, changes=log_changes)
    invalidate(field.module)
    return field


def disable_field(actor: Any, field: CustomField) -> CustomField:
    """Hide a field from forms, lists and the API; records keep their values, and enabling
    it again brings them back."""
    return _set_enabled(actor, field, False)


def enable_field(actor: Any, field: CustomField) -> CustomField:
    return _set_enabled(actor, field, True)


@transaction.atomic
def _set_enabled(actor: Any, field: CustomField, enabled: bool) -> CustomField:
    check_perm(actor, PERMISSION)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if field.enabled != enabled:
        field.enabled = enabled
        field.save(update_fields=["enabled", "updated_at"])
        action = OperationLog.Action.ENABLE if enabled else OperationLog.Action.DISABLE
        oplog.log(actor, action, field)
        invalidate(field.module)
    return field


@transaction.atomic
def reorder_fields(actor: Any, module: str, codes: Sequence[str]) -> None:
    """Put ``module``'s fields in the order of ``codes`` (others follow, in their order)."""
    check_perm(actor, PERMISSION)
    rows = list(
        CustomField.objects.select_for_update().filter(module=module).order_by("order", "id")
    )
    known = {f.code for f in rows}
    stray = [c for c in codes if c not in known]
    if stray:
        raise DomainError(
            _("%(code)s is not a custom field of this module.") % {"code": stray[0]},
            field="order",
        )
    position = {code: index for index, code in enumerate(codes)}
    rows.sort(key=lambda f: (position.get(f.code, len(codes)), f.order, f.id))
    changed = []
    for index, row in enumerate(rows):
        if row.order != (index + 1) * 10:
            row.order = (index + 1) * 10
            changed.append(row)
    if changed:
        CustomField.objects.bulk_update(changed, ["order"])
        oplog.log(
            actor,
            OperationLog.Action.SETTINGS,
            None,
            message=_("Custom fields of %(module)s reordered") % {"module": module},
        )
    invalidate(module)


__all__ = [
    "FilterSpec",
    "Names",
    "apply_filter",
    "check_unique",
    "check_unique_values",
    "clean_custom_data",
    "clean_value",
    "create_field",
    "disable_field",
    "display_value",
    "display_values",
    "enable_field",
    "export_value",
    "fields_for",
    "filter_spec",
    "form_field",
    "from_json",
    "import_value",
    "label_for",
    "options",
    "reorder_fields",
    "serializer_field",
    "to_json",
    "update_field",
]


# -- services -------------------------------------------------------------------------------


def apply_to_record(record: Any, module: str, values: dict[str, Any] | None) -> bool:
    """Clean submitted custom values (``{code: value}``) onto ``record.custom_data`` inside a
    create or edit service; returns whether anything changed.

    A new record (``record._state.adding``) gets defaults and must fill required fields; an
    edit changes only the codes given. Unique fields are checked here, so call it inside the
    service's transaction, before saving. Problems raise one ``DomainError`` listing every
    field (``errors``: {"custom_data.<code>": [messages]}), which pages and the API show at
    the fields.
    """
    creating = record._state.adding
    if values is None and not creating:
        return False
    try:
        new = clean_custom_data(
            module,
            values,
            partial=not creating,
            instance_data=None if creating else dict(record.custom_data or {}),
        )
    except ValidationError as exc:
        errors = {f"custom_data.{code}": msgs for code, msgs in exc.message_dict.items()}
        first_code, first = next(iter(exc.message_dict.items()))
        error = DomainError(first[0], field=f"custom_data.{first_code}")
        error.errors = errors  # type: ignore[attr-defined]
        raise error from None
    if new == (record.custom_data or {}) and not creating:
        return False
    changed = {c: v for c, v in new.items() if (record.custom_data or {}).get(c) != v}
    check_unique_values(type(record), module, changed, None if creating else record.pk)
    record.custom_data = new
    return True
