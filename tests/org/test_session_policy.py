"""Idle timeout (ORG-10) and the online-users clock (ORG-08), enforced by
huike.org.middleware.SessionPolicyMiddleware."""

from __future__ import annotations

import time

from django.urls import reverse

from huike.core.models import SystemSettings
from huike.org.middleware import LAST_ACTIVE_KEY
from huike.org.models import UserSession


def _idle_for(client, seconds: float) -> None:
    session = client.session
    session[LAST_ACTIVE_KEY] = time.time() - seconds
    session.save()


def _set_timeout(minutes: int) -> None:
    row = SystemSettings.get()
    row.session_timeout_minutes = minutes
    row.save()


def test_idle_session_is_signed_out(client, demo, password):
    _set_timeout(30)
    client.post(reverse("login"), {"identifier": "rep_east1", "password": password})
    assert client.get(reverse("workbench")).status_code == 200
    _idle_for(client, 31 * 60)

    response = client.get(reverse("workbench"))

    assert response.status_code == 302
    assert "expired=1" in response["Location"]
    assert not UserSession.objects.filter(user=demo["rep_east1"]).exists()
    assert client.get(reverse("workbench")).status_code == 302


def test_activity_within_the_timeout_keeps_the_session(client, demo, password):
    _set_timeout(30)
    client.post(reverse("login"), {"identifier": "rep_east1", "password": password})
    _idle_for(client, 29 * 60)
    assert client.get(reverse("workbench")).status_code == 200
    # The request counted as activity: the clock restarted.
    assert time.time() - client.session[LAST_ACTIVE_KEY] < 5


def test_background_polls_do_not_count_as_activity(client, demo, password):
    _set_timeout(30)
    client.post(reverse("login"), {"identifier": "rep_east1", "password": password})
    _idle_for(client, 20 * 60)
    client.get(reverse("workbench"), headers={"X-Huike-Poll": "1"})
    assert time.time() - client.session[LAST_ACTIVE_KEY] > 19 * 60
