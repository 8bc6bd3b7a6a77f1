"""Two-factor sign-in with TOTP authenticator apps (PLT-02, ORG-10).

The device model is django-otp's TOTPDevice. Who must pass a second factor is decided once at
sign-in and kept in the session (``STATE_KEY``), so the gate below costs no query per request.
"""

from __future__ import annotations

import re
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import LoginLog, User

#: Session key holding the sign-in's two-factor state.
STATE_KEY = "_huike_2fa"
STATE_OK = "ok"  # nothing more to do
STATE_VERIFY = "verify"  # has a device, this session has not passed it yet
STATE_ENROL = "enrol"  # a role requires two-factor and the user has no device yet


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def otp_required(user: User) -> bool:
    """Whether signing ``user`` in needs a code: they set up a device, or a role demands one."""
    return confirmed_device(user) is not None or user.requires_2fa


def verify_totp(user: User, code: str, *, request=None) -> bool:
    """Whether ``code`` is the current code of one of the user's confirmed devices.

    Used by the sign-in verify step and the API token endpoint. A code is accepted once only
    (django-otp remembers the last time step) and failures are throttled by django-otp and
    written to the login log.
    """
    code = re.sub(r"\s+", "", code or "")
    verified = False
    if code.isdigit():
        with transaction.atomic():
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    verified = True
                    user.otp_device = device
                    break
    if not verified:
        from .login_guard import lock_if_needed, record_attempt

        # Guessing codes counts like guessing passwords: enough wrong codes lock the account.
        attempt = record_attempt(request, user.username, LoginLog.Result.BAD_OTP, user)
        lock_if_needed(user, attempt)
    return verified


def state_for(user: User) -> str:
    if getattr(user, "otp_device", None) is not None:
        return STATE_OK
    if confirmed_device(user) is not None:
        return STATE_VERIFY
    if user.requires_2fa:
        return STATE_ENROL
    return STATE_OK


def set_state(request, state: str) -> None:
    request.session[STATE_KEY] = state


def device_secret(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(text: str, label: str) -> SafeString:
    """``text`` as an inline SVG QR code (no image request, no external service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'\s(width|height)="[^"]*"', "", svg, count=2)
    # The markup is produced by the qrcode library from our own data; only the label is text.
    attrs = format_html(' class="qr-code" role="img" aria-label="{}"', label)
    return mark_safe(svg.replace("<svg", f"<svg{attrs}", 1))  # noqa: S308


class TwoFactorGateMiddleware:
    """Keeps a signed-in user who still owes a second factor away from everything but the
    enrolment page, the verify step, sign-out and static files (ORG-10)."""

    EXEMPT_PREFIXES = ("/static/", "/media/", "/i18n/", "/login/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = request.session.get(STATE_KEY) if hasattr(request, "session") else None
        if state in (STATE_VERIFY, STATE_ENROL) and request.user.is_authenticated:
            if request.user.is_verified():
                set_state(request, STATE_OK)
            elif not self._exempt(request.path, state):
                return self._refuse(request, state)
        return self.get_response(request)

    def _exempt(self, path: str, state: str) -> bool:
        allowed = [reverse("logout")]
        if state == STATE_ENROL:
            allowed.append(reverse("account:two_factor"))
        return path in allowed or path.startswith(self.EXEMPT_PREFIXES)

    def _refuse(self, request, state: str):
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": _("Set up two-factor sign-in before using Huike."),
                    "code": "two_factor_required",
                },
                status=403,
            )
        if state == STATE_ENROL:
            return redirect("account:two_factor")
        return redirect(f"{reverse('login_verify')}?{urlencode({'next': request.get_full_path()})}")
