"""The custom-field definition form (PLT-09). It only parses input; every rule is checked by
``huike.core.custom_fields`` and its DomainError is shown beside the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .custom_fields import SELECT_TYPES
from .forms_config import ShowsDomainErrors
from .models_custom import CustomField

CHOICES_HELP = _(
    "One option a line: value|Chinese label|English label, e.g. big|大客户|Key account. "
    "Leave empty when an option list is chosen."
)


def parse_choices(text: str) -> list[dict[str, str]]:
    """Inline options from "value|中文|English" lines (the labels may be left out)."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", ""]
        rows.append({"value": parts[0], "label_zh": parts[1], "label_en": parts[2]})
    return rows


def format_choices(choices: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{c.get('value', '')}|{c.get('label_zh', '')}|{c.get('label_en', '')}" for c in choices
    )


class CustomFieldForm(ShowsDomainErrors, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Lower-case letters, digits and underscores; it cannot change later."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=CustomField.Type.choices)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=100, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    help_zh = forms.CharField(label=_("Help text (Chinese)"), max_length=200, required=False)
    help_en = forms.CharField(label=_("Help text (English)"), max_length=200, required=False)
    group = forms.CharField(label=_("Group"), max_length=50, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    unique = forms.BooleanField(label=_("Unique"), required=False)
    default = forms.CharField(label=_("Default value"), max_length=200, required=False)
    decimal_places = forms.IntegerField(
        label=_("Decimal places"), required=False, min_value=0, max_value=6
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False, initial="CNY")
    dictionary = forms.CharField(label=_("Option list code"), max_length=50, required=False)
    choices = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any):
        if field is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(field, name) for name in self.base_fields if name != "choices"},
                "choices": format_choices(field.choices or []),
                "default": "" if field.default is None else field.default,
            }
        super().__init__(*args, **kwargs)
        self.fields["choices"].help_text = CHOICES_HELP
        self.editing = field
        if field is not None:
            # Stored values depend on the code and the type: shown, never submitted.
            for name in ("code", "type"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def attributes(self) -> dict[str, Any]:
        """The cleaned data as the service's keyword arguments (without code and type)."""
        data = self.cleaned_data
        kind = self.editing.type if self.editing else data["type"]
        attrs: dict[str, Any] = {
            name: data[name]
            for name in (
                "label_zh",
                "label_en",
                "help_zh",
                "help_en",
                "group",
                "required",
                "unique",
                "currency",
            )
        }
        attrs["currency"] = (attrs["currency"] or "CNY").upper()
        attrs["default"] = data["default"] or None
        if data["decimal_places"] is not None:
            attrs["decimal_places"] = data["decimal_places"]
        if kind in SELECT_TYPES:
            attrs["dictionary"] = data["dictionary"].strip()
            attrs["choices"] = parse_choices(data["choices"])
        return attrs
