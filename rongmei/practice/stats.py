"""Statistics of the practice network by town and month: activities held, volunteers active,
service hours credited, requests served and their ratings; and the same table as an Excel
workbook for the leadership.

A town is the core.Place of the practice site (a village counts for its town), or else the
institute (所) the site is or belongs to; the county center counts as itself. Months are local
(the site's time zone):

- activities held: open or finished activities that have ended (cancelled and planned ones do
  not count), by the month they started;
- hours: the hours entries of the ledger, by the month they were credited, in the town of the
  activity or service they were for (read from the entry's key), else of the volunteer's site;
- volunteers active: distinct volunteers with hours credited there that month;
- requests served: requests done or rated, by the month the service finished, in the town of the
  request's place, else of the dispatched team's site; ratings are averaged over those rated."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core.models import Place
from rongmei.core.spreadsheet import as_text
from rongmei.practice.models import Activity, LedgerEntry, ServiceRequest, Site

UNKNOWN_TOWN = "—"
KEY_RE = re.compile(r"^(activity|service):(\d+):")


@dataclass
class Row:
    town: str
    month: int  # 1–12; 0 in a total row
    activities: int = 0
    hours: Decimal = Decimal("0")
    requests: int = 0
    rated: int = 0
    skill_sum: int = 0
    attitude_sum: int = 0
    effect_sum: int = 0
    volunteer_ids: set[int] = field(default_factory=set)

    @property
    def volunteers(self) -> int:
        return len(self.volunteer_ids)

    def _avg(self, total: int) -> Decimal | None:
        if not self.rated:
            return None
        return (Decimal(total) / self.rated).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def avg_skill(self) -> Decimal | None:
        return self._avg(self.skill_sum)

    @property
    def avg_attitude(self) -> Decimal | None:
        return self._avg(self.attitude_sum)

    @property
    def avg_effect(self) -> Decimal | None:
        return self._avg(self.effect_sum)

    @property
    def avg_overall(self) -> Decimal | None:
        if not self.rated:
            return None
        total = Decimal(self.skill_sum + self.attitude_sum + self.effect_sum)
        return (total / (3 * self.rated)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def add(self, other: Row) -> None:
        self.activities += other.activities
        self.hours += other.hours
        self.requests += other.requests
        self.rated += other.rated
        self.skill_sum += other.skill_sum
        self.attitude_sum += other.attitude_sum
        self.effect_sum += other.effect_sum
        self.volunteer_ids |= other.volunteer_ids


@dataclass
class Table:
    year: int
    rows: list[Row]
    total: Row


def _town_of_place(place: Place | None) -> str | None:
    if place is None:
        return None
    if place.kind == Place.Kind.VILLAGE and place.parent_id:
        return place.parent.name
    return place.name


class Towns:
    """Which town a site or place belongs to; all sites are read once (a small table)."""

    def __init__(self) -> None:
        self.sites = {s.pk: s for s in Site.objects.select_related("place__parent")}

    def of_site(self, site_id: int | None) -> str:
        site = self.sites.get(site_id)
        if site is None:
            return UNKNOWN_TOWN
        node = site
        while node is not None:  # a station without a place takes its institute's
            if node.place_id:
                return _town_of_place(node.place)
            if node.kind != Site.Kind.STATION:
                break
            node = self.sites.get(node.parent_id)
        node = site
        while node is not None and node.kind == Site.Kind.STATION and node.parent_id in self.sites:
            node = self.sites[node.parent_id]
        return node.name

    def of_place_or_site(self, place: Place | None, site_id: int | None) -> str:
        return _town_of_place(place) or self.of_site(site_id)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def held_activities(start: dt.datetime, end: dt.datetime):
    """Activities held: open or finished, ended by now, started within [start, end)."""
    now = timezone.now()
    return Activity.objects.filter(starts_at__gte=start, starts_at__lt=end).filter(
        Q(state=Activity.State.FINISHED) | Q(state=Activity.State.PUBLISHED, ends_at__lte=now)
    )


SERVED = (ServiceRequest.State.DONE, ServiceRequest.State.RATED)


def by_town_and_month(year: int) -> Table:
    start, end = year_bounds(year)
    towns = Towns()
    cells: dict[tuple[str, int], Row] = {}

    def cell(town: str, when: dt.datetime) -> Row:
        month = timezone.localtime(when).month
        key = (town, month)
        if key not in cells:
            cells[key] = Row(town=town, month=month)
        return cells[key]

    for activity in held_activities(start, end).only("site_id", "starts_at"):
        cell(towns.of_site(activity.site_id), activity.starts_at).activities += 1

    served = ServiceRequest.objects.filter(state__in=SERVED, finished_at__gte=start, finished_at__lt=end).select_related(
        "place__parent", "team"
    )
    for service in served:
        row = cell(towns.of_place_or_site(service.place, service.team.site_id if service.team_id else None), service.finished_at)
        row.requests += 1
        if service.rating_skill is not None:
            row.rated += 1
            row.skill_sum += service.rating_skill
            row.attitude_sum += service.rating_attitude or 0
            row.effect_sum += service.rating_effect or 0

    entries = list(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.HOURS, created_at__gte=start, created_at__lt=end).select_related("volunteer")
    )
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        match = KEY_RE.match(entry.key)
        if match:
            wanted[match[1]].add(int(match[2]))
    activity_town = {a.pk: towns.of_site(a.site_id) for a in Activity.objects.filter(pk__in=wanted["activity"]).only("site_id")}
    service_town = {
        s.pk: towns.of_place_or_site(s.place, s.team.site_id if s.team_id else None)
        for s in ServiceRequest.objects.filter(pk__in=wanted["service"]).select_related("place__parent", "team")
    }
    for entry in entries:
        match = KEY_RE.match(entry.key)
        town = None
        if match:
            town = (activity_town if match[1] == "activity" else service_town).get(int(match[2]))
        if town is None:
            town = towns.of_site(entry.volunteer.site_id)
        row = cell(town, entry.created_at)
        row.hours += entry.amount
        if entry.amount > 0:
            row.volunteer_ids.add(entry.volunteer_id)

    rows = sorted(cells.values(), key=lambda r: (r.town == UNKNOWN_TOWN, r.town, r.month))
    total = Row(town=_("Total"), month=0)
    for row in rows:
        total.add(row)
    return Table(year=year, rows=rows, total=total)


def columns() -> list[str]:
    return [
        _("Town"),
        _("Month"),
        _("Activities held"),
        _("Volunteers active"),
        _("Service hours"),
        _("Requests served"),
        _("Requests rated"),
        _("Skill"),
        _("Attitude"),
        _("Effect"),
        _("Average rating"),
    ]


def row_values(row: Row) -> list:
    return [
        row.town,
        row.month or "",
        row.activities,
        row.volunteers,
        row.hours,
        row.requests,
        row.rated,
        row.avg_skill,
        row.avg_attitude,
        row.avg_effect,
        row.avg_overall,
    ]


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return as_text(value)


def stats_workbook(year: int) -> bytes:
    """The year's table by town and month, with a total row, as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    table = by_town_and_month(year)
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    sheet.append(
        [
            _("New-era civilization practice: statistics of %(y)s (as of %(d)s)")
            % {"y": year, "d": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
        ]
    )
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(columns())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell(v) for v in row_values(row)])
    sheet.append([_cell(v) for v in row_values(table.total)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 28
    for letter in "BCDEFGHIJK":
        sheet.column_dimensions[letter].width = 12
    sheet.freeze_panes = "C3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
