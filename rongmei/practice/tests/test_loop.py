"""The service loop 点单 → 派单 → 接单 → 评单 (rongmei.practice.services): who may do each step,
the states, the timestamps and audit lines, and the hours and points a finished service earns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from freezegun import freeze_time

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.fans.models import Fan
from rongmei.practice import services
from rongmei.practice.models import LedgerEntry, ServiceRequest, Volunteer

State = ServiceRequest.State
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def _request(practice, **kwargs) -> ServiceRequest:
    values = {"category": "家电维修", "description": "洗衣机不转了，请帮忙看看", "address": "花园社区3号楼2单元"}
    values.update(kwargs)
    return services.request_service(fan=practice["resident"], **values)


def _dispatched(practice, operator) -> ServiceRequest:
    return services.dispatch(actor=operator, service=_request(practice), team=practice["team"])


def _taken(practice, operator) -> ServiceRequest:
    return services.take(fan=practice["volunteer"].fan, service=_dispatched(practice, operator))


def _done(practice, operator) -> ServiceRequest:
    service = _taken(practice, operator)
    fan = practice["volunteer"].fan
    services.start_service(fan=fan, service=service, token=service.token)
    return services.finish_service(fan=fan, service=service, token=service.token)


def _actions(service: ServiceRequest) -> list[str]:
    lines = AuditLog.objects.filter(subject_type="practice.servicerequest", subject_id=str(service.pk)).order_by("created_at", "id")
    return list(lines.values_list("action", flat=True))


def _ledger(volunteer: Volunteer, kind: str) -> list[Decimal]:
    return list(LedgerEntry.objects.filter(volunteer=volunteer, kind=kind).order_by("id").values_list("amount", flat=True))


# --- 点单 ------------------------------------------------------------------------------------------


def test_resident_requests_a_service(practice):
    service = _request(practice, wanted_on=timezone.localdate())
    assert service.state == State.REQUESTED
    assert service.resident == practice["resident"]
    assert service.created_at is not None
    assert service.token
    assert _actions(service) == ["practice.service_request"]


def test_request_needs_a_logged_in_fan(practice):
    with pytest.raises(NotAllowed):
        services.request_service(fan=None, category="理发", description="老人行动不便，请上门理发", address="花园社区")
    assert not ServiceRequest.objects.exists()


def test_request_for_a_past_day_is_refused(practice):
    with pytest.raises(DomainError) as err:
        _request(practice, wanted_on=timezone.localdate() - dt.timedelta(days=1))
    assert err.value.field == "wanted_on"
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("category", ""), ("category", "家" * 31), ("description", "太短"), ("description", "   "), ("address", ""), ("address", "路" * 121)],
)
def test_request_with_bad_input_names_the_field(practice, field, value):
    with pytest.raises(DomainError) as err:
        _request(practice, **{field: value})
    assert err.value.field == field
    assert not ServiceRequest.objects.exists()


# --- 派单 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("coordinator", ["operator", "chief"])
def test_coordinators_dispatch(practice, request, coordinator):
    actor = request.getfixturevalue(coordinator)
    service = services.dispatch(actor=actor, service=_request(practice), team=practice["team"])
    service.refresh_from_db()
    assert service.state == State.DISPATCHED
    assert service.team == practice["team"]
    assert service.dispatched_by == actor
    assert service.dispatched_at is not None
    assert _actions(service) == ["practice.service_request", "practice.service_dispatch"]


@pytest.mark.parametrize("persona", ["editor", "reporter"])
def test_newsroom_staff_cannot_dispatch(practice, request, persona):
    service = _request(practice)
    with pytest.raises(NotAllowed):
        services.dispatch(actor=request.getfixturevalue(persona), service=service, team=practice["team"])
    service.refresh_from_db()
    assert service.state == State.REQUESTED
    assert service.team is None


def test_dispatch_tells_the_team_members_and_the_resident(practice, operator):
    from rongmei.fans.models import FanNotification

    service = _dispatched(practice, operator)
    told = set(FanNotification.objects.filter(url=f"/practice/requests/{service.pk}/").values_list("fan_id", flat=True))
    members = {practice[k].fan_id for k in ("leader", "volunteer", "volunteer2")}
    assert told == members | {practice["resident"].pk}


def test_a_taken_request_cannot_be_dispatched_again(practice, operator):
    service = _taken(practice, operator)
    with pytest.raises(StateConflict):
        services.dispatch(actor=operator, service=service, team=practice["other_team"])
    service.refresh_from_db()
    assert service.team == practice["team"]


# --- 接单 ------------------------------------------------------------------------------------------


def test_a_team_member_takes_the_request(practice, operator):
    service = _taken(practice, operator)
    service.refresh_from_db()
    assert service.state == State.TAKEN
    assert service.volunteer == practice["volunteer"]
    assert service.taken_at is not None
    assert _actions(service)[-1] == "practice.service_take"


def test_a_volunteer_of_another_team_cannot_take(practice, operator):
    service = _dispatched(practice, operator)
    with pytest.raises(NotAllowed):
        services.take(fan=practice["outsider_volunteer"].fan, service=service)
    service.refresh_from_db()
    assert service.state == State.DISPATCHED
    assert service.volunteer is None


def test_a_fan_who_is_no_volunteer_cannot_take(practice, operator):
    service = _dispatched(practice, operator)
    with pytest.raises(NotAllowed):
        services.take(fan=practice["resident"], service=service)
    with pytest.raises(NotAllowed):
        services.take(fan=None, service=service)
    service.refresh_from_db()
    assert service.state == State.DISPATCHED


def test_a_suspended_volunteer_cannot_take(practice, operator):
    service = _dispatched(practice, operator)
    Volunteer.objects.filter(pk=practice["volunteer"].pk).update(status=Volunteer.Status.SUSPENDED)
    with pytest.raises(NotAllowed):
        services.take(fan=practice["volunteer"].fan, service=service)


def test_the_first_to_take_has_it(practice, operator):
    service = _taken(practice, operator)
    with pytest.raises(StateConflict):
        services.take(fan=practice["volunteer2"].fan, service=service)
    with pytest.raises(StateConflict):
        services.take(fan=practice["volunteer"].fan, service=service)
    service.refresh_from_db()
    assert service.volunteer == practice["volunteer"]
    assert _actions(service).count("practice.service_take") == 1


def test_a_request_not_dispatched_cannot_be_taken(practice):
    service = _request(practice)
    with pytest.raises(StateConflict):
        services.take(fan=practice["volunteer"].fan, service=service)


def test_redispatched_request_is_taken_by_the_new_team_only(practice, operator):
    service = _dispatched(practice, operator)
    services.dispatch(actor=operator, service=service, team=practice["other_team"])
    with pytest.raises(NotAllowed):
        services.take(fan=practice["volunteer"].fan, service=service)
    services.take(fan=practice["outsider_volunteer"].fan, service=service)
    service.refresh_from_db()
    assert service.volunteer == practice["outsider_volunteer"]


# --- serving: start and finish by the resident's QR -------------------------------------------------------


def test_start_needs_the_requests_token(practice, operator):
    service = _taken(practice, operator)
    other = _request(practice)
    for token in ("", "not-the-token", other.token):
        with pytest.raises(DomainError) as err:
            services.start_service(fan=practice["volunteer"].fan, service=service, token=token)
        assert err.value.field == "token"
    service.refresh_from_db()
    assert service.state == State.TAKEN
    assert service.started_at is None


def test_only_the_taker_starts_and_finishes(practice, operator):
    service = _taken(practice, operator)
    for fan in (practice["volunteer2"].fan, practice["leader"].fan, practice["outsider_volunteer"].fan, practice["resident"]):
        with pytest.raises(NotAllowed):
            services.start_service(fan=fan, service=service, token=service.token)
    services.start_service(fan=practice["volunteer"].fan, service=service, token=service.token)
    for fan in (practice["volunteer2"].fan, practice["resident"]):
        with pytest.raises(NotAllowed):
            services.finish_service(fan=fan, service=service, token=service.token)
    service.refresh_from_db()
    assert service.state == State.SERVING
    assert not LedgerEntry.objects.exists()


def test_finish_needs_the_requests_token(practice, operator):
    service = _taken(practice, operator)
    fan = practice["volunteer"].fan
    services.start_service(fan=fan, service=service, token=service.token)
    with pytest.raises(DomainError) as err:
        services.finish_service(fan=fan, service=service, token="wrong")
    assert err.value.field == "token"
    service.refresh_from_db()
    assert service.state == State.SERVING
    assert not LedgerEntry.objects.exists()


def test_finish_before_start_is_refused(practice, operator):
    service = _taken(practice, operator)
    with pytest.raises(StateConflict):
        services.finish_service(fan=practice["volunteer"].fan, service=service, token=service.token)
    assert not LedgerEntry.objects.exists()


def test_scanning_again_changes_nothing(practice, operator):
    fan = practice["volunteer"].fan
    with freeze_time(T0) as clock:
        service = _taken(practice, operator)
        services.start_service(fan=fan, service=service, token=service.token)
        clock.tick(dt.timedelta(minutes=5))
        services.start_service(fan=fan, service=service, token=service.token)
        service.refresh_from_db()
        assert service.state == State.SERVING
        assert service.started_at == T0
        clock.tick(dt.timedelta(hours=1))
        services.finish_service(fan=fan, service=service, token=service.token)
        clock.tick(dt.timedelta(hours=1))
        services.finish_service(fan=fan, service=service, token=service.token)
        with pytest.raises(StateConflict):
            services.start_service(fan=fan, service=service, token=service.token)
    service.refresh_from_db()
    assert service.state == State.DONE
    assert service.finished_at == T0 + dt.timedelta(hours=1, minutes=5)
    assert _actions(service).count("practice.service_start") == 1
    assert _actions(service).count("practice.service_finish") == 1
    assert _ledger(practice["volunteer"], LedgerEntry.Kind.HOURS) == [Decimal("1.00")]
    assert _ledger(practice["volunteer"], LedgerEntry.Kind.POINTS) == [Decimal(services.SERVICE_POINTS)]


@pytest.mark.parametrize(
    ("served", "hours"),
    [
        (dt.timedelta(hours=1, minutes=40), Decimal("1.5")),
        (dt.timedelta(minutes=14, seconds=59), Decimal("0")),
        (dt.timedelta(minutes=15), Decimal("0.25")),
        (dt.timedelta(hours=2, minutes=59), Decimal("2.75")),
        (dt.timedelta(hours=8), Decimal("8")),
        (dt.timedelta(hours=11, minutes=20), Decimal("8")),
    ],
)
def test_finish_credits_quarter_hours_up_to_eight_and_the_service_points(practice, operator, served, hours):
    fan = practice["volunteer"].fan
    with freeze_time(T0) as clock:
        service = _taken(practice, operator)
        services.start_service(fan=fan, service=service, token=service.token)
        clock.tick(served)
        services.finish_service(fan=fan, service=service, token=service.token)
    volunteer = practice["volunteer"]
    assert services.balance(volunteer, LedgerEntry.Kind.HOURS) == hours
    assert services.balance(volunteer, LedgerEntry.Kind.POINTS) == services.SERVICE_POINTS
    assert _ledger(volunteer, LedgerEntry.Kind.POINTS) == [Decimal(services.SERVICE_POINTS)]
    # Nobody else earned anything.
    assert set(LedgerEntry.objects.values_list("volunteer_id", flat=True)) == {volunteer.pk}


def test_each_step_is_timed_and_audited(practice, operator):
    fan = practice["volunteer"].fan
    with freeze_time(T0) as clock:
        service = _request(practice)
        clock.tick(dt.timedelta(minutes=10))
        services.dispatch(actor=operator, service=service, team=practice["team"])
        clock.tick(dt.timedelta(minutes=10))
        services.take(fan=fan, service=service)
        clock.tick(dt.timedelta(minutes=10))
        services.start_service(fan=fan, service=service, token=service.token)
        clock.tick(dt.timedelta(minutes=40))
        services.finish_service(fan=fan, service=service, token=service.token)
        clock.tick(dt.timedelta(minutes=10))
        services.rate(fan=practice["resident"], service=service, skill=4, attitude=5, effect=3, comment="很好")
    service.refresh_from_db()
    minutes = lambda m: T0 + dt.timedelta(minutes=m)  # noqa: E731
    assert service.created_at == minutes(0)
    assert service.dispatched_at == minutes(10)
    assert service.taken_at == minutes(20)
    assert service.started_at == minutes(30)
    assert service.finished_at == minutes(70)
    assert service.rated_at == minutes(80)
    assert _actions(service) == [
        "practice.service_request",
        "practice.service_dispatch",
        "practice.service_take",
        "practice.service_start",
        "practice.service_finish",
        "practice.service_rate",
    ]
    lines = AuditLog.objects.filter(subject_type="practice.servicerequest", subject_id=str(service.pk))
    dispatch_line = lines.get(action="practice.service_dispatch")
    assert dispatch_line.actor == operator
    assert (dispatch_line.from_state, dispatch_line.to_state) == (State.REQUESTED, State.DISPATCHED)
    assert lines.get(action="practice.service_rate").to_state == State.RATED
    assert _ledger(practice["volunteer"], LedgerEntry.Kind.HOURS) == [Decimal("0.50")]


# --- 评单 ------------------------------------------------------------------------------------------


def test_the_resident_rates_once(practice, operator):
    service = _done(practice, operator)
    services.rate(fan=practice["resident"], service=service, skill="4", attitude=5, effect=3, comment="师傅很耐心\x00")
    service.refresh_from_db()
    assert service.state == State.RATED
    assert (service.rating_skill, service.rating_attitude, service.rating_effect) == (4, 5, 3)
    assert service.rating_comment == "师傅很耐心"
    assert service.rated_at is not None
    with pytest.raises(StateConflict):
        services.rate(fan=practice["resident"], service=service, skill=5, attitude=5, effect=5)
    service.refresh_from_db()
    assert service.rating_skill == 4
    # No bonus: not every aspect was a 5.
    assert services.balance(practice["volunteer"], LedgerEntry.Kind.POINTS) == services.SERVICE_POINTS


def test_only_the_resident_rates(practice, operator):
    service = _done(practice, operator)
    stranger = Fan.objects.create(phone="+8613700000010", nickname="路人")
    for fan in (None, stranger, practice["volunteer"].fan):
        with pytest.raises(NotAllowed):
            services.rate(fan=fan, service=service, skill=5, attitude=5, effect=5)
    service.refresh_from_db()
    assert service.state == State.DONE
    assert service.rating_skill is None


def test_rating_before_the_service_is_done_is_refused(practice, operator):
    service = _taken(practice, operator)
    with pytest.raises(StateConflict):
        services.rate(fan=practice["resident"], service=service, skill=5, attitude=5, effect=5)
    services.start_service(fan=practice["volunteer"].fan, service=service, token=service.token)
    with pytest.raises(StateConflict):
        services.rate(fan=practice["resident"], service=service, skill=5, attitude=5, effect=5)
    service.refresh_from_db()
    assert service.rated_at is None


@pytest.mark.parametrize("field", services.RATING_FIELDS)
def test_each_rating_is_one_to_five(practice, operator, field):
    service = _done(practice, operator)
    for bad in (0, 6, "x", None, "", -1, "4.5"):
        values = {"skill": 5, "attitude": 5, "effect": 5, field: bad}
        with pytest.raises(DomainError) as err:
            services.rate(fan=practice["resident"], service=service, **values)
        assert err.value.field == field, bad
    service.refresh_from_db()
    assert service.state == State.DONE
    assert services.balance(practice["volunteer"], LedgerEntry.Kind.POINTS) == services.SERVICE_POINTS


def test_full_marks_add_the_bonus_once(practice, operator):
    service = _done(practice, operator)
    services.rate(fan=practice["resident"], service=service, skill=5, attitude="5", effect=5)
    with pytest.raises(StateConflict):
        services.rate(fan=practice["resident"], service=service, skill=5, attitude=5, effect=5)
    # A repeated finish scan after the rating changes nothing either.
    services.finish_service(fan=practice["volunteer"].fan, service=service, token=service.token)
    volunteer = practice["volunteer"]
    assert services.balance(volunteer, LedgerEntry.Kind.POINTS) == services.SERVICE_POINTS + services.RATING_BONUS
    assert sorted(_ledger(volunteer, LedgerEntry.Kind.POINTS)) == [Decimal(services.RATING_BONUS), Decimal(services.SERVICE_POINTS)]


# --- cancelling -------------------------------------------------------------------------------------------


def test_the_resident_cancels_with_a_reason(practice):
    service = _request(practice)
    with pytest.raises(DomainError) as err:
        services.cancel_request(fan=practice["resident"], service=service, reason=" ")
    assert err.value.field == "reason"
    services.cancel_request(fan=practice["resident"], service=service, reason="已经修好了")
    service.refresh_from_db()
    assert service.state == State.CANCELLED
    assert service.cancel_reason == "已经修好了"
    assert _actions(service)[-1] == "practice.service_cancel"


def test_a_coordinator_cancels_a_taken_request(practice, operator):
    service = _taken(practice, operator)
    services.cancel_request(actor=operator, service=service, reason="重复下单")
    service.refresh_from_db()
    assert service.state == State.CANCELLED
    line = AuditLog.objects.get(subject_type="practice.servicerequest", subject_id=str(service.pk), action="practice.service_cancel")
    assert line.actor == operator
    assert (line.from_state, line.to_state) == (State.TAKEN, State.CANCELLED)
    with pytest.raises(StateConflict):
        services.start_service(fan=practice["volunteer"].fan, service=service, token=service.token)


@pytest.mark.parametrize("persona", ["editor", "reporter"])
def test_others_cannot_cancel(practice, operator, request, persona):
    service = _dispatched(practice, operator)
    with pytest.raises(NotAllowed):
        services.cancel_request(actor=request.getfixturevalue(persona), service=service, reason="不想要了")
    with pytest.raises(NotAllowed):
        services.cancel_request(fan=practice["volunteer"].fan, service=service, reason="不想要了")
    with pytest.raises(NotAllowed):
        services.cancel_request(service=service, reason="不想要了")
    service.refresh_from_db()
    assert service.state == State.DISPATCHED


def test_no_cancelling_once_serving_started(practice, operator):
    service = _taken(practice, operator)
    services.start_service(fan=practice["volunteer"].fan, service=service, token=service.token)
    for kwargs in ({"fan": practice["resident"]}, {"actor": operator}):
        with pytest.raises(StateConflict):
            services.cancel_request(service=service, reason="不需要了", **kwargs)
    services.finish_service(fan=practice["volunteer"].fan, service=service, token=service.token)
    with pytest.raises(StateConflict):
        services.cancel_request(fan=practice["resident"], service=service, reason="不需要了")
    service.refresh_from_db()
    assert service.state == State.DONE


def test_a_cancelled_request_cannot_be_cancelled_dispatched_or_taken(practice, operator):
    service = _dispatched(practice, operator)
    services.cancel_request(fan=practice["resident"], service=service, reason="已经修好了")
    with pytest.raises(StateConflict):
        services.cancel_request(fan=practice["resident"], service=service, reason="再取消一次")
    with pytest.raises(StateConflict):
        services.dispatch(actor=operator, service=service, team=practice["team"])
    with pytest.raises(StateConflict):
        services.take(fan=practice["volunteer"].fan, service=service)
    assert _actions(service).count("practice.service_cancel") == 1


# --- team membership ------------------------------------------------------------------------------


def test_only_the_staff_or_the_team_leader_add_members(practice, reporter):
    team, newcomer = practice["team"], practice["outsider_volunteer"]
    with pytest.raises(NotAllowed):
        services.join_team(team=team, volunteer=newcomer, actor=reporter)  # newsroom staff
    with pytest.raises(NotAllowed):
        services.join_team(team=team, volunteer=newcomer, fan=practice["volunteer"].fan)  # a member, not the leader
    with pytest.raises(NotAllowed):
        services.join_team(team=practice["other_team"], volunteer=practice["volunteer2"], fan=practice["leader"].fan)  # another team's
    assert not team.members.filter(pk=newcomer.pk).exists()
    services.join_team(team=team, volunteer=newcomer, fan=practice["leader"].fan)
    assert team.members.filter(pk=newcomer.pk).exists()
    entries = AuditLog.objects.filter(action="practice.team_member", subject_id=str(team.pk)).count()
    services.join_team(team=team, volunteer=newcomer, fan=practice["leader"].fan)  # again: nothing changes
    assert AuditLog.objects.filter(action="practice.team_member", subject_id=str(team.pk)).count() == entries


def test_a_suspended_volunteer_cannot_join_a_team(practice, operator):
    suspended = practice["outsider_volunteer"]
    Volunteer.objects.filter(pk=suspended.pk).update(status=Volunteer.Status.SUSPENDED)
    suspended.refresh_from_db()
    with pytest.raises(StateConflict):
        services.join_team(team=practice["team"], volunteer=suspended, actor=operator)
    assert not practice["team"].members.filter(pk=suspended.pk).exists()
