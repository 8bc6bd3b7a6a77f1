"""Fixtures shared by the whole suite. Add module-specific fixtures in that folder's
conftest.py, not here."""

from __future__ import annotations

import pytest

from huike.org.demo import DEMO_PASSWORD, load_demo


@pytest.fixture
def demo(db):
    """The demo company (SPEC.md DEMO); returns {username: User}."""
    from huike.org.models import User

    load_demo()
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
def password():
    return DEMO_PASSWORD
