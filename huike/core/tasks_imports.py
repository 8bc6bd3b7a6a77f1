"""Background job running a spreadsheet import (Huey; immediately in tests)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def run_import(job_id: int) -> None:
    """Run the queued import ``job_id`` (``huike.core.imports.run``)."""
    from .imports import run
    from .models_lists import ImportJob

    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
    if job is not None:
        run(job)
