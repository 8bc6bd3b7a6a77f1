"""Lock-out under parallel attempts (PostgreSQL): counts come from the database, and the lock is
set by one conditional update however many failures race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import RequestFactory

from huike.org.login_guard import LoginRefused, attempt_login
from huike.org.models import LoginLog, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 8


def _attempt(_index: int) -> str:
    request = RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR="127.0.0.1")
    try:
        attempt_login(request, "racer", "wrong", captcha_passed=None)
    except LoginRefused as refused:
        return refused.code
    finally:
        connections.close_all()
    return "success"


def test_parallel_failures_lock_the_account_once(policy):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real parallel transactions")
    policy(lockout_after_failures=3, lockout_minutes=30)
    User.objects.create_user("racer", "Right-pass-1", name="Racer")
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(_attempt, range(ATTEMPTS)))
    assert "success" not in codes
    assert "locked" in codes
    user = User.objects.get(username="racer")
    assert user.is_locked
    # Every attempt left its row; no attempt was lost to a race.
    assert LoginLog.objects.filter(user=user).count() == ATTEMPTS
    # Attempts that still saw no lock were counted as wrong passwords: more failures than the
    # limit can never hide the lock.
    assert LoginLog.objects.filter(user=user, result=LoginLog.Result.LOCKED).count() >= 1
