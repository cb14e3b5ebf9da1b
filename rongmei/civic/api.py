"""Public API of the civic app (registered in rongmei/api/urls.py): the service directory (政务服务),
the councils' members and proposals (智慧人大 / 智慧政协), and app users' letters to them.

Reads need no login. Writing a letter needs the app user's session (rongmei.fans.auth), like the
other /public/me… endpoints."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Literal

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.api.schemas import ERRORS, MAX_ID, ErrorOut, Id
from rongmei.civic import selectors, services
from rongmei.civic.models import CouncilLetter, CouncilMember, Proposal, ServiceItem
from rongmei.core.exceptions import DomainError
from rongmei.core.middleware import request_ip
from rongmei.fans.auth import current_fan, fan_for_write
from rongmei.fans.services import NotLoggedIn

router = Router(tags=["public app: civic"], auth=None)

PAGE_MAX = 50
MAX_OFFSET = 10_000
Kind = Literal["renda", "zhengxie"]
ProposalStatus = Literal["submitted", "accepted", "not_accepted", "handling", "answered", "closed"]


def _bad_cursor() -> DomainError:
    return DomainError(_("This page link is not valid; start again from the first page."), field="cursor")


def _encode(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _bad_cursor() from None


# --- 政务服务 ---------------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    name: str
    icon: str
    description: str
    count: int = Field(description="How many shown items it has")


class ServiceCard(Schema):
    id: int
    name: str
    category_id: int
    category: str
    unit: str = Field(description="The responsible government unit")
    time_limit: str
    online: bool = Field(description="True when it can be done online (see link in the detail)")
    url: str = Field(description="Its page on the public site")


class ServicePage(Schema):
    items: list[ServiceCard]
    total: int = Field(description="How many items match")
    partial: bool = Field(description="True when no item has every word of q and these have some of them")
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null at the end")


class ServiceQuery(Schema):
    q: str = Field("", max_length=200, description="Words to look for, in Chinese (segmented with jieba); the first 50 characters count")
    category: Id | None = Field(None, description="Only this category's items")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=PAGE_MAX)


class PhoneOut(Schema):
    display: str
    tel: str = Field(description="Digits for a tel: link")


class ServiceOut(Schema):
    id: int
    name: str
    category_id: int
    category: str
    unit: str
    materials: list[str] = Field(description="What to bring, one entry each")
    address: str
    phone: str = Field(description="As the operators wrote it")
    phones: list[PhoneOut]
    hours: str
    time_limit: str
    fee: str
    link: str = Field(description="Where it can be done online (http/https), or empty")
    notes: str
    updated_at: dt.datetime
    url: str


def _card(item: ServiceItem) -> dict:
    return {
        "id": item.pk,
        "name": item.name,
        "category_id": item.category_id,
        "category": item.category.name,
        "unit": item.unit,
        "time_limit": item.time_limit,
        "online": bool(item.link),
        "url": reverse("civic:service", args=[item.pk]),
    }


@router.get("/public/service-categories", response={200: list[CategoryOut], **ERRORS}, summary="The service directory's categories")
def service_categories(request: HttpRequest):
    return [
        {"id": c.pk, "name": c.name, "icon": c.icon, "description": c.description, "count": c.item_count}
        for c in selectors.public_categories()
    ]


@router.get("/public/services", response={200: ServicePage, **ERRORS}, summary="Search the service directory")
def services_list(request: HttpRequest, filters: Query[ServiceQuery]):
    offset = 0
    if filters.cursor:
        raw = _decode(filters.cursor)
        if not raw.startswith("o:") or not raw[2:].isdigit() or int(raw[2:]) > MAX_OFFSET:
            raise _bad_cursor()
        offset = int(raw[2:])
    found = selectors.search_services(filters.q, category_id=filters.category)
    items = found.items[offset : offset + filters.limit]
    end = offset + len(items)
    return {
        "items": [_card(i) for i in items],
        "total": len(found.items),
        "partial": found.partial,
        "next_cursor": _encode(f"o:{end}") if end < len(found.items) else None,
    }


@router.get("/public/services/{service_id}", response={200: ServiceOut, **ERRORS}, summary="One service item")
def service_detail(request: HttpRequest, service_id: Id):
    item = selectors.public_items().filter(pk=service_id).first()
    if item is None:
        raise Http404
    return {
        **_card(item),
        "materials": item.material_list,
        "address": item.address,
        "phone": item.phone,
        "phones": item.phone_numbers,
        "hours": item.hours,
        "fee": item.fee,
        "link": item.link,
        "notes": item.notes,
        "updated_at": item.updated_at,
    }


# --- councils -------------------------------------------------------------------------------------


class MemberCard(Schema):
    id: int
    kind: Kind = Field(description="renda: a People's Congress deputy (代表); zhengxie: a CPPCC member (委员)")
    name: str
    title: str = Field(description="Work unit and position")
    group: str = Field(description="A deputy's constituency (选区) or a member's sector (界别)")
    delegation: str
    term: str
    photo: str | None = Field(description="The photo's address, or null")
    accepts_letters: bool
    url: str


class MemberRef(Schema):
    id: int
    name: str


class ProposalCard(Schema):
    id: int
    kind: Kind
    number: str
    title: str
    session: str
    year: int
    status: ProposalStatus
    status_label: str
    lead: MemberRef | None
    proposer: str = Field(description="A proposing group, when there is no single lead")
    submitted_on: dt.date
    url: str


class PublicLetterOut(Schema):
    title: str
    body: str
    location: str
    reply: str
    written_on: dt.date
    replied_on: dt.date | None


class MemberOut(MemberCard):
    bio: str
    proposals: list[ProposalCard] = Field(description="Suggestions or proposals they led or co-signed, newest first (at most 50)")
    letters: list[PublicLetterOut] = Field(description="Letters their writers let us publish, with the replies")


class MemberQuery(Schema):
    kind: Kind | None = Field(None, description="Only one council")


class ProposalQuery(Schema):
    kind: Kind | None = None
    status: ProposalStatus | None = None
    session: str | None = Field(None, max_length=40, description="e.g. 十六届三次会议")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=PAGE_MAX)


class StepOut(Schema):
    status: ProposalStatus
    label: str
    on: dt.date
    note: str


class ProposalOut(ProposalCard):
    summary: str
    handling_unit: str
    co_signers: list[MemberRef]
    not_accepted_reason: str
    reply: str
    replied_on: dt.date | None
    satisfaction: str = Field(description="satisfied, basically, unsatisfied, or empty")
    satisfaction_label: str
    timeline: list[StepOut] = Field(description="Every step, oldest first")


def _member_card(m: CouncilMember) -> dict:
    return {
        "id": m.pk,
        "kind": m.kind,
        "name": m.name,
        "title": m.title,
        "group": m.group,
        "delegation": m.delegation,
        "term": m.term,
        "photo": reverse("civic:member_photo", args=[m.pk]) if m.photo else None,
        "accepts_letters": m.accepts_letters,
        "url": reverse("civic:member", args=[m.pk]),
    }


def _ref(m: CouncilMember | None) -> dict | None:
    return {"id": m.pk, "name": m.name} if m is not None and m.active else None


def _proposal_card(p: Proposal) -> dict:
    return {
        "id": p.pk,
        "kind": p.kind,
        "number": p.number,
        "title": p.title,
        "session": p.session,
        "year": p.year,
        "status": p.status,
        "status_label": p.get_status_display(),
        "lead": _ref(p.lead),
        "proposer": p.proposer,
        "submitted_on": p.submitted_on,
        "url": reverse("civic:proposal", args=[p.pk]),
    }


@router.get("/public/council-members", response={200: list[MemberCard], **ERRORS}, summary="Deputies and CPPCC members")
def council_members(request: HttpRequest, filters: Query[MemberQuery]):
    return [_member_card(m) for m in selectors.public_members(filters.kind)]


@router.get("/public/council-members/{member_id}", response={200: MemberOut, **ERRORS}, summary="A deputy or member, with their proposals")
def council_member(request: HttpRequest, member_id: Id):
    member = selectors.public_members().filter(pk=member_id).first()
    if member is None:
        raise Http404
    return {
        **_member_card(member),
        "bio": member.bio,
        "proposals": [_proposal_card(p) for p in selectors.member_proposals(member)[:50]],
        "letters": [
            {
                "title": letter.title,
                "body": letter.body,
                "location": letter.location,
                "reply": letter.reply,
                "written_on": letter.created_at.date(),
                "replied_on": letter.replied_at.date() if letter.replied_at else None,
            }
            for letter in selectors.public_letters(member)
        ],
    }


class ProposalPage(Schema):
    items: list[ProposalCard]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null at the end")


@router.get("/public/proposals", response={200: ProposalPage, **ERRORS}, summary="Suggestions (人大) and proposals (政协), newest first")
def proposals(request: HttpRequest, filters: Query[ProposalQuery]):
    qs = selectors.public_proposals(filters.kind, status=filters.status, session=filters.session)
    if filters.cursor:
        day, _sep, pk = _decode(filters.cursor).partition("|")
        try:
            day, pk = dt.date.fromisoformat(day), int(pk)
        except ValueError:
            raise _bad_cursor() from None
        if not 0 < pk <= MAX_ID:
            raise _bad_cursor()
        qs = qs.filter(Q(submitted_on__lt=day) | Q(submitted_on=day, pk__lt=pk))
    page = list(qs[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    last = page[-1] if page else None
    return {
        "items": [_proposal_card(p) for p in page],
        "next_cursor": _encode(f"{last.submitted_on.isoformat()}|{last.pk}") if more and last else None,
    }


@router.get(
    "/public/proposals/{proposal_id}", response={200: ProposalOut, **ERRORS}, summary="A suggestion or proposal with its timeline and reply"
)
def proposal(request: HttpRequest, proposal_id: Id):
    p = selectors.public_proposal(proposal_id)
    if p is None:
        raise Http404
    return {
        **_proposal_card(p),
        "summary": p.summary,
        "handling_unit": p.handling_unit,
        "co_signers": [r for r in (_ref(m) for m in p.co_signers.all()) if r],
        "not_accepted_reason": p.not_accepted_reason,
        "reply": p.reply,
        "replied_on": p.replied_on,
        "satisfaction": p.satisfaction,
        "satisfaction_label": p.get_satisfaction_display() if p.satisfaction else "",
        "timeline": [{"status": e.status, "label": e.get_status_display(), "on": e.on, "note": e.note} for e in p.events.all()],
    }


# --- letters --------------------------------------------------------------------------------------


class LetterIn(Schema):
    member_id: Id = Field(description="The deputy or member written to")
    title: str = Field(min_length=services.LETTER_TITLE[0], max_length=services.LETTER_TITLE[1], description="Subject, 5–40 characters")
    body: str = Field(min_length=services.LETTER_BODY[0], max_length=services.LETTER_BODY[1], description="The letter, 10–2000 characters")
    location: str = Field(
        min_length=services.LETTER_LOCATION[0], max_length=services.LETTER_LOCATION[1], description="Town or village, e.g. 花园街道"
    )
    is_public: bool = Field(False, description="May the letter and its reply be shown on the member's page (never the writer's name)")


class LetterOut(Schema):
    receipt: str = Field(description="The receipt number, e.g. XJ20261126-0007")
    member: MemberRef
    title: str
    body: str
    location: str
    is_public: bool
    status: Literal["received", "forwarded", "replied", "closed"]
    status_label: str
    reply: str
    replied_at: dt.datetime | None
    created_at: dt.datetime
    url: str = Field(description="The writer's own page of this letter")


def _letter(letter: CouncilLetter) -> dict:
    return {
        "receipt": letter.receipt,
        "member": {"id": letter.member_id, "name": letter.member.name},
        "title": letter.title,
        "body": letter.body,
        "location": letter.location,
        "is_public": letter.is_public,
        "status": letter.status,
        "status_label": letter.get_status_display(),
        "reply": letter.reply,
        "replied_at": letter.replied_at,
        "created_at": letter.created_at,
        "url": reverse("civic:letter", args=[letter.receipt]),
    }


@router.post(
    "/public/council-letters",
    response={201: LetterOut, **ERRORS, 429: ErrorOut},
    summary="Write to a deputy or CPPCC member (logged-in app user)",
)
def write_letter(request: HttpRequest, payload: LetterIn):
    fan = fan_for_write(request)
    letter = services.submit_letter(
        fan=fan,
        member_id=payload.member_id,
        title=payload.title,
        body=payload.body,
        location=payload.location,
        is_public=payload.is_public,
        ip=request_ip(request),
    )
    return Status(201, _letter(letter))


@router.get("/public/me/council-letters", response={200: list[LetterOut], **ERRORS}, summary="My letters to deputies and members")
def my_letters(request: HttpRequest):
    fan = current_fan(request)
    if fan is None:
        raise NotLoggedIn()
    return [_letter(letter) for letter in selectors.fan_letters(fan)[:200]]
