"""The command screen's figures (指挥调度大屏, /dashboard/screen/): one snapshot of what the center
is doing now, read straight from the working tables — today's leads, plans and stories, the
reporters out on assignments and where, what went out on which channel today, the live rooms
and their viewers, the 问政 flow and its hot issues, yesterday's readership, and this month's
revenue (one sum without client names; off with RONGMEI_SCREEN_SHOWS_REVENUE=0 in the environment).

"Today" is the local day (settings.TIME_ZONE). Every figure is a count over the rows the tests
count too (rongmei/dashboard/tests/test_screen.py); nothing is estimated. The snapshot is cached
for a few seconds (RONGMEI_DASHBOARD["SCREEN_CACHE_SECONDS"]) so that several screens and the
refresh of each cost one computation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rongmei.dashboard import townmap

LIVE_VIEWERS_FRESH_SECONDS = 30  # a room's viewer count older than this is no count
FIELD_MAX = 200  # assignments listed on the screen
HOT_MAX = 5


def conf(name: str):
    defaults = {"SCREEN_CACHE_SECONDS": 5, "SCREEN_REFRESH_SECONDS": 10}
    return getattr(settings, "RONGMEI_DASHBOARD", {}).get(name, defaults[name])


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _by(qs, field: str) -> dict[str, int]:
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("pk")).order_by()}


def _choices(choices, counts: dict[str, int]) -> list[dict]:
    """[{code, label, count}] in the model's order, zeros included (a chart keeps its bars)."""
    return [{"code": value, "label": str(label), "count": counts.get(value, 0)} for value, label in choices]


# --- the newsroom ---------------------------------------------------------------------------------


def newsroom(day: dt.date) -> dict:
    from rongmei.distribution.models import Publication
    from rongmei.newsroom.models import Lead, Plan, Story

    start, end = _day_bounds(day)
    leads = _by(Lead.objects.filter(created_at__gte=start, created_at__lt=end), "status")
    plans = _by(Plan.objects.filter(planned_date=day), "status")
    working = _by(Story.objects.filter(state__in=[Story.State.DRAFT, Story.State.IN_REVIEW, Story.State.APPROVED]), "state")
    published_today = (
        Publication.objects.filter(state=Publication.State.PUBLISHED, published_at__gte=start, published_at__lt=end)
        .values("story_id")
        .distinct()
        .count()
    )
    # The queue as it stands (draft, in review, signed off) and what went live today.
    stories = _choices([c for c in Story.State.choices if c[0] not in (Story.State.PUBLISHED, Story.State.RETRACTED)], working)
    stories.append({"code": "published_today", "label": str(_("Published today")), "count": published_today})
    return {
        "leads": _choices(Lead.Status.choices, leads),
        "leads_total": sum(leads.values()),
        "plans": _choices(Plan.Status.choices, plans),
        "plans_total": sum(plans.values()),
        "stories": stories,
        "published_today": published_today,
    }


# --- reporters in the field -------------------------------------------------------------------------


def _town(place) -> str:
    if place is None:
        return ""
    return place.parent.name if place.parent_id else place.name


def field(now: dt.datetime) -> dict:
    """Open assignments (offered or accepted, not done): who, what, until when, and the town — of
    the story when it has one, else of the plan's lead."""
    from rongmei.newsroom.models import Assignment

    rows = (
        Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES)
        .select_related("assignee", "coverage__plan__lead__place__parent", "story__place__parent")
        .order_by("deadline", "id")
    )
    total = rows.count()
    items, towns = [], defaultdict(lambda: {"assignments": 0, "people": set()})
    for a in rows[:FIELD_MAX]:
        story = getattr(a, "story", None)
        place = story.place if story is not None and story.place_id else None
        if place is None and a.coverage.plan.lead_id:
            place = a.coverage.plan.lead.place
        town = _town(place)
        name = a.assignee.display_name
        items.append(
            {
                "id": a.pk,
                "person": name,
                "kind": a.coverage.get_kind_display(),
                "title": a.coverage.plan.title,
                "status": a.status,
                "deadline": timezone.localtime(a.deadline).isoformat(timespec="minutes"),
                "overdue": a.deadline < now,
                "town": town,
            }
        )
        if town:
            towns[town]["assignments"] += 1
            towns[town]["people"].add(name)
    return {
        "total": total,
        "overdue": sum(1 for i in items if i["overdue"])
        if total <= FIELD_MAX
        else Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES, deadline__lt=now).count(),
        "people": len({i["person"] for i in items}),
        "assignments": items,
        "towns": [{"town": t, "assignments": v["assignments"], "people": sorted(v["people"])} for t, v in sorted(towns.items())],
        # Towns of core.Place the shipped map does not draw: listed beside the map instead.
        "off_map": sorted(t for t in towns if t not in townmap.town_names()),
    }


# --- channels --------------------------------------------------------------------------------------


def channels(day: dt.date) -> list[dict]:
    """Per active channel: published today, waiting or sending now, failed (to retry or by hand)."""
    from rongmei.distribution.models import Channel, Publication

    start, end = _day_bounds(day)
    S = Publication.State
    counts = {
        row["channel_id"]: row
        for row in Publication.objects.values("channel_id")
        .annotate(
            published=Count("pk", filter=Q(state=S.PUBLISHED, published_at__gte=start, published_at__lt=end)),
            waiting=Count("pk", filter=Q(state__in=[S.PENDING, S.RENDERING, S.SENDING])),
            failed=Count("pk", filter=Q(state__in=[S.FAILED, S.DEAD])),
        )
        .order_by()
    }
    out = []
    for channel in Channel.objects.filter(active=True).order_by("sort_order", "id"):
        row = counts.get(channel.pk, {})
        out.append(
            {
                "code": channel.code,
                "name": channel.name,
                "published": row.get("published", 0),
                "waiting": row.get("waiting", 0),
                "failed": row.get("failed", 0),
            }
        )
    return out


# --- live rooms ------------------------------------------------------------------------------------


def live(now: dt.datetime, day: dt.date) -> dict:
    from rongmei.live.models import LiveRoom

    start, end = _day_bounds(day)
    fresh = now - dt.timedelta(seconds=LIVE_VIEWERS_FRESH_SECONDS)
    rooms = []
    for room in LiveRoom.objects.filter(state=LiveRoom.State.LIVE).order_by("started_at", "id"):
        viewers = room.viewers_now if room.viewers_at and room.viewers_at >= fresh else 0
        rooms.append({"id": room.pk, "title": room.title, "viewers": viewers, "views": room.views_total, "peak": room.viewers_peak})
    return {
        "rooms": rooms,
        "viewers": sum(r["viewers"] for r in rooms),
        "scheduled_today": LiveRoom.objects.filter(state=LiveRoom.State.SCHEDULED, scheduled_at__gte=start, scheduled_at__lt=end).count(),
    }


# --- 问政 -------------------------------------------------------------------------------------------


def inquiries(now: dt.datetime, day: dt.date) -> dict:
    from rongmei.inquiries.models import WITH_UNIT, Inquiry, State

    start, end = _day_bounds(day)
    month_start, _ = _day_bounds(day.replace(day=1))

    def between(field: str, a: dt.datetime, b: dt.datetime) -> Q:
        return Q(**{f"{field}__gte": a, f"{field}__lt": b})

    figures = Inquiry.objects.aggregate(
        received_today=Count("pk", filter=between("submitted_at", start, end)),
        forwarded_today=Count("pk", filter=between("forwarded_at", start, end)),
        answered_today=Count("pk", filter=between("published_at", start, end)),
        received_month=Count("pk", filter=between("submitted_at", month_start, end)),
        forwarded_month=Count("pk", filter=between("forwarded_at", month_start, end)),
        answered_month=Count("pk", filter=between("published_at", month_start, end)),
        with_units=Count("pk", filter=Q(state__in=WITH_UNIT)),
        overdue=Count("pk", filter=Q(state__in=WITH_UNIT, deadline__lt=now)),
        awaiting_screening=Count("pk", filter=Q(state__in=[State.SUBMITTED, State.SCREENING])),
    )
    return {**figures, "hot": hot_issues()}


def hot_issues() -> list[dict]:
    """The public hot list's first few (its own cache keeps this cheap)."""
    from rongmei.inquiries.hot import site_hot_issues

    try:
        found = site_hot_issues()
    except Exception:  # noqa: BLE001 - the screen shows the rest when the hot list cannot be made
        import logging

        logging.getLogger(__name__).exception("dashboard: hot issues failed")
        return []
    return [{"label": h["label"], "size": h["size"], "title": h["title"]} for h in found[:HOT_MAX]]


# --- readership ------------------------------------------------------------------------------------


def readership() -> dict:
    """The last complete day's site figures (the rollup): DAU, page views, reads."""
    from rongmei.analytics.models import DailyRollup, Dimension
    from rongmei.analytics.services import last_complete_day

    day = last_complete_day()
    row = DailyRollup.objects.filter(day=day, dimension=Dimension.SITE, key=0, via=DailyRollup.ALL_VIA).first() if day else None
    return {
        "day": day.isoformat() if day else None,
        "devices": row.devices if row else 0,
        "views": row.views if row else 0,
        "reads": row.reads if row else 0,
    }


# --- operations ------------------------------------------------------------------------------------


def shows_revenue() -> bool:
    """The screen hangs in the newsroom, whose staff see no client's money: it shows only the
    month's total received, and a center that wants not even that sets this setting off."""
    return settings.RONGMEI_SCREEN_SHOWS_REVENUE


def business(day: dt.date) -> dict:
    """This month's revenue: the payments received since the 1st (rongmei.business.revenue)."""
    from rongmei.business.revenue import month_revenue_fen
    from rongmei.business.selectors import yuan

    fen = month_revenue_fen(day.replace(day=1))
    return {"month_revenue_fen": fen, "month_revenue_yuan": yuan(fen)}


# --- the snapshot ----------------------------------------------------------------------------------


def compute(now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    day = timezone.localdate(now)
    data = {
        "generated_at": timezone.localtime(now).isoformat(timespec="seconds"),
        "day": day.isoformat(),
        "newsroom": newsroom(day),
        "field": field(now),
        "channels": channels(day),
        "live": live(now, day),
        "inquiries": inquiries(now, day),
        "readership": readership(),
    }
    if shows_revenue():
        data["business"] = business(day)
    return data


def snapshot() -> dict:
    """compute(), cached for SCREEN_CACHE_SECONDS per language (labels are translated)."""
    seconds = conf("SCREEN_CACHE_SECONDS")
    if not seconds:
        return compute()
    key = f"dashboard:screen:{get_language()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, seconds)
    return found
