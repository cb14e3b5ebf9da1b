"""The state machine under random use: random actions by random people, applied through the services.

Whatever happens, no question is lost, every state change has exactly one audit line whose from/to
chain from submission to the current state, the state is one the machine can reach, a rejected
question has its reason, an answered one has a published reply that the desk approved, a question is
reopened at most once, and only the staff of the unit holding a question change its state as a unit.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongmei.core.exceptions import DomainError
from rongmei.core.models import AuditLog
from rongmei.inquiries import services
from rongmei.inquiries.models import ANSWERED, WITH_UNIT, Extension, Inquiry, Kind, Message, Rating, Reply, State
from rongmei.inquiries.services import TRANSITIONS

pytestmark = pytest.mark.django_db

BODY = "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快处理。"
REPLY = "经现场核查，幸福路小区南门下水道因施工堵塞，已安排市政养护队疏通，污水问题已解决，并将定期巡查。"
PERSONAS = ("desk", "unit_staff", "other_unit_staff", "author", "other_citizen", "server")


def _reachable() -> set[str]:
    seen, todo = {State.SUBMITTED}, [State.SUBMITTED]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


REACHABLE = _reachable()


def _staff(world, who):
    """The persona as a staff actor: citizens reach staff doors only as anonymous visitors; the server is None."""
    return {
        "desk": world["editor"],
        "unit_staff": world["unit_staff"],
        "other_unit_staff": world["other_unit_staff"],
        "server": None,
    }.get(who, AnonymousUser())


def _fan(world, who):
    return {"author": world["citizen"], "other_citizen": world["other_citizen"]}.get(who)


def _pending_reply(q):
    return q.replies.filter(status=Reply.Status.SUBMITTED).first() or q.replies.last()


def _act(world, name: str, who: str, q: Inquiry, other: Inquiry, flag: bool):
    staff, fan = _staff(world, who), _fan(world, who)
    unit = world["unit"] if flag else world["other_unit"]
    if name == "start_screening":
        return services.start_screening(actor=staff, inquiry=q)
    if name == "ask_for_info":
        return services.ask_for_info(actor=staff, inquiry=q, question="请补充具体的楼栋和时间")
    if name == "give_info":
        return services.give_info(fan=fan, inquiry=q, text="是3号楼南侧，每天早上最严重。")
    if name == "reject":
        return services.reject(actor=staff, inquiry=q, reason="不属于问政受理范围，请拨打12345")
    if name == "merge":
        return services.merge(actor=staff, inquiry=q, into=other)
    if name == "hand_to_helpdesk":
        return services.hand_to_helpdesk(actor=staff, inquiry=q)
    if name == "forward":
        return services.forward(actor=staff, inquiry=q, unit=unit)
    if name == "accept":
        return services.accept(actor=staff, inquiry=q)
    if name == "return_to_desk":
        return services.return_to_desk(actor=staff, inquiry=q, reason="不属于本单位职责范围")
    if name == "request_extension":
        return services.request_extension(actor=staff, inquiry=q, days=2 if flag else 20, reason="需要现场勘察")
    if name == "decide_extension":
        extension = q.extensions.filter(status=Extension.Status.PENDING).first() or q.extensions.last()
        if extension is None:
            return None
        return services.decide_extension(actor=staff, extension=extension, grant=flag)
    if name == "submit_reply":
        return services.submit_reply(actor=staff, inquiry=q, body=REPLY)
    if name == "approve_reply":
        reply = _pending_reply(q)
        return reply and services.approve_reply(actor=staff, reply=reply)
    if name == "send_back_reply":
        reply = _pending_reply(q)
        return reply and services.send_back_reply(actor=staff, reply=reply, note="请说明具体完成时间")
    if name == "publish":
        return services.publish(actor=staff, inquiry=q)
    if name == "rate":
        rating = Rating.UNSATISFIED if flag else Rating.SATISFIED
        return services.rate(fan=fan, inquiry=q, rating=rating, reason="问题没有解决")
    if name == "reopen":
        return services.reopen(fan=fan, inquiry=q, reason="问题依旧")
    if name == "follow_up":
        return services.follow_up(fan=fan, inquiry=q, text="什么时候能彻底解决？")
    if name == "answer_follow_up":
        message = q.messages.filter(kind=Message.Kind.FOLLOW_UP, answered=False).first()
        return message and services.answer_follow_up(actor=staff, message=message, text="本月底前完成管网改造。")
    if name == "close":
        return services.close(actor=staff, inquiry=q)
    if name == "hide":
        return services.hide(actor=staff, inquiry=q, hidden=flag)
    if name == "sweep":
        return services.sweep(now=timezone.now() + dt.timedelta(days=40 if flag else 1))
    raise AssertionError(name)


ACTIONS = (
    "start_screening",
    "ask_for_info",
    "give_info",
    "reject",
    "merge",
    "hand_to_helpdesk",
    "forward",
    "accept",
    "return_to_desk",
    "request_extension",
    "decide_extension",
    "submit_reply",
    "approve_reply",
    "send_back_reply",
    "publish",
    "rate",
    "reopen",
    "follow_up",
    "answer_follow_up",
    "close",
    "hide",
    "sweep",
)

CITIZEN_ACTIONS = ("give_info", "rate", "reopen", "follow_up")
UNIT_ACTIONS = ("accept", "return_to_desk", "request_extension", "submit_reply", "answer_follow_up")


def _rightful(action: str) -> str:
    if action in CITIZEN_ACTIONS:
        return "author"
    if action in UNIT_ACTIONS:
        return "unit_staff"
    return "desk"


# What usually comes next in each state. Each step draws from these most of the time (so random runs
# get past screening) and from every action otherwise (so wrong-state attempts are tried too).
LIKELY = {
    State.SUBMITTED: ("start_screening", "ask_for_info", "reject", "merge", "hand_to_helpdesk", "forward", "forward"),
    State.SCREENING: ("ask_for_info", "reject", "merge", "hand_to_helpdesk", "forward", "forward"),
    State.NEEDS_INFO: ("give_info", "reject", "forward"),
    State.FORWARDED: ("accept", "return_to_desk", "request_extension", "submit_reply", "give_info", "sweep"),
    State.ACCEPTED: ("return_to_desk", "request_extension", "decide_extension", "submit_reply", "give_info", "sweep"),
    State.REPLIED: ("approve_reply", "approve_reply", "send_back_reply"),
    State.REPLY_APPROVED: ("publish",),
    State.PUBLISHED: ("rate", "follow_up", "answer_follow_up", "close", "hide", "sweep"),
    State.RATED: ("reopen", "reopen", "close", "follow_up", "answer_follow_up"),
}


def _draw_step(data, states: dict[int, str], ids: list[int]):
    index = data.draw(st.integers(min_value=0, max_value=1), label="question")
    likely = LIKELY.get(states[ids[index]])
    if likely and data.draw(st.integers(min_value=0, max_value=3), label="likely") > 0:
        name = data.draw(st.sampled_from(likely), label="action")
    else:
        name = data.draw(st.sampled_from(ACTIONS), label="action")
    who = data.draw(st.sampled_from(("rightful",) * 5 + PERSONAS), label="who")
    flag = data.draw(st.booleans(), label="flag")
    return name, (_rightful(name) if who == "rightful" else who), index, flag


def _moves(inquiry_id: int) -> list[tuple[str, str, int | None]]:
    return list(
        AuditLog.objects.filter(subject_type="inquiries.inquiry", subject_id=str(inquiry_id))
        .exclude(to_state="")
        .order_by("id")
        .values_list("from_state", "to_state", "actor_id")
    )


def _check_invariants(world, ids: list[int]) -> None:
    assert Inquiry.objects.filter(pk__in=ids).count() == len(ids)  # nothing lost, nothing deleted
    for q in Inquiry.objects.filter(pk__in=ids):
        assert q.state in REACHABLE
        moves = _moves(q.pk)
        assert moves[0][:2] == ("", State.SUBMITTED)
        for (_f, to, _a), (frm, nxt, _b) in zip(moves, moves[1:], strict=False):
            assert frm == to and nxt in TRANSITIONS[frm], moves  # one line per change, chained
        assert moves[-1][1] == q.state
        assert q.events.count() >= len(moves)  # each change has its timeline line
        if q.state == State.REJECTED:
            assert q.reason.strip()
        if q.state == State.MERGED:
            assert q.merged_into_id is not None and q.merged_into_id != q.pk
        if q.state == State.TO_HELPDESK:
            assert q.lead_id is not None
        if q.state in (State.SUBMITTED, State.SCREENING, State.NEEDS_INFO):
            assert q.lead_unit_id is None and q.deadline is None, q.state
        if q.state in WITH_UNIT:
            assert q.lead_unit_id is not None and q.deadline is not None
        if q.state in ANSWERED:
            assert q.replies.filter(status=Reply.Status.PUBLISHED).exists()
        approved = {
            line.data.get("reply")
            for line in AuditLog.objects.filter(subject_type="inquiries.inquiry", subject_id=str(q.pk), action="inquiry.approve_reply")
        }
        for reply in q.replies.filter(status__in=(Reply.Status.APPROVED, Reply.Status.PUBLISHED)):
            assert reply.pk in approved  # nothing reaches the public without the desk's approval
        assert q.reopened <= 1
        assert q.extended_days + services.workdays.deadline_days(q.kind) <= services.workdays.MAX_DEADLINE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), length=st.integers(min_value=1, max_value=14))
def test_random_use_never_breaks_the_rules(data, length, citizen, other_citizen, editor, unit, other_unit, unit_staff, other_unit_staff):
    world = {
        "citizen": citizen,
        "other_citizen": other_citizen,
        "editor": editor,
        "unit": unit,
        "other_unit": other_unit,
        "unit_staff": unit_staff,
        "other_unit_staff": other_unit_staff,
    }
    staff_units = {unit_staff.pk: unit.pk, other_unit_staff.pk: other_unit.pk}
    with transaction.atomic():
        cache.clear()
        first = services.submit(fan=citizen, kind=Kind.COMPLAINT, title="幸福路小区门口污水横流无人管", body=BODY, location="泌水街道")
        cache.clear()
        second = services.submit(fan=citizen, kind=Kind.CONSULT, title="幸福路小区门口的路灯坏了很久", body=BODY, location="泌水街道")
        ids = [first.pk, second.pk]
        for _n in range(length):
            states = dict(Inquiry.objects.filter(pk__in=ids).values_list("pk", "state"))
            name, who, index, flag = _draw_step(data, states, ids)
            q = Inquiry.objects.get(pk=ids[index])
            other = Inquiry.objects.get(pk=ids[1 - index])
            before = {i.pk: (i.state, i.lead_unit_id) for i in Inquiry.objects.filter(pk__in=ids)}
            seen = {pk: len(_moves(pk)) for pk in ids}
            try:
                _act(world, name, who, q, other, flag)
            except DomainError:
                pass
            for pk in ids:
                new_moves = _moves(pk)[seen[pk] :]
                for _frm, _to, actor_id in new_moves:
                    if actor_id in staff_units:
                        # A unit's staff changed the state: it must be the unit that held the question.
                        assert staff_units[actor_id] == before[pk][1], (name, who)
                    if who in ("other_citizen", "other_unit_staff"):
                        assert actor_id is None or actor_id not in staff_units or staff_units[actor_id] == before[pk][1]
                if who == "other_citizen" and name in ("give_info", "rate", "reopen", "follow_up"):
                    assert not new_moves, name  # another citizen never moves somebody's question
                if who == "other_unit_staff" and name in ("accept", "return_to_desk", "submit_reply") and before[pk][1] != other_unit.pk:
                    assert not new_moves, name
            _check_invariants(world, ids)
        transaction.set_rollback(True)
