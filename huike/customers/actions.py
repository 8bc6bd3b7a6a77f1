"""Customers' business actions beyond create/edit: transfer (CUS-05), lock (CUS-06), team
members and sharing (CUS-07) and merge (CUS-08).

Each action is one transaction that locks the rows it changes (``select_for_update``) and,
when it gives customers to a user, counts that user's holdings under a lock on the user's row
(``huike.pools.limits.reserve``), so parallel transfers and claims cannot exceed POOL-05.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huike.core import notify, oplog, scopes
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.permissions import check_perm
from huike.core.record_actions import check_new_owner, lock_visible
from huike.core.records import log_many

from .models import Contact, Customer, CustomerMember

notify.register_kind("record_shared", gettext_lazy("Records shared with me"))

# -- visibility and editing by team members -------------------------------------------------


def team_rule(user: Any) -> Q:
    """Scope extension (CUS-07): customers whose team ``user`` is on, until the end date."""
    today = timezone.localdate()
    return Q(members__user=user.pk) & (
        Q(members__until__isnull=True) | Q(members__until__gte=today)
    )


def _owner_scope_q(user: Any) -> Q | None:
    kinds = scopes.scopes_for(user, "customers")
    if not kinds:
        return None
    if scopes.Scope.ALL in kinds:
        return Q()
    q = Q(pk__in=[])
    for kind in kinds:
        q |= scopes.owner_q(user, kind, "owner")
    return q


def editable(user: Any, qs: Any = None) -> Any:
    """The live customers ``user`` may change: through their data scope, or as a
    read-and-write team member (one query; the merge picker starts here)."""
    from huike.core.permissions import has_perm

    qs = Customer.objects.all() if qs is None else qs
    if not has_perm(user, "customers.edit"):
        return qs.none()
    own = _owner_scope_q(user)
    if own is not None and not own:  # scope "all": an empty Q() would vanish from an OR
        return qs
    as_member = Q(
        pk__in=CustomerMember.objects.filter(user=user.pk, access=CustomerMember.Access.READ_WRITE)
        .filter(Q(until__isnull=True) | Q(until__gte=timezone.localdate()))
        .values("customer")
    )
    return qs.filter(as_member if own is None else own | as_member)


def can_edit(user: Any, customer: Customer) -> bool:
    """Whether ``user`` may change ``customer``: through their data scope, or as a
    read-and-write team member. A read-only member sees the customer but may not edit it."""
    return editable(user, Customer.objects.filter(pk=customer.pk)).exists()


def check_can_edit(user: Any, customer: Customer) -> None:
    if not can_edit(user, customer):
        raise PermissionDenied


def _lock(actor: Any, customers: Any) -> list[Customer]:
    rows = cast(
        list[Customer], lock_visible(actor, Customer, [getattr(c, "pk", c) for c in customers])
    )
    pooled = [c for c in rows if c.pool_id is not None]
    if pooled:
        raise DomainError(
            _("“%(name)s” is in the public pool; claim or assign it instead.")
            % {"name": pooled[0]},
            code="pooled",
        )
    return rows


# -- transfer (CUS-05) ----------------------------------------------------------------------


def _kept_access(keep: bool | str) -> str | None:
    if keep is True:
        return CustomerMember.Access.READ
    if not keep:
        return None
    if keep not in CustomerMember.Access.values:
        raise DomainError(_("Choose read only or read and write."), field="keep_old_owner")
    return str(keep)


@transaction.atomic
def transfer(
    actor: Any,
    customers: Any,
    new_owner: Any,
    *,
    move_contacts: bool = True,
    keep_old_owner_as_member: bool | str = False,
) -> int:
    """Give ``customers`` to ``new_owner``; returns how many changed hands. Contacts follow
    unless ``move_contacts`` is false; the old owner may stay on the team: ``True`` or
    ``"read"`` read only, ``"read_write"`` read and write. The new owner's holdings limit is
    checked and they are notified once."""
    from huike.pools import limits

    check_perm(actor, "customers.transfer")
    check_new_owner(new_owner)
    keep_access = _kept_access(keep_old_owner_as_member)
    ids = [int(getattr(c, "pk", c)) for c in customers]
    if not ids:
        return 0
    moving = Customer.objects.filter(pk__in=ids).exclude(owner=new_owner.pk).count()
    limits.reserve(new_owner, moving, claiming=False)
    now = timezone.now()
    moved = []
    for customer in _lock(actor, ids):
        if customer.owner_id == new_owner.pk:
            continue
        old_owner_id = customer.owner_id
        before = customer.snapshot_fields()
        customer.owner = new_owner
        customer.owned_since = now
        customer.stamp(actor)
        customer.save(update_fields=["owner", "owned_since", "updated_by", "updated_at"])
        oplog.log(
            actor, OperationLog.Action.TRANSFER, customer, changes=customer.changes_since(before)
        )
        CustomerMember.objects.filter(customer=customer, user=new_owner.pk).delete()
        if keep_access:
            CustomerMember.objects.update_or_create(
                customer=customer,
                user_id=old_owner_id,
                defaults={"access": keep_access, "until": None},
            )
        moved.append(customer)
    if move_contacts and moved:
        Contact.all_objects.filter(customer__in=[c.pk for c in moved]).exclude(
            owner=new_owner.pk
        ).update(owner=new_owner.pk, updated_at=now)
    if moved and new_owner.pk != getattr(actor, "pk", None):
        notify.notify(
            [new_owner],
            "record_transferred",
            _("%(actor)s transferred %(count)d customers to you")
            % {"actor": actor, "count": len(moved)},
            body=", ".join(c.name for c in moved[:5]),
            url=f"/customers/{moved[0].pk}/" if len(moved) == 1 else "/customers/?scene=mine",
            actor=actor,
        )
    return len(moved)


# -- lock (CUS-06) --------------------------------------------------------------------------


@transaction.atomic
def set_locked(actor: Any, customers: Any, locked: bool) -> int:
    """Lock (never recycled to the pool) or unlock customers; returns how many changed."""
    check_perm(actor, "customers.lock")
    changed = [c for c in _lock(actor, customers) if c.is_locked != locked]
    if not changed:
        return 0
    Customer.objects.filter(pk__in=[c.pk for c in changed]).update(
        is_locked=locked, updated_at=timezone.now()
    )
    text = _("Locked: never recycled to the pool.") if locked else _("Unlocked.")
    log_many(actor, OperationLog.Action.UPDATE, [(c, [], text) for c in changed])
    return len(changed)


def lock(actor: Any, customers: Any) -> int:
    return set_locked(actor, customers, True)


def unlock(actor: Any, customers: Any) -> int:
    return set_locked(actor, customers, False)


# -- team (CUS-07) --------------------------------------------------------------------------


@transaction.atomic
def add_member(
    actor: Any, customer: Customer, user: Any, access: str = "read", until: date | None = None
) -> CustomerMember:
    """Put ``user`` on the customer's team (or change their access / end date)."""
    check_perm(actor, "customers.share")
    (customer,) = _lock(actor, [customer])
    check_can_edit(actor, customer)
    if access not in CustomerMember.Access.values:
        raise DomainError(_("Choose read only or read and write."), field="access")
    if user is None or not user.is_active:
        raise DomainError(_("Choose an active user."), field="user")
    if user.pk == customer.owner_id:
        raise DomainError(_("The owner is already on the team."), field="user")
    if until is not None and until < timezone.localdate():
        raise DomainError(_("The end date is in the past."), field="until")
    member, _created = CustomerMember.objects.update_or_create(
        customer=customer, user=user, defaults={"access": access, "until": until}
    )
    oplog.log(
        actor,
        OperationLog.Action.UPDATE,
        customer,
        message=_("%(user)s added to the team (%(access)s).")
        % {"user": user, "access": member.get_access_display()},
    )
    notify.notify(
        [user],
        "record_shared",
        _("%(actor)s shared %(customer)s with you") % {"actor": actor, "customer": customer},
        url=f"/customers/{customer.pk}/",
        actor=actor,
    )
    return member


@transaction.atomic
def remove_member(actor: Any, customer: Customer, user: Any) -> bool:
    check_perm(actor, "customers.share")
    (customer,) = _lock(actor, [customer])
    check_can_edit(actor, customer)
    deleted, _rows = CustomerMember.objects.filter(customer=customer, user=user.pk).delete()
    if deleted:
        oplog.log(
            actor,
            OperationLog.Action.UPDATE,
            customer,
            message=_("%(user)s removed from the team.") % {"user": user},
        )
    return bool(deleted)


# -- merge (CUS-08) -------------------------------------------------------------------------


def _move_generic(model: Any, keep: Customer, remove: Customer) -> None:
    """Tags and attachments point at records by (content_type, object_id)."""
    from django.contrib.contenttypes.models import ContentType

    from huike.core.models_records import Attachment, TaggedRecord

    ct = ContentType.objects.get_for_model(Customer)
    Attachment.objects.filter(content_type=ct, object_id=remove.pk).update(object_id=keep.pk)
    have = TaggedRecord.objects.filter(content_type=ct, object_id=keep.pk).values("tag")
    TaggedRecord.objects.filter(content_type=ct, object_id=remove.pk, tag__in=have).delete()
    TaggedRecord.objects.filter(content_type=ct, object_id=remove.pk).update(object_id=keep.pk)


def _move_foreign_keys(keep: Customer, remove: Customer) -> None:
    """Every other module's rows pointing at the removed customer (follow-ups, deals…) move
    to the kept one, found through the model's relations so new modules are covered."""
    for rel in Customer._meta.related_objects:
        model = rel.related_model
        if not rel.one_to_many or model in (Contact, CustomerMember) or rel.field.name == "+":
            continue
        model._base_manager.filter(**{rel.field.name: remove.pk}).update(
            **{rel.field.name: keep.pk}
        )


@transaction.atomic
def merge(actor: Any, keep: Customer, remove: Customer) -> Customer:
    """Merge ``remove`` into ``keep``: contacts, team, tags, attachments and everything else
    pointing at it move over; both are logged; ``remove`` goes to the recycle bin. A locked
    customer may be kept but not merged away: locking says "do not lose this one"."""
    from huike.core.recycle import move_to_bin

    check_perm(actor, "customers.edit")
    check_perm(actor, "customers.delete")
    keep_pk: Any = getattr(keep, "pk", keep)
    remove_pk: Any = getattr(remove, "pk", remove)
    if keep_pk == remove_pk:
        raise DomainError(_("Choose two different customers to merge."))
    rows = {c.pk: c for c in _lock(actor, [keep_pk, remove_pk])}
    keep, remove = rows[keep_pk], rows[remove_pk]
    check_can_edit(actor, keep)
    check_can_edit(actor, remove)
    if remove.is_locked:
        raise DomainError(
            _("“%(name)s” is locked; unlock it before merging it into another customer.")
            % {"name": remove},
            code="locked",
        )
    moved_contacts = list(Contact.objects.filter(customer=remove))
    has_primary = keep.primary_contact_id is not None
    Contact.all_objects.filter(customer=remove).update(
        customer=keep,
        owner=keep.owner_id,
        **({"is_primary": False} if has_primary else {}),
    )
    if not has_primary and remove.primary_contact_id:
        Customer.objects.filter(pk=keep.pk).update(primary_contact=remove.primary_contact_id)
    Customer.objects.filter(pk=remove.pk).update(primary_contact=None)
    team = (
        CustomerMember.objects.filter(customer=remove)
        .exclude(user__in=CustomerMember.objects.filter(customer=keep).values("user"))
        .exclude(user=keep.owner_id)
    )
    team.update(customer=keep)
    CustomerMember.objects.filter(customer=remove).delete()
    if remove.owner_id != keep.owner_id:
        CustomerMember.objects.get_or_create(
            customer=keep, user_id=remove.owner_id, defaults={"access": "read"}
        )
    _move_generic(Customer, keep, remove)
    _move_foreign_keys(keep, remove)
    oplog.log(
        actor,
        OperationLog.Action.UPDATE,
        keep,
        message=_("Merged “%(other)s” (%(count)d contacts) into this customer.")
        % {"other": remove, "count": len(moved_contacts)},
    )
    oplog.log(
        actor,
        OperationLog.Action.UPDATE,
        remove,
        message=_("Merged into “%(keep)s”.") % {"keep": keep},
    )
    move_to_bin(actor, [remove], module="customers")
    keep.refresh_from_db()
    return keep
