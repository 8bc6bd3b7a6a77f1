"""The Follow-ups tab (timeline + form) and the lead conversion page."""

from __future__ import annotations

from huike.activities.models import FollowUp
from huike.activities.services import create_follow_up
from huike.customers import services as customer_services
from huike.leads import services as lead_services
from huike.leads.models import Lead


def test_customer_timeline_shows_contacts_and_converted_leads(
    demo, login, django_assert_max_num_queries
):
    user = demo["rep_east1"]
    customer = customer_services.create_customer(user, {"name": "时间线有限公司"})
    contact = customer_services.create_contact(user, customer, {"name": "联系人甲"})
    create_follow_up(user, customer, {"content": "客户本身"})
    create_follow_up(user, contact, {"content": "联系人的"})
    lead = lead_services.create_lead(user, {"name": "线索乙", "company": "时间线"})
    create_follow_up(user, lead, {"content": "线索的"})
    lead_services.convert(user, lead)
    for n in range(10):
        create_follow_up(user, customer, {"content": f"更多{n}"})
    client = login("rep_east1")
    with django_assert_max_num_queries(20):
        response = client.get(f"/customers/{customer.pk}/tabs/follow-ups/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("客户本身", "联系人的", "线索的", 'capture="environment"', 'accept="image/*"'):
        assert text in html
    assert "<script>" not in html


def test_log_follow_up_from_the_tab_form(demo, login):
    user = demo["rep_east1"]
    lead = lead_services.create_lead(user, {"name": "表单线索"})
    response = login("rep_east1").post(
        f"/follow-ups/leads/{lead.pk}/log/",
        {"type": "visit", "content": "上门", "latitude": "31.230400", "longitude": "121.473700"},
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert follow_up.target == lead and str(follow_up.latitude) == "31.230400"


def test_log_on_invisible_record_is_404(demo, login):
    lead = lead_services.create_lead(demo["rep_east1"], {"name": "看不见"})
    response = login("rep_north1").post(f"/follow-ups/leads/{lead.pk}/log/", {"content": "x"})
    assert response.status_code == 404
    assert not FollowUp.objects.exists()


def test_convert_page_shows_match_and_converts(demo, login):
    user = demo["rep_east1"]
    customer = customer_services.create_customer(user, {"name": "上海汇客有限公司"})
    lead = lead_services.create_lead(user, {"name": "张三", "company": "上海汇客"})
    client = login("rep_east1")
    page = client.get(f"/leads/{lead.pk}/convert/")
    assert page.status_code == 200
    assert "上海汇客有限公司" in page.content.decode()
    response = client.post(f"/leads/{lead.pk}/convert/", {"create_opportunity": "1"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_customer == customer
    assert lead.opportunity_requested


def test_lead_detail_has_convert_button_and_tab(demo, login):
    lead = lead_services.create_lead(demo["rep_east1"], {"name": "按钮线索"})
    html = login("rep_east1").get(f"/leads/{lead.pk}/").content.decode()
    assert f"/leads/{lead.pk}/convert/" in html
    assert "follow-ups" in html
