"""The hours and points ledger (rongmei.practice.services.credit / balance) and the points store:
one entry per key whatever is repeated, and exchanges that never overspend points or stock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.practice import services
from rongmei.practice.models import Activity, Exchange, LedgerEntry, SignUp, StoreItem

HOURS, POINTS = LedgerEntry.Kind.HOURS, LedgerEntry.Kind.POINTS
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
END = START + dt.timedelta(hours=2)


def _entries(volunteer, kind) -> list[Decimal]:
    return list(LedgerEntry.objects.filter(volunteer=volunteer, kind=kind).order_by("id").values_list("amount", flat=True))


def _give_points(volunteer, amount: int, key: str = "gift") -> None:
    services.credit(volunteer, kind=POINTS, amount=Decimal(amount), key=f"test:{key}:{volunteer.pk}", note="测试积分")


# --- credit and balance ---------------------------------------------------------------------------------


def test_one_key_credits_once(practice):
    volunteer = practice["volunteer"]
    first = services.credit(volunteer, kind=HOURS, amount=Decimal("1.5"), key="activity:1:volunteer:1:hours", note="活动")
    second = services.credit(volunteer, kind=HOURS, amount=Decimal("1.5"), key="activity:1:volunteer:1:hours", note="活动")
    assert first is not None and first.pk
    assert second is None
    assert LedgerEntry.objects.count() == 1
    # The refused duplicate does not spoil the surrounding transaction.
    assert services.balance(volunteer, HOURS) == Decimal("1.5")


def test_a_key_is_unique_across_volunteers_and_kinds(practice):
    assert services.credit(practice["volunteer"], kind=POINTS, amount=Decimal(3), key="k", note="a") is not None
    assert services.credit(practice["volunteer2"], kind=POINTS, amount=Decimal(3), key="k", note="a") is None
    assert services.credit(practice["volunteer"], kind=HOURS, amount=Decimal(3), key="k", note="a") is None
    assert services.balance(practice["volunteer2"], POINTS) == 0


def test_balance_sums_one_kind_of_one_volunteer(practice):
    volunteer, other = practice["volunteer"], practice["volunteer2"]
    assert services.balance(volunteer, POINTS) == Decimal("0")
    services.credit(volunteer, kind=POINTS, amount=Decimal(10), key="a", note="a")
    services.credit(volunteer, kind=POINTS, amount=Decimal(15), key="b", note="b")
    services.credit(volunteer, kind=POINTS, amount=Decimal(-4), key="c", note="c")
    services.credit(volunteer, kind=HOURS, amount=Decimal("2.25"), key="d", note="d")
    services.credit(volunteer, kind=HOURS, amount=Decimal("0.5"), key="e", note="e")
    services.credit(other, kind=POINTS, amount=Decimal(100), key="f", note="f")
    assert services.balance(volunteer, POINTS) == Decimal(21)
    assert services.balance(volunteer, HOURS) == Decimal("2.75")
    assert services.balance(other, POINTS) == Decimal(100)
    assert services.balance(other, HOURS) == Decimal(0)


def test_a_long_note_is_cut(practice):
    entry = services.credit(practice["volunteer"], kind=POINTS, amount=Decimal(1), key="long", note="注" * 200)
    entry.refresh_from_db()
    assert entry.note == "注" * 120


# --- an activity's hours: no double credit on a repeated check-in --------------------------------------------------


@pytest.fixture
def activity(practice, operator):
    """9:00–11:00 on 1 December 2026, 10 points an hour, no location; volunteer and volunteer2
    signed up the day before."""
    with freeze_time(START - dt.timedelta(days=1)):
        activity = services.create_activity(
            actor=operator,
            title="敬老院义务理发",
            description="为敬老院老人理发",
            site=practice["station"],
            address="花园社区敬老院",
            starts_at=START,
            ends_at=END,
            capacity=10,
            team=practice["team"],
            points_per_hour=10,
        )
        services.publish_activity(actor=operator, activity=activity)
        for key in ("volunteer", "volunteer2"):
            assert services.sign_up(fan=practice[key].fan, activity=activity).state == SignUp.State.REGISTERED
    return activity


def test_checking_in_and_out_twice_then_finishing_credits_once(practice, operator, activity):
    fan, token = practice["volunteer"].fan, activity.checkin_token
    with freeze_time(START - dt.timedelta(minutes=10)) as clock:
        services.check_in(fan=fan, activity=activity, token=token)
        clock.tick(dt.timedelta(minutes=5))
        services.check_in(fan=fan, activity=activity, token=token)
        clock.move_to(START + dt.timedelta(hours=1, minutes=20))
        services.check_out(fan=fan, activity=activity, token=token)
        clock.tick(dt.timedelta(minutes=10))
        services.check_in(fan=fan, activity=activity, token=token)
        clock.tick(dt.timedelta(minutes=10))
        services.check_out(fan=fan, activity=activity, token=token)
        clock.move_to(END + dt.timedelta(minutes=30))
        services.finish_activity(actor=operator, activity=activity)
        # Anything later changes nothing either.
        services.check_in(fan=fan, activity=activity, token=token)
        services.check_out(fan=fan, activity=activity, token=token)
        services.credit_activity(SignUp.objects.get(activity=activity, volunteer=practice["volunteer"]))
    volunteer = practice["volunteer"]
    # From the start (not the early check-in) to the first check-out: 1 h 20 min → 1.25 h.
    assert _entries(volunteer, HOURS) == [Decimal("1.25")]
    assert _entries(volunteer, POINTS) == [Decimal(13)]  # 12.5 rounded half up
    signup = SignUp.objects.get(activity=activity, volunteer=volunteer)
    assert signup.checked_in_at == START - dt.timedelta(minutes=10)
    assert signup.checked_out_at == START + dt.timedelta(hours=1, minutes=20)
    checkins = AuditLog.objects.filter(action="practice.checkin", subject_id=str(activity.pk))
    assert checkins.count() == 1
    assert AuditLog.objects.filter(action="practice.checkout", subject_id=str(activity.pk)).count() == 1


def test_finish_credits_who_never_checked_out_once(practice, operator, activity):
    token = activity.checkin_token
    with freeze_time(START + dt.timedelta(minutes=30)) as clock:
        services.check_in(fan=practice["volunteer2"].fan, activity=activity, token=token)
        clock.tick(dt.timedelta(minutes=20))
        services.check_in(fan=practice["volunteer2"].fan, activity=activity, token=token)
        clock.move_to(END + dt.timedelta(hours=3))
        services.finish_activity(actor=operator, activity=activity)
        with pytest.raises(StateConflict):
            services.finish_activity(actor=operator, activity=activity)
    # 9:30 to the end at 11:00, not to when the center finished the activity.
    assert _entries(practice["volunteer2"], HOURS) == [Decimal("1.5")]
    assert _entries(practice["volunteer2"], POINTS) == [Decimal(15)]
    # Signed up but never came: nothing.
    assert _entries(practice["volunteer"], HOURS) == []
    activity.refresh_from_db()
    assert activity.state == Activity.State.FINISHED


# --- the points store -------------------------------------------------------------------------------------


@pytest.fixture
def item(db):
    return StoreItem.objects.create(name="环保购物袋", points=30, stock=5)


def test_exchange_spends_points_and_stock(practice, item):
    volunteer = practice["volunteer"]
    _give_points(volunteer, 45)
    record = services.exchange(fan=volunteer.fan, item=item)
    assert record.volunteer == volunteer
    assert record.points == 30
    assert record.state == Exchange.State.ORDERED
    item.refresh_from_db()
    assert item.stock == 4
    debit = LedgerEntry.objects.get(key=f"exchange:{record.pk}")
    assert (debit.volunteer, debit.kind, debit.amount) == (volunteer, POINTS, Decimal(-30))
    assert services.balance(volunteer, POINTS) == Decimal(15)
    assert AuditLog.objects.filter(action="practice.exchange", subject_id=str(record.pk)).exists()


def test_exchange_with_exactly_enough_points(practice, item):
    volunteer = practice["volunteer"]
    _give_points(volunteer, 30)
    services.exchange(fan=volunteer.fan, item=item)
    assert services.balance(volunteer, POINTS) == 0


def test_exchange_needs_enough_points(practice, item):
    volunteer = practice["volunteer"]
    _give_points(volunteer, 29)
    with pytest.raises(DomainError) as err:
        services.exchange(fan=volunteer.fan, item=item)
    assert err.value.field == "item"
    item.refresh_from_db()
    assert item.stock == 5
    assert not Exchange.objects.exists()
    assert services.balance(volunteer, POINTS) == Decimal(29)


def test_points_spent_cannot_be_spent_again(practice, item):
    volunteer = practice["volunteer"]
    _give_points(volunteer, 50)
    services.exchange(fan=volunteer.fan, item=item)
    with pytest.raises(DomainError):
        services.exchange(fan=volunteer.fan, item=item)
    assert Exchange.objects.count() == 1
    assert services.balance(volunteer, POINTS) == Decimal(20)


def test_out_of_stock_is_refused(practice, item):
    StoreItem.objects.filter(pk=item.pk).update(stock=0)
    _give_points(practice["volunteer"], 100)
    with pytest.raises(StateConflict):
        services.exchange(fan=practice["volunteer"].fan, item=item)
    assert not Exchange.objects.exists()
    assert services.balance(practice["volunteer"], POINTS) == Decimal(100)


def test_an_item_no_longer_offered_is_refused(practice, item):
    StoreItem.objects.filter(pk=item.pk).update(active=False)
    _give_points(practice["volunteer"], 100)
    with pytest.raises(StateConflict):
        services.exchange(fan=practice["volunteer"].fan, item=item)
    item.refresh_from_db()
    assert item.stock == 5
    assert not Exchange.objects.exists()


def test_only_volunteers_exchange(practice, item):
    with pytest.raises(NotAllowed):
        services.exchange(fan=practice["resident"], item=item)
    with pytest.raises(NotAllowed):
        services.exchange(fan=None, item=item)
    assert not Exchange.objects.exists()


def test_two_volunteers_for_the_last_item(practice, item):
    """The second request reads the stock under lock after the first: it finds none left, even
    holding the item object it loaded before the first exchange."""
    StoreItem.objects.filter(pk=item.pk).update(stock=1)
    first, second = practice["volunteer"], practice["volunteer2"]
    _give_points(first, 40)
    _give_points(second, 40)
    stale_item = StoreItem.objects.get(pk=item.pk)
    services.exchange(fan=first.fan, item=item)
    with pytest.raises(StateConflict):
        services.exchange(fan=second.fan, item=stale_item)
    item.refresh_from_db()
    assert item.stock == 0
    assert list(Exchange.objects.values_list("volunteer_id", flat=True)) == [first.pk]
    assert services.balance(first, POINTS) == Decimal(10)
    assert services.balance(second, POINTS) == Decimal(40)
