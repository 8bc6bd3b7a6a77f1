"""Two-factor sign-in (PLT-02, ORG-10): enrolment, the verify step, role enforcement."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from huike.core.models import OperationLog
from huike.org import two_factor
from huike.org.models import LoginLog, Role, User

from .conftest import assert_no_inline_script, totp_now


@pytest.fixture
def enrolled(demo):
    """rep_east1 with a confirmed authenticator."""
    return TOTPDevice.objects.create(user=demo["rep_east1"], name="phone", confirmed=True)


def sign_in(client, password, identifier="rep_east1", next_url=""):
    data = {"identifier": identifier, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def test_enrolment_shows_a_qr_code_and_confirms_with_a_real_code(login, demo):
    client = login("rep_east1")
    response = client.get(reverse("account:two_factor"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and 'class="qr-code"' in html
    assert_no_inline_script(html)
    device = TOTPDevice.objects.get(user=demo["rep_east1"])
    assert not device.confirmed
    assert two_factor.device_secret(device).replace(" ", "") in html.replace(" ", "")
    # Reloading keeps the same key, so a scanned code stays valid.
    client.get(reverse("account:two_factor"))
    assert TOTPDevice.objects.filter(user=demo["rep_east1"]).count() == 1

    response = client.post(reverse("account:two_factor"), {"code": "000000"})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(reverse("account:two_factor"), {"code": totp_now(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert OperationLog.objects.filter(actor=demo["rep_east1"], action="settings").exists()
    page = client.get(reverse("account:two_factor")).content.decode()
    assert 'id="two-factor-on"' in page and 'id="two-factor-disable"' in page


def test_two_step_sign_in_with_a_real_code(client, enrolled, password):
    response = sign_in(client, password, next_url="/account/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login_verify"))
    # Password right, code still owed: not signed in yet.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("workbench")).status_code == 302

    page = client.get(response.url)
    assert page.status_code == 200
    assert_no_inline_script(page.content.decode())

    wrong = client.post(reverse("login_verify"), {"code": "123456", "next": "/account/"})
    assert wrong.status_code == 400
    assert "_auth_user_id" not in client.session
    assert LoginLog.objects.filter(result=LoginLog.Result.BAD_OTP).count() == 1

    enrolled.refresh_from_db()
    enrolled.throttling_failure_count = 0
    enrolled.save()
    right = client.post(reverse("login_verify"), {"code": totp_now(enrolled), "next": "/account/"})
    assert right.status_code == 302
    assert right.url == "/account/"
    assert client.session["_auth_user_id"] == str(enrolled.user_id)
    assert client.session["otp_device_id"] == enrolled.persistent_id
    assert client.get(reverse("workbench")).status_code == 200


def test_a_code_cannot_be_used_twice(client, enrolled, password):
    code = totp_now(enrolled)
    sign_in(client, password)
    assert client.post(reverse("login_verify"), {"code": code}).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, password)
    assert client.post(reverse("login_verify"), {"code": code}).status_code == 400


def test_the_verify_step_expires(client, enrolled, password):
    sign_in(client, password)
    session = client.session
    session["_huike_2fa_pending"]["at"] = time.time() - 3600
    session.save()
    response = client.post(reverse("login_verify"), {"code": totp_now(enrolled)})
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_role_requiring_two_factor_forces_enrolment_first(client, demo, password):
    Role.objects.filter(code="sales_rep").update(require_2fa=True)
    response = sign_in(client, password)
    assert response.url == reverse("account:two_factor")
    # Every other page sends the user back to the enrolment page.
    for url in (reverse("workbench"), reverse("account:profile"), reverse("account:password")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("account:two_factor")
    api = client.get("/api/v1/schema/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    page = client.get(reverse("account:two_factor"))
    assert page.status_code == 200 and 'id="two-factor-required"' in page.content.decode()

    device = TOTPDevice.objects.get(user=demo["rep_east1"], confirmed=False)
    response = client.post(reverse("account:two_factor"), {"code": totp_now(device)})
    assert response.status_code == 302
    assert client.get(reverse("workbench")).status_code == 200

    # Turning it off is refused while the role demands it.
    client.post(reverse("account:two_factor_disable"))
    assert TOTPDevice.objects.filter(user=demo["rep_east1"], confirmed=True).exists()


def test_gate_lets_sign_out_through(client, demo, password):
    Role.objects.filter(code="sales_rep").update(require_2fa=True)
    sign_in(client, password)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")


def test_users_without_a_requirement_may_turn_two_factor_off(login, enrolled):
    client = login("rep_east1")
    session = client.session
    session[two_factor.STATE_KEY] = two_factor.STATE_OK
    session.save()
    response = client.post(reverse("account:two_factor_disable"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=enrolled.user).exists()


def test_forced_sign_in_of_an_enrolled_user_still_owes_the_code(login, enrolled):
    client = login("rep_east1")
    response = client.get(reverse("workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login_verify"))
    assert client.post(reverse("login_verify"), {"code": totp_now(enrolled)}).status_code == 302
    assert client.get(reverse("workbench")).status_code == 200


def test_api_helpers(demo, enrolled):
    rep, other = demo["rep_east1"], demo["rep_east2"]
    assert two_factor.otp_required(rep)
    assert not two_factor.otp_required(other)
    assert not two_factor.verify_totp(rep, "12345x")
    assert not two_factor.verify_totp(rep, "")
    enrolled.refresh_from_db()
    enrolled.throttling_failure_count = 0
    enrolled.save()
    assert two_factor.verify_totp(rep, totp_now(enrolled))
    assert LoginLog.objects.filter(user=rep, result=LoginLog.Result.BAD_OTP).count() == 2
    Role.objects.filter(code="sales_rep").update(require_2fa=True)
    assert two_factor.otp_required(User.objects.get(pk=other.pk))
