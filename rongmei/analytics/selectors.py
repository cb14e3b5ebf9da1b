"""Reads of readership: an article's public counters, and the staff page's tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import get_language

from rongmei.accounts.models import Role
from rongmei.analytics import buffer, lookups
from rongmei.analytics.conf import setting
from rongmei.analytics.models import DailyRollup, Dimension, Kind, Via
from rongmei.analytics.services import last_complete_day

LIVE_LOOKBACK_DAYS = 7
COUNTER_NAMES = {"views": Kind.VIEW, "reads": Kind.READ, "plays": Kind.PLAY, "shares": Kind.SHARE}
# Who sees the whole site's figures; reporters and photographers see their own articles'.
SITE_WIDE_ROLES = (Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR, Role.OPERATOR, Role.ADMIN)


def counters_key(article_id: int) -> str:
    return f"readership:counters:{article_id}"


def article_counters(article_id: int, *, today: dt.date | None = None) -> dict | None:
    """Views, reads, plays and shares of an article live on the site, all time: the complete
    rollups plus the live counters of the days after them. None if the article is not live.
    Cached COUNTERS_CACHE_SECONDS; no event row is counted here."""
    key = counters_key(article_id)
    cached = cache.get(key)
    if cached is not None:
        return cached
    if not lookups.is_live_article(article_id):
        return None
    today = today or timezone.localdate()
    last = last_complete_day()
    totals = {name: 0 for name in COUNTER_NAMES}
    if last is not None:
        sums = DailyRollup.objects.filter(dimension=Dimension.ARTICLE, key=article_id, via=DailyRollup.ALL_VIA, day__lte=last).aggregate(
            **{name: Sum(name) for name in COUNTER_NAMES}
        )
        totals = {name: sums[name] or 0 for name in COUNTER_NAMES}
    since = today - dt.timedelta(days=LIVE_LOOKBACK_DAYS)
    if last is not None and last >= since:
        since = last + dt.timedelta(days=1)
    days = [since + dt.timedelta(days=n) for n in range((today - since).days + 1)]
    live = buffer.live_counts(article_id, days) if days else {}
    result = {"article": article_id, **{name: totals[name] + live.get(kind, 0) for name, kind in COUNTER_NAMES.items()}}
    cache.set(key, result, setting("COUNTERS_CACHE_SECONDS"))
    return result


# --- the staff page ---------------------------------------------------------------------------


def sees_whole_site(user) -> bool:
    return bool(user and user.is_authenticated and user.role in SITE_WIDE_ROLES)


@dataclass
class Line:
    key: int
    label: str
    views: int
    visitors: int
    reads: int
    plays: int
    shares: int
    url: str = ""


def site_days(start: dt.date, end: dt.date) -> list[DailyRollup]:
    """The site's row of each rolled-up day, newest first."""
    return list(DailyRollup.objects.filter(dimension=Dimension.SITE, day__gte=start, day__lte=end).order_by("-day"))


def site_totals(days: list[DailyRollup]) -> dict:
    return {name: sum(getattr(d, name) for d in days) for name in ("views", "reads", "plays", "shares")}


def _top(dimension: int, start: dt.date, end: dt.date, *, keys=None, limit: int | None = 20) -> list[dict]:
    qs = DailyRollup.objects.filter(dimension=dimension, via=DailyRollup.ALL_VIA, day__gte=start, day__lte=end)
    if keys is not None:
        qs = qs.filter(key__in=keys)
    qs = (
        qs.values("key")
        .annotate(views=Sum("views"), visitors=Sum("visitors"), reads=Sum("reads"), plays=Sum("plays"), shares=Sum("shares"))
        .order_by("-views", "-reads", "key")
    )
    return list(qs[:limit] if limit else qs)


def _lines(rows: list[dict], labels: dict[int, str], urls: dict[int, str] | None = None) -> list[Line]:
    return [
        Line(
            key=r["key"],
            label=labels.get(r["key"], f"#{r['key']}"),
            views=r["views"],
            visitors=r["visitors"],
            reads=r["reads"],
            plays=r["plays"],
            shares=r["shares"],
            url=(urls or {}).get(r["key"], ""),
        )
        for r in rows
    ]


def top_articles(start: dt.date, end: dt.date, *, author=None, limit: int = 20) -> list[Line]:
    """Articles by views over the period; only ``author``'s when given."""
    from django.urls import reverse

    from rongmei.newsroom.models import Story

    keys = list(Story.objects.filter(authors=author).values_list("pk", flat=True)) if author is not None else None
    rows = _top(Dimension.ARTICLE, start, end, keys=keys, limit=limit)
    stories = {s.pk: s for s in Story.objects.filter(pk__in=[r["key"] for r in rows]).select_related("team")}
    labels = {pk: f"{s.headline}（{s.team.name}）" for pk, s in stories.items()}
    urls = {pk: reverse("portal:story", args=[pk]) for pk, s in stories.items() if s.state != Story.State.RETRACTED}
    return _lines(rows, labels, urls)


def top_columns(start: dt.date, end: dt.date) -> list[Line]:
    from rongmei.portal.models import Column

    rows = _top(Dimension.COLUMN, start, end, limit=None)
    labels = dict(Column.objects.filter(pk__in=[r["key"] for r in rows]).values_list("pk", "name"))
    return _lines(rows, labels)


def by_via(start: dt.date, end: dt.date) -> list[Line]:
    rows = _top(Dimension.VIA, start, end, limit=None)
    return _lines(rows, {v.value: str(v.label) for v in Via})


def top_authors(start: dt.date, end: dt.date, *, limit: int = 20) -> list[Line]:
    from rongmei.accounts.models import User

    rows = _top(Dimension.AUTHOR, start, end, limit=limit)
    labels = {u.pk: u.display_name for u in User.objects.filter(pk__in=[r["key"] for r in rows])}
    return _lines(rows, labels)


REPORT_CACHE_SECONDS = 3600


def report_key(user, start: dt.date, end: dt.date) -> str:
    """The cache key of what ``user`` is shown for the period: it names the scope, the period, the
    language (labels such as the places' are translated) and the finishing time of the latest
    rollup run, which every rollup moves."""
    scope = "site" if sees_whole_site(user) else f"author:{user.pk}"
    return f"analytics:report:{scope}:{start}:{end}:{get_language()}:{rollup_version()}"


def rollup_version() -> float:
    """The finishing time of the latest rollup run (0 before any): what is computed from the
    rollups may be cached under it, as only a rollup changes them."""
    from rongmei.analytics.models import RollupRun

    last = RollupRun.objects.aggregate(last=Max("finished_at"))["last"]  # a run under way has none yet
    return last.timestamp() if last else 0


def readership_report(user, start: dt.date, end: dt.date, *, key: str | None = None) -> dict:
    """What the staff page shows ``user`` for the period: the whole site for editors and up,
    operators and admins; only their own articles for reporters and photographers.

    Cached per period and scope until the next rollup (``report_key``), for at most an hour: a
    year's page costs a tenth of a second, several leaders opening it at once would queue
    (bench/analytics.py). The page caches its rendered tables under the same key."""
    key = key or report_key(user, start, end)
    found = cache.get(key)
    if found is None:
        found = _readership_report(user, start, end)
        cache.set(key, found, REPORT_CACHE_SECONDS)
    return found


def _readership_report(user, start: dt.date, end: dt.date) -> dict:
    if not sees_whole_site(user):
        return {"whole_site": False, "articles": top_articles(start, end, author=user, limit=100)}
    days = site_days(start, end)
    return {
        "whole_site": True,
        "days": days,
        "totals": site_totals(days),
        "articles": top_articles(start, end),
        "columns": top_columns(start, end),
        "vias": by_via(start, end),
        "authors": top_authors(start, end),
    }
