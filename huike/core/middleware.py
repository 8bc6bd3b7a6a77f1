"""Response hardening and per-request context shared by every page and API call."""

from __future__ import annotations

from django.conf import settings

from .request_context import client_ip, reset_current_ip, set_current_ip


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy (NFR-03) and remembers the client IP for logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_ip(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            reset_current_ip(token)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        return response
