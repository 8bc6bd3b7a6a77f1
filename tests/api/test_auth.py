"""POST/DELETE /api/v1/auth/token/ and bearer authentication."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.exceptions import PermissionDenied

from huike.org.models import ApiToken, LoginLog, Role

TOKEN_URL = "/api/v1/auth/token/"


def obtain(client, username, password, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password, **extra})


@pytest.mark.parametrize("identifier", ["rep_east1", "13800000003", "REP_EAST1@huike.example"])
def test_token_by_username_mobile_or_email(api_client, demo, password, identifier):
    response = obtain(api_client, identifier, password)
    assert response.status_code == 200, response.content
    raw = response.json()["token"]
    assert len(raw) >= 40
    # Only the digest is stored, never the token itself.
    token = ApiToken.objects.get(user=demo["rep_east1"])
    assert token.digest == ApiToken.hash(raw)
    assert raw not in {token.digest, token.name}
    assert LoginLog.objects.filter(user=demo["rep_east1"], result="success").exists()

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "rep_east1"


def test_wrong_password_is_a_json_error_and_logged(api_client, demo):
    response = obtain(api_client, "rep_east1", "not-the-password")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert not ApiToken.objects.exists()
    assert LoginLog.objects.filter(
        user=demo["rep_east1"], result=LoginLog.Result.BAD_PASSWORD
    ).exists()


def test_missing_fields_answer_in_validation_shape(api_client, db):
    response = api_client.post(TOKEN_URL, {"username": "x"})
    assert response.status_code == 400
    assert "password" in response.json()
    assert isinstance(response.json()["password"], list)


def test_locked_out_user_is_refused_even_with_the_right_password(api_client, demo, password):
    user = demo["rep_east1"]
    user.locked_until = timezone.now() + timedelta(minutes=30)
    user.save(update_fields=["locked_until"])
    response = obtain(api_client, "rep_east1", password)
    assert response.status_code == 400
    assert response.json()["code"] == "locked"
    assert not ApiToken.objects.exists()


def test_disabled_user_gets_no_token(api_client, demo, password):
    user = demo["rep_east2"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = obtain(api_client, "rep_east2", password)
    assert response.status_code == 400
    assert response.json()["code"] == "disabled"


def _device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_user_with_a_device_must_send_a_valid_otp(api_client, demo, password):
    user = demo["rep_east1"]
    device = _device(user)

    missing = obtain(api_client, "rep_east1", password)
    assert missing.status_code == 400
    assert missing.json()["code"] == "otp_required"
    assert "otp" in missing.json()

    wrong_code = f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"
    wrong = obtain(api_client, "rep_east1", password, otp=wrong_code)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "otp_invalid"
    assert LoginLog.objects.filter(user=user, result=LoginLog.Result.BAD_OTP).exists()
    assert not ApiToken.objects.exists()

    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait after a failure
    good = obtain(api_client, "rep_east1", password, otp=f"{totp(device.bin_key):06d}")
    assert good.status_code == 200, good.content
    assert ApiToken.objects.filter(user=user).count() == 1


def test_role_requiring_2fa_without_a_device_gets_no_token(api_client, demo, password):
    Role.objects.filter(code="sales_rep").update(require_2fa=True)
    response = obtain(api_client, "rep_east1", password, otp="123456")
    assert response.status_code == 400
    assert response.json()["code"] == "two_factor_setup"
    assert not ApiToken.objects.exists()


def test_bad_token_is_401_json(api_client, db):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Bearer"


def test_no_credentials_is_401_json(api_client, db):
    response = api_client.get("/api/v1/departments/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_messages_follow_accept_language(api_client, db):
    response = api_client.get("/api/v1/departments/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"] == "身份认证信息未提供。"


def test_expired_token_and_disabled_user_are_refused(bearer, demo):
    client = bearer("rep_east1")
    assert client.get("/api/v1/me/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/me/").status_code == 401

    other = bearer("rep_east2")
    demo["rep_east2"].is_active = False
    demo["rep_east2"].save(update_fields=["is_active"])
    assert other.get("/api/v1/me/").status_code == 401


def test_delete_revokes_the_presented_token_only(bearer, demo):
    client = bearer("rep_east1")
    keep = bearer("rep_east1")
    response = client.delete(TOKEN_URL)
    assert response.status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert keep.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.filter(user=demo["rep_east1"]).count() == 1


def test_sign_in_works_while_an_old_token_is_still_sent(api_client, demo, password):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer revoked-long-ago")
    assert obtain(api_client, "rep_east1", password).status_code == 200


def test_user_language_applies_to_token_requests(bearer, demo):
    user = demo["rep_east1"]
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    client = bearer("rep_east1")
    response = client.post("/api/v1/departments/", {"name": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    with translation.override("zh-hans"):
        expected = str(PermissionDenied.default_detail)
    with translation.override("en"):
        english = str(PermissionDenied.default_detail)
    # The user's saved language beats the request's Accept-Language.
    assert expected != english
    assert response.json()["detail"] == expected
