"""Builders for tests of the record machinery on the test-only Note / NoteLine types."""

from __future__ import annotations

from typing import Any

from tests.testapp import factories as f
from tests.testapp.models import Note, NoteLine

#: Notes and note lines are scoped by the test-only "memos" module.
NOTE_RIGHTS = ("memos.view", "memos.create", "memos.edit", "memos.delete")


def editor(username: str | None = None, *, rights: tuple[str, ...] = NOTE_RIGHTS, scope="all"):
    """A user holding ``rights`` on notes and note lines, with data scope ``scope``."""
    return f.user(username, roles=[f.role(rights, scope)])


def admin(username: str | None = None):
    return f.user(username, roles=[f.superadmin_role()])


def note(owner: Any, title: str = "a note", lines: int = 0, **kw: Any) -> Note:
    n = Note.objects.create(title=title, owner=owner, created_by=owner, **kw)
    for i in range(lines):
        NoteLine.objects.create(note=n, owner=owner, text=f"{title} line {i + 1}")
    return n
