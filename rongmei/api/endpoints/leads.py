"""Leads (线索): the inbox, filing, similar leads, discarding, turning into a plan."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.accounts.models import Team
from rongmei.api.endpoints.common import coverages_in, find, find_channels
from rongmei.api.endpoints.plans import ChannelCode, CoverageIn, PlanDetailOut, plan_detail
from rongmei.api.schemas import ERRORS, Id, Offset, PlaceRef, TeamRef, UserRef, page
from rongmei.core.models import Place
from rongmei.newsroom import selectors, services
from rongmei.newsroom.models import Lead, LeadSimilarity

router = Router(tags=["leads"])

LeadSource = Literal[tuple(Lead.Source.values)]  # type: ignore[valid-type]
LeadStatus = Literal[tuple(Lead.Status.values)]  # type: ignore[valid-type]


class LeadOut(Schema):
    id: int
    title: str
    source: str
    status: str
    team: TeamRef | None
    place: PlaceRef | None
    reported_by: UserRef
    created_at: dt.datetime
    keywords: list[str]
    similar_count: int = 0


class LeadPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LeadOut]


class LeadFilter(Schema):
    status: LeadStatus | None = None
    team: Id | None = Field(None, description="Team id")
    q: str = Field("", max_length=100, description="Words in the title or description")
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


@router.get("/leads", response={200: LeadPage, **ERRORS}, summary="The lead inbox")
def list_leads(request, filters: Query[LeadFilter]):
    team = get_object_or_404(Team, pk=filters.team) if filters.team is not None else None
    qs = selectors.leads(status=filters.status, team=team, query=filters.q.strip())
    return page(qs, filters.limit, filters.offset)


class SimilarLeadOut(Schema):
    id: int
    title: str
    status: str
    created_at: dt.datetime
    score: float


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("newsroom:lead_attachment", args=[obj.lead_id, obj.pk])


class LeadDetailOut(LeadOut):
    description: str
    source_contact: str
    discard_reason: str
    similar: list[SimilarLeadOut]
    attachments: list[AttachmentOut]
    plan_ids: list[int]

    @staticmethod
    def resolve_similar(obj) -> list:
        return obj.similar_rows


def lead_detail(lead_id: int) -> dict:
    lead = get_object_or_404(selectors.leads(), pk=lead_id)
    # Reads the selectors lack: the similar leads with their scores, attachments and plans of one lead.
    similar = [
        {"id": s.other.pk, "title": s.other.title, "status": s.other.status, "created_at": s.other.created_at, "score": s.score}
        for s in LeadSimilarity.objects.filter(lead=lead).select_related("other").order_by("-score")[:20]
    ]
    lead.similar_rows = similar
    lead.plan_ids = list(lead.plans.values_list("id", flat=True))
    return lead


@router.get("/leads/{lead_id}", response={200: LeadDetailOut, **ERRORS}, summary="A lead with its similar leads and keywords")
def get_lead(request, lead_id: Id):
    return lead_detail(lead_id)


class LeadIn(Schema):
    title: str = Field(max_length=80)
    description: str = Field(max_length=5000)
    source: LeadSource = "reporter"
    source_contact: str = Field("", max_length=100)
    place_id: Id | None = None
    team_id: Id | None = None


@router.post("/leads", response={201: LeadDetailOut, **ERRORS}, summary="File a lead")
def create_lead(request, payload: LeadIn):
    lead = services.create_lead(
        actor=request.auth,
        title=payload.title,
        description=payload.description,
        source=payload.source,
        source_contact=payload.source_contact,
        place=find(Place, payload.place_id, field="place_id"),
        team=find(Team, payload.team_id, field="team_id"),
    )
    return Status(201, lead_detail(lead.pk))


class DiscardIn(Schema):
    reason: str = Field(max_length=300)


@router.post("/leads/{lead_id}/discard", response={200: LeadDetailOut, **ERRORS}, summary="Discard a lead with a reason")
def discard_lead(request, lead_id: Id, payload: DiscardIn):
    lead = get_object_or_404(Lead, pk=lead_id)
    services.discard_lead(actor=request.auth, lead=lead, reason=payload.reason)
    return lead_detail(lead.pk)


class LeadPlanIn(Schema):
    team_id: Id
    planned_date: dt.date
    title: str = Field("", max_length=80, description="Empty: the lead's title")
    summary: str = Field("", max_length=5000, description="Empty: the lead's description")
    channels: list[ChannelCode] = []
    coverages: list[CoverageIn] = []


@router.post("/leads/{lead_id}/plan", response={201: PlanDetailOut, **ERRORS}, summary="Turn a lead into a proposed plan")
def plan_lead(request, lead_id: Id, payload: LeadPlanIn):
    lead = get_object_or_404(Lead, pk=lead_id)
    plan = services.plan_from_lead(
        actor=request.auth,
        lead=lead,
        team=find(Team, payload.team_id, field="team_id"),
        planned_date=payload.planned_date,
        title=payload.title,
        summary=payload.summary,
        channels=find_channels(payload.channels),
        coverages=coverages_in(payload.coverages),
    )
    return Status(201, plan_detail(plan.pk))
