"""Leads as a registered record type: lists, detail, forms, import/export, search and the
REST API come from the generic machinery reading this declaration."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from huike.core.record_types import RecordAction, RecordType, register_record_type

from . import services
from .models import Lead

LEAD_GROUPS = (
    (
        gettext_lazy("Basic information"),
        ("name", "company", "title", "source", "industry", "status", "next_contact_at"),
    ),
    (
        gettext_lazy("Contact details"),
        ("mobile", "phone", "email", "wechat", "region", "address", "remark"),
    ),
)


def _convert_action() -> RecordAction:
    return RecordAction(
        key="convert",
        label=gettext_lazy("Convert"),
        url=lambda lead: reverse("leads_extra:convert", args=[lead.pk]),
        icon="ti-transform",
        permission="leads.edit",
        when=lambda user, lead: lead.converted_at is None,
        order=10,
    )


def register() -> RecordType:
    rt = register_record_type(
        RecordType(
            model=Lead,
            key="leads",
            list_columns=(
                "name",
                "company",
                "mobile",
                "source",
                "status",
                "owner",
                "last_follow_up_at",
                "updated_at",
            ),
            field_groups=LEAD_GROUPS,
            create=lambda actor, data: services.create_lead(actor, data),
            update=services.update_lead,
            header_fields=("company", "status", "mobile", "owner", "last_follow_up_at"),
            phone_rev_fields=("mobile_rev", "phone_rev"),
            search_subtitle_fields=("company",),
            import_match_fields=("name", "company"),
            icon="ti-target-arrow",
            order=20,
        )
    )
    rt.add_action(_convert_action())
    return rt
