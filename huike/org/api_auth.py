"""Bearer-token authentication for the REST API.

A token is shown to its owner once, when issued; the database keeps only its SHA-256, so a
leaked backup or database dump does not hand out working credentials.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, User

#: Recording "last used" on every request would turn each read into a write; once a minute
#: is precise enough for the token list.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def issue_token(user: User, name: str = "") -> str:
    """Create a token for ``user`` and return the raw value (never stored)."""
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=ApiToken.hash(raw), name=name[:100])
    return raw


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        raw = header[1].decode(errors="ignore")
        token = ApiToken.objects.select_related("user").filter(digest=ApiToken.hash(raw)).first()
        now = timezone.now()
        if (
            token is None
            or not token.user.is_active
            or (token.expires_at and token.expires_at <= now)
        ):
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        user = token.user
        if user.language:
            # The session middleware cannot see a token's user; honour their language here
            # as UserLanguageMiddleware does for pages (PLT-01).
            translation.activate(user.language)
            request._request.LANGUAGE_CODE = user.language
        return user, token

    def authenticate_header(self, request):
        return self.keyword
