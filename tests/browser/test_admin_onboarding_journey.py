"""The administrator signs in, creates a department and a user in it, signs out; the new
user then signs in with the initial password (issue: foundation, "Show it")."""

from __future__ import annotations

from huike.org.models import Department, Role, User
from tests.browser.conftest import create_department, sign_in


def test_admin_creates_department_and_user_who_then_signs_in(page, demo):
    sign_in(page, "admin")

    create_department(page, "华南销售组", parent="销售部")
    south = Department.objects.get(name="华南销售组")
    assert south.path.startswith(Department.objects.get(name="销售部").path)

    page.goto(f"{page.base_url}/org/users/new/")
    page.fill("input[name=username]", "rep_south1")
    page.fill("input[name=name]", "黄丽")
    page.fill("input[name=mobile]", "13800000010")
    page.select_option("select[name=department]", str(south.pk))
    page.select_option("select[name=supervisor]", str(demo["director"].pk))
    rep_role = Role.objects.get(code="sales_rep")
    page.check(f"input[name=roles][value='{rep_role.pk}']")
    page.fill("input[name=password1]", "Welcome-2026")
    page.fill("input[name=password2]", "Welcome-2026")
    page.click("#user-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    created = User.objects.get(username="rep_south1")
    assert created.department == south
    assert list(created.roles.all()) == [rep_role]

    page.context.clear_cookies()
    # The new user signs in with the mobile number, as Chinese users usually do.
    sign_in(page, "13800000010", password="Welcome-2026")
    assert "黄丽" in page.locator("#user-menu").text_content()
    assert page.js_errors == []
