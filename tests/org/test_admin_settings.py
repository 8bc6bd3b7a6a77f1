"""Security and company settings pages (ORG-10, PLT-03) through HTTP."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from huike.core.models import SystemSettings


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.delete(SystemSettings.CACHE_KEY)
    yield
    cache.delete(SystemSettings.CACHE_KEY)


def security_post(**overrides):
    data = {
        "trusted_ip_ranges": "192.168.0.0/16",
        "password_min_length": 10,
        "password_require_digit": "on",
        "password_require_letter": "on",
        "session_timeout_minutes": 120,
        "captcha_after_failures": 3,
        "lockout_after_failures": 10,
        "lockout_minutes": 30,
    }
    data.update(overrides)
    return data


def test_security_settings_save(login, demo):
    response = login("admin").post(reverse("org:security"), security_post())
    assert response.status_code == 302
    saved = SystemSettings.objects.get(pk=1)
    assert saved.password_min_length == 10
    assert saved.session_timeout_minutes == 120
    assert not saved.password_require_symbol


def test_bad_ip_range_is_refused_with_a_message(login, demo):
    response = login("admin").post(
        reverse("org:security"), security_post(trusted_ip_ranges="192.168.0.0/16\n300.1.1.1")
    )
    assert response.status_code == 200
    assert "trusted_ip_ranges" in response.context["form"].errors
    assert SystemSettings.objects.get(pk=1).trusted_ip_ranges == ""


def test_company_name_and_logo(login, demo):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "blue").save(buffer, "PNG")
    logo = SimpleUploadedFile("brand.png", buffer.getvalue(), content_type="image/png")
    client = login("admin")
    response = client.post(reverse("org:company"), {"company_name": "汇客集团", "logo": logo})
    assert response.status_code == 302
    page = client.get(reverse("workbench")).content.decode()
    assert "汇客集团" in page
    assert SystemSettings.get().logo.url in page


def test_fake_logo_is_refused_with_a_translated_message(login, demo):
    fake = SimpleUploadedFile("logo.png", b"GIF89a but not really", content_type="image/png")
    response = login("admin").post(
        reverse("org:company"),
        {"company_name": "汇客集团", "logo": fake},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["logo"]
    assert "PNG, JPEG, WebP or GIF" in errors[0]
    assert SystemSettings.objects.get(pk=1).company_name != "汇客集团"
    assert not SystemSettings.objects.get(pk=1).logo
