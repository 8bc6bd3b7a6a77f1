"""Leads (LEAD-01): a person and company not yet qualified as a customer.

Creating, editing and converting go through ``services.py``, which fills the derived keys
(``search_key``, ``mobile_key``…) used for duplicate warnings and the global search.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huike.core.dictionaries import DictionaryField
from huike.core.phone_keys import PhoneKeys, phone_key_indexes
from huike.core.records import Record, exact_indexes, record_indexes, sort_index

LIVE = Q(deleted_at__isnull=True)


class Lead(Record, PhoneKeys):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        FOLLOWING = "following", _("Following up")
        CONVERTED = "converted", _("Converted")
        INVALID = "invalid", _("Invalid")

    name = models.CharField(_("contact person"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    # Leads share the customers' source list so a converted lead keeps its source.
    source = DictionaryField(_("lead source"), dictionary="customer_source")
    industry = DictionaryField(_("industry"), dictionary="industry")
    region = models.CharField(_("region"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(
        _("last follow-up"), null=True, blank=True, editable=False
    )
    remark = models.TextField(_("remark"), blank=True)

    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    converted_customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="converted_leads",
        verbose_name=_("converted customer"),
        editable=False,
    )
    converted_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("converted contact"),
        editable=False,
    )
    #: LEAD-04: the user asked for an opportunity at conversion. The opportunities module does
    #: not exist yet; it will pick up flagged leads and create the opportunity then.
    opportunity_requested = models.BooleanField(
        _("opportunity requested"), default=False, editable=False
    )

    search_key = models.CharField(_("search key"), max_length=255, blank=True, editable=False)
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)

    #: Duplicates the create/update service warned about (not stored).
    duplicate_warnings: tuple[str, ...] = ()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            *record_indexes("lead"),
            sort_index("lead", "name"),
            sort_index("lead", "next_contact_at"),
            *exact_indexes("lead", "source", "industry", "name_key", "email_key"),
            *phone_key_indexes("lead"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name
