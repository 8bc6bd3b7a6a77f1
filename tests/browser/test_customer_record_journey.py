# ruff: noqa: RUF001  (the Chinese texts use full-width punctuation)
"""Issue 4, "Show it": one journey through a customer record, as rep_east1 does it, through
the UI only. The administrator has added a select custom field "Partnership stage" (合作阶段);
rep_east1 signs in, creates a customer filling it and reads it on the detail page; filters the
list by it, saves the filter as a scene, makes it the default and finds it applied when the
list opens again; ticks rows and exports them (the XLSX carries the custom column and value);
downloads the import template, fills it in and saves it as a GBK CSV as Excel in China does,
with one good row and one bad one (an option the field does not have); reads the dry-run
report naming the bad row and why; runs the import (1 created, 1 with errors, an error file);
and undoes it.

Twice: at desktop width in English (the user's language) and at phone width in Chinese (the
browser's), where the menu is collapsed and the filter panel is an offcanvas. The dry run may
be a background job with a "checking" status first: every step waits for the text it needs.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from huike.core import custom_fields
from huike.customers.models import Customer
from huike.org.models import User
from tests.browser.conftest import DESKTOP, PHONE, open_menu_if_collapsed, overflow, sign_in
from tests.record_samples import make

STAGES = [
    {"value": "trial", "label_zh": "试用中", "label_en": "On trial"},
    {"value": "signed", "label_zh": "已签约", "label_en": "Signed"},
]

#: What the person reads, in the language of each run (the zh-Hans catalogue's words).
TEXT = {
    "en": {
        "customers": "Customers",
        "stage": "Partnership stage",
        "signed": "Signed",
        "scene": "Signed customers",
        "template_note": "columns marked * are required",
        "dry_run": "2 rows checked, 1 with problems. Nothing has been written yet.",
        "bad_option": "is not one of the options",
        "result": "2 rows processed: 1 created, 0 updated, 0 skipped, 1 with errors.",
        "error_file": "Download the error file",
        "undo": "Undo this import",
        "undone": "The import was undone.",
    },
    "zh-hans": {
        "customers": "客户",
        "stage": "合作阶段",
        "signed": "已签约",
        "scene": "已签约客户",
        "template_note": "标 * 的列为必填",
        "dry_run": "已检查 2 行，其中 1 行有问题。尚未写入任何数据。",
        "bad_option": "不是可选项",
        "result": "已处理 2 行：新建 1 条，更新 0 条，跳过 0 条，出错 1 条。",
        "error_file": "下载错误文件",
        "undo": "撤销本次导入",
        "undone": "导入已撤销。",
    },
}

NEW_CUSTOMER = "浦江精密机械有限公司"
OTHER_CUSTOMER = "临港试用客户有限公司"
GOOD_ROW = "松江智能装备有限公司"
BAD_ROW = "嘉定新材料有限公司"

#: A report may wait on a background dry run polled by htmx.
SLOW = 20_000


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop-en", "phone-zh"])
def viewport(request):
    """Overrides conftest's: this journey names each run by its width and language."""
    return request.param


def fits(page) -> None:
    assert overflow(page) <= 1, f"{page.url} is wider than the screen"


def set_up(language: str) -> None:
    """What the administrator did before: the custom field, and import and export rights for
    rep_east1 (ORG-07 extra permissions; undoing an import bins its records, so delete too);
    rep_east1's own language choice; and one customer of rep_east1's on trial, which the
    filter must leave out."""
    admin = User.objects.get(username="admin")
    custom_fields.create_field(
        admin,
        "customers",
        "stage",
        "select",
        label_zh="合作阶段",
        label_en="Partnership stage",
        choices=STAGES,
    )
    rep = User.objects.get(username="rep_east1")
    rep.extra_permissions = ["customers.import", "customers.export", "customers.delete"]
    rep.language = language
    rep.save(update_fields=["extra_permissions", "language"])
    other = make("customers", rep, 1)
    Customer.objects.filter(pk=other.pk).update(name=OTHER_CUSTOMER, custom_data={"stage": "trial"})
    cache.clear()


def open_customers(page, text) -> None:
    """From anywhere, through the menu (behind the toggler on a phone)."""
    open_menu_if_collapsed(page)
    page.locator('#sidebar-menu [data-menu="customers"]').click()
    page.wait_for_url(re.compile(r"/customers/(\?.*)?$"))
    expect(page.locator("#page-title")).to_contain_text(text["customers"])


def open_filters(page, is_phone: bool) -> None:
    if is_phone:
        page.locator("#list-filters-open").click()
        page.locator("#list-filter-panel.show").wait_for()
    elif not page.locator("#list-filter-body.show").count():
        page.locator("#list-filters-toggle").click()
        page.locator("#list-filter-body.show").wait_for()


def filled_template_as_gbk_csv(template_path, rows: list[dict[str, str]]) -> bytes:
    """The template's header row and the person's rows, saved as Excel in China saves a
    CSV: GBK, CRLF. Headers match by their label with or without the required mark."""
    sheet = openpyxl.load_workbook(template_path).worksheets[0]
    headers = [str(c.value) for c in sheet[1] if c.value]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h.rstrip("*"), "") for h in headers])
    return buffer.getvalue().encode("gbk")


def test_rep_creates_filters_saves_a_scene_exports_and_imports(page, demo, is_phone, tmp_path):
    language = "zh-hans" if is_phone else "en"
    text = TEXT[language]
    set_up(language)
    base = page.base_url

    # Sign in through the login form; the page speaks the run's language.
    sign_in(page, "rep_east1")
    expect(page.locator("html")).to_have_attribute("lang", language)

    # A new customer with the custom field filled in.
    open_customers(page, text)
    page.locator(".page-actions a.btn-primary").click()
    page.wait_for_url(re.compile(r"/customers/new/$"))
    fits(page)
    expect(page.locator("label[for=id_cf_stage]")).to_have_text(text["stage"])
    page.fill("input[name=name]", NEW_CUSTOMER)
    page.fill("input[name=mobile]", "13912345678")
    page.select_option("select[name=cf_stage]", label=text["signed"])
    page.click("#record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get(name=NEW_CUSTOMER)
    assert customer.custom_data == {"stage": "signed"}
    assert customer.owner.username == "rep_east1"
    expect(page.locator("#page-title")).to_contain_text(NEW_CUSTOMER)
    body = page.locator("#record-tab-body")
    expect(body).to_contain_text(text["stage"])
    expect(body).to_contain_text(text["signed"])
    fits(page)

    # The list, filtered by the custom field.
    open_customers(page, text)
    expect(page.locator(f'[data-record-id="{customer.pk}"]')).to_have_count(1)
    other = Customer.objects.get(name=OTHER_CUSTOMER)
    expect(page.locator(f'[data-record-id="{other.pk}"]')).to_have_count(1)
    open_filters(page, is_phone)
    fits(page)
    page.locator("#f-cf_stage-ts-control").click()
    page.locator('.ts-dropdown [data-value="signed"]').click()
    page.keyboard.press("Escape")
    page.locator("#list-filters button[type=submit]").click()
    page.wait_for_url("**cf_stage=signed**")
    expect(page.locator("[data-filter-chip]")).to_contain_text(text["signed"])
    expect(page.locator(f'[data-record-id="{other.pk}"]')).to_have_count(0)
    expect(page.locator(f'[data-record-id="{customer.pk}"]')).to_have_count(1)
    # What lies outside the table follows the filter too: the export and the filter count.
    if is_phone:
        expect(page.locator("#list-filters-open .badge")).to_have_text("1")
    else:
        expect(page.locator("#list-export")).to_have_attribute(
            "href", re.compile("cf_stage=signed")
        )

    # ... saved as a scene, made the default; the list opens with it.
    page.fill("#scene-save input[name=name]", text["scene"])
    page.locator("#scene-save button[type=submit]").click()
    scene = page.locator(f'[data-saved-scene="{text["scene"]}"]')
    expect(scene).to_be_visible()
    scene.locator("xpath=..").locator("form").first.locator("button").click()
    expect(scene.locator(".ti-star-filled")).to_have_count(1)
    page.goto(f"{base}/customers/")
    expect(page.locator("[data-filter-chip]")).to_contain_text(text["signed"])
    expect(page.locator(f'[data-record-id="{other.pk}"]')).to_have_count(0)
    expect(page.locator(f'[data-record-id="{customer.pk}"]')).to_have_count(1)
    fits(page)

    # Tick the row and export it.
    expect(page.locator("[data-bulk-bar]")).to_be_hidden()
    page.locator(f'[data-record-id="{customer.pk}"] [data-list-select]').check()
    expect(page.locator("[data-bulk-count]")).to_have_text("1")
    fits(page)
    with page.expect_download() as download_info:
        page.locator("[data-bulk-export]").click()
    export = download_info.value
    assert export.suggested_filename.endswith(".xlsx")
    export.save_as(tmp_path / export.suggested_filename)
    sheet = openpyxl.load_workbook(tmp_path / export.suggested_filename).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert text["stage"] in rows[0]
    assert len(rows) == 2, rows
    assert rows[1][rows[0].index(text["stage"])] == text["signed"]
    assert NEW_CUSTOMER in rows[1]

    # The import: the template first.
    page.locator("#list-import").click()
    page.wait_for_url(re.compile(r"/customers/import/$"))
    fits(page)
    with page.expect_download() as template_info:
        page.locator('a[href$="/customers/import/template/"]').click()
    template_path = tmp_path / "template.xlsx"
    template_info.value.save_as(template_path)
    template = openpyxl.load_workbook(template_path)
    headers = [c.value for c in template.worksheets[0][1] if c.value]
    assert text["stage"] in headers
    notes = " ".join(str(c.value) for ws in template.worksheets[1:] for r in ws for c in r)
    assert text["template_note"] in notes

    name_header = next(h for h in headers if h.endswith("*")).rstrip("*")
    csv_file = tmp_path / ("客户导入.csv" if is_phone else "customers.csv")
    csv_file.write_bytes(
        filled_template_as_gbk_csv(
            template_path,
            [
                {name_header: GOOD_ROW, text["stage"]: text["signed"]},
                {name_header: BAD_ROW, text["stage"]: "已流失"},
            ],
        )
    )
    page.set_input_files("#import-file", str(csv_file))
    page.click("#import-upload button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/import/[0-9a-f-]+/$"))
    fits(page)
    page.click("#import-check")

    # The dry run's report names row 3 (the header is row 1) and the reason.
    report = page.locator("#import-report")
    expect(report).to_contain_text(text["dry_run"], timeout=SLOW)
    problem = page.locator("#import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("3")
    expect(problem).to_contain_text(text["bad_option"])
    expect(problem).to_contain_text("已流失")
    assert not Customer.objects.filter(name__in=[GOOD_ROW, BAD_ROW]).exists()
    fits(page)

    # Run it: one created, one with errors, and the error file to download.
    page.click("#import-run")
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text(text["result"], timeout=SLOW)
    expect(progress.get_by_role("link", name=text["error_file"])).to_be_visible()
    created = Customer.objects.get(name=GOOD_ROW)
    assert created.owner.username == "rep_east1" and created.custom_data == {"stage": "signed"}
    assert not Customer.objects.filter(name=BAD_ROW).exists()
    with page.expect_download() as errors_info:
        progress.get_by_role("link", name=text["error_file"]).click()
    errors_info.value.save_as(tmp_path / "errors.xlsx")
    errors = openpyxl.load_workbook(tmp_path / "errors.xlsx").worksheets[0]
    assert any(BAD_ROW in [c.value for c in r] for r in errors.iter_rows())
    fits(page)

    # ... and undo it.
    progress.get_by_role("button", name=text["undo"]).click()
    expect(page.locator("body")).to_contain_text(text["undone"])
    assert not Customer.objects.filter(name=GOOD_ROW).exists()
    assert Customer.objects.filter(name=NEW_CUSTOMER).exists()
    fits(page)
    assert page.js_errors == []
