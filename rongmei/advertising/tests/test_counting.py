"""Ad impressions and clicks in the readership rollup (a row per creative and day) and
creative_counts, which reads rolled-up days from the rollup and the other days (today) from the
raw events."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rongmei.advertising.counting import CreativeDay, creative_counts
from rongmei.advertising.tests.serving_support import campaign, fresh_readership  # noqa: F401
from rongmei.analytics import buffer
from rongmei.analytics import services as readership
from rongmei.analytics.api import BeaconEventIn
from rongmei.analytics.models import DailyRollup, Dimension, Event, Kind, Via

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_readership")]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def impression(creative: int, device: str) -> BeaconEventIn:
    return BeaconEventIn(type="ad_view", path="/", device=device, creative=creative)


def click(day: dt.date, creative: int, device: int) -> Event:
    return Event.objects.create(day=day, at=at(day), kind=Kind.AD_CLICK, via=Via.WEB, device=device, creative_id=creative)


@pytest.fixture
def creatives(ad_client, sales):  # noqa: F811
    c = campaign(ad_client, sales, starts=dt.timedelta(days=-5), creatives=2)
    return list(c.creatives.values_list("pk", flat=True))


@pytest.fixture
def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def _yesterdays_ads(day, first, second):
    """Yesterday: A saw the first creative twice and clicked it, B saw it once; C saw the second
    one and read a page."""
    readership.ingest(
        [impression(first, "device-A-0001"), impression(first, "device-A-0001"), impression(first, "device-B-0001")], now=at(day)
    )
    readership.ingest([impression(second, "device-C-0001"), BeaconEventIn(type="view", path="/", device="device-C-0001")], now=at(day))
    buffer.flush_all()
    device_a = Event.objects.filter(kind=Kind.AD_VIEW, creative_id=first).first().device
    click(day, first, device_a)


def test_the_rollup_writes_a_row_per_creative_with_impressions_visitors_and_clicks(creatives, yesterday):
    first, second = creatives
    _yesterdays_ads(yesterday, first, second)

    readership.rollup_day(yesterday)

    row = DailyRollup.objects.get(dimension=Dimension.CREATIVE, key=first, day=yesterday, via=DailyRollup.ALL_VIA)
    assert (row.views, row.visitors, row.devices, row.clicks) == (3, 2, 2, 1)
    row = DailyRollup.objects.get(dimension=Dimension.CREATIVE, key=second, day=yesterday)
    assert (row.views, row.visitors, row.devices, row.clicks) == (1, 1, 1, 0)
    # Ad events are no visit to the site: its devices (DAU), visitors and views, and its places',
    # are those of C's page view alone, not of A and B who only saw (or clicked) an ad.
    site = DailyRollup.objects.get(dimension=Dimension.SITE, key=0, day=yesterday)
    assert (site.views, site.visitors, site.devices, site.clicks) == (1, 1, 1, 0)
    web = DailyRollup.objects.get(dimension=Dimension.VIA, key=Via.WEB, day=yesterday)
    assert (web.views, web.visitors, web.devices) == (1, 1, 1)
    assert not DailyRollup.objects.filter(day=yesterday, dimension__in=[Dimension.ARTICLE, Dimension.COLUMN]).exists()


def test_a_day_of_ads_only_adds_no_device_to_the_site(creatives, yesterday):
    first, _ = creatives
    readership.ingest([impression(first, "device-A-0001"), impression(first, "device-B-0001")], now=at(yesterday))
    buffer.flush_all()
    click(yesterday, first, 77)

    readership.rollup_day(yesterday)

    site = DailyRollup.objects.get(dimension=Dimension.SITE, key=0, day=yesterday)
    assert (site.views, site.visitors, site.devices) == (0, 0, 0)
    assert not DailyRollup.objects.filter(day=yesterday, dimension=Dimension.VIA).exists()
    row = DailyRollup.objects.get(dimension=Dimension.CREATIVE, key=first, day=yesterday)
    assert (row.views, row.visitors, row.devices, row.clicks) == (2, 2, 3, 1)


def test_a_click_is_a_device_that_clicked_that_day_in_the_rollup_and_in_todays_counts(creatives, yesterday):
    first, second = creatives
    today = timezone.localdate()
    for day in (yesterday, today):
        for _ in range(50):
            click(day, first, 42)  # the same reader (or a link checker) fifty times
        click(day, first, 43)
        click(day, second, 42)  # the same device on another creative is a click of that one

    readership.rollup_day(yesterday)

    row = DailyRollup.objects.get(dimension=Dimension.CREATIVE, key=first, day=yesterday)
    assert (row.clicks, row.devices) == (2, 2)
    got = {(c.day, c.creative_id): c.clicks for c in creative_counts([first, second], yesterday, today)}
    assert got == {(yesterday, first): 2, (yesterday, second): 1, (today, first): 2, (today, second): 1}


def test_creative_counts_reads_rolled_up_days_and_counts_today_from_raw_events(creatives, yesterday):
    first, second = creatives
    _yesterdays_ads(yesterday, first, second)
    readership.rollup_day(yesterday)
    Event.objects.filter(day=yesterday).delete()  # rolled up: the rollup is what counts now
    today = timezone.localdate()
    readership.ingest([impression(first, "device-A-0001"), impression(first, "device-D-0001")])
    buffer.flush_all()
    click(today, first, 42)
    click(today, first, 42)

    got = creative_counts([first, second], yesterday - dt.timedelta(days=3), today)

    assert got == [
        CreativeDay(day=yesterday, creative_id=first, impressions=3, clicks=1, visitors=2),
        CreativeDay(day=yesterday, creative_id=second, impressions=1, clicks=0, visitors=1),
        CreativeDay(day=today, creative_id=first, impressions=2, clicks=1, visitors=2),  # one device clicked twice
    ]
    assert creative_counts([second], today, today) == []
    assert creative_counts([], yesterday, today) == []


def test_a_day_rolled_up_while_it_was_not_over_is_still_counted_from_its_events(creatives):
    first, _ = creatives
    readership.ingest([impression(first, "device-A-0001")])
    buffer.flush_all()
    readership.rollup_day(timezone.localdate())  # a partial rollup of today (the staff page's)
    readership.ingest([impression(first, "device-B-0001")])
    buffer.flush_all()

    (today,) = creative_counts([first], timezone.localdate(), timezone.localdate())

    assert (today.impressions, today.visitors) == (2, 2)


def test_creative_counts_takes_few_queries_for_a_long_period(creatives, yesterday, django_assert_max_num_queries):
    first, second = creatives
    _yesterdays_ads(yesterday, first, second)
    readership.rollup_day(yesterday)
    with django_assert_max_num_queries(3):
        creative_counts([first, second], yesterday - dt.timedelta(days=90), timezone.localdate())
