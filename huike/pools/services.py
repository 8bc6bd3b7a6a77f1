"""Pool actions (POOL-01..06): claim, assign, return, recycle and the warning before it.

Each action is one transaction. Exactness under concurrency comes from the database, not from
reading first (ARCHITECTURE rule 2): a customer leaves a pool only through
``UPDATE customer SET pool = NULL ... WHERE id = X AND pool_id = P`` — of many parallel claims
exactly one sees a row count of 1 — and limits are counted under a lock on the receiving
user's row (``limits.reserve``). The representation of pooled customers is explained in
``models.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huike.core import notify
from huike.core.errors import ConflictError, DomainError
from huike.core.models import OperationLog
from huike.core.permissions import check_perm, has_perm, is_superadmin
from huike.core.records import log_many

from . import limits
from .models import Pool, PoolEvent, RecycleRule

notify.register_kind("pool", gettext_lazy("Public pool"))


# -- pools and who may use them ------------------------------------------------------------


def default_pool() -> Pool:
    """The default pool, created on first use (at most one: ``pool_one_default``)."""
    pool = Pool.objects.filter(is_default=True).first()
    if pool is None:
        pool, _created = Pool.objects.get_or_create(
            is_default=True, defaults={"name": str(_("Public pool"))}
        )
    return pool


def is_admin(user: Any, pool: Pool) -> bool:
    return is_superadmin(user) or pool.admins.filter(pk=user.pk).exists()


def is_member(user: Any, pool: Pool) -> bool:
    """Members (POOL-01): listed users, users of a member department or below it, admins."""
    if not getattr(user, "is_active", False):
        return False
    if is_admin(user, pool) or pool.users.filter(pk=user.pk).exists():
        return True
    if user.department_id is None:
        return False
    path = user.department.path
    return any(path.startswith(d.path) for d in pool.departments.all() if d.path)


def pools_for(user: Any) -> QuerySet:
    """The pools ``user`` may open (members and admins), for lists and pickers."""
    if not has_perm(user, "pools.view"):
        return Pool.objects.none()
    if is_superadmin(user):
        return Pool.objects.all()
    ids = [p.pk for p in Pool.objects.prefetch_related("departments") if _cheap_member(user, p)]
    return Pool.objects.filter(pk__in=ids)


def _cheap_member(user: Any, pool: Pool) -> bool:
    path = user.department.path if user.department_id else None
    if path and any(path.startswith(d.path) for d in pool.departments.all() if d.path):
        return True
    return pool.users.filter(pk=user.pk).exists() or pool.admins.filter(pk=user.pk).exists()


def pools_to_import_into(user: Any) -> QuerySet:
    """POOL-09: the pools an import may put new customers straight into: those ``user``
    administers, given the right to assign (a pool admin moves customers in and out of the
    pool; a member may only claim). The import logs each customer as created there."""
    if not has_perm(user, "pools.assign"):
        return Pool.objects.none()
    if is_superadmin(user):
        return Pool.objects.all()
    return Pool.objects.filter(admins=user.pk)


def check_member(user: Any, pool: Pool) -> None:
    if not is_member(user, pool):
        raise PermissionDenied


def check_admin(user: Any, pool: Pool) -> None:
    if not is_admin(user, pool):
        raise PermissionDenied


def pool_customers(user: Any, pool: Pool) -> QuerySet:
    """The customers of ``pool`` for one of its members (pool membership is the rule)."""
    from huike.customers.models import Customer

    check_perm(user, "pools.view")
    check_member(user, pool)
    return Customer.objects.filter(pool=pool)


def visible_fields(pool: Pool, names: Iterable[str]) -> list[str]:
    """``names`` without the pool's privacy fields (POOL-07)."""
    hidden = set(pool.hidden_fields or ())
    return [n for n in names if n not in hidden]


# -- taking customers out of a pool ---------------------------------------------------------


@dataclass
class TakeResult:
    taken: list[int] = field(default_factory=list)
    #: Ids another user took first (or that had left the pool).
    missed: list[int] = field(default_factory=list)


def _ids(customers: Iterable[Any]) -> list[int]:
    return sorted({int(getattr(c, "pk", c)) for c in customers})


def _cooling(user: Any, pool: Pool, ids: Sequence[int], now: datetime) -> list[int]:
    if not pool.claim_cooldown_days:
        return []
    since = now - timedelta(days=pool.claim_cooldown_days)
    return sorted(
        set(
            PoolEvent.objects.filter(
                customer__in=ids,
                user=user.pk,
                kind__in=[PoolEvent.Kind.RETURN, PoolEvent.Kind.RECYCLE],
                at__gte=since,
            ).values_list("customer_id", flat=True)
        )
    )


def _take(
    actor: Any, pool: Pool, ids: Sequence[int], user: Any, kind: str, now: datetime
) -> TakeResult:
    """Move ``ids`` from ``pool`` to ``user``, one conditional UPDATE per customer."""
    from huike.customers.models import Contact, Customer

    result = TakeResult()
    for pk in ids:
        won = Customer.objects.filter(pk=pk, pool=pool.pk).update(
            pool=None,
            pooled_at=None,
            owner=user.pk,
            owned_since=now,
            updated_at=now,
            updated_by=actor.pk if getattr(actor, "pk", None) else None,
        )
        (result.taken if won else result.missed).append(pk)
    if result.taken:
        Contact.objects.filter(customer__in=result.taken).exclude(owner=user.pk).update(
            owner=user.pk
        )
        PoolEvent.objects.bulk_create(
            PoolEvent(kind=kind, pool=pool, customer_id=pk, user=user, actor=actor, at=now)
            for pk in result.taken
        )
        text = (
            _("Claimed from %(pool)s.")
            if kind == PoolEvent.Kind.CLAIM
            else _("Assigned from %(pool)s to %(user)s.")
        ) % {"pool": pool, "user": user}
        rows = Customer.objects.filter(pk__in=result.taken)
        log_many(actor, OperationLog.Action.TRANSFER, [(c, [], text) for c in rows])
    return result


@transaction.atomic
def claim(actor: Any, pool: Pool, customers: Iterable[Any], *, now: datetime | None = None):
    """POOL-03: the actor becomes owner of ``customers``. Refused as a whole when a limit or
    the cooldown forbids it; customers someone else took first are reported as missed (a
    single claim that lost raises ``ConflictError``)."""
    now = now or timezone.now()
    check_perm(actor, "pools.claim")
    check_member(actor, pool)
    ids = _ids(customers)
    if not ids:
        raise DomainError(_("Choose the customers to claim."))
    cooling = _cooling(actor, pool, ids, now)
    if cooling:
        raise DomainError(
            _(
                "You gave back some of these customers less than %(days)d days ago; wait before "
                "claiming them again."
            )
            % {"days": pool.claim_cooldown_days},
            code="cooldown",
        )
    limits.reserve(actor, len(ids), claiming=True, now=now)
    result = _take(actor, pool, ids, actor, PoolEvent.Kind.CLAIM, now)
    if not result.taken:
        raise ConflictError(
            _("Someone else claimed it first; choose another customer."), code="taken"
        )
    return result


@transaction.atomic
def assign(actor: Any, pool: Pool, customers: Iterable[Any], user: Any, *, now=None):
    """POOL-04: a pool admin gives pool customers to ``user`` (the user's limits apply)."""
    now = now or timezone.now()
    check_perm(actor, "pools.assign")
    check_admin(actor, pool)
    if user is None or not user.is_active:
        raise DomainError(_("Choose an active user to assign to."), field="user")
    ids = _ids(customers)
    if not ids:
        raise DomainError(_("Choose the customers to assign."))
    limits.reserve(user, len(ids), claiming=False, now=now)
    result = _take(actor, pool, ids, user, PoolEvent.Kind.ASSIGN, now)
    if result.taken and user.pk != actor.pk:
        notify.notify(
            [user],
            "pool",
            _("%(actor)s assigned %(count)d customers to you")
            % {"actor": actor, "count": len(result.taken)},
            url="/customers/?scene=mine",
            actor=actor,
        )
    return result


# -- putting customers into a pool ----------------------------------------------------------


def _put(
    customers: QuerySet | list,
    pool: Pool,
    *,
    actor: Any,
    kind: str,
    now: datetime,
    reason: str = "",
    rule: RecycleRule | None = None,
) -> list[Any]:
    """Move the (already locked) owned ``customers`` into ``pool``; clears their teams."""
    from huike.customers.models import Customer, CustomerMember

    moved = list(customers)
    ids = [c.pk for c in moved]
    if not ids:
        return []
    # The rows are locked and were read with pool IS NULL, so one UPDATE moves them all.
    Customer.objects.filter(pk__in=ids).update(pool=pool.pk, pooled_at=now, updated_at=now)
    CustomerMember.objects.filter(customer__in=ids).delete()
    PoolEvent.objects.bulk_create(
        PoolEvent(
            kind=kind,
            pool=pool,
            customer_id=c.pk,
            user_id=c.owner_id,
            actor=actor if getattr(actor, "pk", None) else None,
            rule=rule,
            reason=reason[:500],
            at=now,
        )
        for c in moved
    )
    if kind == PoolEvent.Kind.RETURN:
        text = _("Returned to %(pool)s: %(reason)s") % {"pool": pool, "reason": reason}
    else:
        text = _("Recycled to %(pool)s by the rule “%(rule)s”.") % {"pool": pool, "rule": rule}
    log_many(actor, OperationLog.Action.TRANSFER, [(c, [], text) for c in moved])
    return moved


@transaction.atomic
def return_to_pool(
    actor: Any, customers: Iterable[Any], reason: str, *, pool: Pool | None = None, now=None
) -> int:
    """POOL-06: owners (or whoever may edit them) give customers back, with a reason."""
    from huike.core import scopes
    from huike.customers.models import Customer

    now = now or timezone.now()
    check_perm(actor, "customers.edit")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the customer goes back to the pool."), field="reason")
    pool = pool or default_pool()
    ids = _ids(customers)
    rows = list(
        scopes.visible(actor, Customer, Customer.objects.select_for_update(of=("self",)))
        .filter(pk__in=ids, pool__isnull=True)
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise PermissionDenied
    locked = [c for c in rows if c.is_locked]
    if locked:
        raise DomainError(
            _("“%(name)s” is locked; unlock it before returning it.") % {"name": locked[0]},
            code="locked",
        )
    return len(_put(rows, pool, actor=actor, kind=PoolEvent.Kind.RETURN, now=now, reason=reason))


# -- recycle rules --------------------------------------------------------------------------


def _clocked() -> QuerySet:
    """Customers with the two clocks the rules read: ``follow_clock`` (the last follow-up,
    or when the current owner took the customer, whichever is later) and ``deal_clock``
    (when the current owner took it)."""
    from django.db.models.functions import Coalesce, Greatest

    from huike.customers.models import Customer

    taken = Coalesce("owned_since", "created_at")
    return Customer.objects.annotate(
        follow_clock=Greatest(Coalesce("last_follow_up_at", taken), taken),
        deal_clock=taken,
    )


def _rule_q(rule: RecycleRule, at: datetime) -> Q | None:
    """Owned, unlocked customers the rule takes at ``at`` (None: the rule has no condition)."""
    if rule.no_follow_up_days is None and rule.no_deal_days is None:
        return None
    q = Q(pool__isnull=True, is_locked=False)
    if rule.levels:
        q &= Q(level__in=rule.levels)
    if rule.statuses:
        q &= Q(status__in=rule.statuses)
    if rule.no_follow_up_days is not None:
        q &= Q(follow_clock__lte=at - timedelta(days=rule.no_follow_up_days))
    if rule.no_deal_days is not None:
        q &= ~Q(status="transacting") & Q(deal_total=0)
        q &= Q(deal_clock__lte=at - timedelta(days=rule.no_deal_days))
    return q


def due(rule: RecycleRule, at: datetime) -> QuerySet:
    q = _rule_q(rule, at)
    return _clocked().none() if q is None else _clocked().filter(q)


def _rules(pool: Pool | None) -> QuerySet:
    rules = RecycleRule.objects.filter(enabled=True).select_related("pool").order_by("pk")
    return rules.filter(pool=pool) if pool is not None else rules


#: Customers per recycle transaction. Each batch costs a handful of statements (read and
#: lock, one UPDATE, team rows, events, log rows), so a larger batch spends less on round
#: trips; 1,000 keeps a batch's locks and memory small (bench/RESULTS.md).
BATCH = 1000
#: Customer names listed in an owner's notification ("and N more" is the count).
NAMES_SHOWN = 10


@dataclass
class _Lost:
    """One owner's customers in a run (taken or warned): how many, and the first few names
    for the message."""

    count: int = 0
    names: list[str] = field(default_factory=list)

    def add(self, name: str) -> None:
        self.count += 1
        if len(self.names) < NAMES_SHOWN:
            self.names.append(name)


def recycle(pool: Pool | None = None, *, now: datetime | None = None, actor: Any = None) -> int:
    """POOL-02: apply the enabled rules (of ``pool`` or of all pools); returns how many
    customers went back. Locked customers are never taken (CUS-06). Each batch is its own
    transaction (rows locked with SKIP LOCKED, so a claim or edit in progress is not
    blocked and is simply looked at again next night); owners are notified once per run.

    Built for a million due customers (NFR-02): batches walk the primary key (keyset: each
    starts after the last id of the one before, so no batch re-reads the rows already
    passed, and a skipped row is not met again this run), and per owner only a count and
    the first ``NAMES_SHOWN`` names are kept, so memory does not grow with the run."""

    now = now or timezone.now()
    lost: dict[int, _Lost] = {}
    total = 0
    for rule in _rules(pool):
        last = 0
        while True:
            with transaction.atomic():
                # The rule is re-read with the lock: a follow-up or lock committed a moment
                # ago counts, and rows another transaction holds are skipped, not waited on.
                rows = list(
                    due(rule, now)
                    .filter(pk__gt=last)
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("pk")[:BATCH]
                )
                moved = _put(
                    rows, rule.pool, actor=actor, kind=PoolEvent.Kind.RECYCLE, now=now, rule=rule
                )
            for customer in moved:
                lost.setdefault(customer.owner_id, _Lost()).add(customer.name)
            total += len(moved)
            if len(rows) < BATCH:
                break
            last = rows[-1].pk
    _tell_owners(lost)
    return total


def _tell_owners(lost: dict[int, _Lost]) -> None:
    from huike.org.models import User

    for user in User.objects.filter(pk__in=lost):
        entry = lost[user.pk]
        notify.notify(
            [user],
            "pool",
            _("%(count)d of your customers went back to the public pool") % {"count": entry.count},
            body=", ".join(entry.names),
            url="/pools/",
        )


def warn_before(*, now: datetime | None = None) -> int:
    """Warn owners ``warn_days`` before a rule takes their customers: customers the rule
    will take within ``warn_days`` (but not yet today), warned once per period (a WARN event
    newer than ``warn_days`` days suppresses a repeat). Returns how many were warned.

    Walks the candidates in primary-key batches, writing each batch's events at once and
    keeping per owner only a count and the first names, as ``recycle`` does: memory stays
    flat however many customers are warned."""
    now = now or timezone.now()
    warned: dict[int, _Lost] = {}
    total = 0
    for rule in _rules(None).filter(warn_days__gt=0):
        recent = PoolEvent.objects.filter(
            kind=PoolEvent.Kind.WARN, rule=rule, at__gt=now - timedelta(days=rule.warn_days)
        ).values("customer")
        soon = (
            due(rule, now + timedelta(days=rule.warn_days))
            .exclude(pk__in=due(rule, now).values("pk"))
            .exclude(pk__in=recent)
            .only("pk", "name", "owner")
            .order_by("pk")
        )
        last = 0
        while True:
            batch = list(soon.filter(pk__gt=last)[:BATCH])
            PoolEvent.objects.bulk_create(
                PoolEvent(
                    kind=PoolEvent.Kind.WARN,
                    pool=rule.pool,
                    customer_id=customer.pk,
                    user_id=customer.owner_id,
                    rule=rule,
                    at=now,
                )
                for customer in batch
            )
            for customer in batch:
                warned.setdefault(customer.owner_id, _Lost()).add(customer.name)
            total += len(batch)
            if len(batch) < BATCH:
                break
            last = batch[-1].pk
    from huike.org.models import User

    for user in User.objects.filter(pk__in=warned):
        entry = warned[user.pk]
        notify.notify(
            [user],
            "pool",
            _("%(count)d of your customers go back to the public pool soon; follow them up")
            % {"count": entry.count},
            body=", ".join(entry.names),
            url="/customers/?scene=mine",
        )
    return total


# -- statistics (POOL-08) -------------------------------------------------------------------


def statistics(user: Any, pool: Pool, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per user: claims, assignments, returns and recycles in ``[start, end)``."""
    from django.db.models import Count

    check_perm(user, "pools.view")
    check_member(user, pool)
    rows = (
        PoolEvent.objects.filter(pool=pool, at__gte=start, at__lt=end)
        .exclude(kind=PoolEvent.Kind.WARN)
        .values("user", "user__name", "kind")
        .annotate(n=Count("pk"))
        .order_by("user__name", "user")
    )
    table: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(
            row["user"],
            {
                "user": row["user"],
                "name": row["user__name"],
                "claim": 0,
                "assign": 0,
                "return": 0,
                "recycle": 0,
            },
        )
        entry[row["kind"]] = row["n"]
    return list(table.values())
