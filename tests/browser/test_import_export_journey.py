"""rep_east1 (granted import and export on customers through the sales_rep role) uploads a
CSV with one bad row, reads the dry-run report naming it, runs the import and downloads an
export, at desktop and phone width, with no JavaScript error."""

from __future__ import annotations

import re

from django.core.cache import cache

from huike.customers.models import Customer
from huike.org.models import Role
from tests.browser.conftest import session_sign_in


def test_rep_imports_with_a_dry_run_and_exports(page, demo, tmp_path):
    role = Role.objects.get(code="sales_rep")
    role.permissions = [*role.permissions, "customers.import", "customers.export"]
    role.save(update_fields=["permissions"])
    cache.clear()
    csv_file = tmp_path / "customers.csv"
    csv_file.write_bytes(
        "name,email\r\n导入甲有限公司,a@example.com\r\n导入乙有限公司,not-an-email\r\n".encode()
    )
    session_sign_in(page, "rep_east1")

    page.goto(f"{page.base_url}/customers/import/")
    page.set_input_files("#import-file", str(csv_file))
    page.click("#import-upload button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/import/[0-9a-f-]+/$"))
    page.click("#import-check")
    problems = page.locator("#import-problems")
    problems.wait_for()
    assert "3" in problems.inner_text() and "email" in problems.inner_text()
    assert not Customer.objects.filter(name__startswith="导入").exists()

    page.click("#import-run")
    page.locator("#import-progress", has_text="1").wait_for()
    assert Customer.objects.filter(name="导入甲有限公司", owner__username="rep_east1").exists()

    page.goto(f"{page.base_url}/customers/imports/")
    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    assert download_info.value.suggested_filename.endswith(".xlsx")
    assert page.js_errors == []
