"""Import and export pages of every registered record type (PLT-08): upload (to an owner
or, where the type offers it, into a destination such as a public pool), column mapping, a
dry run in the background with a progress bar and its report, the run with a progress bar,
error file, undo, history, template and export. The views check the right and call
``huike.core.imports`` / ``exports``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core import exports, imports
from huike.core.errors import DomainError
from huike.core.models_lists import ImportJob
from huike.core.permissions import has_perm
from huike.core.record_types import RecordType
from huike.core.tabular import template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(user: Any, rt: RecordType, action: str) -> None:
    if not has_perm(user, rt.perm(action)):
        raise PermissionDenied


def _job(request, rt: RecordType, token: Any) -> ImportJob:
    _require(request.user, rt, "import")
    job = ImportJob.objects.filter(token=token, type_key=rt.key, user=request.user).first()
    if job is None:
        raise Http404
    return job


def _export(rt: RecordType):
    @login_required
    def view(request):
        _require(request.user, rt, "export")
        try:
            return exports.export_response(rt, request.user, request.GET)
        except DomainError as exc:
            return HttpResponse(exc.message, status=400)

    return view


def _owners(request, rt: RecordType):
    if not has_perm(request.user, rt.perm("transfer")):
        return []
    return get_user_model().objects.filter(is_active=True).order_by("name")


#: Prefix of the owner choice that names a destination (a public pool) instead of a user.
DESTINATION = "destination:"


def _upload(rt: RecordType):
    @login_required
    def view(request):
        _require(request.user, rt, "import")
        owners = _owners(request, rt)
        destinations = imports.destinations(rt, request.user)
        error = ""
        if request.method == "POST":
            upload = request.FILES.get("file")
            owner = request.user
            destination = None
            owner_id = request.POST.get("owner") or ""
            if owner_id.startswith(DESTINATION):
                chosen = owner_id.removeprefix(DESTINATION)
                destination = next((pk for pk, _l in destinations if str(pk) == chosen), None)
                if destination is None:
                    raise PermissionDenied
            elif owner_id and owner_id != str(request.user.pk):
                owner = next((u for u in owners if str(u.pk) == owner_id), None)
                if owner is None:
                    raise PermissionDenied
            if upload is None:
                error = _("Choose a CSV or XLSX file.")
            else:
                try:
                    job = imports.create_job(
                        request.user,
                        rt,
                        upload,
                        on_duplicate=request.POST.get("on_duplicate") or "skip",
                        owner=owner,
                        destination=destination,
                    )
                except DomainError as exc:
                    error = exc.message
                else:
                    return redirect(f"{rt.key}:import_job", job.token)
        return render(
            request,
            "records/import.html",
            {
                "rt": rt,
                "owners": owners,
                "destinations": destinations,
                "destination_prefix": DESTINATION,
                "error": error,
                "duplicate_choices": ImportJob.OnDuplicate.choices,
            },
            status=400 if error else 200,
        )

    return view


def _template(rt: RecordType):
    @login_required
    def view(request):
        _require(request.user, rt, "import")
        required = imports.required_fields(rt)
        fields = imports.importable_fields(rt, request.user)
        headers = [f"{label}*" if name in required else label for name, label in fields]
        notes = [_("Fill in the first sheet; columns marked * are required.")]
        content = template_xlsx(headers, None, notes)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{rt.key}-template.xlsx"'
        return response

    return view


def _job_page(rt: RecordType):
    @login_required
    def view(request, token):
        job = _job(request, rt, token)
        error = ""
        if request.method == "POST" and job.status in (
            ImportJob.Status.UPLOADED,
            ImportJob.Status.CHECKED,
        ):
            mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(job.mapping)}
            try:
                imports.set_mapping(request.user, job, mapping)
                imports.dry_run(request.user, job)
            except DomainError as exc:
                error = exc.message
        fields = imports.importable_fields(rt, request.user)
        columns = [(i, h, t) for i, (h, t) in enumerate(job.mapping.items())]
        return render(
            request,
            "records/import_job.html",
            {
                "rt": rt,
                "job": job,
                "fields": fields,
                "columns": columns,
                "error": error,
                "destination": _destination_label(rt, request.user, job),
                "undo_refusal": imports.undo_refusal(request.user, job),
            },
        )

    return view


def _destination_label(rt: RecordType, user: Any, job: ImportJob) -> str:
    if job.destination is None:
        return ""
    places = imports.destinations(rt, user)
    return next((label for pk, label in places if pk == job.destination), "")


def _run(rt: RecordType):
    @login_required
    @require_POST
    def view(request, token):
        job = _job(request, rt, token)
        try:
            imports.queue(request.user, job)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{rt.key}:import_job", job.token)

    return view


def _progress(rt: RecordType):
    @login_required
    def view(request, token):
        job = _job(request, rt, token)
        if request.GET.get("checking") and job.status != ImportJob.Status.CHECKING:
            # The dry run is over: reload the page, which shows its report.
            response = HttpResponse("")
            response["HX-Redirect"] = reverse(f"{rt.key}:import_job", args=[job.token])
            return response
        return render(
            request,
            "records/_import_progress.html",
            {"rt": rt, "job": job, "undo_refusal": imports.undo_refusal(request.user, job)},
        )

    return view


def _errors(rt: RecordType):
    @login_required
    def view(request, token):
        job = _job(request, rt, token)
        if not job.error_file:
            raise Http404
        return FileResponse(
            job.error_file.open("rb"),
            as_attachment=True,
            filename=f"{rt.key}-errors.xlsx",
            content_type=XLSX,
        )

    return view


def _undo(rt: RecordType):
    @login_required
    @require_POST
    def view(request, token):
        job = _job(request, rt, token)
        try:
            imports.undo(request.user, job)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The import was undone."))
        return redirect(f"{rt.key}:import_job", job.token)

    return view


def _history(rt: RecordType):
    @login_required
    def view(request):
        _require(request.user, rt, "import")
        jobs = imports.visible_jobs(request.user, rt)[:100]
        can_export = has_perm(request.user, rt.perm("export"))
        return render(
            request,
            "records/import_history.html",
            {"rt": rt, "jobs": jobs, "can_export": can_export},
        )

    return view


def urls(rt: RecordType) -> list:
    return [
        path("export/", _export(rt), name="export"),
        path("import/", _upload(rt), name="import"),
        path("import/template/", _template(rt), name="import_template"),
        path("import/<uuid:token>/", _job_page(rt), name="import_job"),
        path("import/<uuid:token>/run/", _run(rt), name="import_run"),
        path("import/<uuid:token>/progress/", _progress(rt), name="import_progress"),
        path("import/<uuid:token>/errors/", _errors(rt), name="import_errors"),
        path("import/<uuid:token>/undo/", _undo(rt), name="import_undo"),
        path("imports/", _history(rt), name="imports"),
    ]
