"""Readership and followers over time (/dashboard/trends/): day-by-day series for the charts, read
from the daily rollups, the channels' daily figures and the app's registrations. Every series has
a value for every day of the period (0, or None for a follower count not reported that day), so
the charts and the tests line up day by day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

TOP = 5


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _series(name: str, days: list[dt.date], values: dict[dt.date, int | None], default=0) -> dict:
    return {"name": name, "data": [values.get(d, default) for d in days]}


def site(start: dt.date, end: dt.date) -> list[dict]:
    from rongmei.analytics.models import DailyRollup, Dimension

    days = _days(start, end)
    rows = {r.day: r for r in DailyRollup.objects.filter(dimension=Dimension.SITE, key=0, day__gte=start, day__lte=end)}
    return [
        _series(str(label), days, {d: getattr(r, field) for d, r in rows.items()})
        for field, label in (
            ("views", _("Page views")),
            ("visitors", _("Visitors")),
            ("devices", _("Daily active devices")),
            ("reads", _("Reads")),
        )
    ]


def places(start: dt.date, end: dt.date) -> list[dict]:
    from rongmei.analytics.models import DailyRollup, Dimension, Via

    days = _days(start, end)
    values: dict[int, dict] = defaultdict(dict)
    for row in DailyRollup.objects.filter(dimension=Dimension.VIA, day__gte=start, day__lte=end).values("key", "day", "views"):
        values[row["key"]][row["day"]] = row["views"]
    return [_series(str(label), days, values.get(via, {})) for via, label in Via.choices]


def _top_keys(dimension: int, start: dt.date, end: dt.date) -> list[int]:
    from rongmei.analytics.models import DailyRollup

    return [
        row["key"]
        for row in DailyRollup.objects.filter(dimension=dimension, via=DailyRollup.ALL_VIA, day__gte=start, day__lte=end)
        .values("key")
        .annotate(total=Sum("views"))
        .order_by("-total", "key")[:TOP]
    ]


def _by_key(dimension: int, keys: list[int], labels: dict[int, str], start: dt.date, end: dt.date) -> list[dict]:
    from rongmei.analytics.models import DailyRollup

    days = _days(start, end)
    values: dict[int, dict] = defaultdict(dict)
    rows = DailyRollup.objects.filter(dimension=dimension, via=DailyRollup.ALL_VIA, key__in=keys, day__gte=start, day__lte=end)
    for row in rows.values("key", "day", "views"):
        values[row["key"]][row["day"]] = row["views"]
    return [_series(labels.get(k, str(k)), days, values.get(k, {})) for k in keys]


def columns(start: dt.date, end: dt.date) -> list[dict]:
    from rongmei.analytics.models import Dimension
    from rongmei.portal.models import Column

    keys = _top_keys(Dimension.COLUMN, start, end)
    labels = dict(Column.objects.filter(pk__in=keys).values_list("pk", "name"))
    return _by_key(Dimension.COLUMN, keys, labels, start, end)


def authors(start: dt.date, end: dt.date) -> list[dict]:
    from rongmei.accounts.models import User
    from rongmei.analytics.models import Dimension

    keys = _top_keys(Dimension.AUTHOR, start, end)
    labels = {u.pk: u.display_name for u in User.objects.filter(pk__in=keys)}
    return _by_key(Dimension.AUTHOR, keys, labels, start, end)


def articles(start: dt.date, end: dt.date) -> list[dict]:
    from rongmei.analytics.models import Dimension
    from rongmei.newsroom.models import Story

    keys = _top_keys(Dimension.ARTICLE, start, end)
    labels = dict(Story.objects.filter(pk__in=keys).values_list("pk", "headline"))
    return _by_key(Dimension.ARTICLE, keys, labels, start, end)


def article(article_id: int, start: dt.date, end: dt.date) -> dict | None:
    """One article's page views, visitors, reads and shares day by day (every place), or None
    when there is no such story."""
    from rongmei.analytics.models import DailyRollup, Dimension
    from rongmei.newsroom.models import Story

    headline = Story.objects.filter(pk=article_id).values_list("headline", flat=True).first()
    if headline is None:
        return None
    days = _days(start, end)
    rows = {
        r.day: r
        for r in DailyRollup.objects.filter(
            dimension=Dimension.ARTICLE, key=article_id, via=DailyRollup.ALL_VIA, day__gte=start, day__lte=end
        )
    }
    series = [
        _series(str(label), days, {d: getattr(r, field) for d, r in rows.items()})
        for field, label in (("views", _("Page views")), ("visitors", _("Visitors")), ("reads", _("Reads")), ("shares", _("Shares")))
    ]
    return {"id": article_id, "headline": headline, "series": series}


def channels(start: dt.date, end: dt.date) -> tuple[list[dict], list[dict]]:
    """(followers per channel, reads per channel) of the external channels' daily figures, and the
    app's registered users (cumulative) among the followers."""
    from rongmei.dashboard.models import ChannelDay
    from rongmei.fans.models import Fan

    days = _days(start, end)
    followers: dict[str, dict] = defaultdict(dict)
    reads: dict[str, dict] = defaultdict(dict)
    for row in ChannelDay.objects.filter(day__gte=start, day__lte=end).select_related("channel").order_by("channel__sort_order", "day"):
        followers[row.channel.name][row.day] = row.followers
        reads[row.channel.name][row.day] = row.reads
    follower_series = [_series(name, days, values, default=None) for name, values in followers.items()]
    before = Fan.objects.filter(created_at__lt=timezone.make_aware(dt.datetime.combine(start, dt.time.min))).count()
    per_day = {
        row["day"]: row["n"]
        for row in Fan.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    }
    running, cumulative = before, {}
    for d in days:
        running += per_day.get(d, 0)
        cumulative[d] = running
    follower_series.append(_series(_("App registered users"), days, cumulative))
    return follower_series, [_series(name, days, values) for name, values in reads.items()]


def trends(start: dt.date, end: dt.date) -> dict:
    """Every series of the page. What comes from the rollups is cached until the next rollup (at
    most an hour; per period and language), as a year of it takes tens of milliseconds and
    several leaders open it at once; the channels' figures and the app's registrations, which
    change during the day, are read each time."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from rongmei.analytics.selectors import REPORT_CACHE_SECONDS, rollup_version

    key = f"dashboard:trends:{start}:{end}:{get_language()}:{rollup_version()}"
    rolled = cache.get(key)
    if rolled is None:
        rolled = {
            "site": site(start, end),
            "places": places(start, end),
            "articles": articles(start, end),
            "columns": columns(start, end),
            "authors": authors(start, end),
        }
        cache.set(key, rolled, REPORT_CACHE_SECONDS)
    followers, channel_reads = channels(start, end)
    return {
        "days": [d.isoformat() for d in _days(start, end)],
        **rolled,
        "followers": followers,
        "channel_reads": channel_reads,
    }
