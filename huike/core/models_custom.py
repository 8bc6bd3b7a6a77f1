"""Custom field definitions (自定义字段, PLT-09).

An admin adds fields to a module; their values live in ``Record.custom_data`` keyed by the
field's ``code``. Only data and invariants live here; ``huike.core.custom_fields`` owns
validation, storage format, filters, form/API factories and the editing services.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models_config import _in_language, code_validator

__all__ = ["CustomField"]


class CustomField(models.Model):
    """One admin-defined field of a module. ``module``, ``code`` and ``type`` never change
    after creation: stored values are keyed by the code and shaped by the type."""

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        MONEY = "money", _("Money")
        PERCENT = "percent", _("Percentage")
        DATE = "date", _("Date")
        DATETIME = "datetime", _("Date and time")
        SELECT = "select", _("Single select")
        MULTI_SELECT = "multi_select", _("Multiple select")
        BOOLEAN = "boolean", _("Yes / no")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        URL = "url", _("Web address")
        USER = "user", _("User")
        DEPARTMENT = "department", _("Department")
        REGION = "region", _("Region")
        FILE = "file", _("File")

    module = models.CharField(_("module"), max_length=50, validators=[code_validator])
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    label_zh = models.CharField(_("label (Chinese)"), max_length=100, blank=True)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    #: Number fields: 0 = whole numbers. Money always has 2, percentages default to 2.
    decimal_places = models.PositiveSmallIntegerField(_("decimal places"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", blank=True)
    #: Selects: the code of an option list (huike.core.dictionaries) …
    dictionary = models.CharField(_("option list"), max_length=50, blank=True)
    #: … or inline options: [{"value": "a", "label_zh": "甲", "label_en": "A"}, …].
    choices = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    unique = models.BooleanField(_("unique"), default=False)
    #: Stored in the same JSON form as the values (see custom_fields.to_json); None = none.
    default = models.JSONField(_("default value"), null=True, blank=True)
    help_zh = models.CharField(_("help text (Chinese)"), max_length=200, blank=True)
    help_en = models.CharField(_("help text (English)"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    group = models.CharField(_("group"), max_length=50, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["module", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["module", "code"], name="core_customfield_code_once")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _in_language(self.label_zh, self.label_en) or self.code

    @property
    def help_text(self) -> str:
        return _in_language(self.help_zh, self.help_en)

    @property
    def places(self) -> int:
        """Decimal places of a numeric value: money 2, percent as set (default 2)."""
        if self.type == self.Type.MONEY:
            return 2
        return int(self.decimal_places or 0)
