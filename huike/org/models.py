"""Organisation: departments, users, roles, delegations, sessions and sign-in records."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_otp.models import Device

mobile_validator = RegexValidator(
    r"^1\d{10}$", _("Enter an 11-digit mainland mobile number starting with 1.")
)


class Department(models.Model):
    """A node of the organisation tree (ORG-01).

    ``path`` is the materialised chain of ids ("/1/4/9/"), so a department subtree is one
    indexed prefix match instead of a recursive walk on every scoped query.
    """

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent department"),
    )
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
        verbose_name=_("department head"),
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [
            # Exactly one root: the company itself.
            models.UniqueConstraint(
                fields=["parent"], condition=Q(parent__isnull=True), name="org_single_root"
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="org_unique_sibling_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def is_root(self) -> bool:
        return self.parent_id is None

    def subtree(self) -> models.QuerySet[Department]:
        return Department.objects.filter(path__startswith=self.path)


class Role(models.Model):
    """A named permission set (ORG-03) with data scopes and field rules per module."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True, null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    is_superadmin = models.BooleanField(_("super administrator"), default=False, editable=False)
    is_builtin = models.BooleanField(_("preset"), default=False, editable=False)
    #: ["customers.view", "customers.transfer", ...]
    permissions = models.JSONField(_("operation permissions"), default=list, blank=True)
    #: {"customers": "subordinates", ...}
    data_scopes = models.JSONField(_("data scopes"), default=dict, blank=True)
    #: {"customers": {"mobile": "masked"}, ...}
    field_policies = models.JSONField(_("field permissions"), default=dict, blank=True)
    require_2fa = models.BooleanField(_("require two-factor sign-in"), default=False)
    #: Modules whose preset grants were already applied, so later upgrades add only the new
    #: modules' grants and never undo an administrator's edits.
    seeded_modules = models.JSONField(default=list, blank=True, editable=False)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def find_by_identifier(self, identifier: str):
        """The user signing in with a username, mobile number or e-mail (PLT-02)."""
        identifier = (identifier or "").strip()
        if not identifier:
            return None
        q = Q(username__iexact=identifier) | Q(mobile=identifier)
        if "@" in identifier:
            q |= Q(email__iexact=identifier)
        return self.filter(q).order_by("id").first()


class User(AbstractBaseUser):
    """A person who signs in (ORG-02). Never hard-deleted: disabled and handed over."""

    class Gender(models.TextChoices):
        UNKNOWN = "", _("Not set")
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        BUSY = "busy", _("Busy")
        AWAY = "away", _("Away")

    class Theme(models.TextChoices):
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")

    username = models.CharField(
        _("username"),
        max_length=50,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Use letters, digits, '.', '_' or '-' only."))
        ],
    )
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(
        _("mobile"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[mobile_validator],
    )
    email = models.EmailField(_("e-mail"), unique=True, null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("department"),
    )
    title = models.CharField(_("job title"), max_length=50, blank=True)
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("direct supervisor"),
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users", verbose_name=_("roles"))
    is_active = models.BooleanField(_("enabled"), default=True)
    date_joined = models.DateTimeField(_("created at"), default=timezone.now)

    #: Per-user grants on top of the roles (ORG-07): ["customers.export", ...]
    extra_permissions = models.JSONField(_("extra permissions"), default=list, blank=True)

    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: follow the browser."),
    )
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, default=Theme.LIGHT)
    presence = models.CharField(
        _("status"), max_length=10, choices=Presence.choices, default=Presence.ONLINE
    )
    frequent_contacts = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="+",
        verbose_name=_("frequent contacts"),
    )
    #: {"<kind>": {"in_app": bool, "email": bool}}; missing kinds use the defaults.
    notification_prefs = models.JSONField(_("notification preferences"), default=dict, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    #: The one-time-password device that verified this sign-in. Not a database field:
    #: django-otp sets it on the request's user (and two_factor.verify_totp on a fresh one).
    otp_device: Device | None

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        self.email = self.email or None
        self.mobile = self.mobile or None
        if self.pk and self.supervisor_id:
            # Walk up from the new supervisor: meeting ourselves means a cycle.
            seen, current = set(), self.supervisor
            while current is not None and current.pk not in seen:
                if current.pk == self.pk:
                    raise ValidationError(
                        {
                            "supervisor": _(
                                "A user cannot report to themselves, directly or through others."
                            )
                        }
                    )
                seen.add(current.pk)
                current = current.supervisor

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    @property
    def requires_2fa(self) -> bool:
        return any(role.require_2fa for role in self.roles.all())


class Delegation(models.Model):
    """Hand my approvals and tasks to a colleague for a period (ORG-09)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="delegations", verbose_name=_("delegated by")
    )
    delegate = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="delegated_to_me", verbose_name=_("delegate")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    approvals = models.BooleanField(_("approvals"), default=True)
    tasks = models.BooleanField(_("tasks"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="org_delegation_period"
            ),
            models.CheckConstraint(
                condition=~Q(user=models.F("delegate")), name="org_delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.delegate}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})
        if self.user_id and self.user_id == self.delegate_id:
            raise ValidationError({"delegate": _("Choose a colleague, not yourself.")})

    @classmethod
    def active_for(cls, user: User, at=None, kind: str = "approvals"):
        """Delegations in force at ``at`` from ``user`` covering ``kind``."""
        at = at or timezone.now()
        return cls.objects.filter(user=user, starts_at__lte=at, ends_at__gt=at, **{kind: True})


class LoginLog(models.Model):
    """Every sign-in attempt (PLT-02): who, when, from where, and the result."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        BAD_PASSWORD = "bad_password", _("Wrong password")
        UNKNOWN_USER = "unknown_user", _("Unknown user")
        BAD_CAPTCHA = "bad_captcha", _("Wrong captcha")
        LOCKED = "locked", _("Account locked")
        DISABLED = "disabled", _("Account disabled")
        BAD_OTP = "bad_otp", _("Wrong verification code")
        LOGOUT = "logout", _("Signed out")

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_logs",
        verbose_name=_("user"),
    )
    identifier = models.CharField(_("sign-in name"), max_length=150)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("login log")
        verbose_name_plural = _("login log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["ip", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.result}"

    @property
    def succeeded(self) -> bool:
        return self.result == self.Result.SUCCESS


class UserSession(models.Model):
    """A signed-in browser session, for the online-users page (ORG-08)."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("signed in at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last active"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("online session")
        verbose_name_plural = _("online sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.ip}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} token {self.pk}"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
