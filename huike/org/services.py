"""Business actions on the organisation. Each takes the acting user, checks the right, runs in
one transaction and writes the operation log; views and the API call these, never the ORM."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from huike.core import oplog
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.notify import notify
from huike.core.permissions import check_perm, forget
from huike.core.registry import registry

from .models import Department, Role, User

Action = OperationLog.Action


# -- look-ups used by data scopes ------------------------------------------------------------
def subordinate_ids(user: User) -> list[int]:
    """Everyone below ``user`` in the supervisor chain, at any depth (disabled users too, so
    their records stay visible to their managers until handed over)."""
    cached = getattr(user, "_huike_subordinates", None)
    if cached is not None:
        return cached
    table = User._meta.db_table
    # UNION (not UNION ALL) stops the walk on a cycle, should one ever slip in.
    # The table name is our own model's, never user input.
    sql = (
        f"WITH RECURSIVE sub(id) AS ("  # noqa: S608
        f" SELECT id FROM {table} WHERE supervisor_id = %s"
        f" UNION SELECT u.id FROM {table} u JOIN sub ON u.supervisor_id = sub.id"
        f") SELECT id FROM sub"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        ids = [row[0] for row in cursor.fetchall() if row[0] != user.pk]
    user._huike_subordinates = ids
    return ids


# -- departments (ORG-01) --------------------------------------------------------------------
def root_department() -> Department:
    return Department.objects.get(parent__isnull=True)


def _check_sibling_name(name: str, parent: Department | None, exclude: int | None = None):
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter a department name."), code="name_required", field="name")
    siblings = Department.objects.filter(parent=parent, name=name)
    if exclude:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise DomainError(
            _("There is already a department called “%(name)s” here.") % {"name": name},
            code="duplicate_name",
            field="name",
        )
    return name


@transaction.atomic
def create_department(
    actor: User, name: str, parent: Department, sort_order: int = 0, head: User | None = None
) -> Department:
    check_perm(actor, "departments.create")
    name = _check_sibling_name(name, parent)
    try:
        with transaction.atomic():
            dept = Department.objects.create(
                name=name, parent=parent, sort_order=sort_order, head=head
            )
    except IntegrityError:
        raise DomainError(
            _("There is already a department called “%(name)s” here.") % {"name": name},
            code="duplicate_name",
            field="name",
        ) from None
    dept.path = f"{parent.path}{dept.pk}/"
    dept.save(update_fields=["path"])
    oplog.log(
        actor, Action.CREATE, dept, message=_("Created under %(parent)s") % {"parent": parent.name}
    )
    return dept


@transaction.atomic
def update_department(
    actor: User,
    dept: Department,
    *,
    name: str | None = None,
    sort_order: int | None = None,
    head: Any = False,
) -> Department:
    """Rename (the root too), reorder or set the head of a department."""
    check_perm(actor, "departments.edit")
    fields = ["name", "sort_order", "head"]
    before = oplog.snapshot(dept, fields)
    if name is not None:
        dept.name = _check_sibling_name(name, dept.parent, exclude=dept.pk)
    if sort_order is not None:
        dept.sort_order = sort_order
    if head is not False:
        dept.head = head
    dept.save()
    changes = oplog.diff(dept, before, fields)
    if changes:
        oplog.log(actor, Action.UPDATE, dept, changes=changes)
    return dept


@transaction.atomic
def move_department(actor: User, dept: Department, new_parent: Department) -> Department:
    check_perm(actor, "departments.edit")
    dept = Department.objects.select_for_update().get(pk=dept.pk)
    if dept.is_root():
        raise DomainError(_("The company (root department) cannot be moved."), code="root")
    new_parent = Department.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(dept.path):
        raise DomainError(
            _("A department cannot be moved under itself or its own sub-department."),
            code="cycle",
            field="parent",
        )
    _check_sibling_name(dept.name, new_parent, exclude=dept.pk)
    old_path, old_parent = dept.path, dept.parent
    new_path = f"{new_parent.path}{dept.pk}/"
    # Rewrite the prefix of the whole subtree in one statement.
    Department.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    Department.objects.filter(pk=dept.pk).update(parent=new_parent)
    dept.refresh_from_db()
    oplog.log(
        actor,
        Action.MOVE,
        dept,
        changes=[
            {
                "field": "parent",
                "label": _("parent department"),
                "old": str(old_parent),
                "new": str(new_parent),
            }
        ],
    )
    return dept


@transaction.atomic
def delete_department(actor: User, dept: Department) -> None:
    check_perm(actor, "departments.delete")
    dept = Department.objects.select_for_update().get(pk=dept.pk)
    if dept.is_root():
        raise DomainError(_("The company (root department) cannot be deleted."), code="root")
    if dept.children.exists():
        raise DomainError(
            _("“%(name)s” still has sub-departments; move or delete them first.")
            % {"name": dept.name},
            code="has_children",
        )
    if dept.members.exists():
        raise DomainError(
            _("“%(name)s” still has members; move them to another department first.")
            % {"name": dept.name},
            code="has_members",
        )
    oplog.log(actor, Action.DELETE, dept)
    dept.delete()


# -- users (ORG-02) --------------------------------------------------------------------------
def handover_counts(user: User) -> list[tuple[Any, int]]:
    """What ``user`` owns, per registered record type: [(label, count), ...]."""
    result = []
    for target in registry.handover:
        count = target.model._default_manager.filter(**{target.owner_field: user}).count()
        result.append((target.label, count))
    return result


@transaction.atomic
def disable_user(actor: User, user: User, successor: User | None = None) -> dict[str, int]:
    """Disable ``user`` and hand everything they own to ``successor`` (ORG-02).

    Every record type that registered for hand-over moves in this one transaction, so a
    half-finished hand-over cannot be observed.
    """
    check_perm(actor, "users.delete")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot disable your own account."), code="self")
    if successor is not None:
        if successor.pk == user.pk:
            raise DomainError(
                _("Hand the records over to someone else."), code="successor", field="successor"
            )
        if not successor.is_active:
            raise DomainError(
                _("%(name)s is disabled and cannot take over records.") % {"name": successor},
                code="successor",
                field="successor",
            )
    moved: dict[str, int] = {}
    owned = sum(count for _label, count in handover_counts(user))
    if owned and successor is None:
        raise DomainError(
            _("%(name)s still owns %(count)d records; choose a colleague to hand them over to.")
            % {"name": user, "count": owned},
            code="successor_required",
            field="successor",
        )
    for target in registry.handover if successor else []:
        n = target.model._default_manager.filter(**{target.owner_field: user}).update(
            **{target.owner_field: successor}
        )
        if n:
            moved[str(target.label)] = n
    user.is_active = False
    user.save(update_fields=["is_active"])
    from .sessions import end_all_sessions

    end_all_sessions(user)
    oplog.log(actor, Action.DISABLE, user)
    if moved:
        summary = ", ".join(f"{label} {n}" for label, n in moved.items())
        oplog.log(
            actor,
            Action.HANDOVER,
            user,
            message=_("To %(successor)s: %(summary)s")
            % {"successor": successor, "summary": summary},
        )
        notify(
            [successor],
            "handover",
            _("Records of %(name)s were handed over to you") % {"name": user},
            body=summary,
            actor=actor,
        )
    return moved


@transaction.atomic
def enable_user(actor: User, user: User) -> User:
    check_perm(actor, "users.edit")
    user.is_active = True
    user.locked_until = None
    user.save(update_fields=["is_active", "locked_until"])
    oplog.log(actor, Action.ENABLE, user)
    return user


@transaction.atomic
def reset_password(actor: User, user: User, new_password: str) -> None:
    """Admin sets an initial password (初始化口令); the policy applies to it too."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    check_perm(actor, "users.edit")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="password", field="password") from exc
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.locked_until = None
    user.save(update_fields=["password", "password_changed_at", "locked_until"])
    oplog.log(actor, Action.RESET_PASSWORD, user)


def set_roles(actor: User, user: User, roles: list[Role]) -> None:
    check_perm(actor, "users.edit")
    before = sorted(r.name for r in user.roles.all())
    user.roles.set(roles)
    after = sorted(r.name for r in roles)
    forget(user)
    if before != after:
        oplog.log(
            actor,
            Action.UPDATE,
            user,
            changes=[
                {
                    "field": "roles",
                    "label": _("roles"),
                    "old": ", ".join(before),
                    "new": ", ".join(after),
                }
            ],
        )
