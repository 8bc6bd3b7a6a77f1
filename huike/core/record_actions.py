"""Actions every registered record type has unless its declaration brings its own: transfer
to another owner (PLT-07 bulk action). Customers replace it with their richer transfer
(CUS-05); the generic one is what a new module gets for free."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from . import notify, oplog, scopes
from .errors import DomainError
from .models import OperationLog
from .permissions import check_perm
from .records import Record


def check_new_owner(new_owner: Any) -> Any:
    if new_owner is None or not getattr(new_owner, "is_active", False):
        raise DomainError(_("Choose an active user as the new owner."), field="owner")
    return new_owner


def lock_visible(actor: Any, model: type[Record], ids: Sequence[Any]) -> list[Record]:
    """The live records ``ids`` locked in pk order; 403 unless the actor sees every one (a
    bulk action on a list the actor was shown cannot silently skip rows)."""
    wanted = {int(pk) for pk in ids}
    rows = list(
        # of=self: scope rules may outer-join other tables, which PostgreSQL cannot lock.
        scopes.visible(actor, model, model.objects.select_for_update(of=("self",)))
        .filter(pk__in=wanted)
        .order_by("pk")
    )
    if len(rows) != len(wanted):
        raise PermissionDenied
    return rows


@transaction.atomic
def transfer(actor: Any, records: Sequence[Record], new_owner: Any, *, module: str = "") -> int:
    """Give ``records`` to ``new_owner``; returns how many changed hands. Logged per record
    ("owner from A to B"); the new owner is notified once for the batch."""
    records = list(records)
    if not records:
        return 0
    model = type(records[0])
    from .record_types import record_type_for

    rt = record_type_for(model)
    module = module or (rt.key if rt else model._meta.app_label)
    check_perm(actor, f"{module}.transfer")
    check_new_owner(new_owner)
    moved = []
    for record in lock_visible(actor, model, [r.pk for r in records]):
        if record.owner_id == new_owner.pk:
            continue
        before = record.snapshot_fields()
        record.owner = new_owner
        record.stamp(actor)
        record.save(update_fields=["owner", "updated_by", "updated_at"])
        oplog.log(actor, OperationLog.Action.UPDATE, record, changes=record.changes_since(before))
        moved.append(record)
    if moved and new_owner.pk != getattr(actor, "pk", None):
        label = model._meta.verbose_name_plural if len(moved) > 1 else model._meta.verbose_name
        notify.notify(
            [new_owner],
            "record_transferred",
            _("%(actor)s transferred %(count)d %(type)s to you")
            % {"actor": actor, "count": len(moved), "type": label},
            body=", ".join(str(r) for r in moved[:5]),
            url=f"/{module}/{moved[0].pk}/" if len(moved) == 1 else f"/{module}/?scene=mine",
            actor=actor,
        )
    return len(moved)
