"""Activities (rongmei.practice.services): planning and publishing by the center, sign-up with
places and a waiting list, QR check-in within the time window and the location radius, check-out
and finishing that credit hours and points once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.fans.models import FanNotification
from rongmei.practice import services
from rongmei.practice.models import Activity, LedgerEntry, SignUp

HOURS, POINTS = LedgerEntry.Kind.HOURS, LedgerEntry.Kind.POINTS
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
END = START + dt.timedelta(hours=2)
THE_DAY_BEFORE = START - dt.timedelta(days=1)
LAT, LNG = 32.7245, 113.3265
METRE_OF_LATITUDE = 1 / 111_195  # degrees; the haversine's earth radius is 6,371 km


def _values(practice, **kwargs) -> dict:
    values = {
        "title": "敬老院义务理发",
        "description": "为敬老院老人理发",
        "site": practice["station"],
        "address": "花园社区敬老院",
        "starts_at": START,
        "ends_at": END,
        "capacity": 10,
    }
    values.update(kwargs)
    return values


def _published(practice, operator, **kwargs) -> Activity:
    """Planned and published the day before it starts."""
    with freeze_time(THE_DAY_BEFORE):
        activity = services.create_activity(actor=operator, **_values(practice, **kwargs))
        return services.publish_activity(actor=operator, activity=activity)


def _sign_up(practice, activity, *keys) -> list[SignUp]:
    with freeze_time(THE_DAY_BEFORE) as clock:
        signups = []
        for key in keys:
            signups.append(services.sign_up(fan=practice[key].fan, activity=activity))
            clock.tick(dt.timedelta(minutes=1))
        return signups


def _state(activity, key, practice) -> str:
    return SignUp.objects.get(activity=activity, volunteer=practice[key]).state


def _entries(volunteer, kind) -> list[Decimal]:
    return list(LedgerEntry.objects.filter(volunteer=volunteer, kind=kind).order_by("id").values_list("amount", flat=True))


# --- planning and publishing ----------------------------------------------------------------------------


@pytest.mark.parametrize("coordinator", ["operator", "chief"])
def test_coordinators_plan_activities(practice, request, coordinator):
    actor = request.getfixturevalue(coordinator)
    activity = services.create_activity(actor=actor, team=practice["team"], latitude=LAT, longitude=LNG, **_values(practice))
    assert activity.state == Activity.State.DRAFT
    assert activity.created_by == actor
    assert activity.checkin_token
    assert (activity.latitude, activity.longitude, activity.radius_m, activity.points_per_hour) == (LAT, LNG, 300, 10)
    line = AuditLog.objects.get(action="practice.activity", subject_id=str(activity.pk))
    assert line.actor == actor


@pytest.mark.parametrize("persona", ["editor", "reporter"])
def test_newsroom_staff_cannot_plan_activities(practice, request, persona):
    with pytest.raises(NotAllowed):
        services.create_activity(actor=request.getfixturevalue(persona), **_values(practice))
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("ends_at", "ok"),
    [
        (START, False),
        (START - dt.timedelta(minutes=1), False),
        (START + dt.timedelta(days=3), True),
        (START + dt.timedelta(days=3, minutes=1), False),
    ],
)
def test_an_activity_ends_after_it_starts_within_three_days(practice, operator, ends_at, ok):
    if ok:
        services.create_activity(actor=operator, **_values(practice, ends_at=ends_at))
        return
    with pytest.raises(DomainError) as err:
        services.create_activity(actor=operator, **_values(practice, ends_at=ends_at))
    assert err.value.field == "ends_at"
    assert not Activity.objects.exists()


def test_capacity_lies_between_one_and_ten_thousand(practice, operator):
    for bad in (0, -1, 10001, "x", None, ""):
        with pytest.raises(DomainError) as err:
            services.create_activity(actor=operator, **_values(practice, capacity=bad))
        assert err.value.field == "capacity", bad
    assert not Activity.objects.exists()
    assert services.create_activity(actor=operator, **_values(practice, capacity=1)).capacity == 1
    assert services.create_activity(actor=operator, **_values(practice, capacity="10000")).capacity == 10000


@pytest.mark.parametrize(("field", "value"), [("title", "x"), ("title", "题" * 61), ("description", ""), ("address", " ")])
def test_bad_text_names_the_field(practice, operator, field, value):
    with pytest.raises(DomainError) as err:
        services.create_activity(actor=operator, **_values(practice, **{field: value}))
    assert err.value.field == field


@pytest.mark.parametrize("field", ["points_per_hour", "radius_m"])
def test_negative_numbers_are_refused_with_the_field(practice, operator, field):
    with pytest.raises(DomainError) as err:
        services.create_activity(actor=operator, **_values(practice, **{field: -1}))
    assert err.value.field == field


def test_publish_only_from_draft(practice, operator, editor):
    activity = services.create_activity(actor=operator, **_values(practice))
    with pytest.raises(NotAllowed):
        services.publish_activity(actor=editor, activity=activity)
    activity.refresh_from_db()
    assert activity.state == Activity.State.DRAFT
    services.publish_activity(actor=operator, activity=activity)
    activity.refresh_from_db()
    assert activity.state == Activity.State.PUBLISHED
    with pytest.raises(StateConflict):
        services.publish_activity(actor=operator, activity=activity)
    assert AuditLog.objects.filter(action="practice.activity_publish", subject_id=str(activity.pk)).count() == 1


# --- sign-up and the waiting list ---------------------------------------------------------------------------


def test_a_draft_activity_takes_no_sign_up(practice, operator):
    activity = services.create_activity(actor=operator, **_values(practice))
    with freeze_time(THE_DAY_BEFORE), pytest.raises(StateConflict):
        services.sign_up(fan=practice["volunteer"].fan, activity=activity)
    assert not SignUp.objects.exists()


def test_only_volunteers_sign_up(practice, operator):
    activity = _published(practice, operator)
    with freeze_time(THE_DAY_BEFORE):
        for fan in (practice["resident"], None):
            with pytest.raises(NotAllowed):
                services.sign_up(fan=fan, activity=activity)
    assert not SignUp.objects.exists()


def test_no_sign_up_once_the_activity_is_over(practice, operator):
    activity = _published(practice, operator)
    with freeze_time(END), pytest.raises(StateConflict):
        services.sign_up(fan=practice["volunteer"].fan, activity=activity)


def test_registered_until_the_places_are_taken_then_waiting(practice, operator):
    activity = _published(practice, operator, capacity=2)
    signups = _sign_up(practice, activity, "leader", "volunteer", "volunteer2", "outsider_volunteer")
    assert [s.state for s in signups] == [SignUp.State.REGISTERED, SignUp.State.REGISTERED, SignUp.State.WAITING, SignUp.State.WAITING]


def test_signing_up_twice_returns_the_same_sign_up(practice, operator):
    activity = _published(practice, operator, capacity=1)
    first, waiting = _sign_up(practice, activity, "volunteer", "volunteer2")
    again, waiting_again = _sign_up(practice, activity, "volunteer", "volunteer2")
    assert again.pk == first.pk and again.state == SignUp.State.REGISTERED
    assert waiting_again.pk == waiting.pk and waiting_again.state == SignUp.State.WAITING
    assert SignUp.objects.count() == 2


def test_withdrawing_promotes_the_first_waiting_and_tells_them(practice, operator):
    activity = _published(practice, operator, capacity=1)
    _sign_up(practice, activity, "volunteer", "volunteer2", "outsider_volunteer")
    with freeze_time(THE_DAY_BEFORE + dt.timedelta(hours=1)):
        services.cancel_sign_up(fan=practice["volunteer"].fan, activity=activity)
    assert _state(activity, "volunteer", practice) == SignUp.State.CANCELLED
    assert _state(activity, "volunteer2", practice) == SignUp.State.REGISTERED
    assert _state(activity, "outsider_volunteer", practice) == SignUp.State.WAITING
    told = FanNotification.objects.get(url=f"/practice/activities/{activity.pk}/")
    assert told.fan == practice["volunteer2"].fan
    assert AuditLog.objects.filter(action="practice.signup_cancel", subject_id=str(activity.pk)).count() == 1


def test_withdrawing_from_the_waiting_list_promotes_nobody(practice, operator):
    activity = _published(practice, operator, capacity=1)
    _sign_up(practice, activity, "volunteer", "volunteer2", "outsider_volunteer")
    with freeze_time(THE_DAY_BEFORE + dt.timedelta(hours=1)):
        services.cancel_sign_up(fan=practice["volunteer2"].fan, activity=activity)
    assert _state(activity, "volunteer", practice) == SignUp.State.REGISTERED
    assert _state(activity, "outsider_volunteer", practice) == SignUp.State.WAITING
    assert not FanNotification.objects.filter(url=f"/practice/activities/{activity.pk}/").exists()


def test_signing_up_again_after_withdrawing_joins_the_end_of_the_queue(practice, operator):
    activity = _published(practice, operator, capacity=1)
    _sign_up(practice, activity, "volunteer", "volunteer2", "outsider_volunteer")
    with freeze_time(THE_DAY_BEFORE + dt.timedelta(hours=1)) as clock:
        services.cancel_sign_up(fan=practice["volunteer"].fan, activity=activity)
        clock.tick(dt.timedelta(minutes=1))
        again = services.sign_up(fan=practice["volunteer"].fan, activity=activity)
        assert again.state == SignUp.State.WAITING
        clock.tick(dt.timedelta(minutes=1))
        services.cancel_sign_up(fan=practice["volunteer2"].fan, activity=activity)
    assert _state(activity, "outsider_volunteer", practice) == SignUp.State.REGISTERED
    assert _state(activity, "volunteer", practice) == SignUp.State.WAITING
    assert SignUp.objects.filter(activity=activity).count() == 3


def test_withdrawing_without_a_sign_up_or_after_check_in_is_refused(practice, operator):
    activity = _published(practice, operator)
    _sign_up(practice, activity, "volunteer")
    with freeze_time(START):
        with pytest.raises(StateConflict):
            services.cancel_sign_up(fan=practice["volunteer2"].fan, activity=activity)
        services.check_in(fan=practice["volunteer"].fan, activity=activity, token=activity.checkin_token)
        with pytest.raises(StateConflict):
            services.cancel_sign_up(fan=practice["volunteer"].fan, activity=activity)
    assert _state(activity, "volunteer", practice) == SignUp.State.REGISTERED


# --- check-in -------------------------------------------------------------------------------------------


def test_check_in_needs_the_activitys_token(practice, operator):
    activity = _published(practice, operator)
    other = _published(practice, operator, title="另一个活动")
    _sign_up(practice, activity, "volunteer")
    with freeze_time(START):
        for token in ("", "wrong", other.checkin_token):
            with pytest.raises(DomainError) as err:
                services.check_in(fan=practice["volunteer"].fan, activity=activity, token=token)
            assert err.value.field == "token"
    assert SignUp.objects.get(activity=activity).checked_in_at is None


def test_check_in_needs_a_place_not_the_waiting_list(practice, operator):
    activity = _published(practice, operator, capacity=1)
    _sign_up(practice, activity, "volunteer", "volunteer2")
    with freeze_time(START):
        with pytest.raises(StateConflict):
            services.check_in(fan=practice["volunteer2"].fan, activity=activity, token=activity.checkin_token)
        with pytest.raises(StateConflict):
            services.check_in(fan=practice["leader"].fan, activity=activity, token=activity.checkin_token)
        with pytest.raises(NotAllowed):
            services.check_in(fan=practice["resident"], activity=activity, token=activity.checkin_token)
    assert not SignUp.objects.exclude(checked_in_at=None).exists()


@pytest.mark.parametrize(
    ("at", "ok"),
    [
        (START - dt.timedelta(minutes=30, seconds=1), False),
        (START - dt.timedelta(minutes=30), True),
        (START + dt.timedelta(hours=1), True),
        (END, True),
        (END + dt.timedelta(seconds=1), False),
    ],
)
def test_check_in_from_half_an_hour_before_the_start_until_the_end(practice, operator, at, ok):
    activity = _published(practice, operator)
    _sign_up(practice, activity, "volunteer")
    with freeze_time(at):
        if ok:
            signup = services.check_in(fan=practice["volunteer"].fan, activity=activity, token=activity.checkin_token)
            assert signup.checked_in_at == at
        else:
            with pytest.raises(StateConflict):
                services.check_in(fan=practice["volunteer"].fan, activity=activity, token=activity.checkin_token)
            assert SignUp.objects.get(activity=activity).checked_in_at is None


def test_distance_m_is_the_distance_on_the_earth():
    assert services.distance_m(LAT, LNG, LAT, LNG) == 0
    assert services.distance_m(LAT, LNG, LAT + 1000 * METRE_OF_LATITUDE, LNG) == pytest.approx(1000, abs=1)
    assert services.distance_m(LAT, LNG, LAT + 100 * METRE_OF_LATITUDE, LNG) == pytest.approx(100, abs=0.5)
    # A degree of longitude is shorter away from the equator.
    assert services.distance_m(LAT, LNG, LAT, LNG + 0.01) < services.distance_m(LAT, LNG, LAT + 0.01, LNG)


def test_check_in_within_the_radius_of_the_activity(practice, operator):
    activity = _published(practice, operator, latitude=LAT, longitude=LNG, radius_m=300)
    _sign_up(practice, activity, "volunteer")
    fan, token = practice["volunteer"].fan, activity.checkin_token
    with freeze_time(START):
        for lat, lng in ((None, None), (LAT, None), ("", ""), ("here", "there"), (91, LNG), (LAT, 181)):
            with pytest.raises(DomainError) as err:
                services.check_in(fan=fan, activity=activity, token=token, latitude=lat, longitude=lng)
            assert err.value.field == "location", (lat, lng)
        with pytest.raises(DomainError) as err:
            services.check_in(fan=fan, activity=activity, token=token, latitude=LAT + 1000 * METRE_OF_LATITUDE, longitude=LNG)
        assert err.value.field == "location"
        assert "1000" in err.value.message
        assert SignUp.objects.get(activity=activity).checked_in_at is None
        # About 100 m away, sent as text by the phone: within 300 m.
        signup = services.check_in(fan=fan, activity=activity, token=token, latitude=str(LAT + 100 * METRE_OF_LATITUDE), longitude=str(LNG))
    assert signup.checked_in_at == START


def test_without_coordinates_the_qr_alone_is_enough(practice, operator):
    activity = _published(practice, operator)
    _sign_up(practice, activity, "volunteer")
    with freeze_time(START):
        signup = services.check_in(fan=practice["volunteer"].fan, activity=activity, token=activity.checkin_token, latitude=0, longitude=0)
    assert signup.checked_in_at == START


# --- check-out and finishing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checked_in", "checked_out", "hours", "points"),
    [
        # 9:00–10:15 → 1.25 h × 7 = 8.75 → 9 points
        (START, START + dt.timedelta(hours=1, minutes=15), Decimal("1.25"), Decimal(9)),
        # Arrived early: counted from the start. 9:00–10:59 → 1.75 h × 7 = 12.25 → 12
        (START - dt.timedelta(minutes=20), START + dt.timedelta(hours=1, minutes=59), Decimal("1.75"), Decimal(12)),
        # Left late: counted to the end. 10:30–11:00 → 0.5 h × 7 = 3.5 → 4
        (START + dt.timedelta(hours=1, minutes=30), END + dt.timedelta(hours=2), Decimal("0.50"), Decimal(4)),
    ],
)
def test_check_out_credits_quarter_hours_within_the_activity(practice, operator, checked_in, checked_out, hours, points):
    activity = _published(practice, operator, points_per_hour=7)
    _sign_up(practice, activity, "volunteer")
    fan = practice["volunteer"].fan
    with freeze_time(checked_in) as clock:
        services.check_in(fan=fan, activity=activity, token=activity.checkin_token)
        clock.move_to(checked_out)
        signup = services.check_out(fan=fan, activity=activity, token=activity.checkin_token)
    assert signup.checked_out_at == checked_out
    assert _entries(practice["volunteer"], HOURS) == [hours]
    assert _entries(practice["volunteer"], POINTS) == [points]


def test_less_than_a_quarter_hour_credits_nothing(practice, operator):
    activity = _published(practice, operator)
    _sign_up(practice, activity, "volunteer")
    fan = practice["volunteer"].fan
    with freeze_time(START) as clock:
        services.check_in(fan=fan, activity=activity, token=activity.checkin_token)
        clock.tick(dt.timedelta(minutes=14))
        services.check_out(fan=fan, activity=activity, token=activity.checkin_token)
    assert not LedgerEntry.objects.exists()


def test_check_out_needs_a_check_in_the_token_and_the_location(practice, operator):
    activity = _published(practice, operator, latitude=LAT, longitude=LNG)
    _sign_up(practice, activity, "volunteer")
    fan, token = practice["volunteer"].fan, activity.checkin_token
    with freeze_time(START) as clock:
        with pytest.raises(StateConflict):
            services.check_out(fan=fan, activity=activity, token=token, latitude=LAT, longitude=LNG)
        services.check_in(fan=fan, activity=activity, token=token, latitude=LAT, longitude=LNG)
        clock.tick(dt.timedelta(hours=1))
        with pytest.raises(DomainError) as err:
            services.check_out(fan=fan, activity=activity, token="wrong", latitude=LAT, longitude=LNG)
        assert err.value.field == "token"
        with pytest.raises(DomainError) as err:
            services.check_out(fan=fan, activity=activity, token=token)
        assert err.value.field == "location"
        assert SignUp.objects.get(activity=activity).checked_out_at is None
        services.check_out(fan=fan, activity=activity, token=token, latitude=LAT, longitude=LNG)
    assert _entries(practice["volunteer"], HOURS) == [Decimal("1.00")]


def test_finish_only_after_the_end_and_by_the_center(practice, operator, editor):
    activity = _published(practice, operator)
    with freeze_time(END - dt.timedelta(minutes=1)), pytest.raises(StateConflict):
        services.finish_activity(actor=operator, activity=activity)
    with freeze_time(END + dt.timedelta(minutes=1)):
        with pytest.raises(NotAllowed):
            services.finish_activity(actor=editor, activity=activity)
        activity.refresh_from_db()
        assert activity.state == Activity.State.PUBLISHED
        services.finish_activity(actor=operator, activity=activity)
    activity.refresh_from_db()
    assert activity.state == Activity.State.FINISHED
    line = AuditLog.objects.get(action="practice.activity_finish", subject_id=str(activity.pk))
    assert line.actor == operator


def test_a_draft_activity_cannot_be_finished(practice, operator):
    with freeze_time(THE_DAY_BEFORE):
        activity = services.create_activity(actor=operator, **_values(practice))
    with freeze_time(END + dt.timedelta(hours=1)), pytest.raises(StateConflict):
        services.finish_activity(actor=operator, activity=activity)


def test_finish_credits_those_who_never_checked_out_up_to_the_end_once(practice, operator):
    activity = _published(practice, operator, capacity=2, points_per_hour=10)
    _sign_up(practice, activity, "volunteer", "volunteer2", "leader")
    token = activity.checkin_token
    with freeze_time(START + dt.timedelta(minutes=5)) as clock:
        services.check_in(fan=practice["volunteer"].fan, activity=activity, token=token)
        services.check_in(fan=practice["volunteer2"].fan, activity=activity, token=token)
        clock.tick(dt.timedelta(hours=1))
        services.check_out(fan=practice["volunteer2"].fan, activity=activity, token=token)
        clock.move_to(END + dt.timedelta(days=1))
        services.finish_activity(actor=operator, activity=activity)
        # Checking out after the end, or finishing again, adds nothing.
        services.check_out(fan=practice["volunteer"].fan, activity=activity, token=token)
        with pytest.raises(StateConflict):
            services.finish_activity(actor=operator, activity=activity)
    # 9:05 → 11:00 = 1 h 55 min → 1.75 h → 17.5 → 18 points
    assert _entries(practice["volunteer"], HOURS) == [Decimal("1.75")]
    assert _entries(practice["volunteer"], POINTS) == [Decimal(18)]
    # Checked out at 10:05 → 1 h, credited then and not again.
    assert _entries(practice["volunteer2"], HOURS) == [Decimal("1.00")]
    assert _entries(practice["volunteer2"], POINTS) == [Decimal(10)]
    # On the waiting list: nothing.
    assert _entries(practice["leader"], HOURS) == []
