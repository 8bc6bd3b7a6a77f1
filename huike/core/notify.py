"""Notifications (PLT-05): in-app always available, e-mail by the recipient's preference."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Notification

#: Kinds of notification users can tune; modules add theirs with ``register_kind``.
KINDS: dict[str, Any] = {
    "system": _("System messages"),
    "handover": _("Records handed over to me"),
}
DEFAULT_PREFS = {"in_app": True, "email": False}


def register_kind(kind: str, label: Any) -> None:
    KINDS[kind] = label


def prefs_for(user: Any, kind: str) -> dict[str, bool]:
    prefs = dict(DEFAULT_PREFS)
    prefs.update((user.notification_prefs or {}).get(kind, {}))
    return prefs


def notify(
    recipients: Iterable[Any],
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    actor: Any = None,
) -> list[Notification]:
    """Notify each active recipient as they chose; e-mails leave only after commit."""
    created, emails = [], []
    for user in {r.pk: r for r in recipients if r is not None and r.is_active}.values():
        prefs = prefs_for(user, kind)
        if prefs.get("in_app", True):
            created.append(
                Notification(
                    recipient=user,
                    actor=actor,
                    kind=kind,
                    title=str(title)[:200],
                    body=body,
                    url=url,
                )
            )
        if prefs.get("email") and user.email:
            emails.append(user.email)
    Notification.objects.bulk_create(created)
    if emails:
        from .tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(emails, str(title), body, url))
    return created


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
