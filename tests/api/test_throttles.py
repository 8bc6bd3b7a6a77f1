"""Rate limits answer 429 with a JSON body; the rates come from the settings at request time."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings


def rates(**changed):
    conf = dict(settings.REST_FRAMEWORK)
    conf["DEFAULT_THROTTLE_RATES"] = {**conf["DEFAULT_THROTTLE_RATES"], **changed}
    return override_settings(REST_FRAMEWORK=conf)


def test_token_endpoint_is_throttled(api_client, demo, password):
    with rates(token="2/min"):
        for _ in range(2):
            ok = api_client.post(
                "/api/v1/auth/token/", {"username": "rep_east1", "password": password}
            )
            assert ok.status_code == 200
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": "rep_east1", "password": password},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert "throttled" in body["detail"]
    assert int(response["Retry-After"]) > 0


def test_user_rate(bearer, demo):
    client = bearer("rep_east1")
    with rates(user="3/min"):
        codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another user has a budget of their own.
    with rates(user="3/min"):
        assert bearer("rep_east2").get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/docs/"])
def test_anonymous_rate(api_client, db, url):
    with rates(anon="2/min"):
        codes = [api_client.get(url).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
