"""Fixtures of the customers tests: the demo company's users and quick builders."""

from __future__ import annotations

from typing import Any

import pytest

from huike.customers import services
from huike.customers.models import Contact, Customer


@pytest.fixture
def make_customer():
    """make_customer(user, name, **fields) creates through the service, as a user would."""

    def _make(user: Any, name: str, **fields: Any) -> Customer:
        return services.create_customer(user, {"name": name, **fields})

    return _make


@pytest.fixture
def make_contact():
    def _make(user: Any, customer: Customer, name: str, **fields: Any) -> Contact:
        return services.create_contact(user, customer, {"name": name, **fields})

    return _make
