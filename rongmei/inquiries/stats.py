"""Supervision figures of 问政: per unit, county totals, screening. Reads only.

Two kinds of counting, and every figure says which it uses:

* **Activity in a period** (the per-unit figures): what happened between ``period.start`` and
  ``period.end`` (local midnight to local midnight, end excluded), read from the append-only audit
  log (``rongmei.core.AuditLog``) and the questions' timelines (``Event``), both written by
  ``services`` in the transaction of the change. A question returned by unit A and forwarded again to
  B in the period counts as received by both; the figures of a past month do not change later.
* **Cohort of a period** (the county totals, the seed center's figures): the questions *submitted*
  in the period, each counted once with its state now. October's "answered" grows while October's
  questions are being answered.

The rates come with a Wilson score interval (95 %) and rankings use its lower bound, so a unit with
one easy case cannot come first; a unit enters a ranking only with at least
``RONGMEI_INQUIRIES["RANKING_MIN_COUNT"]`` (default 10) cases in the rate's denominator.

Every function runs a fixed number of queries whatever the number of questions (the pages pin
them): rows are fetched with ``values_list`` and grouped in Python.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core.models import AuditLog
from rongmei.inquiries import workdays
from rongmei.inquiries.models import ANSWERED, WITH_UNIT, Event, Inquiry, Kind, Rating, Reply, State, Unit

SUBJECT_TYPE = "inquiries.inquiry"
DEFAULT_MIN_COUNT = 10
Z95 = 1.959963984540054


def min_count() -> int:
    """Cases needed in a rate's denominator to be ranked (``RONGMEI_INQUIRIES["RANKING_MIN_COUNT"]``)."""
    value = getattr(settings, "RONGMEI_INQUIRIES", {}).get("RANKING_MIN_COUNT", DEFAULT_MIN_COUNT)
    return max(1, int(value))


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end): aware datetimes at local midnight."""

    start: dt.datetime
    end: dt.datetime
    label: str

    def contains(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def _zone():
    return ZoneInfo(settings.TIME_ZONE)


def month_period(year: int, month: int) -> Period:
    zone = _zone()
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return Period(start, end, f"{year:04d}-{month:02d}")


def parse_month(value: str | None) -> Period:
    """``YYYY-MM`` → that month. Raises ValueError (with a Chinese message) on anything else."""
    try:
        year, month = (int(part) for part in (value or "").strip().split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError:
        raise ValueError(_("Give the month as YYYY-MM, for example 2026-10.")) from None
    return month_period(year, month)


def current_month(now: dt.datetime | None = None) -> Period:
    local = timezone.localtime(now or timezone.now())
    return month_period(local.year, local.month)


def months_back(n: int, now: dt.datetime | None = None) -> list[Period]:
    """The last ``n`` months, oldest first, the current one included."""
    local = timezone.localtime(now or timezone.now())
    year, month = local.year, local.month
    out = []
    for _i in range(n):
        out.append(month_period(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def span(first: Period, last: Period) -> Period:
    return Period(first.start, last.end, f"{first.label} – {last.label}" if first.label != last.label else first.label)


# --- rates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``hits`` of ``n`` with the Wilson score interval (95 %). ``value`` etc. are None when n is 0."""

    hits: int
    n: int

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.hits, self.n)

    @property
    def low(self) -> float | None:
        return self.interval[0] if self.n else None

    @property
    def high(self) -> float | None:
        return self.interval[1] if self.n else None

    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"

    def interval_percent(self) -> str:
        if not self.n:
            return "—"
        low, high = self.interval
        return f"{low * 100:.0f}–{high * 100:.0f}%"


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of a proportion; None for n = 0.

    Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and is wide for small n: 1 of 1 gives
    (0.207, 1.0), 10 of 10 gives (0.722, 1.0)."""
    if n <= 0:
        return None
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# --- the ledger --------------------------------------------------------------------------------


def _audit(actions: tuple[str, ...], period: Period) -> list[tuple[int, dt.datetime, dict]]:
    rows = AuditLog.objects.filter(
        subject_type=SUBJECT_TYPE, action__in=actions, created_at__gte=period.start, created_at__lt=period.end
    ).values_list("subject_id", "created_at", "data", "action")
    return [(int(sid), at, data or {}, action) for sid, at, data, action in rows]


@dataclass
class UnitFigures:
    """One unit's activity in a period (module docstring: "activity"); see docs/inquiries-statistics.md."""

    unit: Unit
    received: int = 0  # forwarded to it as lead unit (audit inquiry.forward, data.unit)
    accepted: int = 0  # accepted by it (timeline "accept" with the unit)
    returned: int = 0  # returned by it as not its matter (audit inquiry.return, data.unit)
    replied: int = 0  # distinct questions it sent a reply to (audit inquiry.reply → Reply.unit; imported history by replied_at)
    on_time: Rate = field(default_factory=lambda: Rate(0, 0))  # replies (the last per question) sent by the deadline
    median_hours: float | None = None  # forwarded (or reopened) → reply, in hours
    median_workdays: float | None = None  # the same in working days (workdays.workdays_between)
    satisfaction: Rate = field(default_factory=lambda: Rate(0, 0))  # 满意 + 基本满意 of ratings given in the period
    rated: int = 0
    reopened: int = 0  # reopened by an unsatisfied citizen (timeline "reopen" with the unit)
    escalated: int = 0  # 督办 in the period (audit inquiry.escalate, data.unit)
    overdue_now: int = 0  # with it now, past the deadline (not a period figure)
    on_time_rank: int | None = None
    satisfaction_rank: int | None = None

    @property
    def return_rate(self) -> Rate:
        return Rate(self.returned, self.received)


def unit_figures(period: Period, *, now: dt.datetime | None = None, units=None) -> list[UnitFigures]:
    """Every active unit (or ``units``), plus any inactive unit with activity, in the units' order; ranks set.

    Queries: a fixed handful (units, audit lines, timeline lines, replies, ratings' units, overdue)."""
    now = now or timezone.now()
    all_units = list(Unit.objects.select_related("leader").order_by("sort_order", "id")) if units is None else list(units)
    by_id = {u.pk: UnitFigures(unit=u) for u in all_units}
    audit_rows = _audit(("inquiry.forward", "inquiry.return", "inquiry.reply", "inquiry.escalate", "inquiry.rate"), period)

    replies: dict[int, int] = {}
    reply_ids = [data.get("reply") for _sid, _at, data, action in audit_rows if action == "inquiry.reply" and data.get("reply")]
    if reply_ids:
        replies = dict(Reply.objects.filter(pk__in=reply_ids).values_list("pk", "unit_id"))
    rated_ids = {sid for sid, _at, _data, action in audit_rows if action == "inquiry.rate"}
    rated_unit = dict(Inquiry.objects.filter(pk__in=rated_ids).values_list("pk", "lead_unit_id")) if rated_ids else {}

    events = list(
        Event.objects.filter(
            action__in=("accept", "reopen"), unit__isnull=False, created_at__gte=period.start, created_at__lt=period.end
        ).values_list("inquiry_id", "action", "unit_id", "created_at")
    )
    # Start of each handling: the forward, or a reopen, to the unit. Forwards before the period
    # matter for replies in it, so those are read without the period's start.
    replied_inquiries = {sid for sid, _at, _data, action in audit_rows if action == "inquiry.reply"}
    starts: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
    if replied_inquiries:
        for sid, at, data in AuditLog.objects.filter(
            subject_type=SUBJECT_TYPE,
            action="inquiry.forward",
            subject_id__in=[str(i) for i in replied_inquiries],
            created_at__lt=period.end,
        ).values_list("subject_id", "created_at", "data"):
            if (data or {}).get("unit"):
                starts[(int(sid), data["unit"])].append(at)
        for inquiry_id, unit_id, at in Event.objects.filter(
            action="reopen", inquiry_id__in=replied_inquiries, unit__isnull=False, created_at__lt=period.end
        ).values_list("inquiry_id", "unit_id", "created_at"):
            starts[(inquiry_id, unit_id)].append(at)

    def figures(unit_id):
        if unit_id is None:
            return None
        if unit_id not in by_id and units is None:
            unit = Unit.objects.filter(pk=unit_id).first()  # a unit deleted or listed late: rare
            if unit is None:
                return None
            by_id[unit_id] = UnitFigures(unit=unit)
        return by_id.get(unit_id)

    last_reply: dict[tuple[int, int], tuple[dt.datetime, bool]] = {}
    ratings: dict[int, Counter] = defaultdict(Counter)
    for sid, at, data, action in audit_rows:
        if action == "inquiry.forward" and (f := figures(data.get("unit"))):
            f.received += 1
        elif action == "inquiry.return" and (f := figures(data.get("unit"))):
            f.returned += 1
        elif action == "inquiry.escalate" and (f := figures(data.get("unit"))):
            f.escalated += 1
        elif action == "inquiry.reply":
            unit_id = replies.get(data.get("reply"))
            if unit_id is not None:
                key = (sid, unit_id)
                if key not in last_reply or at >= last_reply[key][0]:
                    last_reply[key] = (at, bool(data.get("on_time", True)))
        elif action == "inquiry.rate" and data.get("rating") in Rating.values:
            unit_id = rated_unit.get(sid)
            if unit_id is not None:
                ratings[unit_id][data["rating"]] += 1
    for _inquiry_id, action, unit_id, _at in events:
        if f := figures(unit_id):
            if action == "accept":
                f.accepted += 1
            else:
                f.reopened += 1

    on_time: dict[int, list[bool]] = defaultdict(list)
    hours: dict[int, list[float]] = defaultdict(list)
    days: dict[int, list[int]] = defaultdict(list)
    replied: Counter = Counter()
    # History brought in by inquiries_import has no forward, reply or rating lines: it counts at
    # its recorded times. It had no deadline here, so it stays out of the on-time rate.
    for _pk, unit_id, forwarded_at, replied_at, rating, rated_at in _imported(period):
        f = figures(unit_id)
        if f is None:
            continue
        if period.contains(forwarded_at):
            f.received += 1
            f.accepted += 1
        if period.contains(replied_at):
            replied[unit_id] += 1
            if forwarded_at and forwarded_at <= replied_at:
                hours[unit_id].append((replied_at - forwarded_at).total_seconds() / 3600)
                days[unit_id].append(workdays.workdays_between(forwarded_at, replied_at))
        if period.contains(rated_at) and rating in Rating.values:
            ratings[unit_id][rating] += 1
    for (inquiry_id, unit_id), (at, in_time) in last_reply.items():
        on_time[unit_id].append(in_time)
        replied[unit_id] += 1
        begun = [s for s in starts.get((inquiry_id, unit_id), ()) if s <= at]
        if begun:
            start = max(begun)
            hours[unit_id].append((at - start).total_seconds() / 3600)
            days[unit_id].append(workdays.workdays_between(start, at))
    for unit_id, n in replied.items():
        if f := figures(unit_id):
            flags = on_time.get(unit_id, [])
            f.replied = n
            f.on_time = Rate(sum(flags), len(flags))
            f.median_hours = _median(hours.get(unit_id, []))
            f.median_workdays = _median(days.get(unit_id, []))
    for unit_id, counts in ratings.items():
        if f := figures(unit_id):
            f.rated = sum(counts.values())
            f.satisfaction = Rate(counts[Rating.SATISFIED] + counts[Rating.PARTLY], f.rated)
    for unit_id, n in Counter(Inquiry.objects.overdue(now).values_list("lead_unit_id", flat=True)).items():
        if f := figures(unit_id):
            f.overdue_now = n

    result = [f for f in by_id.values() if f.unit.active or _any_activity(f)]
    rank(result)
    return result


def _imported(period: Period):
    """(pk, unit, forwarded_at, replied_at, rating, rated_at) of imported questions with any of
    those times in the period (the timeline line ``import`` marks them). One query."""
    in_period = (
        Q(forwarded_at__gte=period.start, forwarded_at__lt=period.end)
        | Q(replied_at__gte=period.start, replied_at__lt=period.end)
        | Q(rated_at__gte=period.start, rated_at__lt=period.end)
    )
    return list(
        Inquiry.objects.filter(in_period, pk__in=Event.objects.filter(action="import").values("inquiry_id")).values_list(
            "pk", "lead_unit_id", "forwarded_at", "replied_at", "rating", "rated_at"
        )
    )


def _any_activity(f: UnitFigures) -> bool:
    return any((f.received, f.accepted, f.returned, f.replied, f.rated, f.reopened, f.escalated, f.overdue_now))


def rank(rows: list[UnitFigures], minimum: int | None = None) -> None:
    """Set ``on_time_rank`` and ``satisfaction_rank``: only units with at least ``minimum`` cases in
    the rate's denominator are ranked, by the lower bound of the Wilson interval (ties: the rate,
    then more cases); the others keep None."""
    minimum = min_count() if minimum is None else minimum
    for attr, rank_attr in (("on_time", "on_time_rank"), ("satisfaction", "satisfaction_rank")):
        eligible = [r for r in rows if getattr(r, attr).n >= minimum]
        eligible.sort(key=lambda r, a=attr: (-getattr(r, a).low, -getattr(r, a).value, -getattr(r, a).n, r.unit.sort_order, r.unit.pk))
        for row in rows:
            setattr(row, rank_attr, None)
        for position, row in enumerate(eligible, start=1):
            setattr(row, rank_attr, position)


def ranking(rows: list[UnitFigures], by: str) -> list[UnitFigures]:
    """The ranked rows for ``by`` ("on_time" or "satisfaction"), first place first."""
    rank_attr = f"{by}_rank"
    return sorted((r for r in rows if getattr(r, rank_attr) is not None), key=lambda r: getattr(r, rank_attr))


def overdue_list(now: dt.datetime | None = None, limit: int = 200) -> list[Inquiry]:
    """Questions with a unit now and past their deadline, most overdue first, with the unit and its leader."""
    now = now or timezone.now()
    return list(Inquiry.objects.overdue(now).select_related("lead_unit", "lead_unit__leader").order_by("deadline", "pk")[:limit])


# --- county totals: the seed center's figures ------------------------------------------------------


@dataclass
class Totals:
    """The seed center's figures for a cohort of questions (module docstring: "cohort").

    * ``received`` (收到): questions submitted, whatever became of them.
    * ``forwarded`` (转办): of those, forwarded to a unit at least once (private ones included).
    * ``published_forwarded`` (公开并转办): forwarded, public and not hidden by the desk.
    * ``answered`` (已答复): of the forwarded, those whose answer is out now: published, rated or closed.
    * ``answer_rate`` (答复率): answered ÷ forwarded.
    """

    label: str
    received: int = 0
    forwarded: int = 0
    published_forwarded: int = 0
    answered: int = 0
    key: object = None

    @property
    def answer_rate(self) -> Rate:
        return Rate(self.answered, self.forwarded)


def _cohort(period: Period):
    return list(
        Inquiry.objects.filter(submitted_at__gte=period.start, submitted_at__lt=period.end).values_list(
            "submitted_at", "kind", "location", "lead_unit_id", "state", "forwarded_at", "is_public", "hidden"
        )
    )


def _add(t: Totals, row) -> None:
    _at, _kind, _location, _unit, state, forwarded_at, is_public, hidden = row
    t.received += 1
    if forwarded_at is not None:
        t.forwarded += 1
        if is_public and not hidden:
            t.published_forwarded += 1
        if state in ANSWERED:
            t.answered += 1


@dataclass
class CountyFigures:
    total: Totals
    by_month: list[Totals]
    by_kind: list[Totals]
    by_town: list[Totals]
    by_unit: list[Totals]


def county_figures(
    period: Period, *, months: list[Period] | None = None, towns: int = 20, public_towns_only: bool = False
) -> CountyFigures:
    """Totals of the questions submitted in ``period``, by month (``months``, default the months
    the period covers), type, town (the ``towns`` largest, the rest as one line) and the unit
    holding them now (None: not forwarded, or returned and not forwarded again). Two queries.

    The town is what the citizen typed. With ``public_towns_only`` (the public page) a town is
    named only when a question shown on the public pages (public, not hidden, answered) names it: what someone typed in a private
    question is counted under "other towns and villages", never shown."""
    rows = _cohort(period)
    total = Totals(label=period.label)
    if months is None:
        months = _months_in(period)
    by_month = {p.label: Totals(label=p.label, key=p) for p in months}
    by_kind = {k: Totals(label=str(label), key=k) for k, label in Kind.choices}
    by_town: dict[str, Totals] = {}
    by_unit: dict[int | None, Totals] = {}
    for row in rows:
        at, kind, location, unit_id, *_rest = row
        _add(total, row)
        label = timezone.localtime(at).strftime("%Y-%m")
        if label in by_month:
            _add(by_month[label], row)
        if kind in by_kind:
            _add(by_kind[kind], row)
        town = (location or "").strip() or "—"
        _add(by_town.setdefault(town, Totals(label=town, key=town)), row)
        _add(by_unit.setdefault(unit_id, Totals(label="", key=unit_id)), row)
    named = {(r[2] or "").strip() or "—" for r in rows if r[6] and not r[7] and r[4] in ANSWERED} if public_towns_only else set(by_town)
    towns_sorted = sorted((t for t in by_town.values() if t.label in named), key=lambda t: (-t.received, t.label))
    others = [t for t in by_town.values() if t.label not in named] + towns_sorted[towns:]
    towns_sorted = towns_sorted[:towns]
    if others:
        rest = Totals(label=_("Other towns and villages"), key=None)
        for t in others:
            for name in ("received", "forwarded", "published_forwarded", "answered"):
                setattr(rest, name, getattr(rest, name) + getattr(t, name))
        towns_sorted.append(rest)
    names = dict(Unit.objects.filter(pk__in=[k for k in by_unit if k]).values_list("pk", "name")) if by_unit else {}
    for key, t in by_unit.items():
        t.label = names.get(key, "") if key else _("Not with a unit")
    units_sorted = sorted(by_unit.values(), key=lambda t: (t.key is None, -t.received, t.label))
    return CountyFigures(
        total=total,
        by_month=list(by_month.values()),
        by_kind=list(by_kind.values()),
        by_town=towns_sorted,
        by_unit=units_sorted,
    )


def _months_in(period: Period) -> list[Period]:
    local = timezone.localtime(period.start)
    year, month = local.year, local.month
    out = []
    while True:
        p = month_period(year, month)
        if p.start >= period.end:
            break
        out.append(p)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


# --- screening -----------------------------------------------------------------------------------


@dataclass
class ScreeningFigures:
    """The desk's screening of the questions submitted in the period (cohort).

    * ``screened``: with a screening decision (``screened_at``: forwarded, rejected, merged, handed to
      融媒帮 or asked for more information).
    * ``median_hours`` / ``median_workdays``: submitted → screened, of the screened.
    * ``within_limit``: screened within ``SCREEN_WITHIN_DAYS`` working days (FixMyStreet Zurich's rule), of the screened.
    * ``waiting``: not screened yet (submitted, being screened or waiting for the citizen).
    * ``rejected`` / ``merged`` / ``helpdesk``: in that state now.
    """

    received: int = 0
    screened: int = 0
    median_hours: float | None = None
    median_workdays: float | None = None
    within_limit: Rate = field(default_factory=lambda: Rate(0, 0))
    waiting: int = 0
    rejected: int = 0
    merged: int = 0
    helpdesk: int = 0


def screening_figures(period: Period) -> ScreeningFigures:
    from rongmei.inquiries.services import conf

    limit = conf("SCREEN_WITHIN_DAYS")
    f = ScreeningFigures()
    hours, days = [], []
    for submitted_at, screened_at, state in Inquiry.objects.filter(submitted_at__gte=period.start, submitted_at__lt=period.end).values_list(
        "submitted_at", "screened_at", "state"
    ):
        f.received += 1
        if state == State.REJECTED:
            f.rejected += 1
        elif state == State.MERGED:
            f.merged += 1
        elif state == State.TO_HELPDESK:
            f.helpdesk += 1
        if screened_at is None:
            if state in (State.SUBMITTED, State.SCREENING, State.NEEDS_INFO):
                f.waiting += 1
            continue
        f.screened += 1
        hours.append((screened_at - submitted_at).total_seconds() / 3600)
        days.append(workdays.workdays_between(submitted_at, screened_at))
    f.median_hours, f.median_workdays = _median(hours), _median(days)
    f.within_limit = Rate(sum(1 for d in days if d <= limit), len(days))
    return f


def with_unit_now() -> int:
    return Inquiry.objects.filter(state__in=WITH_UNIT).count()
