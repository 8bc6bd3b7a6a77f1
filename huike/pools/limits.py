"""Holding limits (POOL-05): how many customers a user may hold and claim per day.

A user's own ``HoldingLimit`` row wins over their roles' rows; among several roles the most
generous one applies (like data scopes, the widest grant wins). ``None`` means unlimited.
``reserve()`` must run inside the transaction that gives the customers: it locks the user's
row first, so two claims (or a claim and a transfer) for one user are serialised and the count
it reads already includes what the other one committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from huike.core.errors import DomainError

from .models import HoldingLimit, PoolEvent


@dataclass(frozen=True)
class Limits:
    max_customers: int | None = None
    max_claims_per_day: int | None = None


def _widest(values: list[int | None]) -> int | None:
    if not values or any(v is None for v in values):
        return None
    return max(v for v in values if v is not None)


def limits_for(user: Any) -> Limits:
    own = HoldingLimit.objects.filter(user=user.pk).first()
    if own is not None:
        return Limits(own.max_customers, own.max_claims_per_day)
    rows = list(HoldingLimit.objects.filter(role__in=user.roles.values("pk")))
    if not rows:
        return Limits()
    return Limits(
        _widest([r.max_customers for r in rows]), _widest([r.max_claims_per_day for r in rows])
    )


def held_count(user: Any) -> int:
    from huike.customers.models import Customer

    return Customer.objects.filter(owner=user.pk, pool__isnull=True).count()


def start_of_today(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)


def claims_today(user: Any, now: datetime | None = None) -> int:
    return PoolEvent.objects.filter(
        user=user.pk, kind=PoolEvent.Kind.CLAIM, at__gte=start_of_today(now)
    ).count()


def reserve(user: Any, count: int, *, claiming: bool, now: datetime | None = None) -> None:
    """Refuse unless ``user`` may take ``count`` more customers (and, when ``claiming``,
    claim that many more today). Locks the user's row until the transaction ends."""
    from huike.org.models import User

    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    limits = limits_for(user)
    if limits.max_customers is not None:
        room = limits.max_customers - held_count(user)
        if count > room:
            raise DomainError(
                _(
                    "%(user)s may hold at most %(max)d customers and can take %(room)d more; "
                    "return or transfer some first."
                )
                % {"user": user, "max": limits.max_customers, "room": max(room, 0)},
                code="holding_limit",
            )
    if claiming and limits.max_claims_per_day is not None:
        room = limits.max_claims_per_day - claims_today(user, now)
        if count > room:
            raise DomainError(
                _("You may claim %(max)d customers a day and have %(room)d left today.")
                % {"max": limits.max_claims_per_day, "room": max(room, 0)},
                code="daily_limit",
            )
