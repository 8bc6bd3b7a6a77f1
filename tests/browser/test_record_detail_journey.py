"""rep_east1 creates a customer through the generic form (with a custom field the
administrator added), lands on its detail page, adds a contact from the Contacts tab and reads
the operation log, at desktop and phone width, with no JavaScript error and nothing wider than
the screen."""

from __future__ import annotations

import re

from huike.core import custom_fields
from huike.customers.models import Contact, Customer
from huike.org.models import User
from tests.browser.conftest import overflow, session_sign_in


def test_rep_creates_a_customer_adds_a_contact_and_reads_the_log(page, demo):
    custom_fields.create_field(
        User.objects.get(username="admin"),
        "customers",
        "region_code",
        "text",
        label_zh="区域代码",
        label_en="Region code",
        required=True,
    )
    session_sign_in(page, "rep_east1")

    page.goto(f"{page.base_url}/customers/new/")
    assert overflow(page) <= 1
    page.fill("input[name=name]", "浦江精密机械有限公司")
    page.fill("input[name=mobile]", "13912345678")
    page.fill("input[name=cf_region_code]", "SH-07")
    page.click("#record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get(name="浦江精密机械有限公司")
    assert customer.custom_data == {"region_code": "SH-07"}
    assert customer.owner.username == "rep_east1"
    assert page.locator("#page-title").inner_text().strip().endswith("浦江精密机械有限公司")
    page.locator("#record-tab-body", has_text="SH-07").wait_for()
    assert overflow(page) <= 1

    page.click('[data-record-tab="contacts"]')
    page.locator("#add-contact").click()
    page.wait_for_url(re.compile(rf"/contacts/new/\?customer={customer.pk}$"))
    page.fill("input[name=name]", "李雷")
    page.fill("input[name=mobile]", "13687654321")
    page.click("#record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/contacts/\d+/$"))
    assert Contact.objects.get(name="李雷").customer == customer

    page.goto(f"{page.base_url}/customers/{customer.pk}/")
    page.click('[data-record-tab="contacts"]')
    page.locator("#customer-contacts", has_text="李雷").wait_for()
    page.click('[data-record-tab="log"]')
    page.locator("#record-log").wait_for()
    assert page.locator('[data-record-tab="log"]').get_attribute("class").count("active")
    assert overflow(page) <= 1
    assert page.js_errors == []
