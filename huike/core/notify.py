"""Notifications (PLT-05): in-app always available, e-mail by the recipient's preference."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .models import Notification

#: Kinds of notification users can tune; modules add theirs with ``register_kind``.
KINDS: dict[str, Any] = {
    "system": _("System messages"),
    "handover": _("Records handed over to me"),
    "record_transferred": _("Records transferred to me"),
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


# -- the recipient's own actions (notification centre) --------------------------------------
# Every look-up starts from ``for_user`` so a notification is invisible (404) to anybody but
# its recipient; the updates are conditional so a double click or two tabs never double-count.


def for_user(user: Any):
    """The notifications ``user`` may see: only their own, newest first."""
    return Notification.objects.filter(recipient=user).select_related("actor")


def get_for_user(user: Any, pk: int) -> Notification:
    """The user's notification ``pk``; someone else's is indistinguishable from a missing one."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(for_user(user), pk=pk)


def mark_read(user: Any, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        for_user(user).filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def mark_unread(user: Any, notification: Notification) -> None:
    notification.read_at = None
    for_user(user).filter(pk=notification.pk).update(read_at=None)


def mark_all_read(user: Any) -> int:
    """Mark every unread notification of ``user`` read; returns how many changed."""
    return for_user(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def safe_target(url: str) -> str | None:
    """The notification's link if it stays on this site, else None.

    Only root-relative paths are followed: an absolute URL, a scheme-relative ``//host`` or a
    browser-normalised ``/\\host`` could send a user off-site from a trusted-looking link.
    """
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if any(ch in url for ch in "\\\r\n\t") or not url_has_allowed_host_and_scheme(
        url, allowed_hosts=None
    ):
        return None
    return url
