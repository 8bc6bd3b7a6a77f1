"""Business actions on the organisation. Each takes the acting user, checks the right, runs in
one transaction and writes the operation log; views and the API call these, never the ORM."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Required, TypedDict, Unpack

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Subquery, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from huike.core import oplog
from huike.core.errors import ConflictError, DomainError
from huike.core.fields import FieldRule
from huike.core.models import OperationLog, SystemSettings
from huike.core.notify import notify
from huike.core.permissions import check_perm, forget, has_perm, is_superadmin, validate_codes
from huike.core.registry import ACTIONS, registry
from huike.core.scopes import Scope

from .models import Department, Role, User, UserSession

Action = OperationLog.Action


class InvalidInput(DomainError):
    """Several inputs are wrong at once (model validation); ``errors`` maps each field to its
    messages so a form can show every one of them, not only the first."""

    def __init__(self, errors: dict[str | None, list[str]]):
        self.errors = errors
        field, messages = next(iter(errors.items()))
        super().__init__(" ".join(messages), code="invalid", field=field)

    @classmethod
    def from_validation(cls, exc: ValidationError) -> InvalidInput:
        if hasattr(exc, "error_dict"):
            errors: dict[str | None, list[str]] = {
                (None if name == NON_FIELD_ERRORS else name): list(ValidationError(items).messages)
                for name, items in exc.error_dict.items()
            }
        else:
            errors = {None: list(exc.messages)}
        return cls(errors)


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
    setattr(user, "_huike_subordinates", ids)  # noqa: B010 - a per-object cache, not a field
    return ids


def department_tree_member_ids(user: User) -> list[int]:
    """Everyone in ``user``'s department and the departments below it (disabled users too,
    as for subordinates). Empty when the user has no department or it was saved without its
    path: an unknown tree must not match every path, so the scope fails closed.

    Resolved to ids in one small query, like ``subordinate_ids``, rather than joined into the
    list's statement: PostgreSQL estimates ``owner.department.path LIKE (subquery)`` at one
    owner and then plans a director's list of 1,000,000 records as if it were a rep's."""
    cached = getattr(user, "_huike_department_tree", None)
    if cached is not None:
        return cached
    ids: list[int] = []
    if user.department_id is not None:
        my_path = (
            Department.objects.filter(pk=user.department_id).exclude(path="").values("path")[:1]
        )
        ids = list(
            User.objects.filter(department__path__startswith=Subquery(my_path))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    setattr(user, "_huike_department_tree", ids)  # noqa: B010 - a per-object cache
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


def _check_head(head: User | None) -> None:
    if head is not None and not head.is_active:
        raise DomainError(
            _("%(name)s is disabled and cannot head a department.") % {"name": head},
            code="head_disabled",
            field="head",
        )


def department_tree() -> list[Department]:
    """Every department in display order (depth first, siblings by order then name), each with
    ``level``, ``member_count`` and ``child_count`` set, in a single query however big the
    tree is."""
    departments = list(
        Department.objects.select_related("head").annotate(member_count=Count("members"))
    )
    children: dict[int | None, list[Department]] = defaultdict(list)
    for department in departments:
        children[department.parent_id].append(department)
    ordered: list[Department] = []
    # An explicit stack instead of recursion: a deep tree must not hit Python's limit.
    stack = [(dept, 0) for dept in sorted(children[None], key=_sibling_key, reverse=True)]
    while stack:
        dept, level = stack.pop()
        # Display-only attributes for the tree template, not model fields.
        setattr(dept, "level", level)  # noqa: B010
        setattr(dept, "child_count", len(children[dept.pk]))  # noqa: B010
        ordered.append(dept)
        stack.extend(
            (child, level + 1)
            for child in sorted(children[dept.pk], key=_sibling_key, reverse=True)
        )
    return ordered


def _sibling_key(dept: Department) -> tuple[int, str]:
    return (dept.sort_order, dept.name)


@transaction.atomic
def edit_department(
    actor: User,
    dept: Department,
    *,
    name: str,
    parent: Department | None,
    head: User | None,
    sort_order: int = 0,
) -> Department:
    """The department form's one save: rename, reorder, set the head and, when the parent
    changed, move the subtree, all or nothing."""
    check_perm(actor, "departments.edit")
    dept = update_department(actor, dept, name=name, sort_order=sort_order, head=head)
    if parent is not None and not dept.is_root() and parent.pk != dept.parent_id:
        dept = move_department(actor, dept, parent)
    return dept


@transaction.atomic
def create_department(
    actor: User, name: str, parent: Department, sort_order: int = 0, head: User | None = None
) -> Department:
    check_perm(actor, "departments.create")
    name = _check_sibling_name(name, parent)
    _check_head(head)
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
        if head is not None and head.pk != dept.head_id:
            _check_head(head)
        dept.head = head
    # Only these columns: a stale in-memory path or parent must never overwrite a move.
    dept.save(update_fields=fields)
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


# -- users (ORG-02, ORG-07) ------------------------------------------------------------------
#: The user fields an administrator edits on the user form.
USER_FIELDS = ["username", "name", "mobile", "email", "gender", "department", "title", "supervisor"]


def handover_counts(user: User) -> list[tuple[Any, int]]:
    """What ``user`` owns, per registered record type: [(label, count), ...]."""
    result = []
    for target in registry.handover:
        count = target.model._base_manager.filter(**{target.owner_field: user}).count()
        result.append((target.label, count))
    return result


def _holds_superadmin(user: User) -> bool:
    return user.roles.filter(is_superadmin=True).exists()


def check_can_manage_user(actor: User, user: User) -> None:
    """Only a super administrator may change a super administrator's account: otherwise a
    user administrator could reset the owner's password and take over the installation."""
    if not is_superadmin(actor) and user.pk and _holds_superadmin(user):
        raise PermissionDenied(_("Only a super administrator can change a super administrator."))


def _check_role_change(actor: User, user: User | None, roles: Iterable[Role]) -> None:
    """Granting or revoking the Super administrator role is for super administrators, and
    the last enabled super administrator keeps it."""
    gives = any(role.is_superadmin for role in roles)
    had = bool(user and user.pk and _holds_superadmin(user))
    if gives == had:
        return
    if not is_superadmin(actor):
        raise DomainError(
            _("Only a super administrator can grant or revoke the Super administrator role."),
            code="superadmin",
            field="roles",
        )
    if had and user is not None:
        others = (
            User.objects.filter(is_active=True, roles__is_superadmin=True)
            .exclude(pk=user.pk)
            .exists()
        )
        if not others:
            raise DomainError(
                _("At least one enabled user must keep the Super administrator role."),
                code="last_superadmin",
                field="roles",
            )


def _check_password(password: str, user: User) -> None:
    if not password:
        raise InvalidInput({"password": [_("Enter an initial password.")]})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": list(exc.messages)}) from exc


def _clean_user(user: User) -> None:
    for name in ("username", "name", "title", "mobile", "email"):
        value = getattr(user, name)
        if isinstance(value, str):
            setattr(user, name, value.strip())
    try:
        user.full_clean(exclude=["password", "last_login"])
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from exc


def _save_unique(user: User, **kwargs: Any) -> None:
    """Save, turning a lost race on username/mobile/e-mail into a message, not a 500."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError:
        raise ConflictError(
            _("Another user already has this username, mobile number or e-mail."),
            code="duplicate",
        ) from None


def _roles_text(roles: Iterable[Role]) -> str:
    return ", ".join(sorted(role.name for role in roles))


@transaction.atomic
def create_user(actor: User, *, password: str, roles: Iterable[Role] = (), **fields: Any) -> User:
    """A new colleague with an initial password the policy accepts (ORG-02).

    Everything is validated before the first write, so a refused password leaves nothing.
    """
    check_perm(actor, "users.create")
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"unknown user fields {sorted(unknown)}")
    roles = list(roles)
    _check_role_change(actor, None, roles)
    user = User(**fields)
    _clean_user(user)
    _check_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    _save_unique(user)
    user.roles.set(roles)
    oplog.log(
        actor,
        Action.CREATE,
        user,
        message=_("Roles: %(roles)s") % {"roles": _roles_text(roles) or "—"},
    )
    return user


@transaction.atomic
def update_user(
    actor: User, user: User, *, roles: Iterable[Role] | None = None, **fields: Any
) -> User:
    """Edit a user's profile and roles; a supervisor cycle is refused by ``User.clean``."""
    check_perm(actor, "users.edit")
    check_can_manage_user(actor, user)
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"unknown user fields {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    before = oplog.snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    _clean_user(user)
    if roles is not None:
        roles = list(roles)
        _check_role_change(actor, user, roles)
    _save_unique(user)
    changes = oplog.diff(user, before, USER_FIELDS)
    if roles is not None:
        old_roles = _roles_text(user.roles.all())
        if old_roles != _roles_text(roles):
            user.roles.set(roles)
            forget(user)
            changes.append(
                {"field": "roles", "label": _("roles"), "old": old_roles, "new": _roles_text(roles)}
            )
    if changes:
        oplog.log(actor, Action.UPDATE, user, changes=changes)
    return user


@transaction.atomic
def disable_user(actor: User, user: User, successor: User | None = None) -> dict[str, int]:
    """Disable ``user`` and hand everything they own to ``successor`` (ORG-02).

    Every record type that registered for hand-over moves in this one transaction, so a
    half-finished hand-over cannot be observed.
    """
    check_perm(actor, "users.delete")
    check_can_manage_user(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise DomainError(_("You cannot disable your own account."), code="self")
    if not user.is_active:
        raise DomainError(_("%(name)s is already disabled.") % {"name": user}, code="disabled")
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
        # The base manager also reaches rows a default manager hides (records in the
        # recycle bin): a restored record must not come back owned by a disabled user.
        n = target.model._base_manager.filter(**{target.owner_field: user}).update(
            **{target.owner_field: successor}
        )
        if n:
            label = str(target.label)
            moved[label] = moved.get(label, 0) + n
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
    check_can_manage_user(actor, user)
    user.is_active = True
    user.locked_until = None
    user.save(update_fields=["is_active", "locked_until"])
    oplog.log(actor, Action.ENABLE, user)
    return user


@transaction.atomic
def reset_password(actor: User, user: User, new_password: str) -> None:
    """Admin sets an initial password (初始化口令); the policy applies to it too."""
    check_perm(actor, "users.edit")
    check_can_manage_user(actor, user)
    _check_password(new_password, user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.locked_until = None
    user.save(update_fields=["password", "password_changed_at", "locked_until"])
    oplog.log(actor, Action.RESET_PASSWORD, user)


@transaction.atomic
def set_roles(actor: User, user: User, roles: list[Role]) -> None:
    check_perm(actor, "users.edit")
    check_can_manage_user(actor, user)
    _check_role_change(actor, user, roles)
    before = _roles_text(user.roles.all())
    user.roles.set(roles)
    after = _roles_text(roles)
    forget(user)
    if before != after:
        oplog.log(
            actor,
            Action.UPDATE,
            user,
            changes=[{"field": "roles", "label": _("roles"), "old": before, "new": after}],
        )


def permission_label(code: str) -> str:
    """ "customers.export" as a reader sees it: "Customers · Export"."""
    key, _sep, action = code.partition(".")
    module = registry.modules.get(key)
    module_label = module.label if module else key
    return f"{module_label} · {ACTIONS.get(action, action)}"


def _check_grantable(actor: User, before: Iterable[str], after: Iterable[str]) -> list[str]:
    """Validate a new permission list; an actor can only hand out rights they hold, so no
    administrator can lift themselves (or an accomplice) above their own rights."""
    codes = sorted(set(after))
    unknown = validate_codes(codes)
    if unknown:
        raise DomainError(
            _("Unknown permissions: %(codes)s") % {"codes": ", ".join(unknown)},
            code="unknown_permission",
            field="permissions",
        )
    beyond = [c for c in codes if c not in set(before) and not has_perm(actor, c)]
    if beyond:
        raise DomainError(
            _("You can only grant rights you hold yourself: %(rights)s")
            % {"rights": ", ".join(permission_label(c) for c in beyond)},
            code="not_grantable",
            field="permissions",
        )
    return codes


def _permission_changes(before: Iterable[str], after: Iterable[str], label: str) -> list[dict]:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changes = []
    if added:
        changes.append(
            {
                "field": "permissions_added",
                "label": _("%(what)s added") % {"what": label},
                "old": "",
                "new": ", ".join(permission_label(c) for c in added),
            }
        )
    if removed:
        changes.append(
            {
                "field": "permissions_removed",
                "label": _("%(what)s removed") % {"what": label},
                "old": ", ".join(permission_label(c) for c in removed),
                "new": "",
            }
        )
    return changes


@transaction.atomic
def set_extra_permissions(actor: User, user: User, codes: Iterable[str]) -> User:
    """Per-user grants on top of the roles (ORG-07); they apply from the user's next request."""
    check_perm(actor, "users.edit")
    check_can_manage_user(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = list(user.extra_permissions or [])
    codes = _check_grantable(actor, before, codes)
    user.extra_permissions = codes
    user.save(update_fields=["extra_permissions"])
    forget(user)
    changes = _permission_changes(before, codes, _("Personal grants"))
    if changes:
        oplog.log(actor, Action.UPDATE, user, changes=changes)
    return user


# -- roles (ORG-03 .. ORG-06) ----------------------------------------------------------------
def roles_with_counts():
    """Roles with how many users (enabled or not) hold each, in one query."""
    return Role.objects.annotate(user_count=Count("users"))


def _clean_scopes(data_scopes: dict[str, str] | None) -> dict[str, str]:
    scoped = {m.key for m in registry.sorted_modules() if m.scoped}
    cleaned = {}
    for key, scope in (data_scopes or {}).items():
        if not scope:
            continue
        if key not in scoped or scope not in Scope.values:
            raise DomainError(
                _("“%(scope)s” is not a data scope for %(module)s.")
                % {"scope": scope, "module": key},
                code="bad_scope",
                field="data_scopes",
            )
        cleaned[key] = scope
    return cleaned


def _clean_field_policies(policies: dict[str, dict[str, str]] | None) -> dict:
    cleaned: dict[str, dict[str, str]] = {}
    for key, rules in (policies or {}).items():
        module = registry.modules.get(key)
        names = {name for name, _label in module.policy_fields} if module else set()
        for name, rule in (rules or {}).items():
            if not rule:
                continue
            if name not in names or rule not in FieldRule.values:
                raise DomainError(
                    _("“%(rule)s” is not a field permission for %(module)s.%(field)s.")
                    % {"rule": rule, "module": key, "field": name},
                    code="bad_field_rule",
                    field="field_policies",
                )
            cleaned.setdefault(key, {})[name] = rule
    return cleaned


def _scope_changes(before: dict, after: dict) -> list[dict]:
    changes = []
    labels = dict(Scope.choices)
    for module in registry.sorted_modules():
        if not module.scoped:
            continue
        old = before.get(module.key) or Scope.SELF
        new = after.get(module.key) or Scope.SELF
        if old != new:
            changes.append(
                {
                    "field": f"data_scopes.{module.key}",
                    "label": _("Data scope: %(module)s") % {"module": module.label},
                    "old": str(labels.get(old, old)),
                    "new": str(labels.get(new, new)),
                }
            )
    return changes


def _field_rule_changes(before: dict, after: dict) -> list[dict]:
    changes = []
    labels: dict[str | None, str | Promise] = dict(FieldRule.choices)
    for module in registry.sorted_modules():
        for name, label in module.policy_fields:
            old = (before.get(module.key) or {}).get(name)
            new = (after.get(module.key) or {}).get(name)
            if old != new:
                changes.append(
                    {
                        "field": f"field_policies.{module.key}.{name}",
                        "label": _("Field permission: %(module)s · %(field)s")
                        % {"module": module.label, "field": label},
                        "old": str(labels.get(old, _("No restriction"))),
                        "new": str(labels.get(new, _("No restriction"))),
                    }
                )
    return changes


def _check_role_name(name: str, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter a role name."), code="name_required", field="name")
    taken = Role.objects.filter(name=name)
    if exclude:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise DomainError(
            _("There is already a role called “%(name)s”.") % {"name": name},
            code="duplicate_name",
            field="name",
        )
    return name


def _save_role(role: Role) -> None:
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError:
        raise ConflictError(
            _("There is already a role called “%(name)s”.") % {"name": role.name},
            code="duplicate_name",
            field="name",
        ) from None


class RoleRights(TypedDict, total=False):
    """What an administrator sets on a role: the keywords of create_role and update_role."""

    name: Required[str]
    description: str
    permissions: Iterable[str]
    data_scopes: dict[str, str] | None
    field_policies: dict[str, dict[str, str]] | None
    require_2fa: bool


def _clean_role_rights(
    actor: User, held: list[str], rights: RoleRights, *, exclude: int | None = None
) -> dict[str, Any]:
    """The checked model values of ``rights``; ``held`` are the grants the role has now."""
    unknown = rights.keys() - RoleRights.__required_keys__ - RoleRights.__optional_keys__
    if unknown:
        raise TypeError(f"Unexpected role values: {sorted(unknown)}")
    return {
        "name": _check_role_name(rights["name"], exclude=exclude),
        "description": (rights.get("description") or "").strip(),
        "permissions": _check_grantable(actor, held, rights.get("permissions", ())),
        "data_scopes": _clean_scopes(rights.get("data_scopes")),
        "field_policies": _clean_field_policies(rights.get("field_policies")),
        "require_2fa": rights.get("require_2fa", False),
    }


@transaction.atomic
def create_role(actor: User, **rights: Unpack[RoleRights]) -> Role:
    check_perm(actor, "roles.create")
    role = Role(
        **_clean_role_rights(actor, [], rights),
        # A role made by hand must never receive a later module's preset grants.
        seeded_modules=sorted(registry.modules),
    )
    _save_role(role)
    oplog.log(
        actor,
        Action.CREATE,
        role,
        changes=_permission_changes([], role.permissions, _("Operation permissions")),
    )
    return role


def _guard_superadmin_role(role: Role) -> None:
    if role.is_superadmin:
        raise PermissionDenied(
            _("The Super administrator role holds every right; it cannot be changed or deleted.")
        )


@transaction.atomic
def update_role(actor: User, role: Role, **rights: Unpack[RoleRights]) -> Role:
    """Save a role's rights; the operation log lists every right, scope and rule changed."""
    check_perm(actor, "roles.edit")
    _guard_superadmin_role(role)
    role = Role.objects.select_for_update().get(pk=role.pk)
    fields = ["name", "description", "require_2fa"]
    before = oplog.snapshot(role, fields)
    old_perms, old_scopes, old_rules = (
        list(role.permissions or []),
        dict(role.data_scopes or {}),
        dict(role.field_policies or {}),
    )
    for name, value in _clean_role_rights(actor, old_perms, rights, exclude=role.pk).items():
        setattr(role, name, value)
    _save_role(role)
    changes = [
        *oplog.diff(role, before, fields),
        *_permission_changes(old_perms, role.permissions, _("Operation permissions")),
        *_scope_changes(old_scopes, role.data_scopes),
        *_field_rule_changes(old_rules, role.field_policies),
    ]
    if changes:
        oplog.log(actor, Action.UPDATE, role, changes=changes)
    forget(actor)
    return role


@transaction.atomic
def delete_role(actor: User, role: Role) -> None:
    check_perm(actor, "roles.delete")
    _guard_superadmin_role(role)
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.is_builtin:
        raise DomainError(
            _("“%(name)s” is a preset role; edit its rights instead of deleting it.")
            % {"name": role.name},
            code="preset",
        )
    holders = role.users.count()
    if holders:
        raise DomainError(
            _("%(count)d users still hold “%(name)s”; give them another role first.")
            % {"count": holders, "name": role.name},
            code="in_use",
        )
    oplog.log(actor, Action.DELETE, role)
    role.delete()


# -- settings (ORG-10, PLT-03) ---------------------------------------------------------------
SECURITY_FIELDS = [
    "trusted_ip_ranges",
    "password_min_length",
    "password_require_digit",
    "password_require_letter",
    "password_require_symbol",
    "session_timeout_minutes",
    "captcha_after_failures",
    "lockout_after_failures",
    "lockout_minutes",
]
MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 4096 * 4096
#: Pillow format name -> the extension the stored file gets (never the uploader's own).
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


def _locked_settings() -> SystemSettings:
    SystemSettings.objects.get_or_create(pk=1)
    return SystemSettings.objects.select_for_update().get(pk=1)


@transaction.atomic
def update_security_settings(actor: User, **values: Any) -> SystemSettings:
    check_perm(actor, "system.manage")
    unknown = set(values) - set(SECURITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown security settings {sorted(unknown)}")
    obj = _locked_settings()
    before = oplog.snapshot(obj, SECURITY_FIELDS)
    if "trusted_ip_ranges" in values:
        lines = (values["trusted_ip_ranges"] or "").replace(",", "\n").splitlines()
        values["trusted_ip_ranges"] = "\n".join(line.strip() for line in lines if line.strip())
    for name, value in values.items():
        setattr(obj, name, value)
    if obj.captcha_after_failures > obj.lockout_after_failures:
        raise InvalidInput(
            {
                "captcha_after_failures": [
                    _("Ask for the captcha before the account gets locked, not after.")
                ]
            }
        )
    try:
        obj.full_clean(exclude=["logo"])
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from exc
    obj.save()
    changes = oplog.diff(obj, before, SECURITY_FIELDS)
    if changes:
        oplog.log(actor, Action.SETTINGS, obj, changes=changes)
    return obj


def validate_logo(upload: Any) -> str:
    """Check that ``upload`` really is a small PNG/JPEG/WebP/GIF image by decoding it (the
    name and the browser's content type prove nothing); return the extension to store."""
    from PIL import Image, UnidentifiedImageError

    not_an_image = DomainError(
        _("The logo must be a PNG, JPEG, WebP or GIF image."), code="logo_type", field="logo"
    )
    if upload.size > MAX_LOGO_BYTES:
        raise DomainError(
            _("The logo is larger than 2 MB; choose a smaller image."),
            code="logo_size",
            field="logo",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    finally:
        upload.seek(0)
    if image_format not in LOGO_FORMATS:
        raise not_an_image
    if width * height > MAX_LOGO_PIXELS:
        raise DomainError(
            _("The logo is too large; use an image of at most 4096 by 4096 pixels."),
            code="logo_size",
            field="logo",
        )
    return LOGO_FORMATS[image_format]


@transaction.atomic
def update_company_settings(
    actor: User, *, company_name: str, logo: Any = None, remove_logo: bool = False
) -> SystemSettings:
    """Company name and logo shown in the shell (PLT-03)."""
    check_perm(actor, "system.manage")
    company_name = (company_name or "").strip()
    if not company_name:
        raise DomainError(_("Enter the company name."), code="name_required", field="company_name")
    extension = validate_logo(logo) if logo else None
    obj = _locked_settings()
    old_file = obj.logo.name if obj.logo else ""
    # Names, not the FieldFile: saving a new logo mutates that very object.
    before = {"company_name": obj.company_name, "logo": old_file}
    obj.company_name = company_name
    try:
        obj.full_clean(exclude=["logo", *SECURITY_FIELDS])
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from exc
    if extension:
        obj.logo.save(f"logo.{extension}", logo, save=False)
    elif remove_logo:
        obj.logo = ""
    obj.save()
    if old_file and obj.logo.name != old_file:
        storage = obj.logo.storage
        # Remove the replaced file only once the new one is committed.
        transaction.on_commit(lambda: storage.delete(old_file))
    changes = oplog.diff(obj, before, ["company_name", "logo"])
    if changes:
        oplog.log(actor, Action.SETTINGS, obj, changes=changes)
    return obj


# -- online users (ORG-08) -------------------------------------------------------------------
@transaction.atomic
def end_user_session(actor: User, session: UserSession) -> None:
    """Sign one browser out; its next request lands on the login page."""
    from .sessions import end_session

    check_perm(actor, "system.manage")
    user = session.user
    ip = session.ip or "?"
    end_session(session)
    oplog.log(
        actor,
        Action.END_SESSION,
        user,
        message=_("Session from %(ip)s ended") % {"ip": ip},
    )
