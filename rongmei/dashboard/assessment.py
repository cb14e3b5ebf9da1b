"""Staff assessment (绩效考核): what each person of the newsroom did in a month, counted from the
working tables, and the points the rules in force give for it.

Measures (models.Measure), for one person and one month (local time):
- stories filed: stories they created;
- stories published: stories they are an author of whose first publication on any channel falls
  in the month (a story counts once, in the month it first went out);
- publications: publications of their stories published in the month, per channel (a rule may
  give a channel its own points);
- reads: reads of their stories in the month (the readership rollups by author);
- review approvals: approvals they gave;
- assignments completed: their assignments completed in the month;
- live rooms run: rooms they created that went live in the month;
- 问政 steps handled: the desk's steps they took (screen, forward, reject, merge, hand to 融媒帮,
  approve or send back a reply, publish, close), from the audit trail.

A person's points: for each rule in force that applies to their role, points × count ÷ per,
rounded to two decimals at the end. Every figure of the table is shown with its count, so a
person sees how their total came about."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role, User
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.dashboard.models import AssessmentMonth, AssessmentRule, Measure

ASSESSED_ROLES = (Role.REPORTER, Role.PHOTOGRAPHER, Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR, Role.OPERATOR)
VIEWER_ROLES = (Role.COLUMN_LEAD, Role.CHIEF_EDITOR, Role.ADMIN)
RULE_EDITORS = (Role.CHIEF_EDITOR, Role.ADMIN)
DESK_ACTIONS = (
    "inquiry.screen",
    "inquiry.forward",
    "inquiry.reject",
    "inquiry.merge",
    "inquiry.to_helpdesk",
    "inquiry.approve_reply",
    "inquiry.send_back_reply",
    "inquiry.publish",
    "inquiry.close",
)
CENT = Decimal("0.01")


def may_view(user) -> bool:
    return bool(user and user.is_authenticated and user.role in VIEWER_ROLES)


def may_edit_rules(user) -> bool:
    return bool(user and user.is_authenticated and user.role in RULE_EDITORS)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(following, dt.time.min)),
    )


# --- counting --------------------------------------------------------------------------------------


def _per_user(qs, user_field: str) -> dict[int, int]:
    return {row[user_field]: row["n"] for row in qs.values(user_field).annotate(n=Count("pk", distinct=True)).order_by() if row[user_field]}


def counts(month: dt.date) -> dict[int, dict[str, object]]:
    """{user id: {measure: count, "publications": {channel id: count}}} for the month."""
    from rongmei.analytics.models import DailyRollup, Dimension
    from rongmei.core.models import AuditLog
    from rongmei.distribution.models import Publication
    from rongmei.live.models import LiveRoom
    from rongmei.newsroom.models import Approval, Assignment, Story

    start, end = month_bounds(month)
    out: dict[int, dict[str, object]] = defaultdict(lambda: {"publications": {}})

    def put(measure: str, values: dict[int, int]) -> None:
        for user_id, n in values.items():
            out[user_id][measure] = n

    put(Measure.STORIES_FILED, _per_user(Story.objects.filter(created_at__gte=start, created_at__lt=end), "created_by_id"))
    first_out = Story.objects.annotate(first=Min("publications__published_at")).filter(first__gte=start, first__lt=end)
    put(Measure.STORIES_PUBLISHED, _per_user(Story.authors.through.objects.filter(story__in=first_out.values("pk")), "user_id"))
    published = Publication.objects.filter(state=Publication.State.PUBLISHED, published_at__gte=start, published_at__lt=end)
    # Each publication of the month counts for every author of its story, on its channel.
    by_channel: dict[tuple[int, int], int] = defaultdict(int)
    for pub in published.values("pk", "channel_id", "story_id"):
        by_channel[(pub["story_id"], pub["channel_id"])] += 1
    authors = defaultdict(list)
    for link in Story.authors.through.objects.filter(story_id__in={s for s, _c in by_channel}).values("story_id", "user_id"):
        authors[link["story_id"]].append(link["user_id"])
    for (story_id, channel_id), n in by_channel.items():
        for user_id in authors[story_id]:
            pubs = out[user_id]["publications"]
            pubs[channel_id] = pubs.get(channel_id, 0) + n
    reads = (
        DailyRollup.objects.filter(
            dimension=Dimension.AUTHOR, via=DailyRollup.ALL_VIA, day__gte=start.date(), day__lt=timezone.localtime(end).date()
        )
        .values("key")
        .annotate(n=Sum("reads"))
        .order_by()
    )
    put(Measure.READS, {row["key"]: row["n"] or 0 for row in reads})
    put(Measure.APPROVALS, _per_user(Approval.objects.filter(created_at__gte=start, created_at__lt=end), "reviewer_id"))
    put(
        Measure.ASSIGNMENTS_DONE,
        _per_user(Assignment.objects.filter(status=Assignment.Status.DONE, completed_at__gte=start, completed_at__lt=end), "assignee_id"),
    )
    put(Measure.LIVE_ROOMS, _per_user(LiveRoom.objects.filter(started_at__gte=start, started_at__lt=end), "created_by_id"))
    put(
        Measure.INQUIRIES_HANDLED,
        _per_user(AuditLog.objects.filter(action__in=DESK_ACTIONS, created_at__gte=start, created_at__lt=end), "actor_id"),
    )
    return out


# --- the table --------------------------------------------------------------------------------------


@dataclass
class Line:
    """One rule's part of one person's points."""

    rule: AssessmentRule
    label: str
    count: int
    points: Decimal


@dataclass
class Row:
    user: User
    lines: list[Line] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)
    total: Decimal = Decimal("0")
    rank: int = 0

    @property
    def cells(self) -> list[int]:
        """The figures in the order of Measure (the table's columns); a measure a closed month
        did not know yet is 0. (A frozen month's figures come back from JSON, whose key order
        PostgreSQL's jsonb does not keep.)"""
        return [self.figures.get(m, 0) for m in Measure.values]


def _applies(rule: AssessmentRule, user: User) -> bool:
    return not rule.role or rule.role == user.role


def _count_for(rule: AssessmentRule, figures: dict) -> int:
    if rule.measure == Measure.PUBLICATIONS:
        pubs = figures.get("publications", {})
        return pubs.get(rule.channel_id, 0) if rule.channel_id else sum(pubs.values())
    return int(figures.get(rule.measure, 0))


def _label(rule: AssessmentRule) -> str:
    label = rule.get_measure_display()
    if rule.channel_id:
        label = f"{label}（{rule.channel.name}）"
    return label


@dataclass
class Person:
    """A person as a closed month recorded them (name and role as they were then)."""

    pk: int
    display_name: str
    role: str
    role_label: str

    def get_role_display(self) -> str:
        return self.role_label


@dataclass
class FrozenRule:
    points: Decimal
    per: int
    channel_id: int | None


def closed(month: dt.date) -> AssessmentMonth | None:
    return AssessmentMonth.objects.filter(month=month.replace(day=1)).select_related("closed_by").first()


def table(month: dt.date) -> list[Row]:
    """The month's table: as frozen when the month is closed, else counted now."""
    frozen = closed(month)
    if frozen is not None:
        return _thaw(frozen)
    return live_table(month)


def _thaw(frozen: AssessmentMonth) -> list[Row]:
    rows = []
    for item in frozen.rows:
        row = Row(user=Person(item["user"], item["name"], item["role"], item["role_label"]))
        row.figures = item["figures"]
        row.total = Decimal(item["total"])
        row.rank = item["rank"]
        row.lines = [
            Line(
                rule=FrozenRule(Decimal(li["points"]), li["per"], li["channel"]),
                label=li["label"],
                count=li["count"],
                points=Decimal(li["earned"]),
            )
            for li in item["lines"]
        ]
        rows.append(row)
    return rows


def live_table(month: dt.date) -> list[Row]:
    """Every active person of an assessed role, with their lines and total, best first (ties
    share a rank, then by name)."""
    rules = list(AssessmentRule.objects.filter(active=True).select_related("channel"))
    figures = counts(month)
    rows = []
    for user in User.objects.filter(is_active=True, role__in=ASSESSED_ROLES).order_by("name", "pk"):
        mine = figures.get(user.pk, {"publications": {}})
        row = Row(user=user)
        row.figures = {m: _count_for(AssessmentRule(measure=m), mine) for m in Measure.values}
        exact = Decimal("0")
        for rule in rules:
            if not _applies(rule, user):
                continue
            n = _count_for(rule, mine)
            part = rule.points * n / rule.per
            exact += part
            row.lines.append(Line(rule=rule, label=_label(rule), count=n, points=part.quantize(CENT, ROUND_HALF_UP)))
        row.total = exact.quantize(CENT, ROUND_HALF_UP)
        rows.append(row)
    rows.sort(key=lambda r: (-r.total, r.user.name, r.user.pk))
    for i, row in enumerate(rows):
        row.rank = rows[i - 1].rank if i and rows[i - 1].total == row.total else i + 1
    return rows


# --- closing a month -------------------------------------------------------------------------------


@transaction.atomic
def close_month(*, actor, month: dt.date, now: dt.datetime | None = None) -> AssessmentMonth:
    """Freeze the month's table and the rules in force. Only after the month's end; once."""
    from rongmei.core.exceptions import StateConflict

    if not may_edit_rules(actor):
        raise NotAllowed(_("Only the chief editor and administrators may close a month of the assessment."))
    month = month.replace(day=1)
    _start, end = month_bounds(month)
    if (now or timezone.now()) < end:
        raise StateConflict(_("%(m)s is not over yet; close it after its last day.") % {"m": f"{month:%Y-%m}"})
    if AssessmentMonth.objects.select_for_update().filter(month=month).exists():
        raise StateConflict(_("%(m)s is closed already.") % {"m": f"{month:%Y-%m}"})
    rows = live_table(month)
    rules = [
        {"measure": r.measure, "role": r.role, "channel": r.channel_id, "points": str(r.points), "per": r.per, "label": _label(r)}
        for r in AssessmentRule.objects.filter(active=True).select_related("channel")
    ]
    try:
        with transaction.atomic():
            frozen = _freeze(actor, month, rows, rules)
    except IntegrityError:
        raise StateConflict(_("%(m)s is closed already.") % {"m": f"{month:%Y-%m}"}) from None
    audit.record(
        "dashboard.assessment_close",
        actor=actor,
        subject=frozen,
        summary=_("Assessment of %(m)s closed") % {"m": f"{month:%Y-%m}"},
        data={"people": len(rows)},
    )
    return frozen


def _freeze(actor, month: dt.date, rows: list[Row], rules: list[dict]) -> AssessmentMonth:
    return AssessmentMonth.objects.create(
        month=month,
        rules=rules,
        rows=[
            {
                "user": row.user.pk,
                "name": row.user.display_name,
                "role": row.user.role,
                "role_label": str(row.user.get_role_display()),
                "figures": row.figures,
                "total": str(row.total),
                "rank": row.rank,
                "lines": [
                    {
                        "label": li.label,
                        "count": li.count,
                        "points": str(li.rule.points),
                        "per": li.rule.per,
                        "channel": li.rule.channel_id,
                        "earned": str(li.points),
                    }
                    for li in row.lines
                ],
            }
            for row in rows
        ],
        closed_by=actor,
    )


# --- rules -----------------------------------------------------------------------------------------


@transaction.atomic
def save_rule(
    *, actor, rule: AssessmentRule | None = None, measure: str, role: str = "", channel=None, points, per: int = 1, active: bool = True
) -> AssessmentRule:
    if not may_edit_rules(actor):
        raise NotAllowed(_("Only the chief editor and administrators may change the assessment rules."))
    if measure not in Measure.values:
        raise DomainError(_("Choose what is counted."), field="measure")
    if channel is not None and measure != Measure.PUBLICATIONS:
        raise DomainError(_("Only a publications rule names a channel."), field="channel")
    points = Decimal(points)
    if not Decimal("-1000") <= points <= Decimal("1000"):
        raise DomainError(_("Points are between -1,000 and 1,000."), field="points")
    if int(per) < 1:
        raise DomainError(_("Count per at least 1."), field="per")
    created = rule is None
    before = None if created else {"points": str(rule.points), "per": rule.per, "active": rule.active}
    rule = rule or AssessmentRule()
    rule.measure, rule.role, rule.channel = measure, role or "", channel
    rule.points, rule.per, rule.active = points, int(per), bool(active)
    rule.updated_by, rule.updated_at = actor, timezone.now()
    rule.save()
    audit.record(
        "dashboard.rule_create" if created else "dashboard.rule_change",
        actor=actor,
        subject=rule,
        summary=_("Assessment rule: %(r)s") % {"r": f"{_label(rule)} {rule.points}/{rule.per}"},
        data={"before": before, "after": {"points": str(rule.points), "per": rule.per, "active": rule.active, "role": rule.role}},
    )
    return rule
