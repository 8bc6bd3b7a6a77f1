"""Settings pages for numbering rules (PLT-15) and option lists (PLT-10), namespace ``config``.

The views parse input and call ``huike.core.numbering`` / ``huike.core.dictionaries``; every
page needs ``system.manage`` (403 without it).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import dictionaries, numbering
from .errors import DomainError
from .forms_config import (
    BaseItemFormSet,
    DictionaryForm,
    ItemFormSet,
    NumberingRuleForm,
    default_segments,
    segment_forms,
)
from .models_config import Dictionary, NumberingRule
from .permissions import permission_required

PERMISSION = "system.manage"


def register_config_menu() -> None:
    """Menu items of these pages, and the standard option lists after ``migrate``.

    Called once from ``CoreConfig.ready()``.
    """
    from .registry import registry

    registry.register_menu_run(
        "system",
        940,
        [
            (
                "numbering",
                gettext_lazy("Numbering rules"),
                "config:numbering",
                "ti-list-numbers",
                PERMISSION,
            ),
            (
                "dictionaries",
                gettext_lazy("Option lists"),
                "config:dictionaries",
                "ti-list-details",
                PERMISSION,
            ),
        ],
    )
    dictionaries.connect_signals()


# -- numbering rules ------------------------------------------------------------------------


@permission_required(PERMISSION)
@require_GET
def numbering_list(request):
    rules = list(NumberingRule.objects.all())
    previews = numbering.preview_rules(rules)
    labels = dict(numbering.module_choices())
    return render(
        request,
        "core/config/numbering_list.html",
        {
            "rows": [
                {"rule": rule, "preview": previews[rule.pk], "label": labels.get(rule.module, "")}
                for rule in rules
            ]
        },
    )


def _segments(rows) -> list[dict] | None:
    """The used segment rows in order, or None when a row's own input is malformed."""
    if not all(row.is_valid() for row in rows):
        return None
    return [segment for row in rows if (segment := row.segment())]


def _rule_page(request, rule: NumberingRule | None):
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = (
        {
            "module": rule.module,
            "separator": rule.separator,
            "reset": rule.reset,
            "enabled": rule.enabled,
        }
        if rule
        else {"separator": "-", "reset": NumberingRule.Reset.DAILY, "enabled": True}
    )
    form = NumberingRuleForm(data, rule=rule, initial=initial)
    rows = segment_forms(data, rule.segments if rule else default_segments())
    preview = None
    if data is not None:
        segments = _segments(rows)
        if form.is_valid() and segments is not None:
            values = form.cleaned_data
            try:
                if rule is None:
                    rule = numbering.create_rule(
                        request.user,
                        module=values["module"],
                        segments=segments,
                        separator=values["separator"],
                        reset=values["reset"],
                        enabled=values["enabled"],
                    )
                else:
                    numbering.update_rule(
                        request.user,
                        rule,
                        segments=segments,
                        separator=values["separator"],
                        reset=values["reset"],
                        enabled=values["enabled"],
                    )
            except DomainError as error:
                form.show_error(error)
            else:
                messages.success(
                    request, _("Numbering rule of %(module)s saved.") % {"module": rule.module}
                )
                return redirect("config:numbering")
    else:
        try:
            preview = numbering.preview_draft(
                rule,
                segments=rule.segments if rule else default_segments(),
                separator=initial["separator"],
                reset=initial["reset"],
            )
        except DomainError:
            preview = None
    return render(
        request,
        "core/config/numbering_form.html",
        {
            "form": form,
            "rows": rows,
            "rule": rule,
            "preview": preview,
            "title": _("Edit numbering rule") if rule else _("New numbering rule"),
        },
    )


@permission_required(PERMISSION)
def numbering_create(request):
    return _rule_page(request, None)


@permission_required(PERMISSION)
def numbering_edit(request, pk: int):
    return _rule_page(request, get_object_or_404(NumberingRule, pk=pk))


@permission_required(PERMISSION)
@require_GET
def numbering_preview(request):
    """The live preview under the rule form (htmx): the next number the draft would give, or
    the message saving it would show."""
    rule = NumberingRule.objects.filter(pk=request.GET.get("rule") or 0).first()
    form = NumberingRuleForm(request.GET, rule=rule)
    rows = segment_forms(request.GET)
    segments = _segments(rows)
    context: dict = {"preview": None, "error": ""}
    form.is_valid()
    if segments is None:
        context["error"] = _("Check the segments: a counter has 1 to 10 digits.")
    else:
        try:
            context["preview"] = numbering.preview_draft(
                rule,
                segments=segments,
                separator=form.cleaned_data.get("separator", ""),
                reset=request.GET.get("reset", ""),
            )
        except DomainError as error:
            context["error"] = error.message
    return render(request, "core/config/_numbering_preview.html", context)


# -- option lists ---------------------------------------------------------------------------


@permission_required(PERMISSION)
@require_GET
def dictionary_list(request):
    lists = Dictionary.objects.annotate(
        total=Count("items"), active=Count("items", filter=Q(items__enabled=True))
    )
    return render(request, "core/config/dictionary_list.html", {"lists": lists})


@permission_required(PERMISSION)
def dictionary_create(request):
    form = DictionaryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = dictionaries.create_dictionary(request.user, **form.cleaned_data)
        except DomainError as error:
            form.show_error(error)
        else:
            messages.success(request, _("Option list %(name)s created.") % {"name": created})
            return redirect("config:dictionary_edit", code=created.code)
    return render(
        request, "core/config/dictionary_create.html", {"form": form, "title": _("New option list")}
    )


@permission_required(PERMISSION)
def dictionary_edit(request, code: str):
    dictionary = get_object_or_404(Dictionary, code=code)
    items = list(dictionary.items.all())
    initial = [
        {
            "id": item.pk,
            "value": item.value,
            "label_zh": item.label_zh,
            "label_en": item.label_en,
            "color": item.color,
            "order": item.order,
            "enabled": item.enabled,
        }
        for item in items
    ]
    data = request.POST if request.method == "POST" else None
    form = DictionaryForm(
        data,
        existing=dictionary,
        initial={
            "code": dictionary.code,
            "name_zh": dictionary.name_zh,
            "name_en": dictionary.name_en,
        },
    )
    formset = cast(BaseItemFormSet, ItemFormSet(data, initial=initial, prefix="items"))
    page_error = ""
    if data is not None and form.is_valid() and formset.is_valid():
        indexed = formset.rows()
        rows = [row for _index, row in indexed]
        problems = dictionaries.item_errors(dictionary, rows)
        for position, field, message in problems:
            target = formset.forms[indexed[position][0]]
            target.add_error(field if field in target.fields else None, message)
        if not problems:
            try:
                dictionaries.save_items(
                    request.user,
                    dictionary,
                    rows,
                    name_zh=form.cleaned_data["name_zh"],
                    name_en=form.cleaned_data["name_en"],
                )
            except DomainError as error:
                if error.field in form.fields:
                    form.show_error(error)
                else:
                    page_error = error.message
            else:
                messages.success(request, _("Option list %(name)s saved.") % {"name": dictionary})
                return redirect("config:dictionary_edit", code=dictionary.code)
    return render(
        request,
        "core/config/dictionary_edit.html",
        {
            "dictionary": dictionary,
            "form": form,
            "formset": formset,
            "page_error": page_error,
            "used": bool(dictionaries.usages(dictionary.code)),
        },
    )
