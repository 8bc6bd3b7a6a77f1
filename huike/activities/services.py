"""Logging a follow-up (ACT-01) and moving the target's follow-up clock.

``last_follow_up_at`` of a customer is the public-pool recycle clock: it only moves forward,
by a conditional UPDATE, so two follow-ups saved at once cannot move it backwards."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huike.core import oplog, scopes
from huike.core.attachments import attach
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.permissions import check_perm

from .exif import read_photo_facts
from .models import FollowUp
from .registry import target_for

INPUT = frozenset(
    {
        "type",
        "content",
        "occurred_at",
        "next_contact_at",
        "latitude",
        "longitude",
        "place",
        "contacts",
    }
)


def _visible_target(actor: Any, target: models.Model) -> Any:
    """The target re-read through the actor's scope: invisible is 404 to the caller."""
    declared = target_for(type(target))
    if declared is None:
        raise DomainError(_("Follow-ups cannot be logged on this kind of record."))
    found = scopes.visible(actor, type(target)).filter(pk=target.pk).first()
    if found is None:
        raise PermissionDenied
    check_perm(actor, f"{declared.module}.edit")
    return found, declared


def _advance(model: type[models.Model], pk: Any, follow_up: FollowUp) -> None:
    """Move the clock forward only (never backwards); count visits; set next contact."""
    when = follow_up.occurred_at
    fields = {f.name for f in model._meta.concrete_fields}
    if "last_follow_up_at" in fields:
        model._base_manager.filter(pk=pk).filter(
            Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=when)
        ).update(last_follow_up_at=when)
    updates: dict[str, Any] = {}
    if follow_up.type == FollowUp.Type.VISIT and "visit_count" in fields:
        updates["visit_count"] = F("visit_count") + 1
    if follow_up.next_contact_at and "next_contact_at" in fields:
        updates["next_contact_at"] = follow_up.next_contact_at
    if updates:
        model._base_manager.filter(pk=pk).update(**updates)


@transaction.atomic
def create_follow_up(
    actor: Any, target: models.Model, data: Mapping[str, Any], photo: Any = None
) -> FollowUp:
    """Log a follow-up on a visible, editable lead / customer / contact."""
    target, declared = _visible_target(actor, target)
    unknown = sorted(set(data) - INPUT)
    if unknown:
        raise DomainError(
            _("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(unknown)},
            field=unknown[0],
        )
    data = dict(data)
    contact_ids = data.pop("contacts", None) or []
    customer = declared.customer_of(target)
    follow_up = FollowUp(
        owner=actor,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        customer=customer,
    )
    for name, value in data.items():
        if value in (None, "") and name not in {"content", "place"}:
            continue
        setattr(follow_up, name, value.strip() if isinstance(value, str) else value)
    if not (follow_up.content or "").strip():
        raise DomainError(_("Describe the follow-up."), field="content")
    if photo is not None:
        facts = read_photo_facts(photo)
        follow_up.photo_taken_at = facts["taken_at"]
        if follow_up.latitude is None and facts["latitude"] is not None:
            follow_up.latitude, follow_up.longitude = facts["latitude"], facts["longitude"]
    try:
        follow_up.full_clean(
            exclude=["owner", "target_type", "target_id", "customer", "created_by", "updated_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise DomainError(messages[0], field=name) from None
    if follow_up.occurred_at > timezone.now() + timedelta(minutes=5):
        raise DomainError(_("A follow-up cannot happen in the future."), field="occurred_at")
    follow_up.stamp(actor)
    follow_up.save()
    if contact_ids:
        from huike.customers.models import Contact

        allowed = Contact.objects.filter(pk__in=contact_ids)
        if customer is not None:
            allowed = allowed.filter(customer=customer)
        follow_up.contacts.set(allowed)
    if photo is not None:
        attach(actor, follow_up, photo, module=declared.module)
    _advance(type(target), target.pk, follow_up)
    if customer is not None and type(target) is not type(customer):
        _advance(type(customer), customer.pk, follow_up)
    oplog.log(
        actor,
        OperationLog.Action.CREATE,
        follow_up,
        message=_("Follow-up on “%(target)s”.") % {"target": target},
    )
    return follow_up


def for_customer(customer: Any, *, limit: int = 50) -> models.QuerySet:
    """A customer's timeline: its own follow-ups, its contacts' and converted leads' (all
    carry ``customer``), newest first."""
    return (
        FollowUp.objects.filter(customer=customer)
        .select_related("owner", "target_type")
        .order_by("-occurred_at", "-id")[:limit]
    )


def for_target(target: Any, *, limit: int = 50) -> models.QuerySet:
    return (
        FollowUp.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        )
        .select_related("owner", "target_type")
        .order_by("-occurred_at", "-id")[:limit]
    )
