"""Sign-in and sign-out bookkeeping (ORG-08, PLT-02): infrastructure only, no business rules.

Receivers of Django's own signals, so every way of signing a browser in or out (the login
page, the verify step, the idle timeout, tests' force_login) keeps the online-users list and
the two-factor gate right.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out

from huike.core.request_context import client_ip

from . import two_factor
from .models import LoginLog, UserSession


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def track_session(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "ip": client_ip(request), "user_agent": _user_agent(request)},
    )
    two_factor.set_state(request, two_factor.state_for(user))


def end_session(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    if user is not None and getattr(user, "pk", None):
        from .login_guard import record_attempt

        record_attempt(request, user.get_username(), LoginLog.Result.LOGOUT, user)


def connect() -> None:
    user_logged_in.connect(track_session, dispatch_uid="huike.org.track_session")
    user_logged_out.connect(end_session, dispatch_uid="huike.org.end_session")
