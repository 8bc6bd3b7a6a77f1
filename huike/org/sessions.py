"""Signed-in sessions (ORG-08): tracking, listing and ending them."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from .models import User, UserSession


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def end_session(session: UserSession) -> None:
    """Sign the browser out: its next request finds no session and goes to the login page."""
    _store(session.session_key).delete()
    session.delete()


def end_all_sessions(user: User) -> None:
    for session in UserSession.objects.filter(user=user):
        end_session(session)
