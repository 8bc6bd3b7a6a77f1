"""Cross-cutting records: system settings, the operation log and notifications."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def parse_ip_ranges(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Parse one CIDR range or address per line (commas and spaces also separate)."""
    networks = []
    for token in text.replace(",", "\n").split():
        networks.append(ipaddress.ip_network(token.strip(), strict=False))
    return networks


class SystemSettings(models.Model):
    """The one row of company-wide settings (PLT-03, ORG-10); pk is always 1."""

    CACHE_KEY = "huike:system-settings"

    company_name = models.CharField(_("company name"), max_length=100, default="汇客CRM")
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True)

    trusted_ip_ranges = models.TextField(
        _("trusted IP ranges"),
        blank=True,
        help_text=_(
            "One address or CIDR range per line, e.g. 192.168.1.0/24. Sign-ins from "
            "elsewhere always need a captcha. Leave empty to trust every address."
        ),
    )
    password_min_length = models.PositiveSmallIntegerField(
        _("minimum password length"),
        default=8,
        validators=[MinValueValidator(6), MaxValueValidator(128)],
    )
    password_require_digit = models.BooleanField(_("require a digit"), default=True)
    password_require_letter = models.BooleanField(_("require a letter"), default=True)
    password_require_symbol = models.BooleanField(_("require a symbol"), default=False)
    session_timeout_minutes = models.PositiveIntegerField(
        _("session timeout (minutes of inactivity)"),
        default=480,
        validators=[MinValueValidator(5), MaxValueValidator(60 * 24 * 30)],
    )
    captcha_after_failures = models.PositiveSmallIntegerField(
        _("captcha after failed attempts"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    lockout_after_failures = models.PositiveSmallIntegerField(
        _("lock account after failed attempts"),
        default=10,
        validators=[MinValueValidator(3), MaxValueValidator(100)],
    )
    lockout_minutes = models.PositiveIntegerField(
        _("lock-out duration (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 7)],
    )

    class Meta:
        verbose_name = _("system settings")
        verbose_name_plural = _("system settings")

    def __str__(self) -> str:
        return str(self.company_name)

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(self.CACHE_KEY)

    def clean(self) -> None:
        try:
            parse_ip_ranges(self.trusted_ip_ranges)
        except ValueError as exc:
            raise ValidationError(
                {"trusted_ip_ranges": _("Not a valid address or range: %(error)s") % {"error": exc}}
            ) from exc

    @classmethod
    def get(cls) -> SystemSettings:
        """The settings row, read through the shared cache (invalidated on save)."""
        found = cache.get(cls.CACHE_KEY)
        if found is None:
            found, _created = cls.objects.get_or_create(pk=1)
            cache.set(cls.CACHE_KEY, found, 300)
        return found

    def is_trusted_ip(self, address: str | None) -> bool:
        networks = parse_ip_ranges(self.trusted_ip_ranges)
        if not networks:
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in net for net in networks)


class OperationLog(models.Model):
    """Who did what to which record, and when (PLT-12).

    The same table serves record operation logs ("changed field X from A to B") and the system
    log of admin actions; the system log is the rows whose target is an organisation object.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        RESTORE = "restore", _("Restored")
        TRANSFER = "transfer", _("Transferred")
        DISABLE = "disable", _("Disabled")
        ENABLE = "enable", _("Enabled")
        RESET_PASSWORD = "reset_password", _("Password reset")
        END_SESSION = "end_session", _("Session ended")
        HANDOVER = "handover", _("Records handed over")
        SETTINGS = "settings", _("Settings changed")
        MOVE = "move", _("Moved")
        PURGE = "purge", _("Purged")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, null=True, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    #: [{"field": name, "label": label, "old": text, "new": text}, ...] or free detail.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    message = models.CharField(_("detail"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("operation log")
        verbose_name_plural = _("operation log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class Notification(models.Model):
    """An in-app notification (PLT-05); it links to its record through ``url``."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("from"),
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


from .models_config import *  # noqa: E402,F403
from .models_custom import *  # noqa: E402,F403
from .models_lists import *  # noqa: E402,F403
from .models_records import *  # noqa: E402,F403
