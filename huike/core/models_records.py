"""Rows the record machinery keeps about any record: tags (PLT-14), attachments (PLT-11) and
recycle-bin entries (PLT-13).

They point at their record through (content_type, object_id) so every record type gets them
without a table of its own. ``object_id`` is an integer because every record type has an
integer primary key: the join to the record table stays an integer equality that indexes
serve, which a text column would not.

The flows live in ``huike.core.tags``, ``huike.core.attachments`` and ``huike.core.recycle``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage, storages
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Attachment",
    "RecycleEntry",
    "Tag",
    "TaggedRecord",
]


class Tag(models.Model):
    """A label users put on records; one list shared by every record type."""

    class Color(models.TextChoices):
        BLUE = "blue", _("Blue")
        AZURE = "azure", _("Azure")
        INDIGO = "indigo", _("Indigo")
        PURPLE = "purple", _("Purple")
        PINK = "pink", _("Pink")
        RED = "red", _("Red")
        ORANGE = "orange", _("Orange")
        YELLOW = "yellow", _("Yellow")
        LIME = "lime", _("Lime")
        GREEN = "green", _("Green")
        TEAL = "teal", _("Teal")
        CYAN = "cyan", _("Cyan")
        GRAY = "secondary", _("Grey")

    name = models.CharField(_("name"), max_length=30)
    color = models.CharField(_("colour"), max_length=20, choices=Color.choices, default=Color.BLUE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            # "VIP" and "vip" are one tag, whoever types it first and however concurrently.
            models.UniqueConstraint(Lower("name"), name="core_tag_name_ci_uniq"),
        ]

    def __str__(self) -> str:
        return self.name


class TaggedRecord(models.Model):
    """One tag on one record."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("tagged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tagged record")
        verbose_name_plural = _("tagged records")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "tag"], name="core_tagged_uniq"
            ),
        ]
        indexes = [
            # "records of type T having tag X": an index range giving the record ids.
            models.Index(fields=["content_type", "tag", "object_id"], name="core_tagged_by_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} → {self.content_type_id}:{self.object_id}"


def attachment_storage():
    """Where attachment files live: ``STORAGES["attachments"]`` when configured (e.g. an
    S3-compatible bucket through django-storages), else the default storage (local disk)."""
    if "attachments" in settings.STORAGES:
        return storages["attachments"]
    return default_storage


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random path: the user's file name never reaches the disk (no traversal, no clashes,
    no executable extension). The extension is the one the *content* was recognised as."""
    ext = instance.extension()
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class Attachment(models.Model):
    """A file on a record. Type and size were checked by content before it was stored
    (``huike.core.attachments``)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    file = models.FileField(
        _("file"), upload_to=attachment_path, storage=attachment_storage, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    #: The kind recognised from the content (see huike.core.attachments.KINDS).
    kind = models.CharField(_("type"), max_length=20)
    mime_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-uploaded_at"], name="core_attach_record"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def extension(self) -> str:
        from .attachments import KINDS

        kind = KINDS.get(self.kind)
        return kind.extensions[0] if kind else ""

    @property
    def can_preview(self) -> bool:
        """Images and PDFs open in the browser; everything else downloads."""
        from .attachments import KINDS

        kind = KINDS.get(self.kind)
        return bool(kind and kind.previewable)


class RecycleEntry(models.Model):
    """One delete action on one record: the bin's row, and what went to the bin with it.

    ``members`` names the dependents binned in the same action ({content type id: [ids]}), so
    a restore brings back exactly those — not a dependent that was deleted on its own earlier
    (it has its own entry). Every member carries the same ``deleted_at`` as the entry.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("record"), max_length=200)
    #: The permission module whose "delete" right restores it.
    module = models.CharField(_("module"), max_length=50)
    members = models.JSONField(_("deleted with it"), default=dict, blank=True)
    member_count = models.PositiveIntegerField(_("dependents"), default=0)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("deleted by"),
    )
    deleted_at = models.DateTimeField(_("deleted at"), db_index=True)

    class Meta:
        verbose_name = _("recycle bin entry")
        verbose_name_plural = _("recycle bin")
        ordering = ["-deleted_at", "-id"]
        constraints = [
            # A binned record is in the bin once; a second entry would restore it twice.
            models.UniqueConstraint(fields=["content_type", "object_id"], name="core_recycle_once"),
        ]
        indexes = [models.Index(fields=["module", "-deleted_at"], name="core_recycle_module")]

    def __str__(self) -> str:
        return self.object_repr
