from django.conf import settings
from django.db import models

from huike.core.records import Record, record_indexes


class Memo(models.Model):
    """A record type for tests of the generic machinery: an owner, a share (a single-valued
    scope extension), watchers (a many-valued one) and two fields for field rules."""

    title = models.CharField(max_length=100)
    phone = models.CharField(max_length=20, blank=True)
    secret = models.CharField(max_length=50, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_with = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    def __str__(self) -> str:
        return self.title


class Note(Record):
    """A record type on the Record base, for tests of the record machinery (bin, tags,
    attachments, change log); its lines go to the recycle bin with it."""

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        HIGH = "high", "High"

    title = models.CharField("title", max_length=100)
    body = models.TextField("body", blank=True)
    priority = models.CharField(
        "priority", max_length=10, choices=Priority.choices, default=Priority.LOW
    )
    code = models.CharField("code", max_length=20, blank=True)

    class Meta:
        indexes = [*record_indexes("tnote")]
        constraints = [
            # Unique among live notes only, as record types should declare it: a binned note
            # does not block its code, and restoring it may collide.
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(deleted_at__isnull=True) & ~models.Q(code=""),
                name="testapp_note_code_live_uniq",
            )
        ]

    def __str__(self) -> str:
        return self.title


class NoteLine(Record):
    """A dependent record: binned and restored with its note (like a customer's contacts)."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="lines")
    text = models.CharField("text", max_length=100)

    class Meta:
        indexes = [*record_indexes("tnoteline")]

    def __str__(self) -> str:
        return self.text
