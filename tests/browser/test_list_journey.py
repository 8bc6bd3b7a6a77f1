"""rep_east1 opens the customer list, opens the filter panel (a collapsible card on desktop,
an offcanvas on a phone), filters by level, saves the filter as a scene, opens the list again,
picks it and ticks a row to see the bulk bar, at desktop and phone width, with nothing wider
than the screen."""

from __future__ import annotations

from huike.core.record_types import record_type
from huike.org.models import User
from tests.browser.conftest import session_sign_in
from tests.record_samples import make


def open_filters(page, is_phone: bool) -> None:
    if is_phone:
        page.locator("#list-filters-open").click()
        page.locator("#list-filter-panel.show").wait_for()
    else:
        page.locator("#list-filters-toggle").click()
        page.locator("#list-filter-body.show").wait_for()


def pick_level(page, value: str) -> None:
    """The level filter is a Tom Select multi-select: open it and click the option."""
    page.locator("#f-level-ts-control").click()
    page.locator(f'.ts-dropdown [data-value="{value}"]').click()
    page.keyboard.press("Escape")


def test_rep_filters_saves_and_reopens_a_scene(page, demo, is_phone):
    rep = User.objects.get(username="rep_east1")
    a = make("customers", rep, 1, level="a")
    b = make("customers", rep, 2, level="b")
    rt = record_type("customers")
    session_sign_in(page, "rep_east1")
    page.goto(page.base_url + "/customers/")
    assert page.locator(f'[data-record-id="{b.pk}"]').count() == 1
    assert page.locator("#list-count").is_visible()
    open_filters(page, is_phone)
    pick_level(page, "a")
    page.locator("#list-filters button[type=submit]").click()
    page.wait_for_url("**level=a**")
    page.locator("[data-filter-chip]").first.wait_for()
    assert page.locator(f'[data-record-id="{b.pk}"]').count() == 0
    assert page.locator(f'[data-record-id="{a.pk}"]').count() == 1
    page.reload()
    page.fill("#scene-save input[name=name]", "A级客户")
    page.locator("#scene-save button[type=submit]").click()
    page.goto(page.base_url + "/customers/")
    page.locator('[data-saved-scene="A级客户"]').click()
    page.wait_for_url("**level=a**")
    assert page.locator(f'[data-record-id="{b.pk}"]').count() == 0
    assert rt.title_of(a) in page.content()
    assert not page.locator("[data-bulk-bar]").is_visible()
    page.locator(f'[data-record-id="{a.pk}"] [data-list-select]').check()
    assert page.locator("[data-bulk-bar]").is_visible()
    assert page.locator("[data-bulk-count]").inner_text() == "1"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    assert not page.js_errors
