"""Per-request session rules: idle timeout, online tracking and the user's language."""

from __future__ import annotations

import time

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone, translation

from huike.core.models import SystemSettings

from .models import UserSession

LAST_ACTIVE_KEY = "_huike_last_active"
#: Write the activity timestamp at most this often, so reading pages does not write each time.
TOUCH_EVERY_SECONDS = 60


class SessionPolicyMiddleware:
    """Signs a session out after the configured idle time (ORG-10) and keeps the online-users
    list (ORG-08) current."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            now = time.time()
            last = request.session.get(LAST_ACTIVE_KEY, now)
            timeout = SystemSettings.get().session_timeout_minutes * 60
            if now - last > timeout:
                UserSession.objects.filter(session_key=request.session.session_key).delete()
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"/login/?next={request.path}&expired=1")
            # Background polls (notification badge) are not the user being active; counting
            # them would keep an unattended tab signed in for ever.
            polling = request.headers.get("X-Huike-Poll") == "1"
            if not polling and (
                now - last >= TOUCH_EVERY_SECONDS or LAST_ACTIVE_KEY not in request.session
            ):
                request.session[LAST_ACTIVE_KEY] = now
                UserSession.objects.filter(session_key=request.session.session_key).update(
                    last_seen_at=timezone.now()
                )
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's chosen language beats the browser's (PLT-01)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
