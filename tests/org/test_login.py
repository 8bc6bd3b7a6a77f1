"""Sign-in (PLT-02): identifiers, login log, captcha, lock-out, disabled users, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from huike.org import captcha
from huike.org.login_guard import LoginRefused, attempt_login, captcha_required
from huike.org.models import LoginLog, User, UserSession

from .conftest import CAPTCHA_ANSWER, assert_no_inline_script

Result = LoginLog.Result
UA = "Mozilla/5.0 (test browser)"


def post_login(client, identifier, password, **extra):
    data = {"identifier": identifier, "password": password, **extra}
    return client.post(reverse("login"), data, HTTP_USER_AGENT=UA)


def api_request(ip="127.0.0.1"):
    return RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR=ip, HTTP_USER_AGENT=UA)


def test_login_page_is_a_standalone_card_with_branding_and_language_switch(client, demo, policy):
    policy(company_name="测试公司")
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "测试公司" in html
    assert 'id="language-switch"' in html and 'value="en"' in html
    assert 'id="captcha-block"' not in html
    assert 'id="sidebar-menu"' not in html  # no shell around the sign-in card
    assert_no_inline_script(html)


@pytest.mark.parametrize(
    "identifier", ["rep_east1", "REP_EAST1", "13800000003", "rep_east1@huike.example"]
)
def test_sign_in_by_username_mobile_or_email(client, demo, password, identifier):
    response = post_login(client, identifier, password)
    assert response.status_code == 302
    assert response.url == reverse("workbench")
    assert client.get(reverse("workbench")).status_code == 200
    log = LoginLog.objects.get()
    assert (log.user, log.result, log.ip, log.user_agent) == (
        demo["rep_east1"],
        Result.SUCCESS,
        "127.0.0.1",
        UA,
    )
    session = UserSession.objects.get(user=demo["rep_east1"])
    assert session.session_key == client.session.session_key
    assert (session.ip, session.user_agent) == ("127.0.0.1", UA)


def test_wrong_password_is_refused_and_logged(client, demo):
    response = post_login(client, "rep_east1", "wrong-password")
    assert response.status_code == 400
    assert "wrong" in response.content.decode() or "错误" in response.content.decode()
    log = LoginLog.objects.get()
    assert (log.user, log.result, log.identifier) == (
        demo["rep_east1"],
        Result.BAD_PASSWORD,
        "rep_east1",
    )
    assert "_auth_user_id" not in client.session
    assert not UserSession.objects.exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, demo):
    unknown = post_login(client, "nobody", "whatever")
    wrong = post_login(client, "rep_east2", "whatever")
    assert unknown.context["error"] == wrong.context["error"]
    assert LoginLog.objects.filter(result=Result.UNKNOWN_USER, user=None).count() == 1


def test_next_is_followed_only_when_safe(client, demo, password):
    response = client.post(
        reverse("login"),
        {"identifier": "rep_east1", "password": password, "next": "/account/"},
    )
    assert response.url == "/account/"
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"),
        {"identifier": "rep_east1", "password": password, "next": "https://evil.example/"},
    )
    assert response.url == reverse("workbench")


def test_session_expired_notice(client, db):
    html = client.get(reverse("login") + "?expired=1&next=/").content.decode()
    assert 'id="session-expired"' in html


def test_language_switch_on_the_login_page(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()
    assert "Sign in to your account" in response.content.decode()


# -- captcha ---------------------------------------------------------------------------------
def test_captcha_is_demanded_after_three_failures_and_not_before(
    client, demo, password, policy, known_captcha
):
    policy(trusted_ip_ranges="127.0.0.0/8")
    for _attempt in range(2):
        response = post_login(client, "rep_east1", "bad")
        assert not response.context["show_captcha"]
    # Two failures: the right password still works without a captcha...
    assert not captcha_required(api_request(), "rep_east1")
    response = post_login(client, "rep_east1", "bad")
    assert response.context["show_captcha"]
    assert 'id="captcha-block"' in response.content.decode()
    # ...after three it does not.
    response = post_login(client, "rep_east1", password)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert LoginLog.objects.filter(result=Result.BAD_CAPTCHA).count() == 1

    client.get(reverse("login_captcha"))
    response = post_login(client, "rep_east1", password, captcha="WRONG")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session

    client.get(reverse("login_captcha"))
    response = post_login(client, "rep_east1", password, captcha=CAPTCHA_ANSWER.lower())
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(demo["rep_east1"].pk)


def test_failures_from_one_address_demand_a_captcha_for_everyone_there(client, demo, policy):
    policy(trusted_ip_ranges="127.0.0.0/8")
    for name in ("rep_east1", "rep_east2", "nobody"):
        post_login(client, name, "bad")
    assert captcha_required(api_request(), "manager_east")
    assert not captcha_required(api_request("127.0.0.9"), "manager_east")


def test_old_failures_do_not_count(client, demo, policy):
    policy(trusted_ip_ranges="127.0.0.0/8")
    for _attempt in range(3):
        post_login(client, "rep_east1", "bad")
    LoginLog.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert not captcha_required(api_request(), "rep_east1")


def test_untrusted_address_always_needs_a_captcha(client, demo, password, policy, known_captcha):
    policy(trusted_ip_ranges="10.0.0.0/8")
    response = client.get(reverse("login"))
    assert response.context["show_captcha"]
    html = response.content.decode()
    assert 'id="captcha-block"' in html and reverse("login_captcha") in html
    assert_no_inline_script(html)

    response = post_login(client, "rep_east1", password)
    assert response.status_code == 400 and response.context["show_captcha"]
    client.get(reverse("login_captcha"))
    response = post_login(client, "rep_east1", password, captcha=CAPTCHA_ANSWER)
    assert response.status_code == 302

    # A trusted address needs none; the API (no captcha possible) skips the rule.
    assert not captcha_required(api_request("10.1.2.3"), "rep_east1")
    user = attempt_login(api_request(), "rep_east1", password, captcha_passed=None)
    assert user == demo["rep_east1"]


def test_captcha_picture_is_a_fresh_uncached_png_with_a_single_use_answer(client, db):
    response = client.get(reverse("login_captcha"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert "no-store" in response["Cache-Control"]
    stored = client.session[captcha.SESSION_KEY]
    assert set(stored) == {"digest", "nonce", "at"}  # the answer itself is not kept


def test_captcha_answer_is_case_insensitive_and_single_use(rf, known_captcha):
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    answer = captcha.new_challenge(request)
    assert answer == CAPTCHA_ANSWER
    assert captcha.check(request, answer.lower())
    assert not captcha.check(request, answer)  # consumed
    captcha.new_challenge(request)
    assert not captcha.check(request, "nope")
    assert not captcha.check(request, CAPTCHA_ANSWER)  # a wrong guess consumes it too


def test_random_answers_avoid_ambiguous_characters():
    answers = [captcha.random_answer() for _ in range(200)]
    assert all(4 <= len(a) <= 5 for a in answers)
    assert not set("".join(answers)) & set("0O1IL5S2Z8B")


# -- lock-out --------------------------------------------------------------------------------
def test_lock_out_after_repeated_failures_and_unlock_after_expiry(client, demo, password, policy):
    policy(lockout_after_failures=3, lockout_minutes=30, captcha_after_failures=20)
    rep = demo["rep_east1"]
    for _attempt in range(2):
        assert post_login(client, "rep_east1", "bad").context["error"]
    rep.refresh_from_db()
    assert rep.locked_until is None
    response = post_login(client, "rep_east1", "bad")
    rep.refresh_from_db()
    assert rep.locked_until is not None
    assert rep.locked_until > timezone.now() + timedelta(minutes=29)
    until = timezone.localtime(rep.locked_until).strftime("%H:%M")
    assert until in response.context["error"]

    # The right password is refused while locked, and saying so names the end.
    response = post_login(client, "13800000003", password)
    assert response.status_code == 400
    assert until in response.context["error"]
    assert "_auth_user_id" not in client.session
    assert LoginLog.objects.filter(user=rep, result=Result.LOCKED).count() == 2

    # Time passes: the lock ends, and one more mistake does not lock again at once.
    User.objects.filter(pk=rep.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "rep_east1", "bad").status_code == 400
    rep.refresh_from_db()
    assert not rep.is_locked
    assert post_login(client, "rep_east1", password).status_code == 302


def test_success_resets_the_failure_count(demo, password, policy):
    policy(lockout_after_failures=3, captcha_after_failures=20)
    for _attempt in range(2):
        with pytest.raises(LoginRefused):
            attempt_login(api_request(), "rep_east1", "bad", captcha_passed=None)
    attempt_login(api_request(), "rep_east1", password, captcha_passed=None)
    for _attempt in range(2):
        with pytest.raises(LoginRefused) as refused:
            attempt_login(api_request(), "rep_east1", "bad", captcha_passed=None)
        assert refused.value.code == "invalid"
    demo["rep_east1"].refresh_from_db()
    assert demo["rep_east1"].locked_until is None


def test_api_attempts_lock_the_account_too(demo, password, policy):
    policy(lockout_after_failures=3, trusted_ip_ranges="10.0.0.0/8")
    codes = []
    for _attempt in range(3):
        with pytest.raises(LoginRefused) as refused:
            attempt_login(api_request(), "rep_east1", "bad", captcha_passed=None)
        codes.append(refused.value.code)
    assert codes == ["invalid", "invalid", "locked"]
    with pytest.raises(LoginRefused) as refused:
        attempt_login(api_request(), "rep_east1", password, captcha_passed=None)
    assert refused.value.code == "locked"
    assert LoginLog.objects.filter(user=demo["rep_east1"]).count() == 4


def test_a_running_lock_is_not_extended(demo, policy):
    policy(lockout_after_failures=3)
    rep = demo["rep_east1"]
    until = timezone.now() + timedelta(minutes=5)
    User.objects.filter(pk=rep.pk).update(locked_until=until)
    for _attempt in range(5):
        with pytest.raises(LoginRefused):
            attempt_login(api_request(), "rep_east1", "bad", captcha_passed=None)
    rep.refresh_from_db()
    assert rep.locked_until == until


# -- disabled users, sign-out --------------------------------------------------------------------
def test_disabled_user_is_refused_even_with_the_right_password(client, demo, password):
    User.objects.filter(username="rep_east2").update(is_active=False)
    response = post_login(client, "rep_east2", password)
    assert response.status_code == 400
    assert response.context["error"] != post_login(client, "rep_east2", "bad").context["error"]
    assert "_auth_user_id" not in client.session
    assert LoginLog.objects.filter(result=Result.DISABLED).count() == 1
    with pytest.raises(LoginRefused) as refused:
        attempt_login(api_request(), "rep_east2", password, captcha_passed=None)
    assert refused.value.code == "disabled"


def test_sign_out_removes_the_session_row_and_logs_it(client, demo, password):
    post_login(client, "rep_east1", password)
    assert UserSession.objects.count() == 1
    assert client.get(reverse("logout")).status_code == 405  # sign-out is POST only
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not UserSession.objects.exists()
    assert LoginLog.objects.filter(user=demo["rep_east1"], result=Result.LOGOUT).count() == 1
    assert client.get(reverse("workbench")).status_code == 302
