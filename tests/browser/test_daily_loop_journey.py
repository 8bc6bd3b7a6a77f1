# ruff: noqa: RUF001  (Chinese sample text uses the full-width comma)
"""A sales rep's day on the demo company, at desktop and phone width: rep_east1 converts the
上海浦东发展银行 lead from its page and lands on the customer, logs a visit with a photo from
the Follow-ups tab, gives a customer back to the pool with a reason; rep_east2 claims it from
the pool page; manager_east, a pool admin, assigns two pool customers to rep_east1 at once.
No JavaScript error and nothing wider than the screen on the way."""

from __future__ import annotations

import io
import re
from datetime import datetime

from PIL import Image

from huike.activities.models import FollowUp
from huike.customers.models import Customer
from huike.leads.models import Lead
from huike.org.demo import load_demo
from huike.org.models import User
from huike.pools.models import PoolEvent
from huike.pools.services import default_pool
from tests.browser.conftest import overflow, session_sign_in

EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_IFD = 0x8769


def visit_photo(taken: datetime) -> bytes:
    """A small JPEG as a phone camera writes it, with the time the photo was taken."""
    image = Image.new("RGB", (64, 48), (40, 120, 200))
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[EXIF_DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_convert_follow_up_return_claim_and_assign(page, demo):
    load_demo()
    base = page.base_url
    bank = Customer.objects.get(name="上海浦东发展银行")
    lead = Lead.objects.get(company="上海浦东发展银行")

    # rep_east1 converts the lead; the contact joins the existing customer.
    session_sign_in(page, "rep_east1")
    page.goto(f"{base}/leads/{lead.pk}/")
    assert overflow(page) <= 1
    page.click("#record-action-convert")
    page.wait_for_url(re.compile(rf"/leads/{lead.pk}/convert/$"))
    page.locator("#convert-match", has_text="上海浦东发展银行").wait_for()
    page.click("#lead-convert button[type=submit]")
    page.wait_for_url(re.compile(rf"/customers/{bank.pk}/$"))
    assert page.locator("#page-title").inner_text().strip().endswith("上海浦东发展银行")
    lead.refresh_from_db()
    assert lead.converted_customer == bank
    assert bank.contacts.filter(name="陈经理").exists()

    # ... logs a visit with a photo, at phone width (the phone is where visits are logged).
    own_size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.click('[data-record-tab="follow-ups"]')
    page.locator("#follow-up-form").wait_for()
    page.select_option("#fu-type", "visit")
    page.fill("#fu-content", "拜访陈经理，现场演示移动展业，对方要求报价")
    page.fill("#fu-place", "上海市浦东新区博成路1388号")
    page.set_input_files(
        "#fu-photo",
        {
            "name": "visit.jpg",
            "mimeType": "image/jpeg",
            "buffer": visit_photo(datetime(2026, 11, 20, 14, 30)),
        },
    )
    assert overflow(page) <= 1
    page.click("#follow-up-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/customers/{bank.pk}/"))
    page.click('[data-record-tab="follow-ups"]')
    page.locator("#follow-up-timeline", has_text="对方要求报价").wait_for()
    assert overflow(page) <= 1
    follow_up = FollowUp.objects.get(content__startswith="拜访陈经理")
    assert follow_up.type == "visit" and follow_up.customer == bank
    assert follow_up.photo_taken_at is not None
    assert follow_up.photo_taken_at.strftime("%Y-%m-%d") == "2026-11-20"
    page.set_viewport_size(own_size)

    # ... and gives a customer back to the pool.
    school = Customer.objects.get(name="上海育才职业技术学校")
    page.goto(f"{base}/customers/{school.pk}/")
    page.click("#record-action-return-to-pool")
    page.wait_for_url(re.compile(rf"/pools/return/\?ids={school.pk}$"))
    assert overflow(page) <= 1
    page.fill("#return-form textarea[name=reason]", "学校预算冻结，年内无采购计划")
    page.click("#return-form button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/$"))
    school.refresh_from_db()
    pool = default_pool()
    assert school.pool_id == pool.pk
    assert PoolEvent.objects.get(customer=school, kind="return").reason.startswith("学校预算")

    # rep_east2 claims it from the pool page.
    session_sign_in(page, "rep_east2")
    page.goto(f"{base}/pools/{pool.pk}/")
    row = page.locator(f'tr[data-customer="{school.pk}"]')
    row.locator("input[name=ids]").check()
    assert overflow(page) <= 1
    page.click("#claim-selected")
    page.wait_for_url(re.compile(rf"/pools/{pool.pk}/$"))
    page.locator(f'tr[data-customer="{school.pk}"]').wait_for(state="detached")
    school.refresh_from_db()
    assert school.pool_id is None and school.owner.username == "rep_east2"
    page.goto(f"{base}/customers/{school.pk}/")
    page.locator("#page-title", has_text="上海育才职业技术学校").wait_for()

    # manager_east, a pool admin, assigns two pool customers to rep_east1 at once.
    session_sign_in(page, "manager_east")
    page.goto(f"{base}/pools/{pool.pk}/")
    picked = list(
        Customer.objects.filter(
            name__in=["杭州绿源生态农业有限公司", "苏州启明光电科技有限公司"]
        ).values_list("pk", flat=True)
    )
    for pk in picked:
        page.locator(f'tr[data-customer="{pk}"] input[name=ids]').check()
    page.select_option("#assign-user", str(User.objects.get(username="rep_east1").pk))
    assert overflow(page) <= 1
    page.click("#assign-selected")
    page.wait_for_url(re.compile(rf"/pools/{pool.pk}/$"))
    for pk in picked:
        page.locator(f'tr[data-customer="{pk}"]').wait_for(state="detached")
    assigned = Customer.objects.filter(pk__in=picked)
    assert {(c.owner.username, c.pool_id) for c in assigned} == {("rep_east1", None)}
    assert PoolEvent.objects.filter(customer__in=picked, kind="assign").count() == 2
    assert overflow(page) <= 1
    assert page.js_errors == []
