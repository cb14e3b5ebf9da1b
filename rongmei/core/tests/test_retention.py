"""manage.py retention_sweep: personal data past its period is anonymised, the public text and the
statistics stay, every change is audited, and a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from rongmei.core.models import AuditLog
from rongmei.fans.models import Fan, SmsCode
from rongmei.inquiries.models import Inquiry, State
from rongmei.practice.models import LedgerEntry, ServiceRequest, Volunteer

PHONE = "+8613912345001"


@pytest.fixture(autouse=True)
def _settings(settings, english):
    from rongmei.testing.inquiries import NO_SUBMISSION_LIMITS

    settings.RONGMEI_INQUIRIES = {**settings.RONGMEI_INQUIRIES, **NO_SUBMISSION_LIMITS}
    settings.RONGMEI_RETENTION = {
        "inquiry_contact_days": 730,
        "volunteer_inactive_days": 365,
        "service_address_days": 180,
        "sms_code_days": 1,
    }


def sweep() -> str:
    out = io.StringIO()
    call_command("retention_sweep", stdout=out)
    return out.getvalue()


def closed_question(fan, *, days_ago: int, state=State.CLOSED, **extra):
    from rongmei.testing.inquiries import ask

    inquiry = ask(fan, **extra)
    ended = timezone.now() - dt.timedelta(days=days_ago)
    Inquiry.objects.filter(pk=inquiry.pk).update(state=state, closed_at=ended if state == State.CLOSED else None, screened_at=ended)
    return Inquiry.objects.get(pk=inquiry.pk)


@pytest.fixture
def fan(db):
    return Fan.objects.create(phone=PHONE, nickname="老李")


def test_a_question_closed_past_the_period_loses_its_contact_data_and_original_text(fan):
    old = closed_question(fan, days_ago=800)
    public_title, public_body, rating_state = old.public_title, old.public_body, old.state
    assert "13912345678" in old.body and "13912345678" not in public_body

    assert "inquiries.questions: 1" in sweep()

    old.refresh_from_db()
    assert old.phone == "" and old.phone_hash == ""
    assert "13912345678" not in old.body
    assert (old.title, old.body) == (public_title, public_body)
    assert (old.public_title, old.public_body, old.state) == (public_title, public_body, rating_state)
    assert old.anonymised_at is not None and old.mask_spans == []
    line = AuditLog.objects.get(action="privacy.retention", subject_id=str(old.pk))
    assert old.receipt in line.summary and "13912345678" not in line.summary


def test_recent_and_open_questions_keep_their_contact_data(fan):
    recent = closed_question(fan, days_ago=100)
    rejected_long_ago = closed_question(fan, days_ago=900, state=State.REJECTED)
    open_long_ago = closed_question(fan, days_ago=900, state=State.ACCEPTED)
    sweep()
    assert Inquiry.objects.get(pk=recent.pk).phone == PHONE
    assert Inquiry.objects.get(pk=open_long_ago.pk).phone == PHONE
    assert Inquiry.objects.get(pk=rejected_long_ago.pk).phone == ""


def test_the_sweep_is_safe_to_repeat(fan):
    closed_question(fan, days_ago=800)
    sweep()
    lines = AuditLog.objects.filter(action="privacy.retention").count()
    assert "inquiries.questions: 0" in sweep()
    assert AuditLog.objects.filter(action="privacy.retention").count() == lines


def test_a_dry_run_changes_nothing(fan):
    old = closed_question(fan, days_ago=800)
    out = io.StringIO()
    call_command("retention_sweep", "--dry-run", stdout=out)
    assert "inquiries.questions: 1" in out.getvalue()
    assert Inquiry.objects.get(pk=old.pk).phone == PHONE
    assert not AuditLog.objects.filter(action="privacy.retention").exists()


def _volunteer(phone: str, name: str, registered_days_ago: int) -> Volunteer:
    fan = Fan.objects.create(phone=phone)
    return Volunteer.objects.create(
        fan=fan,
        real_name=name,
        consent_version="1",
        consented_at=timezone.now() - dt.timedelta(days=registered_days_ago),
        registered_at=timezone.now() - dt.timedelta(days=registered_days_ago),
    )


def test_inactive_volunteers_lose_their_real_name_and_keep_their_hours(db):
    idle = _volunteer("+8613900000011", "孙志愿", 800)
    LedgerEntry.objects.create(
        volunteer=idle, kind="hours", amount=3, key="old:1", note="义诊", created_at=timezone.now() - dt.timedelta(days=500)
    )
    active = _volunteer("+8613900000012", "王志愿", 800)
    LedgerEntry.objects.create(
        volunteer=active, kind="hours", amount=2, key="new:1", note="理发", created_at=timezone.now() - dt.timedelta(days=10)
    )
    newcomer = _volunteer("+8613900000013", "赵志愿", 30)

    assert "practice.volunteers: 1" in sweep()

    idle.refresh_from_db()
    assert idle.real_name == "" and idle.anonymised_at is not None and idle.status == Volunteer.Status.SUSPENDED
    assert str(idle) == "Deleted user"
    assert idle.ledger.count() == 1
    assert Volunteer.objects.get(pk=active.pk).real_name == "王志愿"
    assert Volunteer.objects.get(pk=newcomer.pk).real_name == "赵志愿"
    assert AuditLog.objects.filter(action="privacy.retention", subject_type="practice.volunteer", subject_id=str(idle.pk)).exists()


def test_ended_service_requests_lose_the_address(fan):
    old = ServiceRequest.objects.create(
        resident=fan,
        category="理发",
        description="上门理发",
        address="花园社区3号楼2单元501",
        state=ServiceRequest.State.RATED,
        created_at=timezone.now() - dt.timedelta(days=300),
    )
    waiting = ServiceRequest.objects.create(
        resident=fan,
        category="维修",
        description="修电视",
        address="花园社区5号楼",
        state=ServiceRequest.State.REQUESTED,
        created_at=timezone.now() - dt.timedelta(days=300),
    )
    assert "practice.service_addresses: 1" in sweep()
    assert ServiceRequest.objects.get(pk=old.pk).address == ""
    assert ServiceRequest.objects.get(pk=waiting.pk).address == "花园社区5号楼"


def test_old_sms_codes_go(db):
    now = timezone.now()
    SmsCode.objects.create(phone=PHONE, code_hash="x", created_at=now - dt.timedelta(days=2), expires_at=now - dt.timedelta(days=2))
    fresh = SmsCode.objects.create(phone=PHONE, code_hash="y", created_at=now, expires_at=now + dt.timedelta(minutes=5))
    sweep()
    assert list(SmsCode.objects.all()) == [fresh]
