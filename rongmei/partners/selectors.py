"""Reads of the partner network, with the permission filters: a partner login gets only its own
organization's rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404

from rongmei.partners import permissions as perms
from rongmei.partners import scoring
from rongmei.partners.models import Alert, Contribution, Honour, Partner, Quarter, TaskAssignment


@dataclass
class Progress:
    metric: str
    label: str
    actual: int
    target: int

    @property
    def percent(self) -> int:
        if not self.target:
            return 0
        return min(100, round(self.actual * 100 / self.target))

    @property
    def met(self) -> bool:
        return self.target > 0 and self.actual >= self.target


def quarter_by_code(code: str) -> Quarter:
    """``2026-4`` → that quarter (created on first sight), or 404."""
    try:
        year, number = (int(x) for x in code.split("-", 1))
    except ValueError:
        raise Http404 from None
    if not (2000 <= year <= 2100 and 1 <= number <= 4):
        raise Http404
    quarter, _created = Quarter.objects.get_or_create(year=year, number=number)
    return quarter


def progress(line: scoring.Line | None) -> list[Progress]:
    if line is None:
        return []
    return [
        Progress(metric, str(scoring.METRIC_LABELS[metric]), line.figures.actual(metric), target)
        for metric, target in line.figures.targets.items()
        if target > 0
    ]


def own_line(partner: Partner, quarter: Quarter) -> tuple[scoring.Line | None, int]:
    """The partner's own line of the quarter's ranking and how many partners were ranked; the
    other lines are not returned, so a page cannot show them."""
    lines = scoring.ranking(quarter)
    mine = next((line for line in lines if line.partner_id == partner.pk), None)
    return mine, len(lines)


def assignments_of(partner: Partner):
    return (
        TaskAssignment.objects.filter(partner=partner)
        .select_related("task")
        .prefetch_related("task__stories")
        .order_by("-task__due_at", "-id")
    )


def contributions_of(partner: Partner):
    return Contribution.objects.filter(partner=partner).select_related("story", "lead").prefetch_related("files")


def contribution_for(user, pk: int) -> Contribution:
    """A contribution the user may read: the partner's own, or any for the desk and managers."""
    qs = Contribution.objects.select_related("partner", "story", "lead", "submitted_by", "decided_by").prefetch_related("files")
    if perms.can_screen_contributions(user):
        return qs.get(pk=pk)
    partner = perms.partner_of(user)
    if partner is None:
        raise Contribution.DoesNotExist
    return qs.get(pk=pk, partner=partner)


def honour_for(user, pk: int) -> Honour:
    qs = Honour.objects.select_related("partner", "quarter")
    if perms.is_manager(user):
        return qs.get(pk=pk)
    partner = perms.partner_of(user)
    if partner is None:
        raise Honour.DoesNotExist
    return qs.get(pk=pk, partner=partner)


def registry():
    return Partner.objects.annotate(
        n_accounts=Count("accounts", distinct=True),
        n_open_alerts=Count("alerts", filter=Q(alerts__resolved_at=None), distinct=True),
    ).order_by("status", "name")


def open_alerts():
    return Alert.objects.filter(resolved_at=None).select_related("partner").order_by("-created_at")


def waiting_contributions():
    return Contribution.objects.filter(status=Contribution.Status.SUBMITTED).select_related("partner").order_by("created_at")


def reported_assignments():
    return TaskAssignment.objects.filter(status=TaskAssignment.Status.REPORTED).select_related("task", "partner").order_by("reported_at")


def contributions_for_desk(status: str):
    qs = Contribution.objects.select_related("partner", "story", "lead").order_by("-created_at")
    if status in Contribution.Status.values:
        qs = qs.filter(status=status)
    return qs
