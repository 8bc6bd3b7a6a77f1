"""The demo company's sample leads and follow-ups (SPEC.md, DEMO): realistic rows, created
through the services by their owners, loaded once however often the demo runs."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from huike.activities.demo import FOLLOW_UPS
from huike.activities.models import FollowUp
from huike.core.models import OperationLog
from huike.customers.models import Customer
from huike.leads import services
from huike.leads.demo import LEADS
from huike.leads.models import Lead
from huike.org.demo import load_demo


@pytest.fixture
def demo(demo):
    """The whole demo, sample records included (the shared fixture stops at users)."""
    load_demo()
    return demo


def test_ten_leads_over_three_reps_each_logged(demo):
    leads = Lead.objects.filter(mobile__in=[row.mobile for row in LEADS])
    assert leads.count() == len(LEADS) == 10
    owners = set(leads.values_list("owner__username", flat=True))
    assert owners == {"rep_east1", "rep_east2", "rep_north1"}
    assert all(lead.company and lead.source and lead.industry for lead in leads)
    assert not leads.filter(status=Lead.Status.CONVERTED).exists()
    logged = OperationLog.objects.filter(
        action="create",
        content_type=ContentType.objects.get_for_model(Lead),
        object_id__in=[str(pk) for pk in leads.values_list("pk", flat=True)],
    )
    assert logged.count() == len(LEADS)


def test_the_spdb_lead_converts_into_the_existing_customer(demo):
    lead = Lead.objects.get(company="上海浦东发展银行")
    assert lead.owner == demo["rep_east1"]
    bank = Customer.objects.get(name="上海浦东发展银行")
    assert services.matching_customer(lead) == bank
    services.convert(demo["rep_east1"], lead)
    lead.refresh_from_db()
    assert lead.converted_customer == bank
    assert bank.contacts.filter(name="陈经理").exists()


def test_one_lead_is_a_new_company(demo):
    lead = Lead.objects.get(company="上海新锐智造科技有限公司")
    assert services.matching_customer(lead) is None


def test_follow_ups_across_customers_including_rep_east1_on_spdb(demo):
    rows = FollowUp.objects.filter(content__in=[row.content for row in FOLLOW_UPS])
    assert rows.count() == len(FOLLOW_UPS) >= 15
    assert rows.values("customer").distinct().count() >= 10
    assert {"phone", "visit", "wechat"} <= set(rows.values_list("type", flat=True))
    visit = rows.get(customer__name="上海浦东发展银行", type="visit")
    assert visit.owner == demo["rep_east1"]
    bank = Customer.objects.get(name="上海浦东发展银行")
    assert bank.last_follow_up_at == visit.occurred_at
    assert bank.visit_count == 1


def test_loading_again_creates_nothing(demo):
    counts = (Lead.all_objects.count(), FollowUp.all_objects.count(), Customer.all_objects.count())
    load_demo()
    assert (
        Lead.all_objects.count(),
        FollowUp.all_objects.count(),
        Customer.all_objects.count(),
    ) == counts
