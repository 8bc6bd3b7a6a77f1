"""Configuration records of the record machinery: numbering rules (PLT-15) and option lists
(PLT-10).

Only data and invariants live here; the numbering and dictionary services in
``huike.core.numbering`` and ``huike.core.dictionaries`` own the flows.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Dictionary",
    "DictionaryItem",
    "NumberingCounter",
    "NumberingRule",
]

#: Stable codes (module keys, dictionary codes, item values) are what records store and the
#: API exposes, so they are plain ASCII that survives URLs, CSV files and JSON.
code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$",
    _("Use lower-case letters, digits and underscores, starting with a letter."),
)
value_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, '_', '-' and '.', starting with a letter or digit."),
)


class NumberingRule(models.Model):
    """How the numbers of one module's records look, e.g. KH-20261122-0001.

    ``segments`` is the ordered list the number is built from, each one of
    ``{"kind": "text", "text": "KH"}``, ``{"kind": "date", "format": "YYYYMMDD"}`` or
    ``{"kind": "counter", "width": 4}``; ``huike.core.numbering`` validates and renders them.
    """

    class Reset(models.TextChoices):
        DAILY = "daily", _("Daily")
        MONTHLY = "monthly", _("Monthly")
        YEARLY = "yearly", _("Yearly")
        NEVER = "never", _("Never")

    module = models.CharField(_("module"), max_length=50, unique=True, validators=[code_validator])
    segments = models.JSONField(_("segments"), default=list)
    separator = models.CharField(_("separator"), max_length=3, blank=True, default="-")
    reset = models.CharField(
        _("counter reset"), max_length=10, choices=Reset.choices, default=Reset.DAILY
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("numbering rule")
        verbose_name_plural = _("numbering rules")
        ordering = ["module"]

    def __str__(self) -> str:
        return self.module


class NumberingCounter(models.Model):
    """The last number handed out by a rule in one period (a day, month, year or for ever).

    One row per (rule, period), unique, so the row lock taken by ``next_number`` serialises
    the writers of that period and nobody else.
    """

    rule = models.ForeignKey(
        NumberingRule, on_delete=models.CASCADE, related_name="counters", verbose_name=_("rule")
    )
    #: "20261122", "202611", "2026" or "" (never reset), per the rule's reset.
    period = models.CharField(_("period"), max_length=8, blank=True)
    value = models.PositiveBigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("numbering counter")
        verbose_name_plural = _("numbering counters")
        constraints = [
            models.UniqueConstraint(fields=["rule", "period"], name="core_numbering_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.period or '-'}: {self.value}"


def _in_language(zh: str, en: str) -> str:
    """The text for the active language, falling back to the other one when it is empty."""
    language = (translation.get_language() or "zh-hans").lower()
    first, second = (en, zh) if language.startswith("en") else (zh, en)
    return first or second


class Dictionary(models.Model):
    """An admin-editable option list such as customer sources (客户参数 / 字典)."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    #: Standard lists the modules rely on; they cannot be removed, only edited.
    is_builtin = models.BooleanField(_("built in"), default=False)
    order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("option list")
        verbose_name_plural = _("option lists")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _in_language(self.name_zh, self.name_en) or self.code


class DictionaryItem(models.Model):
    """One option of a list. ``value`` is what records store and never changes; the labels
    may be renamed freely, and a disabled item still labels the records that use it."""

    class Color(models.TextChoices):
        BLUE = "blue", _("Blue")
        AZURE = "azure", _("Azure")
        INDIGO = "indigo", _("Indigo")
        PURPLE = "purple", _("Purple")
        PINK = "pink", _("Pink")
        RED = "red", _("Red")
        ORANGE = "orange", _("Orange")
        YELLOW = "yellow", _("Yellow")
        LIME = "lime", _("Lime")
        GREEN = "green", _("Green")
        TEAL = "teal", _("Teal")
        CYAN = "cyan", _("Cyan")
        GRAY = "secondary", _("Grey")

    dictionary = models.ForeignKey(
        Dictionary, on_delete=models.CASCADE, related_name="items", verbose_name=_("option list")
    )
    value = models.CharField(_("value"), max_length=50, validators=[value_validator])
    label_zh = models.CharField(_("label (Chinese)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    color = models.CharField(_("colour"), max_length=20, blank=True, choices=Color.choices)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["dictionary", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dictionary", "value"], name="core_dictionary_item_value_once"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.label_zh, self.label_en) or self.value
