"""The "Follow-ups" tab of customers, contacts and leads: the timeline, newest first, and a
form to log one."""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from huike.core.record_types import Tab

from . import services
from .models import FollowUp

SHOWN = 50


def _render(request, record: Any, rows: Any, key: str):
    return render(
        request,
        "activities/follow_ups_tab.html",
        {
            "record": record,
            "record_key": key,
            "follow_ups": list(rows),
            "types": FollowUp.Type.choices,
        },
    )


def follow_ups_tab(key: str, module: str) -> Tab:
    """The tab for record type ``key``; a customer's shows its contacts' and converted
    leads' follow-ups too (they carry the customer)."""

    def _tab(request, record):
        if key == "customers":
            rows = services.for_customer(record, limit=SHOWN)
        else:
            rows = services.for_target(record, limit=SHOWN)
        return _render(request, record, rows, key)

    return Tab(
        key="follow-ups",
        label=_("Follow-ups"),
        render=_tab,
        order=5,
        permission=f"{module}.view",
    )
