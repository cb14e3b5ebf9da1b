"""Impressions and clicks of ad creatives per day, as the readership counting has them.

Days whose readership rollup is complete (``RollupRun.complete``) are read from their rollup rows
(``Dimension.CREATIVE``); the other days (today, and a day not rolled up yet) are counted from the
raw events, so a campaign's figures of today show at once. Events still waiting in the beacon's
buffer (a few seconds' worth) are not counted yet.

An impression is one ad_view event (the creative at least half in view for a second, at most
once per page view). A click is a device that clicked the creative that day: the same reader
following the link again (or a link checker fetching it fifty times) is one click. A click
without the beacon's device id is told apart by a keyed hash of its address and user agent
(rongmei.analytics.services.count_ad_click).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from rongmei.analytics.models import DailyRollup, Dimension, Event, Kind, RollupRun


@dataclass(frozen=True)
class CreativeDay:
    day: dt.date
    creative_id: int
    impressions: int
    clicks: int  # devices that clicked the creative that day
    visitors: int  # devices that saw the creative that day (they do not add up over days)


def creative_counts(creative_ids: Iterable[int], start: dt.date, end: dt.date) -> list[CreativeDay]:
    """The figures of each creative on each day from ``start`` to ``end`` (both included) that has
    any, ordered by day and creative. Three queries whatever the period."""
    ids = sorted(set(creative_ids))
    if not ids or end < start:
        return []
    rolled = set(RollupRun.objects.filter(day__gte=start, day__lte=end, complete=True).values_list("day", flat=True))
    out = [
        CreativeDay(day=r.day, creative_id=r.key, impressions=r.views, clicks=r.clicks, visitors=r.visitors)
        for r in DailyRollup.objects.filter(
            dimension=Dimension.CREATIVE, via=DailyRollup.ALL_VIA, key__in=ids, day__gte=start, day__lte=end, day__in=rolled
        ).only("day", "key", "views", "clicks", "visitors")
    ]
    raw_days = [d for d in (start + dt.timedelta(days=n) for n in range((end - start).days + 1)) if d not in rolled]
    if raw_days:
        rows = (
            # The day index first; only a day not rolled up (today, mostly) is scanned.
            Event.objects.filter(day__in=raw_days, kind__in=[Kind.AD_VIEW, Kind.AD_CLICK], creative_id__in=ids)
            .values("day", "creative_id")
            .annotate(
                impressions=Count("id", filter=Q(kind=Kind.AD_VIEW)),
                clicks=Count("device", filter=Q(kind=Kind.AD_CLICK), distinct=True),
                visitors=Count("device", filter=Q(kind=Kind.AD_VIEW), distinct=True),
            )
            .order_by()
        )
        out += [CreativeDay(**r) for r in rows]
    out.sort(key=lambda c: (c.day, c.creative_id))
    return out
