"""Fixtures shared by the whole suite. Add module-specific fixtures in that folder's
conftest.py, not here."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from huike.org.demo import DEMO_PASSWORD, load_demo


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached rows (SystemSettings, dictionaries) would outlive a test's rollback."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(db):
    """The demo company's departments and users (SPEC.md DEMO), without its sample records
    (tests add their own; tests/customers/test_demo_customers.py covers them); returns
    {username: User}."""
    from huike.org.models import User

    load_demo(sample_records=False)
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def login(client):
    """login("rep_east1") signs the test client in as that demo user and returns the client."""

    def _login(username: str, password: str = DEMO_PASSWORD):
        from huike.org.models import User

        user = User.objects.get(username=username)
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def english(client):
    """Run a test in English: services called directly and the test client's requests.

    The product's default language is Chinese; tests that assert message texts name English.
    """
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def password():
    return DEMO_PASSWORD
