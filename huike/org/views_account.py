"""Sign-in pages (PLT-02): password step, second factor, captcha picture.

The decisions are made in login_guard and two_factor; these views parse the form, show the
result and log the browser in.
"""

from __future__ import annotations

import time

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from . import captcha, two_factor
from .forms_account import LoginForm, OtpForm
from .login_guard import LoginRefused, attempt_login, captcha_required
from .models import User

#: Session key of a sign-in whose password was right and whose code is still owed.
PENDING_KEY = "_huike_2fa_pending"
PENDING_SECONDS = 5 * 60


def safe_next(request, fallback: str | None = None) -> str:
    """The ``next`` target when it stays on this site and is not a sign-in page itself."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and not target.startswith(reverse("login"))
    ):
        return target
    return fallback or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _finish_password_step(request, user: User, next_url: str):
    """Sign in, or hold the sign-in until the second factor when the user has a device."""
    if two_factor.confirmed_device(user) is not None:
        request.session[PENDING_KEY] = {"user": user.pk, "at": time.time(), "next": next_url}
        return redirect(_with_next("login_verify", next_url))
    auth_login(request, user)
    if request.session.get(two_factor.STATE_KEY) == two_factor.STATE_ENROL:
        messages.info(
            request,
            _("Your role requires two-factor sign-in. Set it up now to continue."),
        )
        return redirect("account:two_factor")
    return redirect(next_url)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = safe_next(request)
    error = ""
    if request.method == "POST":
        form = LoginForm(request.POST)
        identifier = request.POST.get("identifier", "")
        show_captcha = False
        if form.is_valid():
            typed = form.cleaned_data["captcha"]
            passed = captcha.check(request, typed) if typed else False
            try:
                user = attempt_login(
                    request,
                    form.cleaned_data["identifier"],
                    form.cleaned_data["password"],
                    captcha_passed=passed,
                )
            except LoginRefused as refused:
                error = refused.message
                if refused.code == "captcha" and typed:
                    error = _("The characters do not match the picture. Try the new picture.")
                show_captcha = refused.captcha_required
            else:
                return _finish_password_step(request, user, next_url)
        else:
            show_captcha = captcha_required(request, identifier)
        form = LoginForm(
            initial={"identifier": form.data.get("identifier", "")},
        )
    else:
        form = LoginForm()
        show_captcha = captcha_required(request, "")
    return render(
        request,
        "org/login.html",
        {
            "form": form,
            "error": error,
            "show_captcha": show_captcha,
            "next": next_url,
            "expired": request.GET.get("expired") == "1",
            "captcha_nonce": time.monotonic_ns(),
        },
        status=400 if error else 200,
    )


def _pending_user(request) -> tuple[User | None, bool]:
    """The user owing a code: a held sign-in (True) or a signed-in, unverified session."""
    pending = request.session.get(PENDING_KEY)
    if pending and time.time() - pending.get("at", 0) <= PENDING_SECONDS:
        user = User.objects.filter(pk=pending["user"], is_active=True).first()
        if user is not None:
            return user, True
    request.session.pop(PENDING_KEY, None)
    if (
        request.user.is_authenticated
        and request.session.get(two_factor.STATE_KEY) == two_factor.STATE_VERIFY
    ):
        return request.user, False
    return None, False


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request):
    user, held = _pending_user(request)
    if user is None:
        messages.warning(request, _("Sign in again: the sign-in took too long."))
        return redirect("login")
    next_url = safe_next(request, (request.session.get(PENDING_KEY) or {}).get("next"))
    form = OtpForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if user.is_locked:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, _("This account is locked. Try again later."))
            return redirect("login")
        if two_factor.verify_totp(user, form.cleaned_data["code"], request=request):
            if held:
                request.session.pop(PENDING_KEY, None)
                user.backend = "huike.org.backends.LoginIdentifierBackend"
                # user.otp_device is set, so django-otp marks the new session verified.
                auth_login(request, user)
            else:
                django_otp.login(request, user.otp_device)
            two_factor.set_state(request, two_factor.STATE_OK)
            return redirect(next_url)
        if user.is_locked:
            request.session.pop(PENDING_KEY, None)
            messages.error(request, _("Too many wrong codes: this account is now locked."))
            return redirect("login")
        error = _("That code is not right. Type the newest code your app shows.")
    return render(
        request,
        "org/account/verify.html",
        {"form": form, "error": error, "next": next_url, "pending_user": user},
        status=400 if error else 200,
    )


@require_GET
@never_cache
def captcha_image(request):
    response = HttpResponse(captcha.draw(captcha.new_challenge(request)), content_type="image/png")
    response["Cache-Control"] = "no-store, max-age=0"
    return response
