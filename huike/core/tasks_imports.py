"""Background jobs of a spreadsheet import (Huey; immediately in tests): the dry run and the
real run. Both pick the job up only in the state the page left it in, so a task delivered
twice does the work once."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def check_import(job_id: int) -> None:
    """Dry-run the import ``job_id`` (``huike.core.imports.check``)."""
    from .imports import check
    from .models_lists import ImportJob

    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.CHECKING).first()
    if job is not None:
        check(job)


@db_task()
def run_import(job_id: int) -> None:
    """Run the queued import ``job_id`` (``huike.core.imports.run``)."""
    from .imports import run
    from .models_lists import ImportJob

    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).first()
    if job is not None:
        run(job)
