"""Small builders for access-control tests: departments, roles and users made on the spot, so
tests do not depend on the demo company's shape."""

from __future__ import annotations

import itertools
from typing import Any

from huike.org.models import Department, Role, User
from huike.org.presets import ensure_root_department

_seq = itertools.count(1)


def department(name: str, parent: Department | None = None) -> Department:
    parent = parent or ensure_root_department()
    dept = Department.objects.create(name=name, parent=parent)
    dept.path = f"{parent.path}{dept.pk}/"
    dept.save(update_fields=["path"])
    return dept


def role(
    permissions: list[str] | tuple[str, ...] = ("memos.view",),
    scope: str | None = None,
    *,
    module: str = "memos",
    fields: dict[str, str] | None = None,
    name: str | None = None,
) -> Role:
    n = next(_seq)
    return Role.objects.create(
        name=name or f"role {n}",
        code=f"test_role_{n}",
        permissions=list(permissions),
        data_scopes={module: scope} if scope else {},
        field_policies={module: fields} if fields else {},
    )


def superadmin_role() -> Role:
    return Role.objects.get(is_superadmin=True)


def user(
    username: str | None = None,
    *,
    roles: list[Role] | tuple[Role, ...] = (),
    department: Department | None = None,
    supervisor: User | None = None,
    **extra: Any,
) -> User:
    n = next(_seq)
    u = User.objects.create_user(
        username=username or f"user{n}",
        password="x-test-password",
        name=username or f"user{n}",
        department=department,
        supervisor=supervisor,
        **extra,
    )
    if roles:
        u.roles.set(roles)
    return User.objects.get(pk=u.pk)  # a fresh object, as a request would load it
