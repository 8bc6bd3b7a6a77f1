"""The activities app: follow-ups. Which record types may carry follow-ups is declared here
for the built-in types (leads, customers, contacts) through ``registry.register_target``."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _itself(record):
    return record


def _its_customer(record):
    return record.customer


def _no_customer(record):
    return None


class ActivitiesConfig(AppConfig):
    name = "huike.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from huike.customers.models import Contact, Customer
        from huike.leads.models import Lead

        from .registry import register_target

        register_target(Customer, module="customers", customer_of=_itself)
        register_target(Contact, module="contacts", customer_of=_its_customer)
        register_target(Lead, module="leads", customer_of=_no_customer)

        from huike.core.record_types import record_type

        from .tabs import follow_ups_tab

        for key in ("customers", "contacts", "leads"):
            record_type(key).add_tab(follow_ups_tab(key, key))
