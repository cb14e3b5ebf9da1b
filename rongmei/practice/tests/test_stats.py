"""Statistics by town and month: the figures of the table equal counts made directly from the
database for activities, services and ledger entries made through the services at known
months, and the Excel workbook holds the same figures."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Avg, Sum
from freezegun import freeze_time
from openpyxl import load_workbook

from rongmei.core.models import Place
from rongmei.practice import services, stats
from rongmei.practice.models import Activity, LedgerEntry, ServiceRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SH = ZoneInfo("Asia/Shanghai")
YEAR = 2025


def at(month, day, hour, minute=0):
    return dt.datetime(YEAR, month, day, hour, minute, tzinfo=SH)


def _activity(operator, site, team, title, start, hours):
    return services.create_activity(
        actor=operator,
        title=title,
        description="活动内容",
        site=site,
        team=team,
        address="花园社区",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        capacity=10,
    )


def _serve(operator, practice, *, team, volunteer, place, when, minutes, rating=None):
    with freeze_time(when):
        service = services.request_service(
            fan=practice["resident"], category="理发", description="老人行动不便，请上门理发", address="花园社区1号", place=place
        )
        services.dispatch(actor=operator, service=service, team=team)
        services.take(fan=volunteer.fan, service=service)
        services.start_service(fan=volunteer.fan, service=service, token=service.token)
    with freeze_time(when + dt.timedelta(minutes=minutes)):
        services.finish_service(fan=volunteer.fan, service=service, token=service.token)
        if rating:
            services.rate(fan=practice["resident"], service=service, skill=rating[0], attitude=rating[1], effect=rating[2])
    return service


@pytest.fixture
def world(operator, practice):
    """March: a finished activity at the station (in the village of 花园街道) and an open one at
    the institute that has ended, plus a draft that does not count; April: a served and rated
    request in the village, a served unrated one without place (the team's institute), one never
    served; May: a request served by the county team; June: hours credited by hand."""
    town = Place.objects.create(name="花园街道", kind=Place.Kind.TOWN)
    village = Place.objects.create(name="花园社区", kind=Place.Kind.VILLAGE, parent=town)
    station, institute = practice["station"], practice["institute"]
    station.place = village
    station.save()
    team, v1, v2 = practice["team"], practice["volunteer"], practice["volunteer2"]

    with freeze_time(at(3, 10, 9)):
        a1 = _activity(operator, station, team, "敬老院义务理发", at(3, 15, 9), 3)
        services.publish_activity(actor=operator, activity=a1)
        services.sign_up(fan=v1.fan, activity=a1)
        services.sign_up(fan=v2.fan, activity=a1)
        a2 = _activity(operator, institute, team, "文明宣讲", at(3, 20, 14), 2)
        services.publish_activity(actor=operator, activity=a2)
        _activity(operator, institute, team, "只是计划", at(3, 25, 9), 2)
    with freeze_time(at(3, 15, 9)):
        services.check_in(fan=v1.fan, activity=a1, token=a1.checkin_token)
        services.check_in(fan=v2.fan, activity=a1, token=a1.checkin_token)
    with freeze_time(at(3, 15, 11)):
        services.check_out(fan=v1.fan, activity=a1, token=a1.checkin_token)
        services.check_out(fan=v1.fan, activity=a1, token=a1.checkin_token)  # a second scan credits nothing
    with freeze_time(at(3, 15, 13)):
        services.finish_activity(actor=operator, activity=a1)

    s1 = _serve(operator, practice, team=team, volunteer=v1, place=village, when=at(4, 2, 9), minutes=95, rating=(5, 4, 5))
    s2 = _serve(operator, practice, team=team, volunteer=v2, place=None, when=at(4, 3, 15), minutes=60)
    with freeze_time(at(4, 5, 10)):
        services.request_service(fan=practice["resident"], category="维修", description="水管漏水需要维修", address="花园社区2号")
    s3 = _serve(
        operator,
        practice,
        team=practice["other_team"],
        volunteer=practice["outsider_volunteer"],
        place=None,
        when=at(5, 8, 8),
        minutes=120,
        rating=(3, 3, 2),
    )
    with freeze_time(at(6, 1, 12)):
        services.credit(v1, kind=LedgerEntry.Kind.HOURS, amount=Decimal("2.5"), key="manual:1", note="补录")
    return {"town": town, "village": village, "a1": a1, "a2": a2, "s1": s1, "s2": s2, "s3": s3, **practice}


def _hours(qs) -> Decimal:
    return qs.filter(kind=LedgerEntry.Kind.HOURS).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def _cells(table) -> dict:
    return {(row.town, row.month): row for row in table.rows}


def test_the_figures_equal_counts_from_the_database(world):
    table = stats.by_town_and_month(YEAR)
    cells = _cells(table)
    town, institute, center = world["town"].name, world["institute"].name, world["center"].name
    assert set(cells) == {(town, 3), (institute, 3), (town, 4), (institute, 4), (center, 5), (town, 6)}

    held = Activity.objects.filter(starts_at__year=YEAR, starts_at__month=3, state__in=["published", "finished"])
    march_town = cells[(town, 3)]
    assert march_town.activities == held.filter(site=world["station"]).count() == 1
    a1_entries = LedgerEntry.objects.filter(key__startswith=f"activity:{world['a1'].pk}:")
    assert march_town.hours == _hours(a1_entries) == Decimal("5.00")  # 2 h checked out, 3 h credited at finish
    assert march_town.volunteers == a1_entries.values("volunteer").distinct().count() == 2
    assert cells[(institute, 3)].activities == held.filter(site=world["institute"]).count() == 1
    assert cells[(institute, 3)].hours == 0

    served = ServiceRequest.objects.filter(state__in=["done", "rated"], finished_at__year=YEAR)
    april_town = cells[(town, 4)]
    in_village = served.filter(place=world["village"], finished_at__month=4)
    assert april_town.requests == in_village.count() == 1
    assert april_town.rated == in_village.filter(state="rated").count() == 1
    averages = in_village.aggregate(s=Avg("rating_skill"), a=Avg("rating_attitude"), e=Avg("rating_effect"))
    assert (april_town.avg_skill, april_town.avg_attitude, april_town.avg_effect) == tuple(
        Decimal(str(averages[k])).quantize(Decimal("0.01")) for k in "sae"
    )
    assert april_town.hours == _hours(LedgerEntry.objects.filter(key__startswith=f"service:{world['s1'].pk}:")) == Decimal("1.50")
    assert april_town.avg_overall == Decimal("4.67")

    april_institute = cells[(institute, 4)]
    assert april_institute.requests == served.filter(place=None, team=world["team"], finished_at__month=4).count() == 1
    assert april_institute.rated == 0 and april_institute.avg_overall is None
    assert april_institute.hours == _hours(LedgerEntry.objects.filter(key__startswith=f"service:{world['s2'].pk}:"))

    may_center = cells[(center, 5)]
    assert may_center.requests == served.filter(team=world["other_team"]).count() == 1
    assert (may_center.avg_skill, may_center.avg_attitude, may_center.avg_effect) == (Decimal("3"), Decimal("3"), Decimal("2"))
    assert may_center.volunteers == 1 and may_center.hours == Decimal("2.00")

    assert cells[(town, 6)].hours == Decimal("2.5") and cells[(town, 6)].volunteers == 1  # by the volunteer's site

    total = table.total
    year_entries = LedgerEntry.objects.filter(created_at__year=YEAR)
    assert total.hours == _hours(year_entries)
    assert total.volunteers == year_entries.filter(kind="hours").values("volunteer").distinct().count() == 3
    assert total.requests == served.count() == 3
    assert total.activities == held.count() == 2
    assert total.rated == served.filter(state="rated").count() == 2


def test_another_year_is_empty(world):
    table = stats.by_town_and_month(YEAR - 1)
    assert table.rows == [] and table.total.hours == 0


def test_the_workbook_holds_the_same_figures(world):
    table = stats.by_town_and_month(YEAR)
    sheet = load_workbook(io.BytesIO(stats.stats_workbook(YEAR))).active
    assert sheet.title == str(YEAR)
    values = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(values) == len(table.rows) + 1
    for row, line in zip([*table.rows, table.total], values, strict=True):
        expected = [float(v) if isinstance(v, Decimal) else v for v in stats.row_values(row)]
        assert list(line) == [None if v in ("", None) else v for v in expected]


def test_town_names_that_look_like_formulas_stay_text(operator, practice):
    practice["institute"].name = "=HYPERLINK(1)"
    practice["institute"].save()
    start = dt.datetime(YEAR, 2, 1, 9, tzinfo=SH)
    with freeze_time(start - dt.timedelta(days=1)):
        activity = _activity(operator, practice["institute"], None, "宣讲", start, 1)
        services.publish_activity(actor=operator, activity=activity)
    sheet = load_workbook(io.BytesIO(stats.stats_workbook(YEAR))).active
    assert sheet.cell(row=3, column=1).value == "'=HYPERLINK(1)"
