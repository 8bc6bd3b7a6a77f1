"""Playwright (Python) driving Debian's chromium against pytest-django's live server.

`make test` installs chromium where it is missing; no browser is ever downloaded.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's database work
# happens in its own thread, and the test body's ORM calls are plain synchronous set-up.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; `make test` should have installed it")
        pytest.skip("chromium is not installed (run `make browser-deps`)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def viewport(request):
    return request.param


@pytest.fixture
def page(browser, viewport, live_server, transactional_db):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    page.base_url = live_server.url
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def is_phone(viewport):
    return viewport["width"] < 576


def sign_in(page, username: str, password: str = "Huike-demo-2026") -> None:
    """Sign in through the real login form."""
    page.goto(f"{page.base_url}/login/")
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")


def session_sign_in(page, username: str) -> None:
    """Sign ``username`` in with a session cookie made on the server, for journeys that test
    other pages than the login form (which ``sign_in`` goes through)."""
    from django.conf import settings
    from django.test import Client

    from huike.org.models import User

    page.context.clear_cookies()
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.base_url}]
    )


def overflow(page) -> int:
    """Pixels the page is wider than the viewport: 0 when nothing scrolls sideways."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def create_department(page, name: str, parent: str) -> None:
    """Add a department under ``parent`` (by name) through the department form."""
    from huike.org.models import Department

    page.goto(f"{page.base_url}/org/departments/new/")
    page.fill("input[name=name]", name)
    page.select_option("select[name=parent]", str(Department.objects.get(name=parent).pk))
    page.click("#department-form button[type=submit]")
    page.wait_for_url(f"{page.base_url}/org/departments/")


def open_menu_if_collapsed(page) -> None:
    """On a phone the sidebar is collapsed behind the toggler."""
    toggler = page.locator(".navbar-vertical .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#sidebar-menu.show").wait_for()
