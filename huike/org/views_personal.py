"""Personal settings pages (ORG-09), one small page per section under /account/.

Each POST parses its form and calls one service from account_services; errors come back as
DomainError and are shown next to the field they name.
"""

from __future__ import annotations

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from huike.core.errors import DomainError

from . import account_services as services
from . import two_factor
from .forms_account import (
    AppearanceForm,
    DelegationForm,
    FrequentContactsForm,
    NotificationPrefsForm,
    PasswordForm,
    PresenceForm,
    ProfileForm,
)
from .models import Delegation

#: (url name, label, icon) of the sections, in the order of the side menu.
SECTIONS = [
    ("profile", gettext_lazy("Profile"), "ti-user"),
    ("password", gettext_lazy("Password"), "ti-key"),
    ("status", gettext_lazy("Status"), "ti-circle-dot"),
    ("contacts", gettext_lazy("Frequent contacts"), "ti-address-book"),
    ("notifications", gettext_lazy("Notifications"), "ti-bell"),
    ("appearance", gettext_lazy("Language and theme"), "ti-palette"),
    ("two_factor", gettext_lazy("Two-factor sign-in"), "ti-shield-lock"),
    ("delegations", gettext_lazy("Delegation"), "ti-arrows-exchange"),
]


def _page(request, section: str, context: dict, *, status: int = 200):
    context.update({"section": section, "sections": SECTIONS})
    return render(request, f"org/account/{section}.html", context, status=status)


def _saved(request, section: str):
    messages.success(request, _("Saved."))
    return redirect(f"account:{section}")


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={"name": user.name, "email": user.email or "", "gender": user.gender},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _saved(request, "profile")
    roles = user.roles.all()
    return _page(
        request, "profile", {"form": form, "roles": roles}, status=400 if form.errors else 200
    )


@sensitive_post_parameters("current_password", "new_password", "confirm_password")
@login_required
def password(request):
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.change_password(
                request.user,
                current=form.cleaned_data["current_password"],
                new=form.cleaned_data["new_password"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("account:password")
    from django.contrib.auth.password_validation import password_validators_help_texts

    return _page(
        request,
        "password",
        {"form": form, "policy_help": password_validators_help_texts()},
        status=400 if form.errors else 200,
    )


@login_required
def status(request):
    form = PresenceForm(request.POST or None, initial={"presence": request.user.presence})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_presence(request.user, form.cleaned_data["presence"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _saved(request, "status")
    return _page(request, "status", {"form": form}, status=400 if form.errors else 200)


@login_required
def contacts(request):
    user = request.user
    form = FrequentContactsForm(
        request.POST or None,
        user=user,
        initial={"contacts": list(user.frequent_contacts.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_frequent_contacts(user, form.cleaned_data["contacts"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _saved(request, "contacts")
    current = user.frequent_contacts.select_related("department").order_by("name")
    return _page(
        request,
        "contacts",
        {"form": form, "current": current},
        status=400 if form.errors else 200,
    )


@login_required
def notifications(request):
    user = request.user
    initial = {}
    for row in services.notification_matrix(user):
        initial[f"{row['kind']}__in_app"] = row["in_app"]
        initial[f"{row['kind']}__email"] = row["email"]
    form = NotificationPrefsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_notification_prefs(user, form.prefs())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return _saved(request, "notifications")
    return _page(request, "notifications", {"form": form, "has_email": bool(user.email)})


@login_required
def appearance(request):
    form = AppearanceForm(initial={"language": request.user.language, "theme": request.user.theme})
    return _page(request, "appearance", {"form": form})


def _back(request) -> str:
    """A safe ``next``, else the page the request came from, else the appearance page."""
    for target in (
        request.POST.get("next") or request.GET.get("next"),
        request.META.get("HTTP_REFERER"),
    ):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return "account:appearance"


@login_required
def preferences(request):
    """Language and/or theme, from the top-bar menu or the appearance page. A field that is not
    posted is left alone; an empty language means "follow the browser"."""
    if request.method != "POST":
        return redirect("account:appearance")
    language = request.POST.get("language") if "language" in request.POST else None
    theme = request.POST.get("theme") if "theme" in request.POST else None
    try:
        user = services.set_preferences(request.user, language=language, theme=theme)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_back(request))
    response = redirect(_back(request))
    if language is not None:
        if user.language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        else:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
            )
    return response


@login_required
def two_factor_page(request):
    user = request.user
    device = two_factor.confirmed_device(user)
    if device is not None:
        return _page(
            request,
            "two_factor",
            {"device": device, "required": user.requires_2fa},
        )
    from .forms_account import OtpForm

    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.confirm_two_factor(user, form.cleaned_data["code"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            django_otp.login(request, device)
            gated = request.session.get(two_factor.STATE_KEY) == two_factor.STATE_ENROL
            two_factor.set_state(request, two_factor.STATE_OK)
            messages.success(request, _("Two-factor sign-in is on."))
            return redirect("workbench" if gated else "account:two_factor")
    pending = services.start_two_factor(user)
    return _page(
        request,
        "two_factor",
        {
            "form": form,
            "required": user.requires_2fa,
            "qr": two_factor.qr_svg(pending.config_url, _("QR code for your authenticator app")),
            "secret": two_factor.device_secret(pending),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def two_factor_disable(request):
    try:
        services.disable_two_factor(request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("account:two_factor")


@login_required
def delegations(request):
    user = request.user
    form = DelegationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_delegation(user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("account:delegations")
    now = timezone.now()
    mine = Delegation.objects.filter(user=user, ends_at__gt=now).select_related("delegate")
    to_me = Delegation.objects.filter(delegate=user, ends_at__gt=now).select_related("user")
    return _page(
        request,
        "delegations",
        {"form": form, "mine": mine, "to_me": to_me, "now": now},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def delegation_delete(request, pk: int):
    delegation = get_object_or_404(Delegation, pk=pk, user=request.user)
    services.delete_delegation(request.user, delegation)
    messages.success(request, _("Delegation deleted."))
    return redirect("account:delegations")
