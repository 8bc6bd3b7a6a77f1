"""Follow-up records (ACT-01): a call, visit, message or meeting logged against a lead,
customer or contact. Created only through ``services.create_follow_up``, which also moves
the target's follow-up clock (``last_follow_up_at``, the pool recycle clock)."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huike.core.records import Record, record_indexes


class FollowUp(Record):
    class Type(models.TextChoices):
        PHONE = "phone", _("Phone call")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        MEETING = "meeting", _("Meeting")
        OTHER = "other", _("Other")

    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", editable=False
    )
    target_id = models.PositiveBigIntegerField(editable=False)
    target = GenericForeignKey("target_type", "target_id")
    #: The customer the target belongs to (itself, a contact's customer), so a customer's
    #: timeline is one indexed query; leads converted later are moved onto it.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        editable=False,
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.PHONE)
    content = models.TextField(_("content"))
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    contacts = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="follow_ups", verbose_name=_("contacts")
    )
    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    place = models.CharField(_("place"), max_length=255, blank=True)
    photo_taken_at = models.DateTimeField(_("photo taken at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            *record_indexes("fu"),
            models.Index(fields=["target_type", "target_id", "occurred_at"], name="fu_target"),
            models.Index(fields=["customer", "occurred_at"], name="fu_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
