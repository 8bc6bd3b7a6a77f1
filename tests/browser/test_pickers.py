"""rep_east1 adds a contact through the generic form and finds its customer by typing part of
the name into the searching picker (Tom Select): a customer the rep cannot see never shows,
the picked one is saved. Dark theme, desktop and phone width, no JavaScript error, nothing
wider than the screen."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlparse

from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from huike.customers.models import Contact
from tests.browser.conftest import overflow, session_sign_in
from tests.record_samples import make

WHITE = "rgb(255, 255, 255)"


def picker_endpoint_exists() -> bool:
    try:
        resolve("/customers/picker/")
    except Resolver404:
        return False
    return True


def real_errors(page) -> list[str]:
    """JavaScript errors, less the 404 of a picker endpoint not built yet (the picker then
    searches the options the page rendered, which is what it must fall back to)."""
    if picker_endpoint_exists():
        return page.js_errors
    return [e for e in page.js_errors if "status of 404" not in e]


def test_rep_picks_a_customer_by_typing_part_of_its_name(page, demo):
    rep = demo["rep_east1"]
    rep.theme = "dark"
    rep.save(update_fields=["theme"])
    wanted = make("customers", rep, 1, name="浦江精密机械有限公司")
    make("customers", rep, 2, name="北辰物流有限公司")
    make("customers", demo["rep_north1"], 3, name="浦江北方贸易有限公司")  # not rep_east1's
    session_sign_in(page, "rep_east1")

    page.goto(f"{page.base_url}/contacts/new/")
    select = page.locator("select[name=customer]")
    assert "tomselected" in (select.get_attribute("class") or "")
    search = page.locator(f"#{select.get_attribute('id')}-ts-control")
    search.click()
    search.press_sequentially("浦江", delay=50)

    dropdown = page.locator(".ts-dropdown:visible")
    # The list narrows to what matches (the search is debounced) and what the rep may see.
    expect(dropdown.locator(".option", has_text="北辰物流")).to_have_count(0)
    dropdown.locator(".option", has_text="浦江精密机械有限公司").wait_for()
    page.wait_for_function("() => !document.querySelector('.ts-wrapper.loading')")
    assert dropdown.locator(".option", has_text="浦江北方贸易").count() == 0
    assert dropdown.evaluate("el => getComputedStyle(el).backgroundColor") != WHITE
    assert overflow(page) <= 1

    dropdown.locator(".option", has_text="浦江精密机械有限公司").click()
    assert select.input_value() == str(wanted.pk)
    page.fill("input[name=name]", "王经理")
    page.click("#record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))

    contact = Contact.objects.get(name="王经理")
    assert contact.customer_id == wanted.pk
    assert contact.owner_id == rep.pk
    assert overflow(page) <= 1
    assert real_errors(page) == []


def test_the_picker_asks_the_server_once_the_typing_pauses(page, demo):
    """Options come from the type's picker endpoint (?q=), shown with their subtitle, even
    when the server matched what the name does not show (pinyin); one request for a word
    typed quickly. The endpoint is stubbed here: its own tests check what it returns."""
    rep = demo["rep_east1"]
    wanted = make("customers", rep, 1, name="浦江精密机械有限公司")
    queries: list[str] = []

    def answer(route):
        queries.append(parse_qs(urlparse(route.request.url).query).get("q", [""])[0])
        body = [{"id": wanted.pk, "text": "浦江精密机械有限公司", "subtitle": "KH-0001 · 上海"}]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/customers/picker/**", answer)
    session_sign_in(page, "rep_east1")
    page.goto(f"{page.base_url}/contacts/new/")
    select = page.locator("select[name=customer]")
    search = page.locator(f"#{select.get_attribute('id')}-ts-control")
    search.click()
    search.press_sequentially("pujiang", delay=30)

    option = page.locator(".ts-dropdown:visible .option", has_text="KH-0001 · 上海")
    option.wait_for()
    assert queries == ["pujiang"]
    option.click()
    assert select.input_value() == str(wanted.pk)
    assert page.js_errors == []


def test_the_same_field_is_never_enhanced_twice(page, demo):
    """htmx swaps and page load both run the enhancer; one picker per field."""
    make("customers", demo["rep_east1"], 1, name="浦江精密机械有限公司")
    session_sign_in(page, "rep_east1")
    page.goto(f"{page.base_url}/contacts/new/")
    page.locator("select[name=customer].tomselected").wait_for(state="attached")
    page.evaluate(
        "() => { window.huikePickers.enhance(document);"
        " document.body.dispatchEvent(new CustomEvent('htmx:load',"
        " {bubbles: true, detail: {elt: document.body}})); }"
    )
    assert page.locator("select[name=customer] ~ .ts-wrapper").count() == 1
    assert real_errors(page) == []


def test_content_htmx_swaps_in_gets_multi_selects_and_tag_inputs(page, demo):
    """A fragment swapped in by htmx (a tab, a modal) is enhanced like a loaded page."""
    session_sign_in(page, "rep_east1")
    page.goto(f"{page.base_url}/contacts/new/")
    page.evaluate(
        """() => htmx.swap("#main-content .container-xl",
            '<div id="swapped"><select multiple data-enhance name="levels" class="form-select">'
            + '<option value="a" selected>A</option><option value="b">B</option></select>'
            + '<input data-tags name="tags" value="VIP,老客户" class="form-control"></div>',
            {swapStyle: "beforeend"})"""
    )
    levels = page.locator("#swapped select[name=levels] + .ts-wrapper")
    levels.locator(".item .remove").wait_for()
    tags = page.locator("#swapped input[name=tags] + .ts-wrapper")
    items = tags.locator(".item")
    assert [items.nth(i).get_attribute("data-value") for i in range(items.count())] == [
        "VIP",
        "老客户",
    ]
    typing = tags.locator("input")
    typing.focus()
    typing.press_sequentially("重点\uff0c", delay=30)  # the full-width comma ends a tag too
    expect(page.locator("#swapped input[name=tags]")).to_have_value("VIP,老客户,重点")
    assert real_errors(page) == []
