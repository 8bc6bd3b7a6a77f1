"""Detail page, create and edit forms, delete, tabs, attachments and tags of every registered
record type. The views only find the record the user may see (``get_visible_or_404``), check
the right a button needs, and call the type's declared services: the rules live there.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core import attachments, recycle, scopes, tags
from huike.core.detail_tabs import attachments_context, header_facts, tabs_for
from huike.core.errors import DomainError
from huike.core.fields import policy
from huike.core.forms_records import RecordForm
from huike.core.models_records import Attachment
from huike.core.permissions import has_perm
from huike.core.record_types import RecordType


def _record(request, rt: RecordType, pk: int) -> Any:
    """The live record the user sees, or 404 (missing, binned and out of scope look alike);
    ``get_visible_or_404`` with the type's ``select_related``."""
    qs = rt.model._default_manager.select_related(*rt.select_related)
    try:
        return scopes.visible(request.user, rt.model, qs).get(pk=pk)
    except rt.model.DoesNotExist:
        raise Http404 from None


def _require(user: Any, rt: RecordType, action: str) -> None:
    if not has_perm(user, rt.perm(action)):
        raise PermissionDenied


def _list_url(rt: RecordType) -> str:
    """``<key>:list`` (the list page's concern); its path while that page is not mounted."""
    try:
        return reverse(f"{rt.key}:list")
    except NoReverseMatch:
        return f"/{rt.key}/"


def _detail_url(rt: RecordType, record: Any) -> str:
    return reverse(f"{rt.key}:detail", args=[record.pk])


# -- detail ---------------------------------------------------------------------------------


def _detail(rt: RecordType):
    def detail(request, pk: int):
        record = _record(request, rt, pk)
        pol = policy(request.user, rt.model)
        tabs = tabs_for(rt, request.user)
        counts = {t.key: t.count(record) for t in tabs if t.count is not None}
        return render(
            request,
            "records/detail.html",
            {
                "rt": rt,
                "record": record,
                "title": rt.title_of(record),
                "number": getattr(record, rt.number_field, "") if rt.number_field else "",
                "facts": header_facts(rt, record, pol),
                "tags": tags.tags_of(record),
                "tabs": [(t, counts.get(t.key)) for t in tabs],
                "first_tab": tabs[0].key,
                "list_url": _list_url(rt),
                "record_actions": rt.visible_actions(request.user, record),
            },
        )

    return detail


def _tab(rt: RecordType):
    def tab(request, pk: int, tab: str):
        record = _record(request, rt, pk)
        for t in tabs_for(rt, request.user):
            if t.key == tab:
                return t.render(request, record)
        raise Http404

    return tab


# -- forms ----------------------------------------------------------------------------------


def _save(request, rt: RecordType, form: RecordForm, record: Any = None) -> Any:
    """Call the service; on refusal put its errors on the form and return None."""
    if not form.is_valid():
        return None
    try:
        with transaction.atomic():
            if record is None:
                return rt.create(request.user, form.service_data())
            return rt.update(request.user, record, form.service_data())
    except (DomainError, ValidationError) as exc:
        form.add_service_error(exc)
        return None


def _warn_duplicates(request, record: Any) -> None:
    for warning in getattr(record, "duplicate_warnings", ()) or ():
        messages.warning(request, warning)


def _form_page(request, rt: RecordType, form: RecordForm, record: Any = None):
    cancel = _detail_url(rt, record) if record is not None else _list_url(rt)
    return render(
        request,
        "records/form.html",
        {"rt": rt, "form": form, "record": record, "cancel_url": cancel},
    )


def _create(rt: RecordType):
    def create(request):
        _require(request.user, rt, "create")
        if request.method == "POST":
            form = RecordForm(rt, request.user, request.POST)
            record = _save(request, rt, form)
            if record is not None:
                messages.success(request, _("Saved."))
                _warn_duplicates(request, record)
                return redirect(_detail_url(rt, record))
        else:
            prefill = {k: v for k, v in request.GET.items() if k in set(rt.form_fields())}
            form = RecordForm(rt, request.user, initial=prefill)
        return _form_page(request, rt, form)

    return create


def _edit(rt: RecordType):
    def edit(request, pk: int):
        record = _record(request, rt, pk)
        _require(request.user, rt, "edit")
        if request.method == "POST":
            form = RecordForm(rt, request.user, request.POST, instance=record)
            saved = _save(request, rt, form, record)
            if saved is not None:
                messages.success(request, _("Saved."))
                _warn_duplicates(request, saved)
                return redirect(_detail_url(rt, saved))
        else:
            form = RecordForm(rt, request.user, instance=record)
        return _form_page(request, rt, form, record)

    return edit


def _delete(rt: RecordType):
    @require_POST
    def delete(request, pk: int):
        record = _record(request, rt, pk)
        _require(request.user, rt, "delete")
        try:
            if rt.delete is not None:
                rt.delete(request.user, [record])
            else:
                recycle.move_to_bin(request.user, [record], module=rt.module)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_detail_url(rt, record))
        messages.success(
            request, _("“%(record)s” moved to the recycle bin.") % {"record": rt.title_of(record)}
        )
        return redirect(_list_url(rt))

    return delete


# -- attachments and tags -------------------------------------------------------------------


def _attachments_fragment(request, rt: RecordType, record: Any, error: str = ""):
    return render(request, "records/tabs/attachments.html", attachments_context(rt, record, error))


def _after_attachment_change(request, rt: RecordType, record: Any, error: str = ""):
    if request.headers.get("HX-Request"):
        return _attachments_fragment(request, rt, record, error)
    if error:
        messages.error(request, error)
    return redirect(_detail_url(rt, record))


def _attach(rt: RecordType):
    @require_POST
    def attach(request, pk: int):
        record = _record(request, rt, pk)
        _require(request.user, rt, "edit")
        uploaded = request.FILES.get("file")
        if uploaded is None:
            return _after_attachment_change(request, rt, record, _("Choose a file to attach."))
        try:
            attachments.attach(request.user, record, uploaded, module=rt.module)
        except DomainError as exc:
            return _after_attachment_change(request, rt, record, exc.message)
        return _after_attachment_change(request, rt, record)

    return attach


def _attachment_of(rt: RecordType, record: Any, att: int) -> Attachment:
    return get_object_or_404(record.attachments.all(), pk=att)


def _attachment_delete(rt: RecordType):
    @require_POST
    def attachment_delete(request, pk: int, att: int):
        record = _record(request, rt, pk)
        _require(request.user, rt, "edit")
        attachment = _attachment_of(rt, record, att)
        try:
            attachments.remove(request.user, attachment, module=rt.module)
        except DomainError as exc:
            return _after_attachment_change(request, rt, record, exc.message)
        return _after_attachment_change(request, rt, record)

    return attachment_delete


def _attachment(rt: RecordType):
    def attachment(request, pk: int, att: int):
        record = _record(request, rt, pk)
        return attachments.file_response(_attachment_of(rt, record, att))

    return attachment


def _tags(rt: RecordType):
    @require_POST
    def set_record_tags(request, pk: int):
        record = _record(request, rt, pk)
        _require(request.user, rt, "edit")
        names = request.POST.get("tags", "").replace("\uff0c", ",").split(",")
        try:
            tags.set_tags(request.user, [record], names, module=rt.module)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(_detail_url(rt, record))

    return set_record_tags


def urls(rt: RecordType) -> list:
    views = [
        ("new/", _create(rt), "create"),
        ("<int:pk>/", _detail(rt), "detail"),
        ("<int:pk>/edit/", _edit(rt), "edit"),
        ("<int:pk>/delete/", _delete(rt), "delete"),
        ("<int:pk>/tabs/<slug:tab>/", _tab(rt), "tab"),
        ("<int:pk>/attachments/", _attach(rt), "attach"),
        ("<int:pk>/attachments/<int:att>/delete/", _attachment_delete(rt), "attachment_delete"),
        ("<int:pk>/attachments/<int:att>/", _attachment(rt), "attachment"),
        ("<int:pk>/tags/", _tags(rt), "tags"),
    ]
    return [path(route, login_required(view), name=name) for route, view, name in views]
