"""What a user keeps about the generic lists (PLT-07) and the imports they run (PLT-08).

* ``SavedScene``: a named set of list filters (and sort) of one record type; one of a user's
  scenes per type may be the default the list opens with. System scenes (All, Mine…) are
  code, not rows (``huike.core.scenes``).
* ``ListPreference``: the columns a user shows, in their order, and the page size.
* ``ImportJob``: one upload of a CSV/XLSX file into a record type, from the dry run to the
  background run and, if wanted, its undo as one batch.

Rows name their record type by its registry key (``RecordType.key``, "customers"), the same
key as the permission module, so a record type needs no table of its own for any of this.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["ImportJob", "ListPreference", "SavedScene"]


class SavedScene(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_scenes"
    )
    type_key = models.CharField(_("record type"), max_length=50)
    name = models.CharField(_("name"), max_length=60)
    #: The list's query parameters (filters, ``sort``), as ``{name: [values]}``.
    params = models.JSONField(_("filters"), default=dict, blank=True)
    is_default = models.BooleanField(_("default"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved scene")
        verbose_name_plural = _("saved scenes")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "type_key", "name"], name="scene_user_type_name_uniq"
            ),
            # At most one default per user and type, whoever sets it concurrently.
            models.UniqueConstraint(
                fields=["user", "type_key"],
                condition=Q(is_default=True),
                name="scene_one_default_uniq",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ListPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preferences"
    )
    type_key = models.CharField(_("record type"), max_length=50)
    #: Column names in display order (model fields and ``cf_<code>`` custom fields).
    columns = models.JSONField(_("columns"), default=list, blank=True)
    page_size = models.PositiveSmallIntegerField(_("rows per page"), default=20)

    class Meta:
        verbose_name = _("list preference")
        verbose_name_plural = _("list preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "type_key"], name="listpref_user_type_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.type_key}"


def _import_upload_path(instance: ImportJob, filename: str) -> str:
    return f"imports/{instance.token}/{filename}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        #: The dry run is queued or running in the worker.
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    class OnDuplicate(models.TextChoices):
        SKIP = "skip", _("Skip the row")
        UPDATE = "update", _("Update the existing record")
        CREATE = "create", _("Create a new record anyway")

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    type_key = models.CharField(_("record type"), max_length=50)
    file = models.FileField(_("file"), upload_to=_import_upload_path, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    #: Column header -> field name ("" = ignore the column).
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    on_duplicate = models.CharField(
        _("duplicates"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    #: The owner of created records (default: the user who imports).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    #: Where the created records go instead of to ``owner``, when the record type offers
    #: such places (``RecordType.import_destinations``; customers: a public pool's id).
    destination = models.PositiveBigIntegerField(_("destination"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    #: The first problems found: [{"row": 7, "column": "mobile", "message": "..."}].
    errors = models.JSONField(_("problems"), default=list, blank=True)
    error_file = models.FileField(
        _("error file"), upload_to=_import_upload_path, max_length=255, blank=True
    )
    #: Ids of the records this import created, and {id: values before} of those it updated:
    #: what undoing the batch needs.
    created_ids = models.JSONField(default=list, blank=True)
    updated_before = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "type_key", "-created_at"], name="import_user")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in {self.Status.DONE, self.Status.UNDONE} else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
