"""POST /api/v1/leads/<id>/convert/ and /api/v1/follow-ups/ call the services."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from huike.activities.models import FollowUp
from huike.leads import services
from huike.leads.models import Lead
from huike.org.api_auth import issue_token


@pytest.fixture
def bearer(demo):
    cache.clear()

    def _bearer(username: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(demo[username])}")
        return client

    return _bearer


def test_api_convert(demo, bearer):
    lead = services.create_lead(demo["rep_east1"], {"name": "赵六", "company": "接口转化公司"})
    response = bearer("rep_east1").post(
        f"/api/v1/leads/{lead.pk}/convert/", {"create_opportunity": True}, format="json"
    )
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    assert response.json()["customer"] == lead.converted_customer_id
    again = bearer("rep_east1").post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert again.status_code == 409


def test_api_convert_invisible_lead_is_404(demo, bearer):
    lead = services.create_lead(demo["rep_east1"], {"name": "赵六"})
    response = bearer("rep_north1").post(f"/api/v1/leads/{lead.pk}/convert/", {}, format="json")
    assert response.status_code == 404


def test_api_follow_ups_create_and_list(demo, bearer, django_assert_max_num_queries):
    lead = services.create_lead(demo["rep_east1"], {"name": "钱七"})
    client = bearer("rep_east1")
    body = {"target_type": "leads", "target_id": lead.pk, "type": "phone", "content": "打过"}
    created = client.post("/api/v1/follow-ups/", body, format="multipart")
    assert created.status_code == 201, created.content
    client.post("/api/v1/follow-ups/", {**body, "content": "又打"}, format="multipart")
    with django_assert_max_num_queries(12):
        listed = client.get("/api/v1/follow-ups/", {"target_type": "leads", "target_id": lead.pk})
    assert listed.status_code == 200
    assert [row["content"] for row in listed.json()["results"]] == ["又打", "打过"]


def test_api_follow_up_on_invisible_record_is_404(demo, bearer):
    lead = services.create_lead(demo["rep_east1"], {"name": "孙八"})
    body = {"target_type": "leads", "target_id": lead.pk, "content": "偷"}
    response = bearer("rep_north1").post("/api/v1/follow-ups/", body, format="multipart")
    assert response.status_code == 404
    assert not FollowUp.objects.exists()
