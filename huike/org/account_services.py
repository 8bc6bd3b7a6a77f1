"""Personal settings (ORG-09): what a signed-in user changes about themselves.

Each action acts on the caller's own account only, runs in one transaction and writes the
operation log; the pages and the top-bar menu call these, never the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from huike.core import oplog
from huike.core.errors import DomainError
from huike.core.models import OperationLog
from huike.core.notify import KINDS

from .models import Delegation, User

Action = OperationLog.Action
# The choices of User.language; empty follows the browser.
LANGUAGE_CHOICES = {code for code, _name in settings.LANGUAGES} | {""}
THEME_CHOICES = set(User.Theme.values)


def _require_signed_in(actor: User) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise DomainError(_("Sign in first."), code="not_signed_in")


def _lock(actor: User) -> User:
    """The actor's row, locked: personal changes of one user apply one after another."""
    return User.objects.select_for_update().get(pk=actor.pk)


def _log_changes(actor: User, target: User, before: dict, fields: list[str]) -> None:
    changes = oplog.diff(target, before, fields)
    if changes:
        oplog.log(actor, Action.UPDATE, target, changes=changes)


# -- profile and password ------------------------------------------------------------------
@transaction.atomic
def update_profile(actor: User, *, name: str, email: str | None, gender: str) -> User:
    _require_signed_in(actor)
    name = (name or "").strip()
    email = (email or "").strip() or None
    if not name:
        raise DomainError(_("Enter your name."), code="name_required", field="name")
    if gender not in User.Gender.values:
        raise DomainError(_("Choose a gender from the list."), code="invalid", field="gender")
    if email and User.objects.filter(email__iexact=email).exclude(pk=actor.pk).exists():
        raise DomainError(
            _("Another user already signs in with this e-mail address."),
            code="duplicate_email",
            field="email",
        )
    user = _lock(actor)
    fields = ["name", "email", "gender"]
    before = oplog.snapshot(user, fields)
    user.name, user.email, user.gender = name, email, gender
    user.save(update_fields=fields)
    _log_changes(actor, user, before, fields)
    actor.name, actor.email, actor.gender = name, email, gender
    return user


@transaction.atomic
def change_password(actor: User, *, current: str, new: str) -> User:
    """Change the own password: the current one is required and the company policy applies.
    The caller keeps the browser signed in (update_session_auth_hash)."""
    _require_signed_in(actor)
    user = _lock(actor)
    if not user.check_password(current or ""):
        raise DomainError(
            _("Your current password is not correct."),
            code="wrong_password",
            field="current_password",
        )
    if current == new:
        raise DomainError(
            _("Choose a password different from the current one."),
            code="same_password",
            field="new_password",
        )
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise DomainError(
            " ".join(exc.messages), code="password_policy", field="new_password"
        ) from None
    user.set_password(new)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    oplog.log(actor, Action.UPDATE, user, message=_("Changed their own password"))
    actor.password = user.password
    actor.password_changed_at = user.password_changed_at
    return user


# -- status, contacts, notifications, appearance -------------------------------------------
@transaction.atomic
def set_presence(actor: User, presence: str) -> User:
    _require_signed_in(actor)
    if presence not in User.Presence.values:
        raise DomainError(_("Choose a status from the list."), code="invalid", field="presence")
    user = _lock(actor)
    before = oplog.snapshot(user, ["presence"])
    user.presence = presence
    user.save(update_fields=["presence"])
    _log_changes(actor, user, before, ["presence"])
    actor.presence = presence
    return user


@transaction.atomic
def set_frequent_contacts(actor: User, contacts: Iterable[User]) -> list[User]:
    """Replace the frequent contacts with ``contacts``: active colleagues, not oneself."""
    _require_signed_in(actor)
    wanted = {c.pk for c in contacts}
    wanted.discard(actor.pk)
    chosen = list(User.objects.filter(pk__in=wanted, is_active=True).order_by("name"))
    if len(chosen) != len(wanted):
        raise DomainError(
            _("Only enabled colleagues can be frequent contacts."),
            code="invalid",
            field="contacts",
        )
    user = _lock(actor)
    before = ", ".join(str(u) for u in user.frequent_contacts.order_by("name"))
    user.frequent_contacts.set(chosen)
    after = ", ".join(str(u) for u in chosen)
    if before != after:
        oplog.log(
            actor,
            Action.UPDATE,
            user,
            changes=[
                {
                    "field": "frequent_contacts",
                    "label": str(User._meta.get_field("frequent_contacts").verbose_name),
                    "old": before,
                    "new": after,
                }
            ],
        )
    return chosen


@transaction.atomic
def set_notification_prefs(actor: User, prefs: dict[str, dict[str, bool]]) -> dict:
    """Store per-kind channel choices; unknown kinds are refused, missing kinds keep theirs."""
    _require_signed_in(actor)
    unknown = set(prefs) - set(KINDS)
    if unknown:
        raise DomainError(
            _("Unknown notification kind: %(kind)s.") % {"kind": ", ".join(sorted(unknown))},
            code="invalid",
        )
    user = _lock(actor)
    stored = dict(user.notification_prefs or {})
    for kind, channels in prefs.items():
        stored[kind] = {
            "in_app": bool(channels.get("in_app")),
            "email": bool(channels.get("email")),
        }
    before = oplog.snapshot(user, ["notification_prefs"])
    user.notification_prefs = stored
    user.save(update_fields=["notification_prefs"])
    if before["notification_prefs"] != stored:
        oplog.log(actor, Action.SETTINGS, user, message=_("Changed notification preferences"))
    actor.notification_prefs = stored
    return stored


@transaction.atomic
def set_preferences(actor: User, *, language: str | None = None, theme: str | None = None) -> User:
    """Language ("" = follow the browser) and theme; None leaves a setting as it is."""
    _require_signed_in(actor)
    if language is not None and language not in LANGUAGE_CHOICES:
        raise DomainError(_("Choose a language from the list."), code="invalid", field="language")
    if theme is not None and theme not in THEME_CHOICES:
        raise DomainError(_("Choose a theme from the list."), code="invalid", field="theme")
    user = _lock(actor)
    fields = ["language", "theme"]
    before = oplog.snapshot(user, fields)
    if language is not None:
        user.language = language
    if theme is not None:
        user.theme = theme
    user.save(update_fields=fields)
    _log_changes(actor, user, before, fields)
    actor.language, actor.theme = user.language, user.theme
    return user


# -- two-factor ----------------------------------------------------------------------------
@transaction.atomic
def start_two_factor(actor: User) -> TOTPDevice:
    """The unconfirmed device whose key the enrolment page shows (reused on reload, so a key
    already scanned stays valid)."""
    _require_signed_in(actor)
    _lock(actor)
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)
    return device


@transaction.atomic
def confirm_two_factor(actor: User, code: str) -> TOTPDevice:
    """Turn two-factor sign-in on once the app shows a matching code."""
    _require_signed_in(actor)
    _lock(actor)
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=actor, confirmed=False)
        .order_by("-id")
        .first()
    )
    if device is None:
        raise DomainError(
            _("Start the set-up again: scan the new QR code."), code="no_device", field="code"
        )
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == device.digits and device.verify_token(code)):
        raise DomainError(
            _("That code does not match. Check the time on your phone and type the newest code."),
            code="bad_code",
            field="code",
        )
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    oplog.log(actor, Action.SETTINGS, actor, message=_("Turned on two-factor sign-in"))
    return device


@transaction.atomic
def disable_two_factor(actor: User) -> None:
    _require_signed_in(actor)
    _lock(actor)
    if actor.requires_2fa:
        raise DomainError(
            _("One of your roles requires two-factor sign-in, so it cannot be turned off."),
            code="required",
        )
    deleted, _detail = TOTPDevice.objects.filter(user=actor).delete()
    if deleted:
        oplog.log(actor, Action.SETTINGS, actor, message=_("Turned off two-factor sign-in"))


# -- delegation ----------------------------------------------------------------------------
@transaction.atomic
def create_delegation(
    actor: User,
    *,
    delegate: User | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    approvals: bool,
    tasks: bool,
    note: str = "",
) -> Delegation:
    """Hand my approvals and/or tasks to a colleague for a period. Periods of one kind may not
    overlap, so it is always clear who acts for me."""
    _require_signed_in(actor)
    if delegate is None:
        raise DomainError(_("Choose the colleague who acts for you."), field="delegate")
    if delegate.pk == actor.pk:
        raise DomainError(_("Choose a colleague, not yourself."), field="delegate")
    if not delegate.is_active:
        raise DomainError(
            _("%(name)s is disabled and cannot act for you.") % {"name": delegate},
            field="delegate",
        )
    if starts_at is None or ends_at is None:
        raise DomainError(_("Enter when the delegation starts and ends."), field="ends_at")
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), field="ends_at")
    if ends_at <= timezone.now():
        raise DomainError(_("The end is already in the past."), field="ends_at")
    if not (approvals or tasks):
        raise DomainError(_("Hand over approvals, tasks or both."), field="approvals")
    # Serialise on my row so two overlapping requests cannot both pass the check below.
    _lock(actor)
    kinds = Q(approvals=True) if approvals else Q(pk__in=[])
    if tasks:
        kinds |= Q(tasks=True)
    clash = (
        Delegation.objects.filter(user=actor, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .filter(kinds)
        .select_related("delegate")
        .first()
    )
    if clash is not None:
        raise DomainError(
            _(
                "This overlaps your delegation to %(name)s from %(start)s to %(end)s. "
                "Delete that one or pick another period."
            )
            % {
                "name": clash.delegate,
                "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(clash.ends_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="overlap",
            field="starts_at",
        )
    delegation = Delegation.objects.create(
        user=actor,
        delegate=delegate,
        starts_at=starts_at,
        ends_at=ends_at,
        approvals=approvals,
        tasks=tasks,
        note=(note or "").strip()[:200],
    )
    oplog.log(actor, Action.CREATE, delegation)
    return delegation


@transaction.atomic
def delete_delegation(actor: User, delegation: Delegation) -> None:
    _require_signed_in(actor)
    if delegation.user_id != actor.pk:
        # Someone else's delegation is invisible, not forbidden.
        raise Delegation.DoesNotExist
    oplog.log(actor, Action.DELETE, delegation)
    delegation.delete()


def notification_matrix(user: User) -> list[dict[str, Any]]:
    """Each notification kind with the user's current channels, for the preferences form."""
    from huike.core.notify import prefs_for

    return [
        {"kind": kind, "label": label, **prefs_for(user, kind)} for kind, label in KINDS.items()
    ]
