"""Plans (选题): proposing in a team, approval by the column lead, coverages."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.accounts.models import Team
from rongmei.api.endpoints.common import coverages_in, find, find_channels
from rongmei.api.schemas import ERRORS, Id, Offset, TeamRef, UserRef, aware, page
from rongmei.distribution.models import Channel
from rongmei.newsroom import selectors, services
from rongmei.newsroom.models import Coverage, Plan

router = Router(tags=["plans"])

ChannelCode = Literal[tuple(Channel.Code.values)]  # type: ignore[valid-type]
CoverageKind = Literal[tuple(Coverage.Kind.values)]  # type: ignore[valid-type]
PlanStatus = Literal[tuple(Plan.Status.values)]  # type: ignore[valid-type]


class CoverageIn(Schema):
    kind: CoverageKind
    deadline: dt.datetime = Field(description="Without a time zone it is read in local time (Asia/Shanghai).")
    note: str = Field("", max_length=300)


class AssignmentBrief(Schema):
    id: int
    assignee: UserRef
    status: str
    deadline: dt.datetime
    is_overdue: bool


class CoverageOut(Schema):
    id: int
    kind: str
    deadline: dt.datetime
    note: str


class CoverageDetailOut(CoverageOut):
    assignments: list[AssignmentBrief]


class PlanOut(Schema):
    id: int
    title: str
    team: TeamRef
    lead_id: int | None
    proposed_by: UserRef
    created_at: dt.datetime
    planned_date: dt.date
    status: str
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    decision_note: str
    channels: list[str]

    @staticmethod
    def resolve_channels(obj) -> list[str]:
        return [c.code for c in obj.channels.all()]


class PlanDetailOut(PlanOut):
    summary: str
    coverages: list[CoverageDetailOut]


class PlanPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PlanOut]


def plan_detail(plan_id: int) -> Plan:
    return get_object_or_404(selectors.plans(), pk=plan_id)


class PlanFilter(Schema):
    status: PlanStatus | None = None
    team: Id | None = Field(None, description="Team id")
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


@router.get("/plans", response={200: PlanPage, **ERRORS}, summary="Plans")
def list_plans(request, filters: Query[PlanFilter]):
    team = get_object_or_404(Team, pk=filters.team) if filters.team is not None else None
    return page(selectors.plans(status=filters.status, team=team), filters.limit, filters.offset)


class PlanIn(Schema):
    team_id: Id
    title: str = Field(max_length=80)
    summary: str = Field("", max_length=5000)
    planned_date: dt.date
    channels: list[ChannelCode] = []
    coverages: list[CoverageIn] = []


@router.post("/plans", response={201: PlanDetailOut, **ERRORS}, summary="Propose a plan")
def create_plan(request, payload: PlanIn):
    plan = services.propose_plan(
        actor=request.auth,
        team=find(Team, payload.team_id, field="team_id"),
        title=payload.title,
        summary=payload.summary,
        planned_date=payload.planned_date,
        channels=find_channels(payload.channels),
        coverages=coverages_in(payload.coverages),
    )
    return Status(201, plan_detail(plan.pk))


@router.get("/plans/{plan_id}", response={200: PlanDetailOut, **ERRORS}, summary="A plan with its coverages and assignments")
def get_plan(request, plan_id: Id):
    return plan_detail(plan_id)


class PlanApproveIn(Schema):
    note: str = Field("", max_length=300)


@router.post("/plans/{plan_id}/approve", response={200: PlanDetailOut, **ERRORS}, summary="Approve a plan")
def approve_plan(request, plan_id: Id, payload: PlanApproveIn | None = None):
    plan = get_object_or_404(Plan, pk=plan_id)
    services.approve_plan(actor=request.auth, plan=plan, note=payload.note if payload else "")
    return plan_detail(plan.pk)


class PlanRejectIn(Schema):
    note: str = Field(max_length=300, description="Why the plan is rejected")


@router.post("/plans/{plan_id}/reject", response={200: PlanDetailOut, **ERRORS}, summary="Reject a plan with a reason")
def reject_plan(request, plan_id: Id, payload: PlanRejectIn):
    plan = get_object_or_404(Plan, pk=plan_id)
    services.reject_plan(actor=request.auth, plan=plan, note=payload.note)
    return plan_detail(plan.pk)


@router.post("/plans/{plan_id}/coverages", response={201: CoverageOut, **ERRORS}, summary="Add a coverage to a plan")
def add_coverage(request, plan_id: Id, payload: CoverageIn):
    plan = get_object_or_404(Plan, pk=plan_id)
    return Status(
        201, services.add_coverage(actor=request.auth, plan=plan, kind=payload.kind, deadline=aware(payload.deadline), note=payload.note)
    )
