"""Every service of 问政: who may and who may not, from which state, and what each change leaves behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from freezegun import freeze_time

from rongmei.accounts.models import Team
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.inquiries import services, workdays
from rongmei.inquiries.models import Event, Extension, Follow, Inquiry, Kind, Message, Rating, Reply, State
from rongmei.newsroom.models import Lead

pytestmark = pytest.mark.django_db

BODY = "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快处理。"
REPLY = "经现场核查，幸福路小区南门下水道因施工堵塞，已安排市政养护队疏通，污水问题已解决，并将定期巡查。"
REASON = "该问题属于物业管理纠纷，请联系业主委员会"


# --- builders, also used by test_deadlines and test_state_machine ------------------------------------


def ask(fan, *, kind=Kind.COMPLAINT, title="幸福路小区门口污水横流无人管", now=None, **extra) -> Inquiry:
    cache.clear()  # the one-question-a-minute limit is tested on its own
    return services.submit(fan=fan, kind=kind, title=title, body=BODY, location="泌水街道", now=now, **extra)


def bring_to(state: str, *, citizen, editor, unit, unit_staff, rating: str = Rating.UNSATISFIED) -> Inquiry:
    """A fresh question taken through the services to ``state``."""
    inquiry = ask(citizen)
    if state == State.SUBMITTED:
        return inquiry
    if state == State.SCREENING:
        return services.start_screening(actor=editor, inquiry=inquiry)
    if state == State.NEEDS_INFO:
        return services.ask_for_info(actor=editor, inquiry=inquiry, question="请补充具体的楼栋和时间")
    if state == State.REJECTED:
        return services.reject(actor=editor, inquiry=inquiry, reason=REASON)
    services.forward(actor=editor, inquiry=inquiry, unit=unit)
    if state == State.FORWARDED:
        return Inquiry.objects.get(pk=inquiry.pk)
    services.accept(actor=unit_staff, inquiry=inquiry)
    if state == State.ACCEPTED:
        return Inquiry.objects.get(pk=inquiry.pk)
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=REPLY)
    if state == State.REPLIED:
        return Inquiry.objects.get(pk=inquiry.pk)
    services.approve_reply(actor=editor, reply=reply)
    if state == State.REPLY_APPROVED:
        return Inquiry.objects.get(pk=inquiry.pk)
    services.publish(actor=editor, inquiry=inquiry)
    if state == State.PUBLISHED:
        return Inquiry.objects.get(pk=inquiry.pk)
    services.rate(fan=citizen, inquiry=inquiry, rating=rating, reason="没有解决")
    return Inquiry.objects.get(pk=inquiry.pk)


def audit_lines(inquiry):
    return AuditLog.objects.filter(subject_type="inquiries.inquiry", subject_id=str(inquiry.pk))


@pytest.fixture
def world(citizen, other_citizen, editor, column_lead, chief, operator, reporter, unit, other_unit, unit_staff, other_unit_staff):
    return {
        "citizen": citizen,
        "other_citizen": other_citizen,
        "editor": editor,
        "column_lead": column_lead,
        "chief": chief,
        "operator": operator,
        "reporter": reporter,
        "unit": unit,
        "other_unit": other_unit,
        "unit_staff": unit_staff,
        "other_unit_staff": other_unit_staff,
        "anonymous": AnonymousUser(),
        "nobody": None,
    }


def _at(world, state, **kw):
    if state == "accepted+extension":
        inquiry = _at(world, State.ACCEPTED)
        services.request_extension(actor=world["unit_staff"], inquiry=inquiry, days=2, reason="需要协调施工单位")
        return inquiry
    if state == "published+follow_up":
        inquiry = _at(world, State.PUBLISHED)
        services.follow_up(fan=world["citizen"], inquiry=inquiry, text="什么时候能彻底解决？")
        return inquiry
    return bring_to(state, citizen=world["citizen"], editor=world["editor"], unit=world["unit"], unit_staff=world["unit_staff"], **kw)


# --- who may: the desk ---------------------------------------------------------------------------

DESK = ("editor", "column_lead", "chief", "operator")
NOT_DESK = ("reporter", "unit_staff", "other_unit_staff", "anonymous")


def _desk_calls(world):
    """(name, starting state, call(actor, inquiry))."""
    unit = world["unit"]

    def decide(actor, inquiry):
        return services.decide_extension(actor=actor, extension=inquiry.extensions.get(), grant=True)

    def merge(actor, inquiry):
        into = ask(world["other_citizen"], title="另一位居民反映的同一处污水问题")
        return services.merge(actor=actor, inquiry=inquiry, into=into)

    return [
        ("start_screening", State.SUBMITTED, lambda a, q: services.start_screening(actor=a, inquiry=q)),
        (
            "edit_public_version",
            State.SUBMITTED,
            lambda a, q: services.edit_public_version(actor=a, inquiry=q, title="新的公开标题", body="新的公开正文"),
        ),
        ("ask_for_info", State.SCREENING, lambda a, q: services.ask_for_info(actor=a, inquiry=q, question="请补充具体的楼栋")),
        ("reject", State.SCREENING, lambda a, q: services.reject(actor=a, inquiry=q, reason=REASON)),
        ("merge", State.SUBMITTED, merge),
        ("forward", State.SCREENING, lambda a, q: services.forward(actor=a, inquiry=q, unit=unit)),
        ("hide", State.PUBLISHED, lambda a, q: services.hide(actor=a, inquiry=q, hidden=True, reason="涉及隐私")),
        ("decide_extension", "accepted+extension", decide),
        ("approve_reply", State.REPLIED, lambda a, q: services.approve_reply(actor=a, reply=q.replies.get())),
        (
            "send_back_reply",
            State.REPLIED,
            lambda a, q: services.send_back_reply(actor=a, reply=q.replies.get(), note="请说明具体完成时间"),
        ),
        ("publish", State.REPLY_APPROVED, lambda a, q: services.publish(actor=a, inquiry=q)),
        ("close", State.RATED, lambda a, q: services.close(actor=a, inquiry=q)),
    ]


@pytest.mark.parametrize("who", DESK)
def test_every_desk_persona_may_do_every_desk_action(world, who, team_helpdesk):
    for name, state, call in [*_desk_calls(world), ("hand_to_helpdesk", State.SCREENING, _helpdesk)]:
        inquiry = _at(world, state)
        call(world[who], inquiry)  # no exception
        assert Inquiry.objects.filter(pk=inquiry.pk).exists(), name


@pytest.mark.parametrize("who", NOT_DESK)
def test_nobody_else_may_do_a_desk_action(world, who, team_helpdesk):
    for name, state, call in [*_desk_calls(world), ("hand_to_helpdesk", State.SCREENING, _helpdesk)]:
        inquiry = _at(world, state)
        before = (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count())
        with pytest.raises(NotAllowed):
            call(world[who], inquiry)
        assert (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count()) == before, name


# --- who may: the unit -----------------------------------------------------------------------------


def _unit_calls(world):
    def answer(actor, inquiry):
        message = inquiry.messages.get(kind=Message.Kind.FOLLOW_UP)
        return services.answer_follow_up(actor=actor, message=message, text="本月底前完成管网改造。")

    return [
        ("accept", State.FORWARDED, lambda a, q: services.accept(actor=a, inquiry=q)),
        ("return_to_desk", State.FORWARDED, lambda a, q: services.return_to_desk(actor=a, inquiry=q, reason=REASON)),
        ("request_extension", State.ACCEPTED, lambda a, q: services.request_extension(actor=a, inquiry=q, days=2, reason="需要协调施工")),
        ("submit_reply", State.ACCEPTED, lambda a, q: services.submit_reply(actor=a, inquiry=q, body=REPLY)),
        ("answer_follow_up", "published+follow_up", answer),
    ]


def test_the_lead_units_staff_may_do_every_unit_action(world):
    for _name, state, call in _unit_calls(world):
        call(world["unit_staff"], _at(world, state))


@pytest.mark.parametrize("who", ("other_unit_staff", "editor", "reporter", "anonymous", "nobody"))
def test_nobody_else_may_act_for_the_unit(world, who):
    for name, state, call in _unit_calls(world):
        inquiry = _at(world, state)
        before = (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count())
        with pytest.raises(NotAllowed):
            call(world[who], inquiry)
        assert (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count()) == before, name


def test_a_co_units_staff_reads_the_original_but_may_not_act(world, editor, unit, other_unit, other_unit_staff):
    inquiry = ask(world["citizen"])
    services.forward(actor=editor, inquiry=inquiry, unit=unit, co_units=[other_unit])
    assert services.sees_original(other_unit_staff, inquiry)
    with pytest.raises(NotAllowed):
        services.accept(actor=other_unit_staff, inquiry=inquiry)


# --- who may: the author ----------------------------------------------------------------------------


def _author_calls():
    return [
        ("give_info", State.NEEDS_INFO, lambda f, q: services.give_info(fan=f, inquiry=q, text="是3号楼南侧，每天早上最严重。")),
        ("follow_up", State.PUBLISHED, lambda f, q: services.follow_up(fan=f, inquiry=q, text="什么时候能彻底解决？")),
        ("rate", State.PUBLISHED, lambda f, q: services.rate(fan=f, inquiry=q, rating=Rating.PARTLY)),
        ("reopen", State.RATED, lambda f, q: services.reopen(fan=f, inquiry=q, reason="问题依旧")),
    ]


def test_the_author_may_do_every_citizen_action(world):
    for _name, state, call in _author_calls():
        call(world["citizen"], _at(world, state))


@pytest.mark.parametrize("who", ("other_citizen", "nobody"))
def test_nobody_else_may_act_for_the_author(world, who):
    for name, state, call in _author_calls():
        inquiry = _at(world, state)
        before = (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count())
        with pytest.raises(NotAllowed):
            call(world[who], inquiry)
        assert (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count()) == before, name


def test_a_banned_or_missing_fan_cannot_submit(citizen):
    with pytest.raises(NotAllowed):
        services.submit(fan=None, kind=Kind.CONSULT, title="幸福路小区门口污水横流无人管", body=BODY, location="泌水街道")


# --- wrong state ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, call",
    [
        (State.SUBMITTED, lambda w, q: services.publish(actor=w["editor"], inquiry=q)),
        (State.PUBLISHED, lambda w, q: services.reject(actor=w["editor"], inquiry=q, reason=REASON)),
        (State.REJECTED, lambda w, q: services.forward(actor=w["editor"], inquiry=q, unit=w["unit"])),
        (State.FORWARDED, lambda w, q: services.hand_to_helpdesk(actor=w["editor"], inquiry=q)),
        (State.ACCEPTED, lambda w, q: services.accept(actor=w["unit_staff"], inquiry=q)),
        (State.PUBLISHED, lambda w, q: services.request_extension(actor=w["unit_staff"], inquiry=q, days=2, reason="需要协调施工")),
        (State.PUBLISHED, lambda w, q: services.submit_reply(actor=w["unit_staff"], inquiry=q, body=REPLY)),
        (State.FORWARDED, lambda w, q: services.rate(fan=w["citizen"], inquiry=q, rating=Rating.SATISFIED)),
        (State.FORWARDED, lambda w, q: services.follow_up(fan=w["citizen"], inquiry=q, text="什么时候能解决？")),
        (State.PUBLISHED, lambda w, q: services.reopen(fan=w["citizen"], inquiry=q)),
        (State.SCREENING, lambda w, q: services.give_info(fan=w["citizen"], inquiry=q, text="补充的信息内容很多很多")),
        # The citizen may not pull a question back from its unit by "adding information".
        (State.FORWARDED, lambda w, q: services.give_info(fan=w["citizen"], inquiry=q, text="补充的信息内容很多很多")),
        (State.ACCEPTED, lambda w, q: services.give_info(fan=w["citizen"], inquiry=q, text="补充的信息内容很多很多")),
        (State.REPLY_APPROVED, lambda w, q: services.approve_reply(actor=w["editor"], reply=q.replies.get())),
        (State.FORWARDED, lambda w, q: services.close(actor=w["editor"], inquiry=q)),
    ],
)
def test_an_action_from_the_wrong_state_is_a_conflict_and_changes_nothing(world, state, call):
    inquiry = _at(world, state)
    before = (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count(), Event.objects.filter(inquiry=inquiry).count())
    with pytest.raises(StateConflict):
        call(world, inquiry)
    after = (Inquiry.objects.get(pk=inquiry.pk).state, audit_lines(inquiry).count(), Event.objects.filter(inquiry=inquiry).count())
    assert after == before


# --- what each change leaves behind ------------------------------------------------------------------


def test_each_state_change_writes_one_audit_line_with_from_and_to_and_a_timeline_event(world):
    inquiry = _at(world, State.RATED, rating=Rating.SATISFIED)
    assert inquiry.state == State.CLOSED
    lines = list(audit_lines(inquiry).exclude(to_state="").values_list("action", "from_state", "to_state"))
    assert lines == [
        ("inquiry.submit", "", State.SUBMITTED),
        ("inquiry.forward", State.SUBMITTED, State.FORWARDED),
        ("inquiry.accept", State.FORWARDED, State.ACCEPTED),
        ("inquiry.reply", State.ACCEPTED, State.REPLIED),
        ("inquiry.approve_reply", State.REPLIED, State.REPLY_APPROVED),
        ("inquiry.publish", State.REPLY_APPROVED, State.PUBLISHED),
        ("inquiry.rate", State.PUBLISHED, State.RATED),
        ("inquiry.close", State.RATED, State.CLOSED),
    ]
    events = list(inquiry.events.values_list("action", "state"))
    assert [a for a, _s in events] == ["submit", "forward", "accept", "reply", "approve_reply", "publish", "rate", "close"]
    assert [s for _a, s in events][1:] == [to for _a, _f, to in lines][1:]
    desk_lines = audit_lines(inquiry).filter(action__in=("inquiry.forward", "inquiry.approve_reply", "inquiry.publish"))
    assert {line.actor_id for line in desk_lines} == {world["editor"].pk}
    assert {line.actor_id for line in audit_lines(inquiry).filter(action__in=("inquiry.accept", "inquiry.reply"))} == {
        world["unit_staff"].pk
    }


def test_a_rejected_question_keeps_its_reason_and_stays_with_its_author(world):
    inquiry = _at(world, State.REJECTED)
    assert inquiry.state == State.REJECTED and inquiry.reason == REASON
    assert Inquiry.objects.filter(fan=world["citizen"], pk=inquiry.pk).exists()
    shown = inquiry.events.get(action="reject")
    assert shown.public and REASON in shown.text
    assert audit_lines(inquiry).get(action="inquiry.reject").to_state == State.REJECTED


def test_reject_needs_a_reason(world):
    inquiry = _at(world, State.SCREENING)
    with pytest.raises(DomainError) as refused:
        services.reject(actor=world["editor"], inquiry=inquiry, reason="  ")
    assert refused.value.field == "reason"
    assert Inquiry.objects.get(pk=inquiry.pk).state == State.SCREENING


def test_merge_makes_the_author_follow_the_question_merged_into(world, editor, citizen, other_citizen):
    into = ask(other_citizen, title="另一位居民反映的同一处污水问题")
    dup = ask(citizen)
    services.merge(actor=editor, inquiry=dup, into=into, note="同一处下水道")
    dup.refresh_from_db()
    into.refresh_from_db()
    assert dup.state == State.MERGED and dup.merged_into == into
    assert Follow.objects.filter(fan=citizen, inquiry=into).exists() and into.followers_count == 1
    assert into.events.filter(action="merged_in", public=False).exists()
    with pytest.raises(DomainError):
        services.merge(actor=editor, inquiry=into, into=into)
    rejected = _at(world, State.REJECTED)
    with pytest.raises(StateConflict):
        services.merge(actor=editor, inquiry=ask(citizen, title="第三个关于同一处污水的问题"), into=rejected)


def test_a_return_is_counted_and_goes_back_to_screening(world, editor, unit, unit_staff, other_unit):
    inquiry = _at(world, State.ACCEPTED)
    services.request_extension(actor=unit_staff, inquiry=inquiry, days=2, reason="需要协调施工单位")
    services.return_to_desk(actor=unit_staff, inquiry=inquiry, reason=REASON)
    inquiry.refresh_from_db()
    assert inquiry.state == State.SCREENING and inquiry.returns == 1 and inquiry.lead_unit is None and inquiry.deadline is None
    assert inquiry.extensions.get().status == Extension.Status.REFUSED
    line = audit_lines(inquiry).get(action="inquiry.return")
    assert (line.from_state, line.to_state, line.data["unit"]) == (State.ACCEPTED, State.SCREENING, unit.pk)
    services.forward(actor=editor, inquiry=inquiry, unit=other_unit)
    inquiry.refresh_from_db()
    assert inquiry.state == State.FORWARDED and inquiry.lead_unit == other_unit and inquiry.returns == 1
    with pytest.raises(NotAllowed):  # the first unit no longer holds it
        services.accept(actor=unit_staff, inquiry=inquiry)


def test_extension_rules(world, editor, unit_staff, settings):
    inquiry = _at(world, State.ACCEPTED)
    first = services.request_extension(actor=unit_staff, inquiry=inquiry, days=3, reason="需要现场勘察")
    with pytest.raises(StateConflict, match="already waiting"):
        services.request_extension(actor=unit_staff, inquiry=inquiry, days=2, reason="还需要更多时间")
    services.decide_extension(actor=editor, extension=first, grant=False, note="时间足够")
    room = workdays.MAX_DEADLINE - workdays.deadline_days(Kind.COMPLAINT)  # 15 - 7
    with pytest.raises(DomainError, match=f"Ask for 1 to {room} working days"):
        services.request_extension(actor=unit_staff, inquiry=inquiry, days=room + 1, reason="需要很长时间")
    second = services.request_extension(actor=unit_staff, inquiry=inquiry, days=room, reason="需要现场勘察")
    services.decide_extension(actor=editor, extension=second, grant=True)
    inquiry.refresh_from_db()
    assert inquiry.extended_days == room
    assert workdays.workdays_between(inquiry.forwarded_at, inquiry.deadline) == workdays.MAX_DEADLINE
    with pytest.raises(StateConflict):
        services.request_extension(actor=unit_staff, inquiry=inquiry, days=1, reason="再延一天可以吗")
    with pytest.raises(StateConflict, match="decided already"):
        services.decide_extension(actor=editor, extension=second, grant=True)
    assert list(audit_lines(inquiry).filter(action__startswith="inquiry.extension").values_list("action", flat=True)) == [
        "inquiry.extension_requested",
        "inquiry.extension_refused",
        "inquiry.extension_requested",
        "inquiry.extension_granted",
    ]


def test_an_extension_cannot_pass_fifteen_working_days(world, editor, unit_staff, settings):
    settings.RONGMEI_INQUIRIES = {**getattr(settings, "RONGMEI_INQUIRIES", {}), "DEADLINE_DAYS": {"complaint": 15}}
    inquiry = _at(world, State.ACCEPTED)
    with pytest.raises(StateConflict, match="at its longest"):
        services.request_extension(actor=unit_staff, inquiry=inquiry, days=1, reason="需要现场勘察")


def test_reopen_only_after_unsatisfied(world):
    for rating in (Rating.SATISFIED, Rating.PARTLY):
        inquiry = _at(world, State.RATED, rating=rating)
        assert inquiry.state == State.CLOSED
        with pytest.raises(StateConflict):
            services.reopen(fan=world["citizen"], inquiry=inquiry)


def test_reopen_goes_back_to_the_unit_once(world, editor, unit_staff, citizen):
    inquiry = _at(world, State.RATED)
    services.reopen(fan=citizen, inquiry=inquiry, reason="污水又冒出来了")
    inquiry.refresh_from_db()
    assert inquiry.state == State.ACCEPTED and inquiry.reopened == 1 and inquiry.deadline > timezone.now()
    assert inquiry.messages.filter(kind=Message.Kind.FOLLOW_UP, body="污水又冒出来了").exists()
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=REPLY + "已彻底更换管道。")
    services.approve_reply(actor=editor, reply=reply)
    services.publish(actor=editor, inquiry=inquiry)
    services.rate(fan=citizen, inquiry=inquiry, rating=Rating.UNSATISFIED, reason="还是没解决")
    with pytest.raises(StateConflict, match="reopened once already"):
        services.reopen(fan=citizen, inquiry=inquiry)
    assert Inquiry.objects.get(pk=inquiry.pk).state == State.RATED


def test_reopen_only_within_the_days_allowed(world, citizen):
    inquiry = _at(world, State.RATED)
    later = timezone.now() + dt.timedelta(days=services.conf("REOPEN_DAYS"), hours=1)
    with freeze_time(later), pytest.raises(StateConflict, match="within 15 days"):
        services.reopen(fan=citizen, inquiry=inquiry)


def test_an_unsatisfied_rating_needs_a_reason(world, citizen):
    inquiry = _at(world, State.PUBLISHED)
    with pytest.raises(DomainError):
        services.rate(fan=citizen, inquiry=inquiry, rating=Rating.UNSATISFIED, reason="")
    assert Inquiry.objects.get(pk=inquiry.pk).state == State.PUBLISHED


@pytest.fixture
def team_helpdesk(db):
    return Team.objects.create(name="融媒帮", slug="rongmeibang")


def _helpdesk(actor, inquiry):
    return services.hand_to_helpdesk(actor=actor, inquiry=inquiry, note="记者去现场看看")


def test_hand_to_helpdesk_makes_a_newsroom_lead_for_the_team(world, editor, team_helpdesk):
    inquiry = _at(world, State.SCREENING)
    _helpdesk(editor, inquiry)
    inquiry.refresh_from_db()
    lead = Lead.objects.get()
    assert inquiry.state == State.TO_HELPDESK and inquiry.lead == lead
    assert lead.source == Lead.Source.INQUIRY and lead.team == team_helpdesk and lead.source_contact == inquiry.receipt
    assert inquiry.receipt in lead.description and "记者去现场看看" in lead.description
    line = audit_lines(inquiry).get(action="inquiry.to_helpdesk")
    assert (line.from_state, line.to_state, line.data["lead"]) == (State.SCREENING, State.TO_HELPDESK, lead.pk)


def test_publishing_publishes_the_approved_reply_and_keeps_the_original(world, editor):
    inquiry = _at(world, State.PUBLISHED)
    reply = inquiry.replies.get()
    assert reply.status == Reply.Status.PUBLISHED and reply.public_body
    assert inquiry.published_at is not None and inquiry in Inquiry.objects.public()
    assert inquiry.body == BODY


def test_a_private_question_is_never_listed_publicly(world, citizen, editor, unit, unit_staff):
    inquiry = ask(citizen, is_public=False)
    services.forward(actor=editor, inquiry=inquiry, unit=unit)
    services.accept(actor=unit_staff, inquiry=inquiry)
    reply = services.submit_reply(actor=unit_staff, inquiry=inquiry, body=REPLY)
    services.approve_reply(actor=editor, reply=reply)
    services.publish(actor=editor, inquiry=inquiry)
    assert not Inquiry.objects.public().filter(pk=inquiry.pk).exists()


def test_follow_and_unfollow_keep_the_count(world, other_citizen):
    inquiry = _at(world, State.PUBLISHED)
    assert services.set_follow(fan=other_citizen, inquiry=inquiry, keep=True)
    assert services.set_follow(fan=other_citizen, inquiry=inquiry, keep=True)  # twice is once
    assert Inquiry.objects.get(pk=inquiry.pk).followers_count == 1
    assert not services.set_follow(fan=other_citizen, inquiry=inquiry, keep=False)
    assert Inquiry.objects.get(pk=inquiry.pk).followers_count == 0
    with pytest.raises(NotAllowed):
        services.set_follow(fan=None, inquiry=inquiry, keep=True)
