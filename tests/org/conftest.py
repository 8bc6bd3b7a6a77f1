"""Fixtures for the sign-in and personal-settings tests."""

from __future__ import annotations

import re
import time

import pytest

from huike.core.models import SystemSettings

CAPTCHA_ANSWER = "K7MX"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.fixture
def policy(db):
    """Edit the company security settings: ``policy(trusted_ip_ranges="10.0.0.0/8")``."""

    def _set(**values):
        settings_row = SystemSettings.get()
        for name, value in values.items():
            setattr(settings_row, name, value)
        settings_row.save()
        return settings_row

    return _set


@pytest.fixture
def known_captcha(monkeypatch):
    """Every captcha picture says CAPTCHA_ANSWER, so a test can type it."""
    from huike.org import captcha

    monkeypatch.setattr(captcha, "random_answer", lambda: CAPTCHA_ANSWER)
    return CAPTCHA_ANSWER


def totp_now(device, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for ``device`` (a later step avoids django-otp's
    refusal to accept the same time step twice)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def assert_no_inline_script(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
