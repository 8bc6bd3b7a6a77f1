"""CUS-05..08 in the browser, on the demo company: rep_east1 transfers a customer to
rep_east2 and stays on its team read-only, adds a colleague to another customer's team in
place, locks and unlocks it at phone width, and merges two of her customers (an
administrator gave her the "delete" right, which merging needs: the other customer goes to
the recycle bin). No JavaScript error and nothing wider than the screen on the way."""

from __future__ import annotations

import re

from huike.core.oplog import history
from huike.customers.models import Customer, CustomerMember
from huike.org.demo import load_demo
from huike.org.models import User
from tests.browser.conftest import overflow, session_sign_in

SHOTS = "/tmp/actions-shots"


def pick(page, select_css: str, typed: str, option_text: str) -> None:
    """Choose in a Tom Select picker by typing, as a user does."""
    select = page.locator(select_css)
    page.locator(f"{select_css}.tomselected").wait_for(state="attached")
    search = page.locator(f"#{select.get_attribute('id')}-ts-control")
    search.click()
    search.press_sequentially(typed, delay=40)
    option = page.locator(".ts-dropdown:visible .option", has_text=option_text).first
    option.wait_for()
    option.click()
    # The list closes after a choice (it would cover the fields below).
    page.locator(".ts-dropdown:visible").wait_for(state="hidden")
    assert select.input_value()


def open_tab(page, key: str, marker: str) -> None:
    """Open a detail tab once the first one has loaded (a late answer would replace it)."""
    page.locator("#record-tab-body #info-section-1").wait_for()
    page.click(f'[data-record-tab="{key}"]')
    page.locator(marker).wait_for()


def test_transfer_team_lock_and_merge(page, demo, viewport):
    load_demo()
    rep = User.objects.get(username="rep_east1")
    rep.extra_permissions = ["customers.delete"]
    rep.save(update_fields=["extra_permissions"])
    base = page.base_url
    shot = viewport["width"]
    session_sign_in(page, "rep_east1")

    # Transfer: the new owner picked by name, herself kept on the team read-only.
    moving = Customer.objects.get(name="上海明远精密机械有限公司")
    page.goto(f"{base}/customers/{moving.pk}/")
    page.click("#record-action-transfer")
    page.wait_for_url(re.compile(rf"/customers/{moving.pk}/transfer/$"))
    pick(page, "select[name=owner]", "陈静", "陈静")
    page.check("input[name=keep_old_owner][value=read]")
    assert overflow(page) <= 1
    page.screenshot(path=f"{SHOTS}/transfer-{shot}.png", full_page=True)
    page.click("#transfer-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/customers/{moving.pk}/$"))
    moving.refresh_from_db()
    assert moving.owner.username == "rep_east2"
    member = CustomerMember.objects.get(customer=moving)
    assert (member.user.username, member.access) == ("rep_east1", "read")
    open_tab(page, "team", "#customer-team")
    page.locator("#team-mine").wait_for()  # "shared with you (read only)"
    assert page.locator("#team-add-form").count() == 0

    # Team: a colleague added in place, read and write, with an end date.
    shared = Customer.objects.get(name="上海华信数据科技有限公司")
    page.goto(f"{base}/customers/{shared.pk}/")
    open_tab(page, "team", "#team-add-form")
    pick(page, "#team-add-form select[name=user]", "赵磊", "赵磊")
    page.select_option("#team-add-form select[name=access]", "read_write")
    page.fill("#team-add-form input[name=until]", "2099-12-31")
    page.click("#team-add")
    page.locator('[data-team-member="rep_north1"]').wait_for()
    assert page.url.endswith(f"/customers/{shared.pk}/")  # in place, no reload
    added = CustomerMember.objects.get(customer=shared, user__username="rep_north1")
    assert (added.access, str(added.until)) == ("read_write", "2099-12-31")
    page.screenshot(path=f"{SHOTS}/team-{shot}.png", full_page=True)

    # Lock and unlock, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.click("#record-action-lock")
    page.wait_for_url(re.compile(rf"/customers/{shared.pk}/lock/$"))
    assert overflow(page) <= 1
    page.click("#lock-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/customers/{shared.pk}/$"))
    assert Customer.objects.get(pk=shared.pk).is_locked
    assert overflow(page) <= 1
    page.click("#record-action-unlock")
    page.click("#lock-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/customers/{shared.pk}/$"))
    assert not Customer.objects.get(pk=shared.pk).is_locked
    page.locator("#record-action-lock").wait_for()
    open_tab(page, "log", "#record-log")
    assert "赵磊" in page.locator("#record-tab-body").inner_text()
    page.set_viewport_size(viewport)

    # Merge: compare side by side, keep this one, land on it.
    keep = Customer.objects.get(name="杭州西溪医疗器械有限公司")
    gone = Customer.objects.get(name="杭州云帆网络科技有限公司")
    page.goto(f"{base}/customers/{keep.pk}/")
    page.click("#record-action-merge")
    page.wait_for_url(re.compile(rf"/customers/{keep.pk}/merge/$"))
    pick(page, "select[name=other]", "云帆", "杭州云帆网络科技有限公司")
    page.click("#merge-compare")
    page.locator("#merge-form").wait_for()
    assert page.locator('[data-merge-side="other"]', has_text="杭州云帆网络科技有限公司").count()
    assert overflow(page) <= 1
    page.screenshot(path=f"{SHOTS}/merge-{shot}.png", full_page=True)
    page.check("#merge-keep-this")
    page.click("#merge-confirm")
    page.wait_for_url(re.compile(rf"/customers/{keep.pk}/$"))
    assert not Customer.objects.filter(pk=gone.pk).exists()  # in the recycle bin
    assert any("杭州云帆网络科技有限公司" in e.message for e in history(keep))
    assert page.js_errors == []
