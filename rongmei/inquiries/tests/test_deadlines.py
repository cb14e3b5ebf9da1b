"""Deadlines across the 2026 National Day week, with a frozen clock: the due date, the reminder, 督办, extensions."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from rongmei.accounts.models import Role
from rongmei.core.models import AuditLog, Notification
from rongmei.inquiries import services, workdays
from rongmei.inquiries.gateways import ConsoleSms
from rongmei.inquiries.models import Inquiry, Kind, State
from rongmei.inquiries.tests.test_services import ask
from rongmei.testing.personas import make_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _console_sms(settings):
    settings.RONGMEI_INQUIRIES = {**getattr(settings, "RONGMEI_INQUIRIES", {}), "SMS_GATEWAY": "rongmei.inquiries.gateways.ConsoleSms"}
    ConsoleSms.outbox.clear()
    workdays.clear_cache()
    yield
    ConsoleSms.outbox.clear()


@pytest.fixture
def parent_leader(parent_unit):
    leader = make_user("wangzhuren", "王主任", Role.UNIT_STAFF, phone="13900000088")
    parent_unit.leader = leader
    parent_unit.phone = "13900000099"
    parent_unit.save()
    return leader


def test_the_calendar_of_the_2026_national_day_week():
    """What the rest of this file relies on, from chinese_calendar itself."""
    rest = [d for d in (dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(7)) if not chinese_calendar.is_workday(d)]
    assert len(rest) == 7  # 1–7 October are holidays
    assert chinese_calendar.is_workday(dt.date(2026, 9, 29)) and chinese_calendar.is_workday(dt.date(2026, 9, 30))
    assert chinese_calendar.is_workday(dt.date(2026, 10, 8))
    assert chinese_calendar.is_workday(dt.date(2026, 10, 10))  # a Saturday worked (调休)
    assert dt.date(2026, 10, 10).weekday() == 5
    assert not chinese_calendar.is_workday(dt.date(2026, 10, 11))


def _forwarded(citizen, editor, unit, at: dt.datetime, kind=Kind.COMPLAINT, capture=None) -> Inquiry:
    with freeze_time(at):
        inquiry = ask(citizen, kind=kind, now=at)
        if capture is not None:
            with capture(execute=True):
                services.forward(actor=editor, inquiry=inquiry, unit=unit, now=at)
        else:
            services.forward(actor=editor, inquiry=inquiry, unit=unit, now=at)
    return Inquiry.objects.get(pk=inquiry.pk)


def test_a_complaint_forwarded_before_national_day_is_due_after_it(citizen, editor, unit):
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    # 30 Sep (1), 8 Oct (2), 9 Oct (3), Saturday 10 Oct (4), 12 Oct (5), 13 Oct (6), 14 Oct (7): end of 14 October.
    assert inquiry.deadline == local(2026, 10, 14, 23, 59, 59, 999999)
    assert workdays.workdays_between(inquiry.forwarded_at, inquiry.deadline) == 7
    assert "2026-10-14" in inquiry.events.get(action="forward").text


def test_the_reminder_fires_on_the_deadlines_morning_and_not_before(citizen, editor, unit, unit_staff):
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    assert services.remind_at(inquiry) == local(2026, 10, 14, 9, 0)
    for early in (local(2026, 10, 8, 9, 0), local(2026, 10, 13, 23, 0), local(2026, 10, 14, 8, 59)):
        assert services.remind(inquiry=inquiry, now=early) is False
        assert services.sweep(now=early) == {"reminded": 0, "escalated": 0, "closed": 0}
    assert services.sweep(now=local(2026, 10, 14, 9, 5))["reminded"] == 1
    assert services.remind(inquiry=inquiry, now=local(2026, 10, 14, 10, 0)) is False  # once
    inquiry.refresh_from_db()
    assert inquiry.reminded_at == local(2026, 10, 14, 9, 5)
    assert AuditLog.objects.filter(action="inquiry.remind", subject_id=str(inquiry.pk)).count() == 1
    assert inquiry.events.get(action="remind").public is False


def test_sweep_escalates_only_after_the_deadline_and_tells_leader_and_parent(
    citizen, editor, unit, unit_staff, unit_leader, parent_unit, parent_leader, django_capture_on_commit_callbacks
):
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep(now=local(2026, 10, 14, 23, 59))["escalated"] == 0
    assert not Inquiry.objects.overdue(now=local(2026, 10, 14, 23, 59)).exists()
    ConsoleSms.outbox.clear()
    mail.outbox.clear()
    late = local(2026, 10, 15, 0, 5)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.sweep(now=late)
    assert counts["escalated"] == 1
    inquiry.refresh_from_db()
    assert inquiry.escalated_at == late and inquiry.state == State.FORWARDED
    assert list(Inquiry.objects.overdue(now=late)) == [inquiry] and inquiry.is_overdue(now=late)
    escalated = Notification.objects.filter(kind="inquiry.escalated")
    assert set(escalated.values_list("recipient_id", flat=True)) == {unit_staff.pk, unit_leader.pk, parent_leader.pk}
    assert all(inquiry.receipt in n.text and "2026-10-14" in n.text for n in escalated)
    texted = {t.phone for t in ConsoleSms.outbox}
    assert {unit.phone, unit_leader.phone, parent_unit.phone, parent_leader.phone} <= texted
    assert {m.to[0] for m in mail.outbox} == {unit.email, parent_unit.email}
    event = inquiry.events.get(action="escalate")
    assert event.public  # the citizen sees that the unit is being pressed
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sweep(now=late + dt.timedelta(hours=1))["escalated"] == 0  # once


def test_a_question_answered_in_time_is_never_escalated(citizen, editor, unit, unit_staff):
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    with freeze_time(local(2026, 10, 9, 15, 0)):
        services.accept(actor=unit_staff, inquiry=inquiry)
        services.submit_reply(actor=unit_staff, inquiry=inquiry, body="经核查，下水道已疏通，污水问题已经解决，感谢监督。")
    assert services.sweep(now=local(2026, 10, 20, 9, 0))["escalated"] == 0
    line = AuditLog.objects.get(action="inquiry.reply", subject_id=str(inquiry.pk))
    assert line.data["on_time"] is True


def test_an_extension_moves_the_deadline_past_the_holiday(citizen, editor, unit, unit_staff):
    # An enquiry (5 working days) forwarded on Tuesday 22 September: 23, 24, 28, 29, 30 September
    # (25–27 September are the Mid-Autumn rest days): due at the end of 30 September.
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 22, 10, 0), kind=Kind.CONSULT)
    assert inquiry.deadline == local(2026, 9, 30, 23, 59, 59, 999999)
    with freeze_time(local(2026, 9, 29, 16, 0)):
        services.accept(actor=unit_staff, inquiry=inquiry)
        extension = services.request_extension(actor=unit_staff, inquiry=inquiry, days=3, reason="需要节后现场勘察")
        services.decide_extension(actor=editor, extension=extension, grant=True)
    inquiry.refresh_from_db()
    # 8 Oct (1), 9 Oct (2), Saturday 10 Oct (3).
    assert inquiry.deadline == local(2026, 10, 10, 23, 59, 59, 999999) and inquiry.extended_days == 3
    assert inquiry.reminded_at is None
    assert services.sweep(now=local(2026, 10, 1, 0, 5))["escalated"] == 0  # the old deadline no longer counts
    assert services.remind_at(inquiry) == local(2026, 10, 10, 9, 0)
    assert services.sweep(now=local(2026, 10, 11, 0, 5))["escalated"] == 1


def test_forwarding_enqueues_the_reminder_and_the_escalation_at_their_moments(
    citizen, editor, unit, settings, django_capture_on_commit_callbacks
):
    # This test reads the database queue (the CI's second run would otherwise use RQ on Redis).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0), capture=django_capture_on_commit_callbacks)
    queued = {r.args_kwargs["args"][2]: r for r in DBTaskResult.objects.filter(task_path="rongmei.inquiries.tasks.deadline_check")}
    assert set(queued) == {"remind", "escalate"}
    assert queued["remind"].run_after == local(2026, 10, 14, 9, 0)
    assert queued["escalate"].run_after == inquiry.deadline + dt.timedelta(seconds=1)
    assert queued["remind"].args_kwargs["args"][:2] == [inquiry.pk, inquiry.version]
    assert {r.status for r in queued.values()} == {"READY"}


def test_the_deadline_task_does_what_the_sweep_does(citizen, editor, unit, unit_leader):
    from rongmei.inquiries.tasks import deadline_check

    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    with freeze_time(local(2026, 10, 14, 9, 0, 1)):
        assert deadline_check.call(inquiry.pk, inquiry.version, "remind") == "reminded"
        assert deadline_check.call(inquiry.pk, inquiry.version, "escalate") == "nothing to do"
    with freeze_time(local(2026, 10, 15, 0, 0, 1)):
        assert deadline_check.call(inquiry.pk, inquiry.version, "escalate") == "escalated"
    assert deadline_check.call(999999, 0, "escalate") == "gone"


def test_the_sweep_closes_answers_left_unrated(citizen, editor, unit, unit_staff):
    inquiry = _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    with freeze_time(local(2026, 10, 9, 15, 0)):
        services.accept(actor=unit_staff, inquiry=inquiry)
        reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body="经核查，下水道已疏通，污水问题已经解决，感谢监督。")
        services.approve_reply(actor=editor, reply=reply)
        services.publish(actor=editor, inquiry=inquiry)
    days = services.conf("AUTO_CLOSE_DAYS")
    assert services.sweep(now=local(2026, 10, 9, 15, 0) + dt.timedelta(days=days - 1))["closed"] == 0
    assert services.sweep(now=local(2026, 10, 9, 15, 1) + dt.timedelta(days=days))["closed"] == 1
    inquiry.refresh_from_db()
    assert inquiry.state == State.CLOSED
    line = AuditLog.objects.get(action="inquiry.close", subject_id=str(inquiry.pk))
    assert (line.from_state, line.to_state, line.actor_id) == (State.PUBLISHED, State.CLOSED, None)


def test_the_sweep_command_prints_its_counts(citizen, editor, unit):
    _forwarded(citizen, editor, unit, local(2026, 9, 29, 10, 0))
    out = io.StringIO()
    call_command("inquiries_sweep", "--now", "2026-10-15T08:00", stdout=out)
    assert out.getvalue().strip() == "2026-10-15T08:00+08:00: 0 reminded, 1 escalated, 0 closed."
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("inquiries_sweep", "--now", "tomorrow")
