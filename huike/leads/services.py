"""Lead business rules (LEAD-01..04): create, edit with duplicate warnings, and conversion
into a customer and contact. Views, the API and imports call these; none reimplements a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huike.core import custom_fields, dictionaries, oplog, scopes
from huike.core import fields as field_rules
from huike.core.errors import ConflictError, DomainError
from huike.core.models import OperationLog
from huike.core.models_records import Attachment
from huike.core.permissions import check_perm
from huike.core.text import (
    normalise_company_name,
    normalise_email,
    search_keys,
)
from huike.customers import services as customer_services
from huike.customers.models import Customer

from .models import Lead

LEAD_INPUT = frozenset(
    f.name for f in Lead._meta.concrete_fields if f.editable and f.name not in {"id", "owner"}
) - {"custom_data", "created_at"}
DICTIONARY_FIELDS = {"source": "customer_source", "industry": "industry"}


def _model_field(name: str) -> models.Field:
    return Lead._meta.get_field(name)  # type: ignore[return-value]


def _label(name: str) -> str:
    return str(_model_field(name).verbose_name)


def _apply(actor: Any, lead: Lead, data: Mapping[str, Any]) -> list[str]:
    """Copy ``data`` onto ``lead``; a read-only field the user changes is refused."""
    unknown = sorted(set(data) - LEAD_INPUT)
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(unknown)},
            field=unknown[0],
        )
    policy = field_rules.policy(actor, "leads")
    changed = []
    for name, value in data.items():
        field = _model_field(name)
        if value is None and isinstance(field, models.CharField | models.TextField):
            value = ""
        if isinstance(value, str):
            value = value.strip()
        if getattr(lead, name) == value:
            continue
        if policy.is_readonly(name):
            raise DomainError(
                _("You may not change %(field)s.") % {"field": field.verbose_name}, field=name
            )
        setattr(lead, name, value)
        changed.append(name)
    return changed


def _check_status(lead: Lead, before: str | None) -> None:
    """The status "converted" is reached only by ``convert()`` and is final."""
    if lead.status == before:
        return
    if before == Lead.Status.CONVERTED:
        raise DomainError(_("A converted lead keeps its status."), field="status")
    if lead.status == Lead.Status.CONVERTED:
        raise DomainError(_("Use “Convert” to convert a lead."), field="status")


def _validate(lead: Lead, changed: list[str]) -> None:
    exclude = [f.name for f in Lead._meta.concrete_fields if f.name not in LEAD_INPUT]
    try:
        lead.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        label = _label(name) if name in LEAD_INPUT else ""
        raise DomainError(f"{label}: {messages[0]}" if label else messages[0], field=name) from None
    for name in changed:
        code = DICTIONARY_FIELDS.get(name)
        value = getattr(lead, name)
        if code and value:
            entry = dictionaries.option(code, value)
            if entry is None or not entry.enabled:
                raise DomainError(
                    _("Choose %(field)s from the list.") % {"field": _label(name)},
                    field=name,
                )


def _keys(lead: Lead) -> None:
    lead.name = (lead.name or "").strip()
    if not lead.name:
        raise DomainError(_("Enter the lead's contact person."), field="name")
    lead.name_key = normalise_company_name(lead.company)[:200]
    lead.fill_phone_keys()
    lead.email_key = normalise_email(lead.email)[:254]
    lead.search_key = search_keys(lead.name, lead.company, lead.mobile, lead.phone, lead.email)


def duplicate_warnings(lead: Lead) -> list[str]:
    """LEAD-02: other leads and customers with the same company name, phone or e-mail. A
    warning, never a refusal: the same person often reaches the company twice."""
    phones = [key for key in (lead.mobile_key, lead.phone_key) if key]
    lead_q = Q(pk__in=[])
    customer_q = Q(pk__in=[])
    if lead.name_key:
        lead_q |= Q(name_key=lead.name_key)
        customer_q |= Q(name_key=lead.name_key)
    if phones:
        lead_q |= Q(mobile_key__in=phones) | Q(phone_key__in=phones)
        customer_q |= Q(mobile_key__in=phones) | Q(phone_key__in=phones)
    if lead.email_key:
        lead_q |= Q(email_key=lead.email_key)
        customer_q |= Q(email__iexact=lead.email_key)
    warnings = []
    leads = Lead.objects.filter(lead_q).exclude(pk=lead.pk).select_related("owner")
    for other in leads.order_by("pk")[:3]:
        warnings.append(
            _("A similar lead “%(name)s” already exists (owner: %(owner)s).")
            % {"name": other, "owner": other.owner}
        )
    for customer in Customer.objects.filter(customer_q).select_related("owner").order_by("pk")[:3]:
        warnings.append(
            _("A similar customer “%(name)s” already exists (owner: %(owner)s).")
            % {"name": customer.name, "owner": customer.owner}
        )
    return warnings


def _pop_custom(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    data = dict(data)
    return data, data.pop("custom_data", None)


def _still_visible(actor: Any, lead: Lead) -> None:
    if not scopes.is_visible(actor, lead):
        raise DomainError(
            _(
                "You would not be able to see this record after saving it; choose an owner "
                "within your data scope."
            ),
            code="out_of_scope",
            field="owner",
        )


@transaction.atomic
def create_lead(actor: Any, data: Mapping[str, Any], *, owner: Any = None) -> Lead:
    """Create a lead owned by ``owner`` (default: the actor); similar leads and customers are
    listed in ``lead.duplicate_warnings``."""
    check_perm(actor, "leads.create")
    owner = owner or actor
    if not getattr(owner, "is_active", False):
        raise DomainError(
            _("%(name)s is disabled and cannot own records.") % {"name": owner}, field="owner"
        )
    lead = Lead(owner=owner)
    data, custom = _pop_custom(data)
    changed = _apply(actor, lead, data)
    _check_status(lead, Lead.Status.NEW)
    custom_fields.apply_to_record(lead, "leads", custom)
    _keys(lead)
    _validate(lead, changed)
    warnings = duplicate_warnings(lead)
    lead.stamp(actor)
    lead.save()
    _still_visible(actor, lead)
    oplog.log(actor, OperationLog.Action.CREATE, lead, message=" ".join(warnings))
    lead.duplicate_warnings = tuple(warnings)
    return lead


def _lock_visible(actor: Any, lead: Lead) -> Lead:
    locked = (
        scopes.visible(actor, Lead, Lead.all_objects.select_for_update(of=("self",)))
        .filter(pk=lead.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    if locked.deleted_at is not None:
        raise DomainError(_("This record is in the recycle bin; restore it first."), code="binned")
    return locked


@transaction.atomic
def update_lead(actor: Any, lead: Lead, data: Mapping[str, Any]) -> Lead:
    check_perm(actor, "leads.edit")
    lead = _lock_visible(actor, lead)
    before = lead.snapshot_fields()
    data, custom = _pop_custom(data)
    old_status = lead.status
    changed = _apply(actor, lead, data)
    _check_status(lead, old_status)
    custom_fields.apply_to_record(lead, "leads", custom)
    _keys(lead)
    _validate(lead, changed)
    warnings = duplicate_warnings(lead) if changed else []
    lead.stamp(actor)
    lead.save()
    lead.log_changes(actor, before)
    lead.duplicate_warnings = tuple(warnings)
    return lead


# -- conversion (LEAD-03, LEAD-04) ----------------------------------------------------------


def matching_customer(lead: Lead) -> Customer | None:
    """The live customer whose normalised name equals the lead's company (any owner)."""
    key = normalise_company_name(lead.company)
    if not key:
        return None
    return Customer.objects.filter(name_key=key).select_related("owner").first()


def _customer_data(lead: Lead) -> dict[str, Any]:
    data = {
        "name": lead.company or lead.name,
        "mobile": lead.mobile,
        "office_phone": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
        "source": lead.source,
        "industry": lead.industry,
        "address": lead.address,
        "remark": lead.remark,
        "next_contact_at": lead.next_contact_at,
    }
    return {k: v for k, v in data.items() if v not in (None, "")}


def _contact_data(lead: Lead) -> dict[str, Any]:
    data = {
        "name": lead.name,
        "title": lead.title,
        "mobile": lead.mobile,
        "phone": lead.phone,
        "email": lead.email,
        "wechat": lead.wechat,
    }
    return {k: v for k, v in data.items() if v}


def _move_to_customer(lead: Lead, customer: Customer) -> None:
    """Follow-ups and attachments of the lead now belong to the customer (its timeline)."""
    from huike.activities.models import FollowUp

    lead_type = ContentType.objects.get_for_model(Lead)
    customer_type = ContentType.objects.get_for_model(Customer)
    FollowUp.all_objects.filter(target_type=lead_type, target_id=lead.pk).update(
        target_type=customer_type, target_id=customer.pk, customer=customer
    )
    Attachment.objects.filter(content_type=lead_type, object_id=lead.pk).update(
        content_type=customer_type, object_id=customer.pk
    )
    if lead.last_follow_up_at:
        Customer.objects.filter(pk=customer.pk).filter(
            Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=lead.last_follow_up_at)
        ).update(last_follow_up_at=lead.last_follow_up_at)


@transaction.atomic
def convert(
    actor: Any,
    lead: Lead,
    *,
    customer_data: Mapping[str, Any] | None = None,
    create_opportunity: bool = False,
) -> Lead:
    """Turn ``lead`` into a customer and a contact, in one transaction.

    If a live customer already carries the lead's company name (normalised, so 上海汇客 and
    上海汇客有限公司 match), the contact is added to it instead; that customer must be
    visible to the actor. ``create_opportunity`` only records the wish
    (``opportunity_requested``): the opportunities module does not exist yet."""
    check_perm(actor, "leads.edit")
    lead = _lock_visible(actor, lead)
    if lead.converted_at is not None or lead.status == Lead.Status.CONVERTED:
        raise ConflictError(_("This lead has already been converted."), code="converted")
    existing = matching_customer(lead)
    if existing is not None:
        if not scopes.is_visible(actor, existing):
            raise DomainError(
                _(
                    "The customer “%(name)s” already exists and belongs to %(owner)s; ask them "
                    "or a manager to convert this lead."
                )
                % {"name": existing.name, "owner": existing.owner},
                code="invisible_customer",
            )
        customer = existing
    else:
        data = {**_customer_data(lead), **dict(customer_data or {})}
        customer = customer_services.create_customer(actor, data)
    contact = customer_services.create_contact(actor, customer, _contact_data(lead))
    _move_to_customer(lead, customer)
    before = lead.snapshot_fields()
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_customer = customer
    lead.converted_contact = contact
    lead.opportunity_requested = bool(create_opportunity)
    lead.stamp(actor)
    lead.save()
    lead.log_changes(actor, before)
    oplog.log(
        actor,
        OperationLog.Action.UPDATE,
        lead,
        message=_("Converted into customer “%(name)s”.") % {"name": customer.name},
    )
    return lead
