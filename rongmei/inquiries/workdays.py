"""Working days and answer deadlines for 问政 questions, on the official Chinese holiday calendar.

Which days are working days:

1. a day listed in the operators' holiday table (:class:`~rongmei.inquiries.models.HolidayEntry`) is what the
   table says — a holiday (rest day) or a make-up workday (调休上班) — so operators can also correct the
   built-in calendar;
2. otherwise, for the years it knows (2004–2026 in version 1.11), the ``chinese_calendar`` package decides,
   make-up workdays included;
3. otherwise Monday to Friday are working days and weekends are rest days. :func:`calendar_warnings` reports
   the current and next year while this fallback is all there is for them.

Each year's working days are computed once and kept in a process-wide cache as a sorted list of ordinals, so
counting many deadlines costs a bisect each. Saving or deleting a ``HolidayEntry`` clears the cache of the
process that did it (signal receivers connected in ``InquiriesConfig.ready``); other processes (other web
workers) rebuild theirs after at most :data:`CACHE_SECONDS`.
"""

from __future__ import annotations

import threading
import time as monotonic_time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

DEFAULT_DEADLINES: dict[str, int] = {"consult": 5, "complaint": 7, "help": 7, "suggestion": 7}
"""Working days to answer, per question type: consult 咨询, complaint 投诉, help 求助, suggestion 建议."""

MAX_DEADLINE = 15
"""No deadline may exceed 15 working days, whatever the settings say."""

CACHE_SECONDS = 300
"""How long a process keeps a year's working days before reading the holiday table again."""

# Beyond this many years without a single working day, the table is taken to be broken.
_MAX_EMPTY_YEARS = 3


@dataclass(frozen=True)
class _Year:
    workdays: list[int]  # sorted ordinals of the year's working days
    in_table: bool  # the holiday table has at least one entry for the year
    in_library: bool  # chinese_calendar knows the year


_cache: dict[int, _Year] = {}
_cache_built_at = 0.0
_generation = 0  # bumped on every clearing, so a year built from a stale table is not stored
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached year."""
    global _cache_built_at, _generation
    with _lock:
        _cache.clear()
        _cache_built_at = monotonic_time.monotonic()
        _generation += 1


def holiday_table_changed(sender=None, **kwargs) -> None:
    """Receiver of HolidayEntry's post_save / post_delete: clear now, and again once the transaction commits
    (a year rebuilt meanwhile by another thread would have read the table without the change)."""
    clear_cache()
    transaction.on_commit(clear_cache, using=kwargs.get("using"))


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _build_year(year: int) -> _Year:
    from rongmei.inquiries.models import HolidayEntry

    table = dict(HolidayEntry.objects.filter(day__year=year).values_list("day", "kind"))
    in_library = _library_knows(year)
    workdays = []
    for ordinal in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
        day = date.fromordinal(ordinal)
        kind = table.get(day)
        if kind is not None:
            works = kind == HolidayEntry.Kind.WORKDAY
        elif in_library:
            works = chinese_calendar.is_workday(day)
        else:
            works = day.weekday() < 5
        if works:
            workdays.append(ordinal)
    return _Year(workdays=workdays, in_table=bool(table), in_library=in_library)


def _year(year: int) -> _Year:
    global _cache_built_at, _generation
    now = monotonic_time.monotonic()
    with _lock:
        if now - _cache_built_at > CACHE_SECONDS:
            _cache.clear()
            _cache_built_at = now
            _generation += 1
        cached = _cache.get(year)
        generation = _generation
    if cached is not None:
        return cached
    built = _build_year(year)
    with _lock:
        if generation == _generation:
            _cache[year] = built
    return built


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day (table, else chinese_calendar, else Monday–Friday)."""
    workdays = _year(day.year).workdays
    i = bisect_right(workdays, day.toordinal())
    return i > 0 and workdays[i - 1] == day.toordinal()


def year_known(year: int) -> bool:
    """Whether the holiday calendar of ``year`` is known: chinese_calendar has it or the table has entries for it."""
    info = _year(year)
    return info.in_library or info.in_table


def calendar_warnings(today: date | None = None) -> list[str]:
    """Translated warnings for the current and the next year when their holiday calendar is not known yet."""
    today = today or timezone.localdate()
    return [
        gettext(
            "The holiday calendar for %(year)s is not known yet: deadlines count only weekends as rest days. "
            "Fill in the holiday table from the State Council's notice."
        )
        % {"year": year}
        for year in (today.year, today.year + 1)
        if not year_known(year)
    ]


def _local_date(moment: datetime) -> date:
    if timezone.is_naive(moment):
        raise ValueError("aware datetime required")
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=ZoneInfo(settings.TIME_ZONE))


def nth_workday_after(day: date, n: int) -> date:
    """The ``n``-th working day strictly after ``day`` (``n`` >= 1); ``day`` itself never counts."""
    if n < 1:
        raise ValueError("n must be at least 1")
    year = day.year
    info = _year(year)
    index = bisect_right(info.workdays, day.toordinal())
    empty_years = 0
    while index + n > len(info.workdays):
        n -= len(info.workdays) - index
        empty_years = empty_years + 1 if not info.workdays else 0
        if empty_years > _MAX_EMPTY_YEARS:
            raise ValueError(f"no working day in the holiday calendar around {year}")
        year += 1
        info = _year(year)
        index = 0
    return date.fromordinal(info.workdays[index + n - 1])


def add_workdays(start: datetime, n: int) -> datetime:
    """The deadline ``n`` working days (``n`` >= 1) after the aware datetime ``start``.

    The rule: take the local date of ``start`` in ``settings.TIME_ZONE`` (Asia/Shanghai); that day never
    counts, whatever the hour or whether it is a working day; the working days after it are numbered 1, 2, …;
    the deadline is the end of working day ``n``, 23:59:59.999999 local time. So a question that arrives on
    Wednesday has until the end of the next Wednesday for 5 working days (no holidays), and one arriving on a
    Saturday, Sunday or holiday starts counting from the next working day, which is day 1.
    """
    return _end_of_day(nth_workday_after(_local_date(start), n))


def _workdays_upto(day: date) -> tuple[int, int]:
    """(year, number of the year's working days on or before ``day``)."""
    return day.year, bisect_right(_year(day.year).workdays, day.toordinal())


def workdays_between(a: datetime, b: datetime) -> int:
    """Working days elapsed from ``a`` to ``b``: those after the local date of ``a`` up to and including that of ``b``.

    Negative when ``b`` comes first. Consistent with :func:`add_workdays`: ``workdays_between(a, add_workdays(a, n))
    == n``, and anything answered by the deadline has at most ``n``. (An answer on a rest day after the deadline
    may also have ``n``; compare datetimes with the deadline to tell on time from overdue.)
    """
    da, db = _local_date(a), _local_date(b)
    if db < da:
        return -workdays_between(b, a)
    year_a, before_a = _workdays_upto(da)
    year_b, upto_b = _workdays_upto(db)
    total = upto_b - before_a
    for year in range(year_a, year_b):
        total += len(_year(year).workdays)
    return total


def deadline_days(kind: str) -> int:
    """Working days allowed to answer a question of ``kind``.

    ``settings.RONGMEI_INQUIRIES["DEADLINE_DAYS"]`` may override the defaults or add types; the result is
    clamped to 1..MAX_DEADLINE. An unknown type raises ``ValueError``.
    """
    overrides = getattr(settings, "RONGMEI_INQUIRIES", {}).get("DEADLINE_DAYS", {})
    days = overrides.get(kind, DEFAULT_DEADLINES.get(kind))
    if days is None:
        raise ValueError(f"unknown question type {kind!r}")
    return max(1, min(MAX_DEADLINE, int(days)))
