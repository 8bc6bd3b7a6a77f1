"""List page and picker of every registered record type. The rows come from
``huike.core.listing`` (scope, filters, search, sort, keyset pages); this module only turns
the request into those calls and renders the result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core import filtering, list_filters, listing, recycle, scenes, scopes, search, tags
from huike.core.errors import DomainError
from huike.core.fields import policy
from huike.core.list_columns import available, cell, columns_for, label_of, page_cells, save_columns
from huike.core.permissions import has_perm
from huike.core.record_actions import transfer as generic_transfer
from huike.core.record_types import RecordType

PICKER_LIMIT = 20


def _require_view(user: Any, rt: RecordType) -> None:
    if not has_perm(user, rt.perm("view")):
        raise PermissionDenied


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _owners(user: Any, rt: RecordType) -> list:
    """Active users a bulk transfer may pick, only when the user may transfer at all and
    the type has no transfer page of its own (which brings its own picker)."""
    if rt.transfer_page or not has_perm(user, rt.perm("transfer")):
        return []
    return list(get_user_model().objects.filter(is_active=True).order_by("pk"))


def _list(rt: RecordType):
    @login_required
    def list_view(request):
        _require_view(request.user, rt)
        params = request.GET
        if not params:
            default = scenes.default_scene(request.user, rt)
            if default is not None:
                params = _as_query(default.params)
        params = params.copy()
        pol = policy(request.user, rt.model)
        columns = columns_for(rt, pol, request.user)
        defs = filtering.filter_defs(rt, request.user)
        error = ""
        count, more = 0, False
        try:
            qs = listing.base_queryset(rt, request.user, params)
            result = listing.page(
                rt, qs, params.get("sort"), params.get("cursor"), before=params.get("before")
            )
            count, more = listing.bounded_count(qs)
        except DomainError as exc:
            error = str(exc)
            result = listing.Page(rows=[], next_cursor=None, sort=listing.DEFAULT_SORT)
        cells = page_cells(rt, result.rows, columns, pol)
        rows = [
            (record, _url(f"{rt.key}:detail", record.pk), row)
            for record, row in zip(result.rows, cells, strict=True)
        ]
        for key in ("cursor", "before"):
            params.pop(key, None)
        panel = list_filters.widgets(defs, params, request.user)
        context = {
            "rt": rt,
            "title": rt.label_plural,
            "columns": columns,
            "rows": rows,
            "sort": result.sort,
            "error": error,
            "q": params.get("q", ""),
            "panel": panel,
            "chips": list_filters.chips(defs, params, panel),
            "params": params,
            "next_query": _with(params, "cursor", result.next_cursor),
            "prev_query": _with(params, "before", result.prev_cursor),
            "first_query": params.urlencode(),
            "is_later_page": bool(request.GET.get("cursor") or request.GET.get("before")),
            "shown": len(rows),
            "count": count,
            "count_more": more,
            "export_query": params.urlencode(),
            "create_url": _url(f"{rt.key}:create"),
            "export_url": _url(f"{rt.key}:export"),
            "system_scenes": scenes.system_scenes(rt),
            "saved_scenes": [
                (s, _as_query(s.params).urlencode()) for s in scenes.saved_scenes(request.user, rt)
            ],
            "scene": params.get("scene", ""),
            "save_query": params.urlencode(),
            "owners": _owners(request.user, rt),
        }
        partial = (
            request.headers.get("HX-Request") and request.headers.get("HX-Target") == "list-body"
        )
        template = "records/_list_table.html" if partial else "records/list.html"
        # htmx does not swap 4xx answers: the table part carries the message with a 200.
        status = 400 if error and not partial else 200
        return render(request, template, context, status=status)

    return list_view


def _with(params: QueryDict, key: str, cursor: str | None) -> str:
    """The query string of another page: ``params`` plus one cursor, or "" without one."""
    if not cursor:
        return ""
    query = params.copy()
    query[key] = cursor
    return query.urlencode()


def _picker(rt: RecordType):
    @login_required
    def picker(request):
        _require_view(request.user, rt)
        qs = listing.base_queryset(rt, request.user, {})
        q = (request.GET.get("q") or "").strip()
        if q:
            qs = search.narrow(rt, qs, q, user=request.user)
        records = listing.ordered(qs, "updated_at", True)[:PICKER_LIMIT]
        pol = policy(request.user, rt.model)
        data = [
            {
                "id": r.pk,
                "text": rt.title_of(r),
                "subtitle": " · ".join(
                    t
                    for t in (
                        cell(r, n, pol) for n in rt.search_subtitle_fields if not pol.is_hidden(n)
                    )
                    if t
                ),
            }
            for r in records
        ]
        return JsonResponse(data, safe=False)

    return picker


def _as_query(saved: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, values in (saved or {}).items():
        query.setlist(key, [str(v) for v in (values if isinstance(values, list) else [values])])
    return query


def _list_url(rt: RecordType, query: str = "") -> str:
    return reverse(f"{rt.key}:list") + (f"?{query}" if query else "")


def _scene_save(rt: RecordType):
    @login_required
    @require_POST
    def scene_save(request):
        _require_view(request.user, rt)
        query = QueryDict(request.POST.get("query", ""))
        try:
            scene = scenes.save_scene(
                request.user, rt, request.POST.get("name", ""), scenes.scene_params(query)
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect(_list_url(rt, query.urlencode()))
        return redirect(_list_url(rt, _as_query(scene.params).urlencode()))

    return scene_save


def _scene_action(rt: RecordType, action):
    @login_required
    @require_POST
    def scene_action(request, pk: int):
        _require_view(request.user, rt)
        try:
            action(request.user, rt, pk)
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect(_list_url(rt))

    return scene_action


#: Bulk action -> the right it needs.
BULK_RIGHTS = {"transfer": "transfer", "tag": "edit", "untag": "edit", "delete": "delete"}


def _selected(request, rt: RecordType) -> list:
    """The posted ``ids`` as visible records; 404 when any is not (missing or out of scope),
    so nothing changes when one id is wrong."""
    try:
        ids = {int(i) for i in request.POST.getlist("ids")}
    except ValueError:
        raise Http404 from None
    records = list(scopes.visible(request.user, rt.model).filter(pk__in=ids))
    if not ids or len(records) != len(ids):
        raise Http404
    return records


def _run_bulk(request, rt: RecordType, action: str, records: list) -> None:
    if action == "transfer":
        owner = (
            get_user_model()
            .objects.filter(is_active=True, pk=request.POST.get("owner") or 0)
            .first()
        )
        if owner is None:
            raise DomainError(_("Choose the new owner."), code="invalid", field="owner")
        if rt.transfer is not None:
            rt.transfer(request.user, records, owner)
        else:
            generic_transfer(request.user, records, owner, module=rt.module)
    elif action in {"tag", "untag"}:
        names = [n.strip() for n in request.POST.get("tags", "").split(",") if n.strip()]
        service = tags.add_tags if action == "tag" else tags.remove_tags
        service(request.user, records, names, module=rt.module)
    elif rt.delete is not None:
        rt.delete(request.user, records)
    else:
        recycle.move_to_bin(request.user, records, module=rt.module)


def _bulk(rt: RecordType):
    @login_required
    @require_POST
    def bulk(request, action: str):
        if action not in BULK_RIGHTS:
            raise Http404
        if not has_perm(request.user, rt.perm(BULK_RIGHTS[action])):
            raise PermissionDenied
        records = _selected(request, rt)
        try:
            _run_bulk(request, rt, action, records)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Done: %(count)d records.") % {"count": len(records)})
        return redirect(_list_url(rt))

    return bulk


def _columns(rt: RecordType):
    @login_required
    def columns(request):
        _require_view(request.user, rt)
        pol = policy(request.user, rt.model)
        if request.method == "POST":
            try:
                save_columns(request.user, rt, pol, request.POST.getlist("columns"))
            except DomainError as exc:
                messages.error(request, str(exc))
            return redirect(_list_url(rt))
        chosen = [c.name for c in columns_for(rt, pol, request.user)]
        rest = [n for n in available(rt, pol) if n not in chosen]
        choices = [(n, label_of(rt, n), n in chosen) for n in chosen + rest]
        context = {"rt": rt, "title": rt.label_plural, "choices": choices}
        return render(request, "records/_list_columns.html", context)

    return columns


def urls(rt: RecordType) -> list:
    return [
        path("", _list(rt), name="list"),
        path("picker/", _picker(rt), name="picker"),
        path("scenes/save/", _scene_save(rt), name="scene_save"),
        path(
            "scenes/<int:pk>/delete/", _scene_action(rt, scenes.delete_scene), name="scene_delete"
        ),
        path(
            "scenes/<int:pk>/default/", _scene_action(rt, scenes.set_default), name="scene_default"
        ),
        path("bulk/<slug:action>/", _bulk(rt), name="bulk"),
        path("columns/", _columns(rt), name="columns"),
    ]
