"""The reach index (传播力指数) of the center's channels over a period, always with its breakdown.

A channel's figures for the period (n days):
- daily reads: reads (or plays) of the period ÷ n;
- top reads: the most read post's reads, the highest of the period;
- daily engagement: (likes + shares + comments) ÷ n;
- followers: the last count of the period.
External channels (WeChat official account, Weibo, Douyin, WeChat Channels …) take them from
``ChannelDay`` rows (uploaded or fetched). Our website and app take them from our readership
rollups: page views as reads, the most viewed article of a day as top reads, shares as
engagement; the app's followers are its registered users.

Each component enters as ln(1 + value), as the public indices (WCI and the like) do, so that one
viral day or a big following does not swamp the rest. A channel's index is 100 × the weighted
mean of its components' logs (component weights, default reads 45, top reads 15, engagement 25,
followers 15). The overall index is the mean of the channels' indices weighted by the channel
weights (default WeChat 30, Weibo 25, Douyin 25, Channels 20; others 0), over the channels with
figures in the period: a channel without figures is left out and said so, never counted as 0.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.dashboard.models import ChannelDay, ReachWeights

DEFAULT_CHANNEL_WEIGHTS = {"wechat_oa": 30, "weibo": 25, "douyin": 25, "wechat_channels": 20}
COMPONENTS = {
    "reads": gettext_lazy("Daily reads"),
    "top_reads": gettext_lazy("Top reads of a post"),
    "engagement": gettext_lazy("Daily likes, shares and comments"),
    "followers": gettext_lazy("Followers"),
}
DEFAULT_COMPONENT_WEIGHTS = {"reads": 45, "top_reads": 15, "engagement": 25, "followers": 15}
OWN_CHANNELS = ("website", "app")
MAX_PERIOD_DAYS = 366
WEIGHT_EDITORS = ("chief_editor", "admin")


def weights() -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    row = ReachWeights.objects.first()
    channels = {**DEFAULT_CHANNEL_WEIGHTS, **(row.channels if row else {})}
    components = {**DEFAULT_COMPONENT_WEIGHTS, **(row.components if row else {})}
    return {k: Decimal(str(v)) for k, v in channels.items()}, {k: Decimal(str(components.get(k, 0))) for k in COMPONENTS}


@dataclass
class Part:
    key: str
    label: str
    value: float  # the figure (a daily mean, a maximum, a count)
    log: float  # ln(1 + value)
    weight: Decimal
    contribution: float  # 100 × weight × log ÷ the weights' sum


@dataclass
class ChannelReach:
    code: str
    name: str
    weight: Decimal
    days: int  # days with figures
    parts: list[Part] = field(default_factory=list)
    index: float | None = None  # None: no figures in the period


@dataclass
class Reach:
    start: dt.date
    end: dt.date
    channels: list[ChannelReach]
    index: float | None
    counted: list[ChannelReach]  # the channels in the overall index (figures and a weight)


def _figures_external(channel, start: dt.date, end: dt.date) -> tuple[int, dict[str, float]]:
    rows = ChannelDay.objects.filter(channel=channel, day__gte=start, day__lte=end)
    agg = rows.aggregate(reads=Sum("reads"), top=Max("top_reads"), likes=Sum("likes"), shares=Sum("shares"), comments=Sum("comments"))
    days = rows.count()
    last = rows.exclude(followers=None).order_by("-day").values_list("followers", flat=True).first()
    n = (end - start).days + 1
    return days, {
        "reads": (agg["reads"] or 0) / n,
        "top_reads": float(agg["top"] or 0),
        "engagement": ((agg["likes"] or 0) + (agg["shares"] or 0) + (agg["comments"] or 0)) / n,
        "followers": float(last or 0),
    }


def _figures_own(code: str, start: dt.date, end: dt.date) -> tuple[int, dict[str, float]]:
    from rongmei.analytics.models import DailyRollup, Dimension, Via

    via = Via.WEB if code == "website" else Via.APP
    site = DailyRollup.objects.filter(dimension=Dimension.VIA, key=via, day__gte=start, day__lte=end)
    days = site.count()
    agg = site.aggregate(views=Sum("views"), shares=Sum("shares"))
    top = (
        DailyRollup.objects.filter(dimension=Dimension.ARTICLE, via=via, day__gte=start, day__lte=end).aggregate(top=Max("views"))["top"]
        or 0
    )
    followers = 0
    if code == "app":
        from rongmei.fans.models import Fan

        end_moment = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
        followers = Fan.objects.filter(created_at__lt=end_moment).count()
    n = (end - start).days + 1
    return days, {
        "reads": (agg["views"] or 0) / n,
        "top_reads": float(top),
        "engagement": (agg["shares"] or 0) / n,
        "followers": float(followers),
    }


def index(start: dt.date, end: dt.date) -> Reach:
    from rongmei.distribution.models import Channel

    if end < start:
        start, end = end, start
    channel_weights, component_weights = weights()
    total_component = sum(component_weights.values()) or Decimal(1)
    out = []
    for channel in Channel.objects.filter(active=True).order_by("sort_order", "id"):
        if channel.code in OWN_CHANNELS:
            days, figures = _figures_own(channel.code, start, end)
        else:
            days, figures = _figures_external(channel, start, end)
        row = ChannelReach(code=channel.code, name=channel.name, weight=channel_weights.get(channel.code, Decimal(0)), days=days)
        if days:
            score = 0.0
            for key, label in COMPONENTS.items():
                value = figures[key]
                log = math.log1p(value)
                contribution = 100 * float(component_weights[key]) * log / float(total_component)
                score += contribution
                row.parts.append(
                    Part(key=key, label=str(label), value=value, log=log, weight=component_weights[key], contribution=contribution)
                )
            row.index = score
        out.append(row)
    counted = [r for r in out if r.index is not None and r.weight > 0]
    total_weight = sum(float(r.weight) for r in counted)
    overall = sum(float(r.weight) * r.index for r in counted) / total_weight if total_weight else None
    return Reach(start=start, end=end, channels=out, index=overall, counted=counted)


# --- weights ---------------------------------------------------------------------------------------


def may_edit_weights(user) -> bool:
    return bool(user and user.is_authenticated and user.role in WEIGHT_EDITORS)


def _weight(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        raise DomainError(_("A weight is a number from 0 to 100."), field=field) from None
    if not Decimal(0) <= number <= Decimal(100):
        raise DomainError(_("A weight is a number from 0 to 100."), field=field)
    return number


@transaction.atomic
def save_weights(*, actor, channels: dict[str, object], components: dict[str, object]) -> ReachWeights:
    if not may_edit_weights(actor):
        raise NotAllowed(_("Only the chief editor and administrators may change the reach index's weights."))
    clean_channels = {code: str(_weight(v, field=f"channel_{code}")) for code, v in channels.items()}
    clean_components = {key: str(_weight(components.get(key), field=f"component_{key}")) for key in COMPONENTS}
    if not any(Decimal(v) > 0 for v in clean_components.values()):
        raise DomainError(_("Give at least one component a weight above 0."), field="component_reads")
    row = ReachWeights.objects.select_for_update().first() or ReachWeights()
    before = {"channels": row.channels, "components": row.components}
    row.channels, row.components = clean_channels, clean_components
    row.updated_by, row.updated_at = actor, timezone.now()
    row.save()
    audit.record(
        "dashboard.reach_weights",
        actor=actor,
        subject=row,
        summary=_("Reach index weights changed"),
        data={"before": before, "after": {"channels": clean_channels, "components": clean_components}},
    )
    return row
