"""The OpenAPI schema validates and the interactive docs work with no internet."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.management import call_command


def test_schema_validates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/auth/token/", "/api/v1/me/", "/api/v1/users/{id}/disable/"):
        assert path in text


def test_schema_endpoint_yaml_and_json(api_client, db):
    yaml = api_client.get("/api/v1/schema/")
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3" in yaml.content
    data = api_client.get("/api/v1/schema/?format=json").json()
    assert data["openapi"].startswith("3.")
    assert data["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/departments/{id}/move/" in data["paths"]


def test_docs_are_served_locally_under_the_csp(api_client, db):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert csp == settings.CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]

    # No inline script: every <script> has a src, and every URL is same-origin.
    assert "<script>" not in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        url = url.replace("&amp;", "&")
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert url.startswith(("/static/", "/api/v1/docs/")), url
        fetched = api_client.get(url)
        assert fetched.status_code == 200, url
        if url.startswith("/api/v1/docs/"):
            assert fetched["Content-Type"].startswith("application/javascript")
            assert b"SwaggerUIBundle" in fetched.content
    static = [u for u in urls if u.startswith("/static/")]
    assert any(u.endswith("swagger-ui-bundle.js") for u in static)
    assert any(u.endswith("swagger-ui.css") for u in static)
