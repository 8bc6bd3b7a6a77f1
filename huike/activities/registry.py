"""Which record types may carry follow-ups, declared by their modules in ``ready()``.

``register_target(Model, customer_of=..., module=...)``: ``customer_of(record)`` returns the
customer whose timeline the follow-up also belongs to (None for a lead), ``module`` is the
permission module whose "edit" right logging a follow-up needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    module: str
    customer_of: Callable[[Any], Any]


_TARGETS: dict[type[models.Model], Target] = {}


def register_target(
    model: type[models.Model], *, module: str, customer_of: Callable[[Any], Any]
) -> None:
    _TARGETS[model] = Target(model=model, module=module, customer_of=customer_of)


def target_for(model: type[models.Model]) -> Target | None:
    return _TARGETS.get(model)


def targets() -> list[Target]:
    return list(_TARGETS.values())
