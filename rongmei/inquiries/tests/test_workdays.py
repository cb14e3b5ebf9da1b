from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongmei.inquiries import workdays
from rongmei.inquiries.models import HolidayEntry
from rongmei.inquiries.workdays import (
    add_workdays,
    calendar_warnings,
    deadline_days,
    is_workday,
    workdays_between,
    year_known,
)
from rongmei.testing.personas import make_user

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Test transactions roll back without post_delete signals: start and end every test with an empty cache.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


# --- the built-in calendar: 2026 National Day and Spring Festival -------------------------------------------


def test_national_day_2026_holidays_and_make_up_day():
    # 2026-10-01..07 off (Thu..Wed), back on Thu 10-08; Saturday 10-10 is a make-up workday, Sunday 10-11 is not.
    assert is_workday(date(2026, 9, 30))
    assert not any(is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert is_workday(date(2026, 10, 8))
    assert is_workday(date(2026, 10, 10))
    assert not is_workday(date(2026, 10, 11))


def test_question_on_2026_09_30_with_five_working_days():
    # Days counted: 10-08 (1), 10-09 (2), Sat 10-10 make-up (3), 10-12 (4), 10-13 (5).
    deadline = add_workdays(at(2026, 9, 30, 9), 5)
    assert deadline == end_of(2026, 10, 13)
    assert deadline.utcoffset() == timedelta(hours=8)


def test_question_arriving_on_a_holiday_starts_counting_from_the_next_working_day():
    assert add_workdays(at(2026, 10, 3), 1) == end_of(2026, 10, 8)
    assert add_workdays(at(2026, 10, 1), 5) == add_workdays(at(2026, 9, 30), 5)


def test_spring_festival_2026():
    # Sat 02-14 is a make-up workday, 02-15..02-23 off, Sat 02-28 a make-up workday again.
    assert is_workday(date(2026, 2, 14))
    assert not any(is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert is_workday(date(2026, 2, 28))
    # Fri 02-13 + 5: Sat 02-14 (1), 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5).
    assert add_workdays(at(2026, 2, 13), 5) == end_of(2026, 2, 27)
    # Fri 02-20 (holiday) + 5: 02-24..02-27 (4), Sat 02-28 (5).
    assert add_workdays(at(2026, 2, 20), 5) == end_of(2026, 2, 28)


def test_the_local_date_decides_not_the_utc_one():
    # 2026-09-29 17:30 UTC is 2026-09-30 01:30 in Shanghai.
    utc_start = datetime(2026, 9, 29, 17, 30, tzinfo=UTC)
    assert add_workdays(utc_start, 5) == end_of(2026, 10, 13)
    # Late on the day or just after midnight of the same day: same deadline; one minute later is a new day.
    assert add_workdays(at(2026, 9, 30, 0, 0), 1) == add_workdays(at(2026, 9, 30, 23, 59), 1) == end_of(2026, 10, 8)
    assert add_workdays(at(2026, 10, 8, 0, 0), 1) == end_of(2026, 10, 9)


def test_naive_datetimes_and_bad_counts_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_workdays(datetime(2026, 9, 30, 10, 0), 5)  # noqa: DTZ001
    with pytest.raises(ValueError):
        add_workdays(at(2026, 9, 30), 0)


# --- years the built-in calendar does not know --------------------------------------------------------------


def test_2027_uses_weekends_only_and_warns():
    assert not year_known(2027)
    # Fri 2027-01-01 would be New Year's Day, but nothing says so yet: Mon 01-04 .. Fri 01-08.
    assert is_workday(date(2027, 1, 1))
    assert not is_workday(date(2027, 1, 2))
    assert add_workdays(at(2027, 1, 1), 5) == end_of(2027, 1, 8)
    # Across the year end: Wed 2026-12-30 + 3 = Thu 12-31 (1), Fri 01-01 (2), Mon 01-04 (3).
    assert add_workdays(at(2026, 12, 30), 3) == end_of(2027, 1, 4)

    warnings = calendar_warnings(today=date(2026, 11, 26))
    assert len(warnings) == 1
    assert "2027" in warnings[0]
    assert "weekends" in warnings[0]
    # In 2027 both 2027 and 2028 are unknown.
    assert [("2027" in w, "2028" in w) for w in calendar_warnings(today=date(2027, 3, 1))] == [(True, False), (False, True)]
    # Years the library knows give no warning.
    assert calendar_warnings(today=date(2025, 5, 5)) == []


def test_filled_table_for_2027_silences_the_warning_and_is_honoured():
    assert add_workdays(at(2027, 2, 5), 3) == end_of(2027, 2, 10)  # weekends only: Mon 8, Tue 9, Wed 10
    assert calendar_warnings(today=date(2026, 11, 26))

    # Hypothetical Spring Festival 2027: Mon 02-08 .. Fri 02-12 off, Saturday 02-13 worked.
    for d in range(8, 13):
        HolidayEntry.objects.create(day=date(2027, 2, d), kind=HolidayEntry.Kind.HOLIDAY, name="春节")
    HolidayEntry.objects.create(day=date(2027, 2, 13), kind=HolidayEntry.Kind.WORKDAY, name="春节")

    assert year_known(2027)
    assert calendar_warnings(today=date(2026, 11, 26)) == []
    assert [("2028" in w) for w in calendar_warnings(today=date(2027, 3, 1))] == [True]
    assert not is_workday(date(2027, 2, 8))
    assert is_workday(date(2027, 2, 13))
    # Fri 02-05 + 3: Sat 02-13 (1), Mon 02-15 (2), Tue 02-16 (3) — no manual cache clearing needed.
    assert add_workdays(at(2027, 2, 5), 3) == end_of(2027, 2, 16)


def test_table_overrides_the_builtin_calendar_and_changes_are_seen_at_once():
    assert add_workdays(at(2026, 9, 30), 5) == end_of(2026, 10, 13)

    extra_holiday = HolidayEntry.objects.create(day=date(2026, 10, 9), kind=HolidayEntry.Kind.HOLIDAY, note="correction")
    assert not is_workday(date(2026, 10, 9))
    assert add_workdays(at(2026, 9, 30), 5) == end_of(2026, 10, 14)

    HolidayEntry.objects.create(day=date(2026, 10, 11), kind=HolidayEntry.Kind.WORKDAY)
    assert is_workday(date(2026, 10, 11))
    assert add_workdays(at(2026, 9, 30), 5) == end_of(2026, 10, 13)

    extra_holiday.kind = HolidayEntry.Kind.WORKDAY
    extra_holiday.save()
    assert is_workday(date(2026, 10, 9))
    assert add_workdays(at(2026, 9, 30), 5) == end_of(2026, 10, 12)

    HolidayEntry.objects.all().delete()
    assert add_workdays(at(2026, 9, 30), 5) == end_of(2026, 10, 13)


def test_years_before_the_library_fall_back_to_weekends():
    assert not year_known(2003)
    assert is_workday(date(2003, 10, 1))  # National Day, but 2003 is not in the library
    assert not is_workday(date(2003, 10, 4))  # a Saturday


# --- elapsed working days -----------------------------------------------------------------------------------


def test_workdays_between_examples():
    assert workdays_between(at(2026, 9, 30, 9), at(2026, 9, 30, 18)) == 0
    assert workdays_between(at(2026, 9, 30), at(2026, 10, 7)) == 0  # the whole holiday week
    assert workdays_between(at(2026, 9, 30), at(2026, 10, 8)) == 1
    assert workdays_between(at(2026, 9, 30), at(2026, 10, 13, 23, 59)) == 5
    assert workdays_between(at(2026, 10, 13), at(2026, 9, 30)) == -5
    # Across years: 2026-12-30 -> 2027-01-04 counts 12-31, 01-01 (unknown 2027: a plain Friday), 01-04.
    assert workdays_between(at(2026, 12, 30), at(2027, 1, 4)) == 3
    # A full year: 2025 has 250 working days in chinese_calendar.
    assert workdays_between(at(2024, 12, 31), at(2025, 12, 31)) == sum(is_workday(date(2025, 1, 1) + timedelta(i)) for i in range(365))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31, 23, 59)),  # noqa: DTZ001
    n=st.integers(min_value=1, max_value=15),
    later=st.integers(min_value=0, max_value=40),
)
def test_workdays_between_is_consistent_with_add_workdays(start, n, later):
    start = start.replace(tzinfo=SHANGHAI)
    deadline = add_workdays(start, n)
    assert is_workday(deadline.date())
    assert workdays_between(start, deadline) == n
    # Brute force: exactly n working days after the start day up to the deadline day.
    days = (deadline.date() - start.date()).days
    assert sum(is_workday(start.date() + timedelta(i)) for i in range(1, days + 1)) == n
    # The day before the deadline day is short of n; anything answered by the deadline is within n.
    assert workdays_between(start, deadline - timedelta(days=1)) == n - 1
    answered = start + timedelta(hours=later * 9)
    if answered <= deadline:
        assert workdays_between(start, answered) <= n
    elif is_workday(answered.astimezone(SHANGHAI).date()):
        assert workdays_between(start, answered) > n


def test_many_deadlines_are_fast():
    starts = [at(2025, 1, 1) + timedelta(hours=7 * i) for i in range(10_000)]  # spans 2025 .. 2033
    began = time.perf_counter()
    for start in starts:
        add_workdays(start, 7)
    elapsed = time.perf_counter() - began
    assert elapsed < 2.0, elapsed


# --- deadlines per type -------------------------------------------------------------------------------------


def test_default_deadlines():
    assert deadline_days("consult") == 5
    assert deadline_days("complaint") == 7
    assert deadline_days("help") == 7
    assert deadline_days("suggestion") == 7
    with pytest.raises(ValueError):
        deadline_days("nonsense")


@override_settings(RONGMEI_INQUIRIES={"DEADLINE_DAYS": {"consult": 3, "complaint": 30, "help": 0, "report": "10"}})
def test_configured_deadlines_are_clamped():
    assert deadline_days("consult") == 3
    assert deadline_days("complaint") == 15
    assert deadline_days("help") == 1
    assert deadline_days("report") == 10
    assert deadline_days("suggestion") == 7


# --- admin --------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = make_user("root", "系统管理员", "admin", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@override_settings(LANGUAGE_CODE="en")
def test_admin_list_shows_the_warning_until_the_table_is_filled(admin_client, monkeypatch):
    # Pin "today" to 2026-11-26 (freezegun upsets pydantic in the request path).
    monkeypatch.setattr(workdays, "calendar_warnings", lambda today=None: calendar_warnings(today=date(2026, 11, 26)))
    url = "/admin/inquiries/holidayentry/"

    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "holiday calendar for 2027 is not known yet" in page
    assert "State Council" in page  # the help text

    HolidayEntry.objects.create(day=date(2027, 1, 1), kind=HolidayEntry.Kind.HOLIDAY, name="元旦")
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not known yet" not in page
    assert "元旦" in page
