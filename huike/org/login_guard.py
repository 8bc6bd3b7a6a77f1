"""The one sign-in decision (PLT-02, ORG-10), shared by the login page and the API token.

Every rule reads its counts from the LoginLog table, so several app servers agree on how many
attempts failed; the lock-out itself is a conditional UPDATE, so two failing requests racing
each other lock the account once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huike.core.models import SystemSettings
from huike.core.request_context import client_ip, current_ip

from .models import LoginLog, User

Result = LoginLog.Result

#: Failures older than this no longer make the captcha appear.
CAPTCHA_WINDOW = timedelta(minutes=15)
#: Results that count as a failed attempt for the captcha rule.
FAILED_RESULTS = (
    Result.BAD_PASSWORD,
    Result.UNKNOWN_USER,
    Result.BAD_CAPTCHA,
    Result.LOCKED,
    Result.DISABLED,
    Result.BAD_OTP,
)
#: Results that count towards locking the account: only guesses of its secrets.
LOCKING_RESULTS = (Result.BAD_PASSWORD, Result.BAD_OTP)
USER_AGENT_MAX = LoginLog._meta.get_field("user_agent").max_length
IDENTIFIER_MAX = LoginLog._meta.get_field("identifier").max_length


class LoginRefused(Exception):
    """The sign-in was refused. ``message`` is translated and safe to show; ``code`` is one of
    invalid, captcha, locked, disabled, two_factor; ``captcha_required`` tells the page to show
    the captcha on the next try."""

    def __init__(self, message: str, code: str, captcha_required: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.captcha_required = captcha_required


def record_attempt(request, identifier: str, result: str, user: User | None = None) -> LoginLog:
    """Write one LoginLog row; callers outside this module use it for two-factor and sign-out."""
    return LoginLog.objects.create(
        user=user,
        identifier=(identifier or "")[:IDENTIFIER_MAX],
        ip=client_ip(request) if request is not None else current_ip(),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[
            :USER_AGENT_MAX
        ],
        result=result,
    )


def _last_success_at(user: User) -> datetime | None:
    return LoginLog.objects.filter(user=user, result=Result.SUCCESS).aggregate(
        at=Max("created_at")
    )["at"]


def _user_failures_since(user: User | None, identifier: str, since: datetime) -> int:
    who = Q(user=user) if user is not None else Q(user__isnull=True, identifier__iexact=identifier)
    return LoginLog.objects.filter(who, result__in=FAILED_RESULTS, created_at__gt=since).count()


def captcha_required(request, identifier: str) -> bool:
    """Whether the next attempt for ``identifier`` from this client must pass a captcha:
    always from outside the trusted ranges, otherwise after N recent failures by that user (since
    their last success) or from that address."""
    policy = SystemSettings.get()
    ip = client_ip(request)
    if not policy.is_trusted_ip(ip):
        return True
    threshold = policy.captcha_after_failures
    since = timezone.now() - CAPTCHA_WINDOW
    if ip:
        from_ip = LoginLog.objects.filter(
            ip=ip, result__in=FAILED_RESULTS, created_at__gt=since
        ).count()
        if from_ip >= threshold:
            return True
    identifier = (identifier or "").strip()
    if not identifier:
        return False
    user = User.objects.find_by_identifier(identifier)
    if user is not None:
        last_ok = _last_success_at(user)
        if last_ok and last_ok > since:
            since = last_ok
    return _user_failures_since(user, identifier, since) >= threshold


def _locking_failures(user: User) -> int:
    """Consecutive failures since the last success or the last lock, so an expired (or lifted)
    lock starts a fresh count whoever lifted it."""
    since = LoginLog.objects.filter(
        user=user, result__in=(Result.SUCCESS, Result.LOCKED)
    ).aggregate(at=Max("created_at"))["at"]
    failures = LoginLog.objects.filter(user=user, result__in=LOCKING_RESULTS)
    if since:
        failures = failures.filter(created_at__gt=since)
    return failures.count()


def _locked_message(until: datetime) -> str:
    return _(
        "Too many failed sign-ins: this account is locked until %(time)s. "
        "Try again later or ask your administrator to unlock it."
    ) % {"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")}


def lock_if_needed(user: User, attempt: LoginLog) -> datetime | None:
    """Lock ``user`` when the failures reached the policy's limit and return the lock's end;
    ``attempt`` (the failure just logged) is marked as the one that locked the account."""
    policy = SystemSettings.get()
    if _locking_failures(user) < policy.lockout_after_failures:
        return None
    now = timezone.now()
    until = now + timedelta(minutes=policy.lockout_minutes)
    # Conditional: of several racing failures only one sets the lock, and failures arriving
    # while a lock holds never extend it.
    won = (
        User.objects.filter(pk=user.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(locked_until=until)
    )
    if won:
        LoginLog.objects.filter(pk=attempt.pk).update(result=Result.LOCKED)
    user.refresh_from_db(fields=["locked_until"])
    return user.locked_until


def attempt_login(request, identifier: str, password: str, *, captcha_passed: bool | None) -> User:
    """Check a sign-in and return the user, or raise LoginRefused.

    ``captcha_passed`` is whether the caller's captcha was answered correctly; None means the
    caller cannot show one (the API), so the captcha rule is skipped there while lock-out and
    logging still apply. The caller logs the user in (and asks for a second factor).
    """
    identifier = (identifier or "").strip()
    password = password or ""
    user = User.objects.find_by_identifier(identifier) if identifier else None

    if captcha_passed is False and captcha_required(request, identifier):
        record_attempt(request, identifier, Result.BAD_CAPTCHA, user)
        raise LoginRefused(
            _("Type the characters shown in the picture."), "captcha", captcha_required=True
        )

    if user is None:
        # Spend the time of a real check so the answer does not reveal who exists.
        User().set_password(password)
        record_attempt(request, identifier, Result.UNKNOWN_USER)
        raise LoginRefused(
            _("The sign-in name or the password is wrong."),
            "invalid",
            captcha_required=captcha_required(request, identifier),
        )

    now = timezone.now()
    if user.locked_until and user.locked_until > now:
        record_attempt(request, identifier, Result.LOCKED, user)
        raise LoginRefused(
            _locked_message(user.locked_until),
            "locked",
            captcha_required=captcha_required(request, identifier),
        )

    if not user.check_password(password):
        attempt = record_attempt(request, identifier, Result.BAD_PASSWORD, user)
        locked_until = lock_if_needed(user, attempt)
        if locked_until and locked_until > now:
            raise LoginRefused(
                _locked_message(locked_until),
                "locked",
                captcha_required=captcha_required(request, identifier),
            )
        raise LoginRefused(
            _("The sign-in name or the password is wrong."),
            "invalid",
            captcha_required=captcha_required(request, identifier),
        )

    if not user.is_active:
        record_attempt(request, identifier, Result.DISABLED, user)
        raise LoginRefused(
            _("This account is disabled. Ask your administrator if you need access."),
            "disabled",
        )

    record_attempt(request, identifier, Result.SUCCESS, user)
    user.backend = "huike.org.backends.LoginIdentifierBackend"
    return user
