"""Bearer-token authentication for the REST API."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken


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
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
