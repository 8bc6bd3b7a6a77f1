"""rep_east1 signs in at desktop and phone width, reads the menu in Chinese, switches to
English and to the dark theme (issue: foundation, "Show it")."""

from __future__ import annotations

from tests.browser.conftest import open_menu_if_collapsed, sign_in


def open_user_menu(page):
    page.click("#user-menu")
    page.locator(".dropdown-menu.show").wait_for()


def test_rep_signs_in_switches_language_and_theme(page, demo):
    sign_in(page, "rep_east1")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    open_menu_if_collapsed(page)
    menu = page.locator("#sidebar-menu")
    assert menu.get_by_text("工作台").is_visible()
    # A sales rep holds no organisation rights: the system menu is not offered.
    assert page.locator('[data-menu="users"]').count() == 0

    open_user_menu(page)
    page.click('[data-language="en"]')
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    open_menu_if_collapsed(page)
    assert page.locator("#sidebar-menu").get_by_text("Workbench").is_visible()

    open_user_menu(page)
    page.click("#theme-toggle")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"

    # The choices belong to the user, not the browser tab: a fresh page keeps them.
    page.goto(f"{page.base_url}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"
    assert page.js_errors == []
