"""The customer page offers "Return to pool" through the record type's declared actions."""

from __future__ import annotations

from huike.customers import actions
from tests.record_samples import make


def test_owner_sees_return_to_pool_on_the_customer_page(demo, login):
    customer = make("customers", demo["rep_east1"], 1)
    page = login("rep_east1").get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="record-action-return-to-pool"' in page
    assert f"/pools/return/?ids={customer.pk}" in page


def test_locked_customer_and_read_only_user_get_no_return_button(demo, client, login):
    customer = make("customers", demo["rep_east1"], 2)
    viewer_page = login("viewer").get(f"/customers/{customer.pk}/").content.decode()
    assert "record-action-return-to-pool" not in viewer_page
    actions.lock(demo["manager_east"], [customer])
    client.logout()
    page = login("rep_east1").get(f"/customers/{customer.pk}/").content.decode()
    assert "record-action-return-to-pool" not in page
