"""Forms of the settings pages for numbering rules and option lists.

They only parse input; the rules (what a valid rule or list is) live in
``huike.core.numbering`` and ``huike.core.dictionaries`` and come back as DomainErrors.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import numbering
from .dictionaries import ItemRow
from .errors import DomainError
from .models_config import DictionaryItem, NumberingRule


class ShowsDomainErrors:
    """Put a service's DomainError beside the field it names, or above the form."""

    def show_error(self, error: DomainError) -> None:
        field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, error.message)  # type: ignore[attr-defined]


# -- numbering ------------------------------------------------------------------------------


class NumberingRuleForm(ShowsDomainErrors, forms.Form):
    module = forms.CharField(label=_("Module"), max_length=50)
    separator = forms.ChoiceField(
        label=_("Separator"), choices=numbering.SEPARATORS, required=False
    )
    reset = forms.ChoiceField(
        label=_("Counter restarts"), choices=NumberingRule.Reset.choices, initial="daily"
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    segments = forms.CharField(required=False, widget=forms.HiddenInput)  # errors land here

    def __init__(self, *args, rule: NumberingRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        choices = numbering.module_choices()
        if rule is not None:
            # The module of a rule is fixed: its counters belong to it.
            self.fields["module"].disabled = True
            self.fields["module"].required = False
            self.fields["module"].initial = rule.module
        elif choices:
            taken = set(NumberingRule.objects.values_list("module", flat=True))
            self.fields["module"] = forms.ChoiceField(
                label=_("Module"),
                choices=[("", "---------")]
                + [(key, f"{label} ({key})") for key, label in choices if key not in taken],
            )
        else:
            self.fields["module"].help_text = _(
                "The key of the module, e.g. customers (lower-case letters, digits, _)."
            )
        self.fields["module"].widget.attrs.setdefault("class", "form-select")
        if isinstance(self.fields["module"].widget, forms.TextInput):
            self.fields["module"].widget.attrs["class"] = "form-control"
        for name in ("separator", "reset"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["enabled"].widget.attrs["class"] = "form-check-input"


class SegmentForm(forms.Form):
    """One row of the rule's segments; an empty kind means the row is unused."""

    kind = forms.ChoiceField(
        label=_("Segment"),
        choices=[("", _("(not used)")), *numbering.SEGMENT_KINDS],
        required=False,
    )
    text = forms.CharField(label=_("Text"), max_length=numbering.MAX_TEXT_LENGTH, required=False)
    format = forms.ChoiceField(
        label=_("Date format"),
        choices=[(key, key) for key in numbering.DATE_FORMATS],
        required=False,
        initial="YYYYMMDD",
    )
    width = forms.IntegerField(
        label=_("Digits"), min_value=1, max_value=numbering.MAX_WIDTH, required=False, initial=4
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs.update({"class": "form-select", "x-model": "kind"})
        self.fields["text"].widget.attrs.update({"class": "form-control", "placeholder": "KH"})
        self.fields["format"].widget.attrs["class"] = "form-select"
        self.fields["width"].widget.attrs["class"] = "form-control"

    def segment(self) -> dict | None:
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return None
        if kind == numbering.TEXT:
            return {"kind": kind, "text": data.get("text") or ""}
        if kind == numbering.DATE:
            return {"kind": kind, "format": data.get("format")}
        return {"kind": kind, "width": data.get("width")}


def segment_forms(data=None, segments: list[dict] | None = None) -> list[SegmentForm]:
    """A fixed set of rows (no JavaScript needed to add one), filled from ``segments``."""
    segments = segments or []
    rows = []
    for index in range(numbering.MAX_SEGMENTS):
        initial = dict(segments[index]) if index < len(segments) else {}
        rows.append(SegmentForm(data, prefix=f"seg{index}", initial=initial))
    return rows


def default_segments() -> list[dict]:
    return [
        {"kind": numbering.TEXT, "text": "NO"},
        {"kind": numbering.DATE, "format": "YYYYMMDD"},
        {"kind": numbering.COUNTER, "width": 4},
    ]


# -- option lists ---------------------------------------------------------------------------


class DictionaryForm(ShowsDomainErrors, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Lower-case letters, digits and _; fixed once created."),
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)

    def __init__(self, *args, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        if existing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
            self.fields["code"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class ItemForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    value = forms.CharField(label=_("Value"), max_length=50, required=False)
    label_zh = forms.CharField(label=_("Label (Chinese)"), max_length=100, required=False)
    label_en = forms.CharField(label=_("Label (English)"), max_length=100, required=False)
    color = forms.ChoiceField(
        label=_("Colour"),
        choices=[("", _("None")), *DictionaryItem.Color.choices],
        required=False,
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("value", "label_zh", "label_en", "order"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["order"].widget.attrs["data-order"] = "1"
        self.fields["color"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["enabled"].widget.attrs["class"] = "form-check-input"
        if self.initial.get("id"):
            # A stored value is what records hold: it never changes (the service ignores
            # what is sent for an existing item).
            self.fields["value"].widget.attrs["readonly"] = True
        self.fields["value"].widget.attrs["placeholder"] = "code"

    def row(self) -> ItemRow:
        data = self.cleaned_data
        return ItemRow(
            id=data.get("id") or None,
            value=data.get("value") or "",
            label_zh=data.get("label_zh") or "",
            label_en=data.get("label_en") or "",
            order=data.get("order"),
            enabled=bool(data.get("enabled")),
            color=data.get("color") or "",
            delete=bool(data.get("DELETE")),
        )


class BaseItemFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].widget.attrs["class"] = "form-check-input"
        form.fields["DELETE"].label = _("Delete")

    def rows(self) -> list[tuple[int, ItemRow]]:
        """(form index, row) of the rows to apply: blank extra rows are skipped."""
        rows = []
        for index, form in enumerate(self.forms):
            if not form.cleaned_data.get("id") and not form.has_changed():
                continue
            rows.append((index, form.row()))
        return rows


ItemFormSet = forms.formset_factory(
    ItemForm, formset=BaseItemFormSet, extra=3, can_delete=True, max_num=500, validate_max=True
)
