"""Writing the operation log (PLT-12) from services, inside their transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import OperationLog
from .request_context import current_ip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def diff(instance: models.Model, before: dict[str, Any], fields: list[str]) -> list[dict]:
    """The changed fields of ``instance`` against a ``before`` snapshot, as log entries."""
    changes = []
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if _text(old) != _text(new):
            field = instance._meta.get_field(name)
            label = field.verbose_name if isinstance(field, models.Field) else name
            changes.append(
                {
                    "field": name,
                    "label": str(label),
                    "old": _text(old),
                    "new": _text(new),
                }
            )
    return changes


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def log(
    actor: Any,
    action: str,
    target: models.Model | None = None,
    *,
    changes: list[dict] | None = None,
    message: str = "",
) -> OperationLog:
    return OperationLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:200] if target is not None else "",
        changes=changes or [],
        message=message[:500],
        ip=current_ip(),
    )


def history(target: models.Model):
    return OperationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).select_related("actor")
