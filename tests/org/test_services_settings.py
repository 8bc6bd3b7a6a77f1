"""Security settings (ORG-10), company name and logo (PLT-03), ending sessions (ORG-08)."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from huike.core.errors import DomainError
from huike.core.models import OperationLog, SystemSettings
from huike.org import services
from huike.org.models import UserSession


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_settings_cache():
    """The settings row is cached; a rolled-back test must not leave its values behind."""
    cache.delete(SystemSettings.CACHE_KEY)
    yield
    cache.delete(SystemSettings.CACHE_KEY)


def image_file(fmt: str = "PNG", name: str = "logo.png", size=(32, 32)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_security_settings_are_saved_and_logged(demo):
    services.update_security_settings(
        demo["admin"],
        trusted_ip_ranges=" 192.168.1.0/24 \n\n10.0.0.0/8",
        password_min_length=12,
        session_timeout_minutes=60,
    )
    saved = SystemSettings.get()
    assert saved.trusted_ip_ranges == "192.168.1.0/24\n10.0.0.0/8"
    assert saved.password_min_length == 12
    assert saved.is_trusted_ip("10.2.3.4")
    entry = OperationLog.objects.get(action="settings")
    assert {c["field"] for c in entry.changes} == {
        "trusted_ip_ranges",
        "password_min_length",
        "session_timeout_minutes",
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"trusted_ip_ranges": "192.168.1.0/24\nnot-an-ip"}, "trusted_ip_ranges"),
        ({"password_min_length": 3}, "password_min_length"),
        ({"session_timeout_minutes": 1}, "session_timeout_minutes"),
        ({"captcha_after_failures": 9, "lockout_after_failures": 5}, "captcha_after_failures"),
    ],
)
def test_bad_security_settings_change_nothing(demo, values, field):
    with pytest.raises(services.InvalidInput) as error:
        services.update_security_settings(demo["admin"], **values)
    assert field in error.value.errors
    fresh = SystemSettings.objects.get(pk=1)
    assert fresh.trusted_ip_ranges == ""
    assert fresh.password_min_length == 8
    assert not OperationLog.objects.filter(action="settings").exists()


def test_new_password_policy_applies_at_once(demo):
    services.update_security_settings(demo["admin"], password_min_length=16)
    with pytest.raises(DomainError):
        services.reset_password(demo["admin"], demo["rep_east1"], "Fifteen-chars-1")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_real_logo_is_stored_under_its_true_type(demo, fmt):
    services.update_company_settings(
        demo["admin"], company_name="汇客集团", logo=image_file(fmt, name="whatever.bin")
    )
    saved = SystemSettings.get()
    assert saved.company_name == "汇客集团"
    assert saved.logo.name.startswith("branding/logo")
    assert saved.logo.name.endswith("." + services.LOGO_FORMATS[fmt])
    assert OperationLog.objects.filter(action="settings").exists()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("logo.png", b"<?php echo 'hi'; ?>", content_type="image/png"),
        SimpleUploadedFile(
            "logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png"
        ),
    ],
)
def test_fake_image_is_refused(demo, upload):
    with pytest.raises(DomainError) as error:
        services.update_company_settings(demo["admin"], company_name="x", logo=upload)
    assert error.value.field == "logo"
    assert SystemSettings.objects.get(pk=1).company_name != "x"


def test_other_image_formats_are_refused(demo):
    with pytest.raises(DomainError) as error:
        services.update_company_settings(
            demo["admin"], company_name="x", logo=image_file("BMP", name="logo.bmp")
        )
    assert error.value.code == "logo_type"


def test_big_logo_is_refused(demo):
    upload = image_file()
    upload.size = services.MAX_LOGO_BYTES + 1
    with pytest.raises(DomainError) as error:
        services.update_company_settings(demo["admin"], company_name="x", logo=upload)
    assert error.value.code == "logo_size"


def test_replacing_and_removing_the_logo_deletes_old_files(
    demo, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_company_settings(demo["admin"], company_name="A", logo=image_file())
    first = SystemSettings.get().logo.name
    with django_capture_on_commit_callbacks(execute=True):
        services.update_company_settings(demo["admin"], company_name="A", logo=image_file())
    assert not (media / first).exists()
    second = SystemSettings.get().logo.name
    with django_capture_on_commit_callbacks(execute=True):
        services.update_company_settings(demo["admin"], company_name="A", remove_logo=True)
    assert not SystemSettings.get().logo
    assert not (media / second).exists()


def test_settings_need_system_manage(demo):
    with pytest.raises(PermissionDenied):
        services.update_security_settings(demo["rep_east1"], password_min_length=6)
    with pytest.raises(PermissionDenied):
        services.update_company_settings(demo["rep_east1"], company_name="x")


def test_end_session_removes_it_and_logs(demo):
    session = UserSession.objects.create(session_key="a" * 32, user=demo["rep_east1"], ip="1.2.3.4")
    with pytest.raises(PermissionDenied):
        services.end_user_session(demo["rep_east2"], session)
    services.end_user_session(demo["admin"], session)
    assert not UserSession.objects.filter(pk=session.pk).exists()
    entry = OperationLog.objects.get(action="end_session")
    assert entry.object_id == str(demo["rep_east1"].pk)
    assert "1.2.3.4" in entry.message
