"""Assignments (派单): dispatching a coverage to a person, answering, cancelling, the dispatch board."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.accounts.models import Role, User
from rongmei.api.endpoints.common import find
from rongmei.api.schemas import ERRORS, Day, Id, Offset, TeamRef, UserRef, aware, page
from rongmei.core.exceptions import NotAllowed
from rongmei.newsroom import selectors, services
from rongmei.newsroom.models import Assignment, Coverage

router = Router(tags=["assignments"])

DISPATCHER_ROLES = (Role.COLUMN_LEAD, Role.CHIEF_EDITOR)


def _require_dispatcher(user) -> None:
    if user.role not in DISPATCHER_ROLES:
        raise NotAllowed(_("Only column leads and the chief editor see every assignment."))


class PlanRef(Schema):
    id: int
    title: str
    team: TeamRef


class CoverageRef(Schema):
    id: int
    kind: str
    deadline: dt.datetime
    plan: PlanRef


class AssignmentOut(Schema):
    id: int
    coverage: CoverageRef
    assignee: UserRef
    assigned_by: UserRef
    deadline: dt.datetime
    status: str
    note: str
    decline_reason: str
    created_at: dt.datetime
    responded_at: dt.datetime | None
    completed_at: dt.datetime | None
    is_overdue: bool
    story_id: int | None

    @staticmethod
    def resolve_story_id(obj) -> int | None:
        try:
            return obj.story.pk
        except Assignment.story.RelatedObjectDoesNotExist:
            return None


class AssignmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AssignmentOut]


class AssignmentFilter(Schema):
    all: bool = Field(False, description="Every assignment of the teams I dispatch for (column leads, chief editor)")
    open: bool = Field(False, description="Only offered or accepted ones")
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


@router.get("/assignments", response={200: AssignmentPage, **ERRORS}, summary="My assignments (or all, for dispatchers)")
def list_assignments(request, filters: Query[AssignmentFilter]):
    user = request.auth
    if not filters.all:
        qs = selectors.assignments(assignee=user, open_only=filters.open)
    else:
        _require_dispatcher(user)
        qs = selectors.assignments(open_only=filters.open)
        if user.role != Role.CHIEF_EDITOR:
            # A column lead dispatches for the teams they belong to or lead (permissions.leads_team).
            qs = qs.filter(coverage__plan__team__in=list(user.teams.all()) + list(user.led_teams.all())).distinct()
    return page(qs.order_by("deadline", "id"), filters.limit, filters.offset)


def _assignment(assignment_id: int) -> Assignment:
    return get_object_or_404(selectors.assignments(), pk=assignment_id)


class AssignIn(Schema):
    coverage_id: Id
    assignee_id: Id
    deadline: dt.datetime | None = Field(None, description="Empty: the coverage's deadline")
    note: str = Field("", max_length=300)


@router.post("/assignments", response={201: AssignmentOut, **ERRORS}, summary="Dispatch a coverage to a person")
def create_assignment(request, payload: AssignIn):
    assignment = services.assign(
        actor=request.auth,
        coverage=find(Coverage, payload.coverage_id, field="coverage_id"),
        assignee=find(User, payload.assignee_id, field="assignee_id"),
        deadline=aware(payload.deadline),
        note=payload.note,
    )
    return Status(201, _assignment(assignment.pk))


@router.get("/assignments/{assignment_id}", response={200: AssignmentOut, **ERRORS}, summary="An assignment")
def get_assignment(request, assignment_id: Id):
    return _assignment(assignment_id)


@router.post("/assignments/{assignment_id}/accept", response={200: AssignmentOut, **ERRORS}, summary="Accept (opens a draft story)")
def accept_assignment(request, assignment_id: Id):
    services.accept_assignment(actor=request.auth, assignment=get_object_or_404(Assignment, pk=assignment_id))
    return _assignment(assignment_id)


class DeclineIn(Schema):
    reason: str = Field(max_length=300)


@router.post("/assignments/{assignment_id}/decline", response={200: AssignmentOut, **ERRORS}, summary="Decline with a reason")
def decline_assignment(request, assignment_id: Id, payload: DeclineIn):
    services.decline_assignment(actor=request.auth, assignment=get_object_or_404(Assignment, pk=assignment_id), reason=payload.reason)
    return _assignment(assignment_id)


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


@router.post("/assignments/{assignment_id}/cancel", response={200: AssignmentOut, **ERRORS}, summary="Cancel an open assignment")
def cancel_assignment(request, assignment_id: Id, payload: CancelIn | None = None):
    services.cancel_assignment(
        actor=request.auth, assignment=get_object_or_404(Assignment, pk=assignment_id), reason=payload.reason if payload else ""
    )
    return _assignment(assignment_id)


class BoardAssignmentOut(Schema):
    id: int
    plan_title: str
    kind: str
    deadline: dt.datetime
    status: str
    is_overdue: bool

    @staticmethod
    def resolve_plan_title(obj) -> str:
        return obj.coverage.plan.title

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.coverage.kind


class BoardRowOut(Schema):
    person: UserRef
    teams: list[TeamRef]
    busy: bool
    today: list[BoardAssignmentOut]
    overdue: list[BoardAssignmentOut]

    @staticmethod
    def resolve_teams(obj) -> list:
        return list(obj["person"].teams.all())


class DayFilter(Schema):
    day: Day | None = Field(None, description="YYYY-MM-DD; default today")


class DispatchBoardOut(Schema):
    day: dt.date
    people: list[BoardRowOut]


@router.get("/dispatch", response={200: DispatchBoardOut, **ERRORS}, summary="Who is busy and who is free on a day")
def dispatch_board(request, filters: Query[DayFilter]):
    _require_dispatcher(request.auth)
    day = filters.day or timezone.localdate()
    return {"day": day, "people": selectors.dispatch_board(day)}
