"""ACT-01: logging a follow-up moves the target's clock forward (never backwards), counts
visits, sets the next contact, respects scope, and reads the photo's EXIF time."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from huike.activities.models import FollowUp
from huike.activities.services import create_follow_up, for_customer
from huike.customers import services as customer_services
from huike.leads import services as lead_services


@pytest.fixture
def customer(demo):
    return customer_services.create_customer(demo["rep_east1"], {"name": "跟进测试有限公司"})


def test_follow_up_updates_clock_visits_and_next_contact(demo, customer):
    user = demo["rep_east1"]
    when = timezone.now() - timedelta(hours=1)
    later = timezone.now() + timedelta(days=3)
    create_follow_up(
        user,
        customer,
        {"type": "visit", "content": "拜访", "occurred_at": when, "next_contact_at": later},
    )
    customer.refresh_from_db()
    assert customer.last_follow_up_at == when
    assert customer.visit_count == 1
    assert customer.next_contact_at == later


def test_clock_never_moves_backwards(demo, customer):
    user = demo["rep_east1"]
    recent = timezone.now() - timedelta(hours=1)
    create_follow_up(user, customer, {"content": "新", "occurred_at": recent})
    create_follow_up(user, customer, {"content": "旧", "occurred_at": recent - timedelta(days=9)})
    customer.refresh_from_db()
    assert customer.last_follow_up_at == recent


def test_follow_up_on_contact_updates_its_customer(demo, customer):
    user = demo["rep_east1"]
    contact = customer_services.create_contact(user, customer, {"name": "李四"})
    follow_up = create_follow_up(user, contact, {"content": "电话"})
    customer.refresh_from_db()
    assert customer.last_follow_up_at == follow_up.occurred_at
    assert list(for_customer(customer)) == [follow_up]


def test_follow_up_on_lead_updates_lead(demo):
    user = demo["rep_east1"]
    lead = lead_services.create_lead(user, {"name": "王五"})
    follow_up = create_follow_up(user, lead, {"content": "微信", "type": "wechat"})
    lead.refresh_from_db()
    assert lead.last_follow_up_at == follow_up.occurred_at


def test_cannot_log_on_invisible_record(demo, customer):
    with pytest.raises(PermissionDenied):
        create_follow_up(demo["rep_north1"], customer, {"content": "偷看"})
    assert not FollowUp.objects.exists()


def _jpeg_with_exif_time(text: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = text
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("visit.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_photo_time_read_from_exif(demo, customer):
    user = demo["rep_east1"]
    follow_up = create_follow_up(
        user,
        customer,
        {"type": "visit", "content": "拍照"},
        photo=_jpeg_with_exif_time("2026:05:04 10:20:30"),
    )
    taken = timezone.localtime(follow_up.photo_taken_at)
    assert (taken.year, taken.month, taken.day, taken.hour, taken.minute) == (2026, 5, 4, 10, 20)
    assert follow_up.attachments.count() == 1
