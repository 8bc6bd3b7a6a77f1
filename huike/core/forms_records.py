"""The create and edit form of any registered record type, made from its declaration.

``RecordForm`` is a plain Django form: model fields of ``rt.field_groups`` (their own form
fields; dictionaries give ``DictionaryChoiceField``), then the module's custom fields named
``cf_<code>``, sectioned by their ``group``. The form validates only what a form can (types,
required); every business rule stays in the type's ``create`` / ``update`` service, whose
``DomainError`` / ``ValidationError`` the page maps back onto the fields with
``add_service_error``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import custom_fields, scopes
from .fields import mask_value, policy
from .record_types import RecordType
from .registry import registry

CUSTOM_PREFIX = "cf_"
_DATE_FORMAT = "%Y-%m-%d"
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _related_queryset(user: Any, model: type[models.Model]) -> models.QuerySet:
    """Choices of a foreign key: only records the user sees (a scoped model), newest first."""
    if model not in registry.scoped_models:
        return model._default_manager.all()  # not scoped: every live row is a choice
    return scopes.visible(user, model).order_by("-updated_at", "-id")


def _style(field: forms.Field) -> None:
    """Tabler classes and HTML5 input types, so the browser offers its pickers."""
    widget = field.widget
    if isinstance(field, forms.DateTimeField):
        field.widget = widget = forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT
        )
    elif isinstance(field, forms.DateField):
        field.widget = widget = forms.DateInput(attrs={"type": "date"}, format=_DATE_FORMAT)
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.CheckboxSelectMultiple):
        css = ""
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if css:
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    if isinstance(widget, forms.Textarea):
        widget.attrs.setdefault("rows", 3)


def _model_form_field(rt: RecordType, user: Any, name: str) -> forms.Field | None:
    model_field = rt.model_field(name)
    if isinstance(model_field, models.ForeignKey):
        related = model_field.related_model
        field = forms.ModelChoiceField(
            queryset=_related_queryset(user, related),
            required=not model_field.blank,
            label=capfirst(model_field.verbose_name),
        )
        from .record_types import record_type_for

        target = record_type_for(related)
        if target is not None:
            # Where a searching picker (Tom Select) can fetch more choices from.
            field.widget.attrs["data-picker"] = f"/{target.key}/picker/"
        return field
    if isinstance(model_field, models.URLField):
        return model_field.formfield(assume_scheme="https")
    return model_field.formfield()


def rt_field_has_default(rt: RecordType, name: str) -> bool:
    return rt.model_field(name).has_default()


class RecordForm(forms.Form):
    """Create (``instance=None``) or edit form of ``rt`` for ``user``."""

    def __init__(
        self,
        rt: RecordType,
        user: Any,
        *args: Any,
        instance: Any = None,
        **kwargs: Any,
    ) -> None:
        self.rt = rt
        self.user = user
        self.instance = instance
        self.policy = policy(user, rt.model)
        self.custom_defs = {
            f.code: f for f in custom_fields.fields_for(rt.module) if not f.code.startswith("_")
        }
        initial = dict(kwargs.pop("initial", None) or {})
        if instance is not None:
            initial = {**self._initial_from(instance), **initial}
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self._sections: list[tuple[Any, list[str]]] = []
        for label, names in rt.field_groups:
            shown = [n for n in names if self._add_model_field(n)]
            if shown:
                self._sections.append((label, shown))
        self._add_custom_fields()

    # -- building --------------------------------------------------------------------------
    def _add_model_field(self, name: str) -> bool:
        if name == "owner" or self.policy.is_hidden(name):
            return False
        field = _model_form_field(self.rt, self.user, name)
        if field is None:
            return False
        _style(field)
        if rt_field_has_default(self.rt, name):
            # The model's default (a customer's status) applies when the input is left empty.
            field.required = False
        if self.policy.is_readonly(name) or (
            self.instance is not None and name in self.rt.create_only_fields
        ):
            field.disabled = True
            field.required = False
        if self.policy.is_masked(name) and self.instance is not None:
            self.initial[name] = mask_value(getattr(self.instance, name))
        self.fields[name] = field
        return True

    def _add_custom_fields(self) -> None:
        stored = (self.instance.custom_data or {}) if self.instance is not None else {}
        by_group: dict[str, list[str]] = {}
        for code, definition in self.custom_defs.items():
            name = CUSTOM_PREFIX + code
            field = custom_fields.form_field(definition, initial=stored.get(code))
            _style(field)
            self.fields[name] = field
            by_group.setdefault(definition.group or "", []).append(name)
        for group, names in by_group.items():
            self._sections.append((group or _("Other information"), names))

    def _initial_from(self, instance: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.rt.form_fields():
            field = self.rt.model_field(name)
            values[name] = getattr(instance, field.attname)
        return values

    # -- reading ---------------------------------------------------------------------------
    @property
    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(label, [self[n] for n in names]) for label, names in self._sections]

    def service_data(self) -> dict[str, Any]:
        """What the service receives: ``{field: value}`` plus ``custom_data``; on edit only
        what the user changed (a read-only field never goes, not even unchanged)."""
        data: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        editing = self.instance is not None
        for name, field in self.fields.items():
            if field.disabled:
                continue
            if editing and name not in self.changed_data:
                continue
            value = self.cleaned_data.get(name)
            if name.startswith(CUSTOM_PREFIX):
                custom[name[len(CUSTOM_PREFIX) :]] = value
            elif value in (None, "") and not editing and rt_field_has_default(self.rt, name):
                continue
            else:
                data[name] = value
        if custom or not editing:
            data["custom_data"] = custom
        return data

    def add_service_error(self, exc: Exception) -> None:
        """Show a service's refusal at the fields it names, the rest above the form."""
        errors = getattr(exc, "errors", None)
        if isinstance(exc, ValidationError):
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        if not errors:
            errors = {getattr(exc, "field", None): [getattr(exc, "message", str(exc))]}
        for key, messages in errors.items():
            name = self._form_name(key)
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                self.add_error(name, str(message))

    def _form_name(self, key: Any) -> str | None:
        if not key:
            return None
        key = str(key)
        if key.startswith("custom_data."):
            key = CUSTOM_PREFIX + key.split(".", 1)[1]
        elif key in self.custom_defs:
            key = CUSTOM_PREFIX + key
        if key in self.fields and not self.fields[key].disabled:
            return key
        return None
