"""How pool customers are shown (pages and API alike): the columns, minus the pool's
privacy fields (POOL-07) and the fields the user's role hides; masked fields masked."""

from __future__ import annotations

from typing import Any

from huike.core import fields as field_rules
from huike.core.list_columns import cell

from .models import Pool
from .services import visible_fields

COLUMNS = ("name", "number", "level", "industry", "mobile", "city", "status", "pooled_at")


def columns(user: Any, pool: Pool) -> list[str]:
    policy = field_rules.policy(user, "customers")
    return [n for n in visible_fields(pool, COLUMNS) if not policy.is_hidden(n)]


def rows(user: Any, pool: Pool, customers: Any) -> list[dict[str, Any]]:
    policy = field_rules.policy(user, "customers")
    names = columns(user, pool)
    return [
        {"id": c.pk, **{n: policy.display(n, getattr(c, n), in_list=True) for n in names}}
        for c in customers
    ]


def page_rows(user: Any, pool: Pool, customers: Any) -> list[dict[str, Any]]:
    """The same rows as the pages show them: dictionary and choice labels in the user's
    language (the API keeps the codes), dates formatted, masked fields masked."""
    policy = field_rules.policy(user, "customers")
    names = columns(user, pool)
    return [{"id": c.pk, **{n: cell(c, n, policy) for n in names}} for c in customers]
