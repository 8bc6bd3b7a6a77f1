"""Fixtures for the REST API tests: DRF clients signed in with a bearer token."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from huike.org.api_auth import issue_token


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer(demo):
    """bearer("rep_east1") returns an APIClient sending that demo user's fresh token."""

    def _bearer(username: str) -> APIClient:
        client = APIClient()
        token = issue_token(demo[username])
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return _bearer


@pytest.fixture
def admin_api(bearer):
    return bearer("admin")
