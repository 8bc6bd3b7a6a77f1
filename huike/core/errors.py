"""Domain errors: what a service raises when a user's request breaks a business rule."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``message`` is translated and tells the user what to do;
    ``field`` names the input at fault, if one is."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class ConflictError(DomainError):
    """The request lost a race or collides with existing data (HTTP 409)."""

    status_code = 409
