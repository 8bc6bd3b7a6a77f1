"""Option lists (客户参数 / 字典, PLT-10): customer types, sources, industries, units …

Records store an item's ``value``, a stable code; pages show its label in the active language.
Admins rename, reorder, add and disable items. A disabled item leaves the pickers but keeps
labelling the records that already use it, and an item that records use cannot be deleted.

Reads go through the shared cache (one entry per list, holding both languages), dropped when
a list changes, so every worker and process sees the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import oplog
from .errors import ConflictError, DomainError
from .models import OperationLog
from .models_config import (
    Dictionary,
    DictionaryItem,
    _in_language,
    code_validator,
    value_validator,
)
from .permissions import check_perm

PERMISSION = "system.manage"
CACHE_PREFIX = "huike:dictionary:"
CACHE_SECONDS = 600
LABEL_MAX = 100

# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label_zh: str
    label_en: str
    enabled: bool
    color: str

    @property
    def label(self) -> str:
        return _in_language(self.label_zh, self.label_en) or self.value


def _cache_key(code: str) -> str:
    return CACHE_PREFIX + code


def _entries(code: str) -> list[Option]:
    """Every item of the list in display order (an unknown code is an empty list)."""
    key = _cache_key(code)
    rows = cache.get(key)
    if rows is None:
        rows = list(
            DictionaryItem.objects.filter(dictionary__code=code)
            .order_by("order", "id")
            .values_list("value", "label_zh", "label_en", "enabled", "color")
        )
        cache.set(key, rows, CACHE_SECONDS)
    return [Option(*row) for row in rows]


def invalidate(code: str) -> None:
    """Forget the cached list now and again at commit, so a reader that filled the cache from
    the old rows while the change was in flight cannot keep them."""
    key = _cache_key(code)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def options(code: str, include_disabled: bool = False) -> list[tuple[str, str]]:
    """(value, label) pairs for a picker, labels in the active language."""
    return [(o.value, o.label) for o in _entries(code) if include_disabled or o.enabled]


def labels(code: str) -> dict[str, str]:
    """value -> label for every item, disabled ones included: for lists showing many rows."""
    return {o.value: o.label for o in _entries(code)}


def option(code: str, value: str | None) -> Option | None:
    for entry in _entries(code):
        if entry.value == value:
            return entry
    return None


def label(code: str, value: str | None) -> str:
    """The label of ``value``; a value the list does not know is shown as it is stored."""
    if value in (None, ""):
        return ""
    found = option(code, value)
    return found.label if found else str(value)


# -- usage: which records store a list's values ---------------------------------------------

_usages: dict[str, list[tuple[type[models.Model], str]]] = {}


def register_usage(code: str, model: type[models.Model], field_name: str) -> None:
    """Declare that ``model.field_name`` stores values of list ``code``; such values cannot
    be deleted. ``DictionaryField`` declares itself, so modules rarely call this directly."""
    entries = _usages.setdefault(code, [])
    if (model, field_name) not in entries:
        entries.append((model, field_name))


def usages(code: str) -> list[tuple[type[models.Model], str]]:
    return list(_usages.get(code, []))


def in_use(code: str, value: str) -> bool:
    """Whether any record, deleted ones in the recycle bin included, stores ``value``."""
    return any(
        model._base_manager.filter(**{field_name: value}).exists()
        for model, field_name in _usages.get(code, [])
    )


# -- form and model fields ------------------------------------------------------------------


class DictionaryChoiceField(forms.ChoiceField):
    """A select whose options come from list ``code`` each time the form renders or
    validates, so an admin's change shows without a restart.

    Disabled items are not offered, except the value the edited record already has: a record
    keeps its old source when it is edited for something else.
    """

    def __init__(self, code: str, *, required: bool = True, **kwargs: Any) -> None:
        self.code = code
        self.kept: str | None = None
        super().__init__(choices=self._current_choices, required=required, **kwargs)

    def _current_choices(self) -> list[tuple[str, str]]:
        choices = [("", "---------")]
        for entry in _entries(self.code):
            if entry.enabled:
                choices.append((entry.value, entry.label))
            elif entry.value == self.kept:
                choices.append((entry.value, _("%(label)s (disabled)") % {"label": entry.label}))
        return choices

    def get_bound_field(self, form, field_name):
        # The form's own copy of the field learns the record's current value before it
        # renders or cleans, which is how a disabled current value stays acceptable.
        initial = form.get_initial_for_field(self, field_name)
        self.kept = str(initial) if initial not in (None, "") else None
        return super().get_bound_field(form, field_name)


class DictionaryField(models.CharField):
    """A model field storing a value of list ``dictionary``; it declares the usage (so used
    values cannot be deleted) and edits through ``DictionaryChoiceField``.

    Not indexed by itself: the model lists it in ``huike.core.records.exact_indexes`` (one
    plain index; ``db_index`` would add a second one for ``LIKE`` on PostgreSQL)."""

    def __init__(self, *args: Any, dictionary: str, **kwargs: Any) -> None:
        self.dictionary = dictionary
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["dictionary"] = self.dictionary
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        from django.apps import apps

        # Migration states build throw-away copies of models; only real models count.
        if not cls._meta.abstract and cls._meta.apps is apps:
            register_usage(self.dictionary, cls, name)

    def formfield(self, **kwargs: Any):
        return DictionaryChoiceField(
            self.dictionary,
            required=not self.blank,
            label=kwargs.get("label", capfirst(self.verbose_name)),
            help_text=self.help_text,
        )


# -- changing lists -------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One submitted row of the list editor: an existing item (``id``) or a new one."""

    id: int | None = None
    value: str = ""
    label_zh: str = ""
    label_en: str = ""
    order: int | None = None
    enabled: bool = True
    color: str = ""
    delete: bool = False


def item_errors(dictionary: Dictionary, rows: list[ItemRow]) -> list[tuple[int, str, str]]:
    """What is wrong with the rows, as (row index, field, message); empty when they may be
    saved. The editor shows these beside the rows; ``save_items`` refuses on the first."""
    errors: list[tuple[int, str, str]] = []
    existing = {item.pk: item for item in dictionary.items.all()} if dictionary.pk else {}
    submitted = {row.id for row in rows if row.id is not None}
    # Items left out of the submission stay as they are, and keep their values taken.
    seen = {item.value for item in existing.values() if item.pk not in submitted}
    colors = set(DictionaryItem.Color.values)
    for index, row in enumerate(rows):
        if row.id is not None and row.id not in existing:
            errors.append((index, "value", _("This option does not belong to the list.")))
            continue
        if row.delete:
            continue
        value = existing[row.id].value if row.id is not None else (row.value or "").strip()
        if not value:
            errors.append((index, "value", _("Enter a value: it is the code records store.")))
        elif value in seen:
            errors.append(
                (
                    index,
                    "value",
                    _("The value %(value)s is already in this list; use another one.")
                    % {"value": value},
                )
            )
        elif len(value) > 50 or not _valid_value(value):
            errors.append(
                (
                    index,
                    "value",
                    _("Use letters, digits, '_', '-' and '.' for a value, at most 50."),
                )
            )
        seen.add(value)
        label_zh, label_en = (row.label_zh or "").strip(), (row.label_en or "").strip()
        if not label_zh and not label_en:
            errors.append((index, "label_zh", _("Enter a label in Chinese or English.")))
        if len(label_zh) > LABEL_MAX or len(label_en) > LABEL_MAX:
            errors.append(
                (
                    index,
                    "label_zh",
                    _("A label is at most %(max)d characters.") % {"max": LABEL_MAX},
                )
            )
        if row.color and row.color not in colors:
            errors.append((index, "color", _("Choose a colour from the list.")))
        if row.order is not None and row.order < 0:
            errors.append((index, "order", _("The order is a number from 0 up.")))
    return errors


def _valid_value(value: str) -> bool:
    try:
        value_validator(value)
    except ValidationError:
        return False
    return True


def _describe(item: DictionaryItem) -> str:
    parts = [item.label_zh, item.label_en]
    text = " / ".join(p for p in parts if p)
    if item.color:
        text += f" [{item.color}]"
    if not item.enabled:
        text += " (" + _("disabled") + ")"
    return text


@transaction.atomic
def save_items(
    actor: Any,
    dictionary: Dictionary,
    rows: list[ItemRow],
    *,
    name_zh: str | None = None,
    name_en: str | None = None,
) -> Dictionary:
    """Apply the list editor in one go: renames, reorders, new items, enabling, deletions.

    All rows are checked before anything is written; a used item cannot be deleted (disable it
    instead). One operation-log entry lists every change.
    """
    check_perm(actor, PERMISSION)
    # Editors of the same list queue here, so checks and writes see one consistent list.
    dictionary = Dictionary.objects.select_for_update().get(pk=dictionary.pk)
    errors = item_errors(dictionary, rows)
    if errors:
        _index, field, message = errors[0]
        raise DomainError(message, field=field)
    changes: list[dict] = []
    if name_zh is not None or name_en is not None:
        new_zh = (name_zh if name_zh is not None else dictionary.name_zh).strip()
        new_en = (name_en if name_en is not None else dictionary.name_en).strip()
        if not new_zh and not new_en:
            raise DomainError(_("Enter the list's name in Chinese or English."), field="name_zh")
        if (new_zh, new_en) != (dictionary.name_zh, dictionary.name_en):
            changes.append(
                {
                    "field": "name",
                    "label": _("Name"),
                    "old": " / ".join(p for p in (dictionary.name_zh, dictionary.name_en) if p),
                    "new": " / ".join(p for p in (new_zh, new_en) if p),
                }
            )
            dictionary.name_zh, dictionary.name_en = new_zh, new_en
            dictionary.save(update_fields=["name_zh", "name_en"])

    existing = {item.pk: item for item in dictionary.items.all()}
    next_order = max((item.order for item in existing.values()), default=0)
    for row in rows:
        if row.id is not None and row.delete:
            item = existing[row.id]
            if in_use(dictionary.code, item.value):
                raise DomainError(
                    _(
                        "%(label)s is used by records and cannot be deleted; disable it "
                        "instead, so it leaves the pickers but still labels those records."
                    )
                    % {"label": item.label},
                    code="in_use",
                    field="delete",
                )
            changes.append(
                {"field": item.value, "label": item.label, "old": _describe(item), "new": ""}
            )
            item.delete()
    to_create = []
    for row in rows:
        if row.delete:
            continue
        fields = {
            "label_zh": row.label_zh.strip(),
            "label_en": row.label_en.strip(),
            "enabled": bool(row.enabled),
            "color": row.color or "",
        }
        if row.id is None:
            if row.order is None:
                next_order += 10
            item = DictionaryItem(
                dictionary=dictionary,
                value=row.value.strip(),
                order=row.order if row.order is not None else next_order,
                **fields,
            )
            to_create.append(item)
            changes.append(
                {"field": item.value, "label": item.label, "old": "", "new": _describe(item)}
            )
            continue
        item = existing[row.id]
        if row.order is not None:
            fields["order"] = row.order
        before = _describe(item)
        old_order = item.order
        if all(getattr(item, name) == new for name, new in fields.items()):
            continue
        for name, new in fields.items():
            setattr(item, name, new)
        item.save(update_fields=list(fields))
        if _describe(item) != before:
            changes.append(
                {"field": item.value, "label": item.label, "old": before, "new": _describe(item)}
            )
        elif old_order != item.order:
            changes.append(
                {
                    "field": item.value,
                    "label": item.label,
                    "old": _("position %(n)s") % {"n": old_order},
                    "new": _("position %(n)s") % {"n": item.order},
                }
            )
    if to_create:
        try:
            with transaction.atomic():
                DictionaryItem.objects.bulk_create(to_create)
        except IntegrityError:
            raise ConflictError(
                _("Someone added the same value a moment ago; reload the list and try again."),
                field="value",
            ) from None
    if changes:
        oplog.log(actor, OperationLog.Action.UPDATE, dictionary, changes=changes)
    invalidate(dictionary.code)
    return dictionary


@transaction.atomic
def set_enabled(actor: Any, item: DictionaryItem, enabled: bool) -> DictionaryItem:
    """Enable or disable one item (a disabled item leaves the pickers, keeps its label)."""
    check_perm(actor, PERMISSION)
    item = DictionaryItem.objects.select_related("dictionary").select_for_update().get(pk=item.pk)
    if item.enabled != enabled:
        item.enabled = enabled
        item.save(update_fields=["enabled"])
        oplog.log(
            actor,
            OperationLog.Action.ENABLE if enabled else OperationLog.Action.DISABLE,
            item.dictionary,
            message=f"{item.value}: {item.label}",
        )
        invalidate(item.dictionary.code)
    return item


@transaction.atomic
def create_dictionary(actor: Any, *, code: str, name_zh: str = "", name_en: str = "") -> Dictionary:
    """A new, empty list for admins' own purposes (custom fields pick from it)."""
    check_perm(actor, PERMISSION)
    code = (code or "").strip()
    name_zh, name_en = (name_zh or "").strip(), (name_en or "").strip()
    try:
        code_validator(code)
    except ValidationError:
        raise DomainError(
            _("Use lower-case letters, digits and underscores for the code, from a letter."),
            field="code",
        ) from None
    if len(code) > 50:
        raise DomainError(_("The code is at most 50 characters."), field="code")
    if not name_zh and not name_en:
        raise DomainError(_("Enter the list's name in Chinese or English."), field="name_zh")
    if len(name_zh) > LABEL_MAX or len(name_en) > LABEL_MAX:
        raise DomainError(
            _("A name is at most %(max)d characters.") % {"max": LABEL_MAX}, field="name_zh"
        )
    top = Dictionary.objects.aggregate(top=models.Max("order"))["top"] or 0
    dictionary = Dictionary(code=code, name_zh=name_zh, name_en=name_en, order=top + 10)
    try:
        with transaction.atomic():
            dictionary.save()
    except IntegrityError:
        raise DomainError(
            _("A list with the code %(code)s already exists.") % {"code": code},
            code="duplicate",
            field="code",
        ) from None
    oplog.log(actor, OperationLog.Action.CREATE, dictionary, message=str(dictionary))
    invalidate(code)
    return dictionary


# -- the standard lists ---------------------------------------------------------------------

#: code, Chinese name, English name, items (value, Chinese, English[, colour]).
DEFAULTS: list[tuple[str, str, str, list[tuple[str, ...]]]] = [
    (
        "customer_type",
        "客户类型",
        "Customer type",
        [
            ("regular", "普通客户", "Regular customer"),
            ("vip", "VIP客户", "VIP customer", "orange"),
            ("agent", "代理商", "Agent"),
            ("partner", "合作伙伴", "Partner"),
        ],
    ),
    (
        "customer_source",
        "客户来源",
        "Customer source",
        [
            ("telemarketing", "电话营销", "Telemarketing"),
            ("online", "网络推广", "Online promotion"),
            ("exhibition", "展会", "Trade show"),
            ("referral", "客户介绍", "Referral"),
            ("inbound_call", "主动来电", "Inbound call"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "industry",
        "所属行业",
        "Industry",
        [
            ("finance", "金融", "Finance"),
            ("it", "IT互联网", "IT / Internet"),
            ("manufacturing", "制造业", "Manufacturing"),
            ("education", "教育", "Education"),
            ("healthcare", "医疗", "Healthcare"),
            ("government", "政府", "Government"),
            ("retail", "零售", "Retail"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "customer_level",
        "客户级别",
        "Customer level",
        [
            ("a", "A 重点客户", "A Key customer", "red"),
            ("b", "B 普通客户", "B Regular customer", "blue"),
            ("c", "C 非优先客户", "C Low priority", "secondary"),
        ],
    ),
    (
        "follow_up_type",
        "跟进方式",
        "Follow-up type",
        [
            ("call", "电话", "Phone call"),
            ("visit", "拜访", "Visit"),
            ("email", "邮件", "E-mail"),
            ("sms", "短信", "Text message"),
            ("wechat", "微信", "WeChat"),
            ("meeting", "会议", "Meeting"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "lost_reason",
        "输单原因",
        "Lost reason",
        [
            ("price", "价格太高", "Price too high"),
            ("competitor", "选择了竞争对手", "Chose a competitor"),
            ("requirements", "需求不匹配", "Needs not met"),
            ("budget", "预算不足", "No budget"),
            ("timing", "时机不成熟", "Bad timing"),
            ("unreachable", "联系不上", "Could not reach the customer"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "product_unit",
        "产品单位",
        "Product unit",
        [
            ("piece", "个", "Piece"),
            ("unit", "台", "Unit"),
            ("set", "套", "Set"),
            ("item", "件", "Item"),
            ("year", "年", "Year"),
            ("month", "月", "Month"),
            ("time", "次", "Time"),
        ],
    ),
    (
        "payment_method",
        "付款方式",
        "Payment method",
        [
            ("bank_transfer", "银行转账", "Bank transfer"),
            ("cash", "现金", "Cash"),
            ("cheque", "支票", "Cheque"),
            ("alipay", "支付宝", "Alipay"),
            ("wechat_pay", "微信支付", "WeChat Pay"),
            ("acceptance_bill", "承兑汇票", "Bank acceptance bill"),
        ],
    ),
]


def ensure_defaults(using: str = "default", **_signal_kwargs: Any) -> None:
    """Create the standard lists that do not exist yet (safe to run again; a post_migrate
    receiver). A list is filled only when it is created, so items an admin deleted or renamed
    are never brought back."""
    if Dictionary._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the tables
    with transaction.atomic(using=using):
        for order, (code, name_zh, name_en, items) in enumerate(DEFAULTS, start=1):
            dictionary, created = Dictionary.objects.using(using).get_or_create(
                code=code,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "is_builtin": True,
                    "order": order * 10,
                },
            )
            if not created:
                continue
            DictionaryItem.objects.using(using).bulk_create(
                DictionaryItem(
                    dictionary=dictionary,
                    value=value,
                    label_zh=zh,
                    label_en=en,
                    color=rest[0] if rest else "",
                    order=position * 10,
                )
                for position, (value, zh, en, *rest) in enumerate(items, start=1)
            )
            invalidate(code)


def connect_signals() -> None:
    """Fill the standard lists after every ``migrate`` (called from CoreConfig.ready)."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    post_migrate.connect(
        ensure_defaults,
        sender=apps.get_app_config("core"),
        dispatch_uid="huike.core.dictionaries.ensure_defaults",
    )
