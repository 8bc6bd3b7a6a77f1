"""The administrator works through the organisation pages at desktop and phone width: no
JavaScript error, nothing wider than the screen, and the confirm-before-delete works."""

from __future__ import annotations

import pytest

from huike.org.models import Department, Role
from tests.browser.conftest import create_department, session_sign_in

PAGES = [
    "/org/departments/",
    "/org/departments/new/",
    "/org/users/",
    "/org/users/new/",
    "/org/roles/",
    "/org/roles/new/",
    "/org/security/",
    "/org/company/",
    "/org/online/",
    "/org/login_log/",
    "/org/system_log/",
]


def page_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("path", PAGES)
def test_admin_pages_fit_and_run_clean(page, demo, path):
    session_sign_in(page, "admin")
    page.goto(f"{page.base_url}{path}")
    assert page.locator("#page-title").inner_text().strip()
    assert page_overflow(page) <= 1
    assert page.js_errors == []


def test_create_and_delete_a_department(page, demo):
    session_sign_in(page, "admin")
    create_department(page, "华南销售组", parent="销售部")
    row = page.locator("tr", has_text="华南销售组")
    assert row.count() == 1

    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    row.locator("button.btn-outline-danger").click()
    assert "华南销售组" in messages[0]
    assert Department.objects.filter(name="华南销售组").exists()  # dismissed: nothing sent

    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button.btn-outline-danger").click()
    page.wait_for_load_state("networkidle")
    assert not Department.objects.filter(name="华南销售组").exists()
    assert page.js_errors == []


def test_role_matrix_row_toggle(page, demo):
    session_sign_in(page, "admin")
    role = Role.objects.get(code="finance")
    page.goto(f"{page.base_url}/org/roles/{role.pk}/edit/")
    boxes = page.locator('[data-matrix-row="users"] input[name=permissions]')
    page.click('[data-matrix-toggle="users"]')
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.click("#role-form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/org/roles/")
    role.refresh_from_db()
    assert {"users.view", "users.create", "users.export"} <= set(role.permissions)
    assert page.js_errors == []
