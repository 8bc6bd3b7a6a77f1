"""The administrator adds, reorders and disables a custom field at desktop and phone width;
the recycle bin page fits too. No JavaScript error, nothing wider than the screen."""

from __future__ import annotations

from huike.core.models_custom import CustomField
from tests.browser.conftest import overflow, session_sign_in


def test_admin_adds_reorders_and_disables_a_field(page, demo):
    session_sign_in(page, "admin")
    page.goto(f"{page.base_url}/settings/custom-fields/?module=customers")
    page.click("#new-field")
    page.fill("input[name=code]", "industry_x")
    page.select_option("select[name=type]", "select")
    page.fill("input[name=label_zh]", "细分行业")
    page.fill("textarea[name=choices]", "it|信息技术|IT\nmfg|制造|Manufacturing")
    page.click("#custom-field-form button[type=submit]")
    page.locator("#custom-fields tr[data-code=industry_x]").wait_for()
    assert overflow(page) <= 0
    page.click("#new-field")
    page.fill("input[name=code]", "budget_x")
    page.select_option("select[name=type]", "money")
    page.fill("input[name=label_zh]", "预算")
    page.click("#custom-field-form button[type=submit]")
    page.locator("#custom-fields tr[data-code=budget_x]").wait_for()
    page.click("#custom-fields tr[data-code=budget_x] button[value=up]")
    page.wait_for_load_state()
    codes = page.locator("#custom-fields tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )
    assert codes == ["budget_x", "industry_x"]
    page.locator("#custom-fields tr[data-code=industry_x] form:last-of-type button").click()
    page.wait_for_load_state()
    assert not CustomField.objects.get(code="industry_x").enabled
    assert overflow(page) <= 0
    assert page.js_errors == []


def test_recycle_bin_page_fits(page, demo):
    session_sign_in(page, "manager_east")
    page.goto(f"{page.base_url}/recycle-bin/")
    assert page.locator("#recycle-filter").is_visible()
    assert overflow(page) <= 0
    assert page.js_errors == []
