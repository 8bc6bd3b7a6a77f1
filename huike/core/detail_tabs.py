"""The tabs every record's detail page has, whatever its type: "Basic information" first,
the tabs modules declare (``rt.tabs``) next, "Attachments" and "Operation log" last.

Values are shown as the user may see them: hidden policy fields are left out, masked ones
masked, choices and dictionaries by their labels, money with two places.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import custom_fields, dictionaries
from .attachments import KINDS, allowed_kinds, max_upload_bytes
from .dictionaries import DictionaryField
from .fields import FieldPolicy, policy
from .models import OperationLog
from .oplog import history
from .record_types import RecordType, Tab

INFO, ATTACHMENTS, LOG = "info", "attachments", "log"
LOG_LIMIT = 200


def display(record: Any, name: str, pol: FieldPolicy) -> str | None:
    """A model field's value as text for this user; None when the field is hidden."""
    if pol.is_hidden(name):
        return None
    field = record._meta.get_field(name)
    value = getattr(record, name)
    if pol.is_masked(name):
        return pol.display(name, value)
    return _text(record, field, value)


def _text(record: Any, field: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(field, DictionaryField):
        return dictionaries.label(field.dictionary, value) or str(value)
    if getattr(field, "choices", None):
        return str(getattr(record, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y-m-d")
    if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        return formats.number_format(value, field.decimal_places, force_grouping=True)
    return str(value)


def header_facts(rt: RecordType, record: Any, pol: FieldPolicy) -> list[tuple[Any, str]]:
    facts = []
    for name in rt.header_fields:
        if name in {rt.title_field, rt.number_field}:
            continue
        value = display(record, name, pol)
        if value is not None:
            facts.append((rt.model_field(name).verbose_name, value))
    return facts


def info_sections(rt: RecordType, record: Any, user: Any) -> list[tuple[Any, list]]:
    """Declared groups with their values, then custom fields grouped by ``group``."""
    pol = policy(user, rt.model)
    sections = []
    for label, names in rt.field_groups:
        rows = []
        for name in names:
            value = display(record, name, pol)
            if value is not None:
                rows.append((rt.model_field(name).verbose_name, value))
        if rows:
            sections.append((label, rows))
    stored = record.custom_data or {}
    groups: dict[str, list] = {}
    for definition in custom_fields.fields_for(rt.module):
        value = custom_fields.display_value(definition, stored.get(definition.code))
        groups.setdefault(definition.group or "", []).append((definition.label, value))
    for group, rows in groups.items():
        sections.append((group or _("Other information"), rows))
    return sections


def _render_info(rt: RecordType):
    def render_info(request, record):
        return render(
            request,
            "records/tabs/info.html",
            {"rt": rt, "record": record, "sections": info_sections(rt, record, request.user)},
        )

    return render_info


def attachments_context(rt: RecordType, record: Any, error: str = "") -> dict[str, Any]:
    accept = ",".join(ext for k in allowed_kinds() if k in KINDS for ext in KINDS[k].extensions)
    files = list(record.attachments.select_related("uploaded_by").order_by("-id"))
    for f in files:
        kind = KINDS.get(f.kind)
        f.previewable = bool(kind and kind.previewable)
    return {
        "rt": rt,
        "record": record,
        "files": files,
        "accept": accept,
        "max_mb": max_upload_bytes() // (1024 * 1024),
        "upload_error": error,
    }


def _render_attachments(rt: RecordType):
    def render_attachments(request, record):
        return render(request, "records/tabs/attachments.html", attachments_context(rt, record))

    return render_attachments


def log_entries(rt: RecordType, record: Any, user: Any) -> list[OperationLog]:
    """Newest first; custom field keys (``custom_data.<code>``) shown by their labels, and
    the values of fields the user may not see hidden or masked here too."""
    pol = policy(user, rt.model)
    entries = list(history(record).order_by("-created_at", "-id")[:LOG_LIMIT])
    for entry in entries:
        shown = []
        for change in entry.changes or []:
            field = str(change.get("field", ""))
            if pol.is_hidden(field):
                continue
            if pol.is_masked(field):
                change = {
                    **change,
                    "old": pol.display(field, change.get("old")),
                    "new": pol.display(field, change.get("new")),
                }
            if field.startswith("custom_data."):
                code = field.split(".", 1)[1]
                change = {**change, "label": custom_fields.label_for(rt.module, code)}
            shown.append(change)
        entry.shown_changes = shown
    return entries


def _render_log(rt: RecordType):
    def render_log(request, record):
        return render(
            request,
            "records/tabs/log.html",
            {"rt": rt, "record": record, "entries": log_entries(rt, record, request.user)},
        )

    return render_log


def tabs_for(rt: RecordType, user: Any) -> list[Tab]:
    """The detail page's tabs in order, those the user may open."""
    return [
        Tab(INFO, _("Basic information"), _render_info(rt), order=0),
        *rt.visible_tabs(user),
        Tab(ATTACHMENTS, _("Attachments"), _render_attachments(rt), order=900),
        Tab(LOG, _("Operation log"), _render_log(rt), order=1000),
    ]
