"""How partners are scored for a quarter, with the breakdown always at hand.

Four components, each scored 0–100:

- ``quota``: quota completion, the mean over the quota's metrics with a target above zero of
  min(actual / target, 1). A partner with no quota scores 0 here.
- ``reads``: the partner's reads in the quarter (posts published in it) relative to the partner
  with the most: reads / most × 100.
- ``adopted``: contributions the newsroom adopted in the quarter, min(adopted / adopted_full, 1).
- ``tasks``: tasks due in the quarter that were done, done / assigned. With no task assigned
  the component does not apply and its weight goes to the others in proportion.

The total is the weighted mean of the components that apply; each component's ``points`` is its
share of the total in tenths (they add up to it exactly). Ranking is by total, then reads, then name; equal
totals share a rank. Award tiers go down the ranking: a tier covers the next ``count`` places
whose total reaches its ``min_score``; a partner tied with the one above gets the same tier.

While a quarter is open its scores are computed on each request; closing it freezes them
(``services.close_quarter`` stores them as ``Score`` rows with the rule used).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.partners.models import Contribution, Partner, Post, Quarter, Quota, ScoringRule, TaskAssignment

COMPONENTS = ("quota", "reads", "adopted", "tasks")
LABELS = {
    "quota": _("Quota completion"),
    "reads": _("Reads"),
    "adopted": _("Adopted contributions"),
    "tasks": _("Tasks done"),
}
METRIC_LABELS = {
    "posts": _("Posts"),
    "originals": _("Original pieces"),
    "reposts": _("Reposts"),
    "tasks": _("Tasks completed"),
}
DEFAULT_TIERS = [
    {"name": "一等奖", "count": 1, "min_score": 80},
    {"name": "二等奖", "count": 2, "min_score": 70},
    {"name": "三等奖", "count": 3, "min_score": 60},
]


def current_rule() -> ScoringRule:
    rule = ScoringRule.objects.order_by("pk").first()
    if rule is None:
        rule = ScoringRule.objects.create(tiers=DEFAULT_TIERS)
    return rule


def rule_dict(rule: ScoringRule) -> dict:
    return {
        "weights": {
            "quota": rule.weight_quota,
            "reads": rule.weight_reads,
            "adopted": rule.weight_adopted,
            "tasks": rule.weight_tasks,
        },
        "adopted_full": rule.adopted_full,
        "tiers": list(rule.tiers or []),
    }


@dataclass
class Figures:
    """What a partner did in a quarter, counted from the database."""

    posts: int = 0
    originals: int = 0
    reposts: int = 0
    reads: int = 0
    adopted: int = 0
    tasks_assigned: int = 0
    tasks_done: int = 0
    targets: dict = field(default_factory=dict)  # metric -> target, only when a quota is set

    def actual(self, metric: str) -> int:
        return self.tasks_done if metric == "tasks" else getattr(self, metric)


@dataclass
class Component:
    key: str
    score: float | None  # 0–100, None when it does not apply
    weight: int
    points: float = 0.0
    detail: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def applies(self) -> bool:
        return self.score is not None


@dataclass
class Line:
    partner_id: int
    partner_name: str
    figures: Figures
    components: list[Component]
    total: Decimal = Decimal("0")
    rank: int = 0
    tier: str = ""

    def breakdown(self) -> dict:
        """What is stored with a frozen Score (JSON)."""
        return {"figures": asdict(self.figures), "components": [asdict(c) for c in self.components]}


def day_bounds(quarter: Quarter) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(quarter.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def partners_scored(quarter: Quarter):
    """Partners cooperating now that had joined by the quarter's end, and any other that had a
    quota in the quarter."""
    return (
        Partner.objects.filter(Q(status=Partner.Status.ACTIVE, joined_on__lte=quarter.end) | Q(quotas__quarter=quarter))
        .distinct()
        .order_by("name")
    )


def figures(quarter: Quarter, partner_ids: list[int]) -> dict[int, Figures]:
    """Each partner's figures for the quarter, in five queries whatever the number of partners."""
    result = {pk: Figures() for pk in partner_ids}
    start, end = day_bounds(quarter)
    posts = (
        Post.objects.filter(partner_id__in=partner_ids, published_on__range=(quarter.start, quarter.end))
        .values("partner_id")
        .annotate(
            n=Count("id"),
            originals=Count("id", filter=Q(kind=Post.Kind.ORIGINAL)),
            reposts=Count("id", filter=Q(kind=Post.Kind.REPOST)),
            reads=Sum("reads"),
        )
    )
    for row in posts:
        f = result[row["partner_id"]]
        f.posts, f.originals, f.reposts, f.reads = row["n"], row["originals"], row["reposts"], row["reads"] or 0
    adopted = (
        Contribution.objects.filter(
            partner_id__in=partner_ids, status=Contribution.Status.ADOPTED, decided_at__gte=start, decided_at__lt=end
        )
        .values("partner_id")
        .annotate(n=Count("id"))
    )
    for row in adopted:
        result[row["partner_id"]].adopted = row["n"]
    tasks = (
        TaskAssignment.objects.filter(partner_id__in=partner_ids, task__due_at__gte=start, task__due_at__lt=end)
        .values("partner_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status=TaskAssignment.Status.DONE)))
    )
    for row in tasks:
        f = result[row["partner_id"]]
        f.tasks_assigned, f.tasks_done = row["n"], row["done"]
    for quota in Quota.objects.filter(quarter=quarter, partner_id__in=partner_ids):
        result[quota.partner_id].targets = {m: getattr(quota, m) for m in Quota.METRICS}
    return result


def _pct(value: float) -> float:
    return round(max(0.0, min(value, 1.0)) * 100, 1)


def components_for(f: Figures, *, rule: dict, most_reads: int) -> list[Component]:
    weights = rule["weights"]
    metrics = {}
    for metric, target in f.targets.items():
        if target > 0:
            metrics[metric] = {"actual": f.actual(metric), "target": target, "rate": _pct(f.actual(metric) / target)}
    quota_score = round(sum(m["rate"] for m in metrics.values()) / len(metrics), 1) if metrics else 0.0
    adopted_full = max(1, int(rule["adopted_full"]))
    parts = [
        Component("quota", quota_score, weights["quota"], detail={"metrics": metrics, "has_quota": bool(f.targets)}),
        Component(
            "reads", _pct(f.reads / most_reads) if most_reads else 0.0, weights["reads"], detail={"reads": f.reads, "most": most_reads}
        ),
        Component("adopted", _pct(f.adopted / adopted_full), weights["adopted"], detail={"adopted": f.adopted, "full": adopted_full}),
        Component(
            "tasks",
            _pct(f.tasks_done / f.tasks_assigned) if f.tasks_assigned else None,
            weights["tasks"],
            detail={"done": f.tasks_done, "assigned": f.tasks_assigned},
        ),
    ]
    _share_points(parts, _total(parts))
    return parts


def _share_points(parts: list[Component], total: Decimal) -> None:
    """Each component's share of the total, in tenths that add up to the total exactly: rounded
    down, then the tenths left over go to the largest remainders (Hamilton's method)."""
    weight_sum = sum(c.weight for c in parts if c.applies)
    applying = [c for c in parts if c.applies and weight_sum]
    for c in parts:
        c.points = 0.0
    if not applying:
        return
    exact = {id(c): Decimal(c.weight) * Decimal(str(c.score)) * 10 / Decimal(weight_sum) for c in applying}
    tenths = {id(c): int(exact[id(c)]) for c in applying}
    left = int(total * 10) - sum(tenths.values())
    for c in sorted(applying, key=lambda c: exact[id(c)] - tenths[id(c)], reverse=True)[: max(0, left)]:
        tenths[id(c)] += 1
    for c in applying:
        c.points = tenths[id(c)] / 10


def _total(parts: list[Component]) -> Decimal:
    weight_sum = sum(c.weight for c in parts if c.applies)
    if not weight_sum:
        return Decimal("0.0")
    raw = sum(Decimal(str(c.weight)) * Decimal(str(c.score)) for c in parts if c.applies) / Decimal(weight_sum)
    return raw.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def rank_lines(lines: list[Line], tiers: list[dict]) -> list[Line]:
    lines.sort(key=lambda line: (-line.total, -line.figures.reads, line.partner_name))
    slots = [(str(t.get("name", "")), int(t.get("count", 0)), Decimal(str(t.get("min_score", 0)))) for t in tiers]
    tier_index, used = 0, 0
    previous: Line | None = None
    for position, line in enumerate(lines, start=1):
        if previous is not None and line.total == previous.total:
            line.rank, line.tier = previous.rank, previous.tier
            previous = line
            continue
        line.rank = position
        # Past the tiers that are full or that this total does not reach: a total short of the
        # first tier can still earn a lower one.
        while tier_index < len(slots) and (used >= slots[tier_index][1] or line.total < slots[tier_index][2]):
            tier_index, used = tier_index + 1, 0
        if tier_index < len(slots) and line.total > 0:
            line.tier = slots[tier_index][0]
            used += 1
        previous = line
    return lines


def score_lines(quarter: Quarter, *, rule: dict | None = None) -> list[Line]:
    """The quarter's ranking, computed now from the database (an open quarter), best first."""
    rule = rule or rule_dict(current_rule())
    partners = list(partners_scored(quarter).values_list("id", "name"))
    figs = figures(quarter, [pk for pk, _name in partners])
    most_reads = max((f.reads for f in figs.values()), default=0)
    lines = []
    for pk, name in partners:
        parts = components_for(figs[pk], rule=rule, most_reads=most_reads)
        lines.append(Line(pk, name, figs[pk], parts, _total(parts)))
    return rank_lines(lines, rule["tiers"])


def frozen_lines(quarter: Quarter) -> list[Line]:
    """A closed quarter's ranking as it was frozen."""
    lines = []
    for score in quarter.scores.select_related("partner").order_by("rank", "partner__name"):
        data = score.breakdown or {}
        figs = Figures(**data.get("figures", {}))
        parts = [Component(**c) for c in data.get("components", [])]
        lines.append(Line(score.partner_id, score.partner.name, figs, parts, score.total, score.rank, score.tier))
    return lines


def ranking(quarter: Quarter) -> list[Line]:
    return frozen_lines(quarter) if quarter.is_closed else score_lines(quarter)


def line_for(quarter: Quarter, partner: Partner) -> Line | None:
    for line in ranking(quarter):
        if line.partner_id == partner.pk:
            return line
    return None
