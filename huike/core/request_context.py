"""The client address of the request being served, for logs written deep in services.

Kept in a ContextVar (per thread and per async task), never in a module global, so it is
correct under any worker model.
"""

from __future__ import annotations

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("huike_client_ip", default=None)


def client_ip(request) -> str | None:
    """The client address. Behind a proxy, set HUIKE_TRUSTED_PROXY_COUNT to read X-F-F."""
    from django.conf import settings

    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR")


def set_current_ip(ip: str | None):
    return _ip.set(ip)


def reset_current_ip(token) -> None:
    _ip.reset(token)


def current_ip() -> str | None:
    return _ip.get()
