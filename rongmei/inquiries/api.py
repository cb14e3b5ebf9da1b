"""问政 in the HTTP API (/api/v1/inquiries…), for the app: the published questions and answers,
one question, asking, my questions, rating, reopening, 追问, giving the information the desk asked
for, and 关注.

Reads need no login. Writes need the app user's session (rongmei.fans.auth, the login with an SMS
code, so the phone is verified) and the CSRF token in X-CSRFToken, like the other app-user
endpoints; GET /api/v1/public/me hands the token over. Questions are sent as JSON without files:
photos and videos are added on the phone site's form (/wenzheng/ask/).

Who sees what is rongmei.inquiries.selectors' rule: the public reads only answered public questions
in their masked public version; the author (or whoever sends the query code) their own in any
state; any other question is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from rongmei.api.schemas import ERRORS, ErrorOut, Id
from rongmei.core.middleware import request_ip
from rongmei.fans.auth import current_fan, fan_for_write
from rongmei.fans.services import NotLoggedIn
from rongmei.inquiries import selectors, services
from rongmei.inquiries.models import Inquiry, Kind, Rating, State

router = Router(tags=["public app: 问政"], auth=None)

PAGE_MAX = 50
PAGE_LAST = 500
MINE_LIMIT = 200
RECEIPT = r"^[A-Za-z0-9-]{1,20}$"

KindValue = Literal["consult", "complaint", "suggestion", "help"]
RatingValue = Literal["satisfied", "partly", "unsatisfied"]
StateValue = Literal[tuple(State.values)]  # type: ignore[valid-type]


class ReceiptPath(Schema):
    receipt: str = Field(pattern=RECEIPT, max_length=20, description="The receipt number, e.g. WZ20261126-0007")


def _private(response: HttpResponse) -> None:
    response["Cache-Control"] = "private, no-store"


# --- schemas ----------------------------------------------------------------------------------------


class Choice(Schema):
    value: str
    label: str


class Named(Schema):
    id: int
    name: str


class UnitRef(Named):
    short_name: str


class Bounds(Schema):
    min: int
    max: int


class OptionsOut(Schema):
    kinds: list[Choice] = Field(description="咨询 / 投诉 / 建议 / 求助")
    ratings: list[Choice] = Field(description="满意 / 基本满意 / 不满意 (a reason is required for unsatisfied)")
    categories: list[Named] = Field(description="Categories a question may be filed under (optional when asking)")
    units: list[UnitRef] = Field(description="Units that take questions (optional when asking: the desk decides)")
    title_length: Bounds
    body_length: Bounds
    location_length: Bounds
    max_attachments: int = Field(description="Photos and videos a question may carry (added on the phone site's form)")


class InquiryCard(Schema):
    receipt: str
    kind: KindValue
    kind_label: str
    title: str = Field(description="The public (masked) title")
    location: str = Field(description="Town or village")
    unit: UnitRef | None = Field(description="The unit answering it")
    category: Named | None
    published_at: dt.datetime | None = Field(description="When the answer was published")
    followers_count: int
    rating: RatingValue | Literal[""] = Field(description="The asker's rating, or empty")
    rating_label: str
    url: str = Field(description="Its page on the phone site")


class InquiryPage(Schema):
    items: list[InquiryCard]
    total: int
    page: int
    pages: int


class InquiryListQuery(Schema):
    q: str = Field("", max_length=200, description="Words to find in the question or its answer (the first 50 characters count)")
    kind: KindValue | None = None
    town: str = Field("", max_length=200, description="Part of the town or village name")
    unit: Id | None = Field(None, description="Only questions answered by this unit")
    category: Id | None = None
    sort: Literal["new", "hot"] = Field("new", description="new: latest answers first; hot: most followed first")
    page: int = Field(1, ge=1, le=PAGE_LAST)
    limit: int = Field(20, ge=1, le=PAGE_MAX)


class FileOut(Schema):
    name: str
    content_type: str
    size: int
    url: str


class ReplyOut(Schema):
    unit: str
    body: str = Field(description="The published (public) text of the unit's answer")
    published_at: dt.datetime | None
    files: list[FileOut]


class MessageOut(Schema):
    kind: Literal["info_request", "info", "follow_up", "follow_up_answer"]
    body: str
    unit: str | None
    created_at: dt.datetime


class EventOut(Schema):
    at: dt.datetime
    text: str


class InquiryOut(InquiryCard):
    body: str = Field(description="The public (masked) text; the author reads their own text as written")
    submitted_at: dt.datetime
    mine: bool = Field(description="The reader asked it (or sent its query code): it is shown in any state")
    state: StateValue | None = Field(description="For the author only (null for the public)")
    state_label: str | None
    is_public: bool | None = Field(description="For the author only: may it be published once answered")
    query_code: str | None = Field(description="For the logged-in author only: with the receipt number, it finds the question")
    reason: str | None = Field(description="For the author: why it was not accepted, or the note of a merge")
    merged_into: str | None = Field(description="For the author: the receipt number of the question it joined")
    deadline: dt.datetime | None = Field(description="For the author, while a unit holds it: the answer is due")
    info_request: str | None = Field(description="For the author: what the media center asked; answer with POST …/info")
    files: list[FileOut] = Field(description="For the author: their photos and videos")
    reply: ReplyOut | None
    messages: list[MessageOut] = Field(description="Follow-up questions and answers (and, for the author, the information exchanged)")
    timeline: list[EventOut]
    following: bool
    can_rate: bool
    can_reopen: bool
    can_follow_up: bool


class InquiryIn(Schema):
    kind: KindValue
    title: str = Field(max_length=200, description="10–25 characters by default (see GET /inquiries/options)")
    body: str = Field(max_length=20000, description="What happened, where and since when")
    location: str = Field(max_length=200, description="Town or village, e.g. 花园街道")
    category_id: Id | None = None
    unit_id: Id | None = None
    is_public: bool = Field(True, description="False: private (保密), never published; found only with the query code")


class MineCard(Schema):
    receipt: str
    title: str
    kind: KindValue
    kind_label: str
    state: StateValue
    state_label: str
    is_public: bool
    unit: str | None
    submitted_at: dt.datetime
    url: str


class RatingIn(Schema):
    rating: RatingValue
    reason: str = Field("", max_length=200, description="Required for unsatisfied")


class ReasonIn(Schema):
    reason: str = Field("", max_length=500, description="What is still unresolved (the rating's reason when empty)")


class TextIn(Schema):
    text: str = Field(max_length=5000)


class FollowOut(Schema):
    following: bool
    followers_count: int


class DetailQuery(Schema):
    code: str | None = Field(
        None,
        max_length=30,
        description="The query code: shows the question as its author sees it (the only way to a private one). Wrong codes are limited per address.",
    )


# --- helpers --------------------------------------------------------------------------------------------


def _unit(unit) -> dict | None:
    return {"id": unit.pk, "name": unit.name, "short_name": unit.short_name} if unit else None


def _card(q: Inquiry) -> dict:
    return {
        "receipt": q.receipt,
        "kind": q.kind,
        "kind_label": q.get_kind_display(),
        "title": q.shown_title,
        "location": q.location,
        "unit": _unit(q.lead_unit),
        "category": {"id": q.category.pk, "name": q.category.name} if q.category else None,
        "published_at": q.published_at,
        "followers_count": q.followers_count,
        "rating": q.rating,
        "rating_label": q.get_rating_display() if q.rating else "",
        "url": q.get_absolute_url(),
    }


def _file(receipt: str, a) -> dict:
    from django.urls import reverse

    return {"name": a.name, "content_type": a.content_type, "size": a.size, "url": reverse("wenzheng:attachment", args=[receipt, a.pk])}


def _detail(view: selectors.View) -> dict:
    q = view.inquiry
    author = view.as_author
    follow_ups = sum(1 for m in view.messages if m["kind"] == "follow_up")
    return {
        **_card(q),
        "title": view.title,
        "body": view.body,
        "submitted_at": q.submitted_at,
        "mine": author,
        "state": q.state if author else None,
        "state_label": q.get_state_display() if author else None,
        "is_public": q.is_public if author else None,
        "query_code": q.query_code if view.can_act else None,
        "reason": q.reason if author and q.state in (State.REJECTED, State.MERGED, State.TO_HELPDESK) else None,
        "merged_into": q.merged_into.receipt if author and q.merged_into else None,
        "deadline": q.deadline if author and q.state in (State.FORWARDED, State.ACCEPTED) else None,
        "info_request": view.info_request.body if author and view.info_request else None,
        "files": [_file(q.receipt, a) for a in view.attachments],
        "reply": {
            "unit": view.reply.unit.name,
            "body": view.reply_body,
            "published_at": q.published_at,
            "files": [_file(q.receipt, a) for a in view.reply_attachments],
        }
        if view.reply and view.published
        else None,
        "messages": [
            {"kind": m["kind"], "body": m["body"], "unit": m["unit"].name if m["unit"] else None, "created_at": m["at"]}
            for m in view.messages
        ],
        "timeline": [{"at": e.created_at, "text": e.text} for e in view.timeline],
        "following": view.following,
        "can_rate": view.can_act and q.state == State.PUBLISHED,
        "can_reopen": view.can_act and q.state == State.RATED and q.rating == Rating.UNSATISFIED and q.reopened < 1,
        "can_follow_up": view.can_act and q.state in (State.PUBLISHED, State.RATED) and follow_ups < services.conf("MAX_FOLLOW_UPS"),
    }


def _not_found() -> Http404:
    return Http404(_("This question was not found."))


def _own_or_visible(request: HttpRequest, receipt: str, fan) -> selectors.View:
    view = selectors.find(receipt, fan=fan)
    if view is None:
        raise _not_found()
    return view


def _after_write(request: HttpRequest, receipt: str, fan) -> dict:
    return _detail(_own_or_visible(request, receipt, fan))


# --- reads ------------------------------------------------------------------------------------------


@router.get("/inquiries/options", response={200: OptionsOut, **ERRORS}, summary="What a question may be filed as")
def options(request: HttpRequest):
    opts = selectors.options()

    def bounds(name):
        low, high = services.conf(name)
        return {"min": low, "max": high}

    return {
        "kinds": [{"value": v, "label": str(label)} for v, label in Kind.choices],
        "ratings": [{"value": v, "label": str(label)} for v, label in Rating.choices],
        "categories": [{"id": c.pk, "name": c.name} for c in opts["categories"]],
        "units": [_unit(u) for u in opts["units"]],
        "title_length": bounds("TITLE_LENGTH"),
        "body_length": bounds("BODY_LENGTH"),
        "location_length": bounds("LOCATION_LENGTH"),
        "max_attachments": services.conf("MAX_ATTACHMENTS"),
    }


@router.get("/inquiries", response={200: InquiryPage, **ERRORS}, summary="Published questions and answers")
def inquiries(request: HttpRequest, filters: Query[InquiryListQuery]):
    found = selectors.published(
        kind=filters.kind, location=filters.town, unit_id=filters.unit, category_id=filters.category, q=filters.q, sort=filters.sort
    )
    total = found.count()
    start = (filters.page - 1) * filters.limit
    return {
        "items": [_card(q) for q in found[start : start + filters.limit]],
        "total": total,
        "page": filters.page,
        "pages": max(1, -(-total // filters.limit)),
    }


@router.get("/inquiries/mine", response={200: list[MineCard], **ERRORS}, summary="My questions, in every state (logged-in app user)")
def my_inquiries(request: HttpRequest, response: HttpResponse):
    fan = current_fan(request)
    if fan is None:
        raise NotLoggedIn()
    _private(response)
    return [
        {
            "receipt": q.receipt,
            "title": q.title,
            "kind": q.kind,
            "kind_label": q.get_kind_display(),
            "state": q.state,
            "state_label": q.get_state_display(),
            "is_public": q.is_public,
            "unit": q.lead_unit.name if q.lead_unit else None,
            "submitted_at": q.submitted_at,
            "url": q.get_absolute_url(),
        }
        for q in selectors.mine(fan)[:MINE_LIMIT]
    ]


@router.get(
    "/inquiries/{receipt}",
    response={200: InquiryOut, **ERRORS, 429: ErrorOut},
    summary="One question: public, your own, or with its query code",
)
def inquiry(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath], filters: Query[DetailQuery]):
    fan = current_fan(request)
    receipt, unlocked = path.receipt, False
    if filters.code:
        found = selectors.lookup(path.receipt, filters.code, ip=request_ip(request))
        if found is None:
            raise _not_found()
        receipt, unlocked = found.receipt, True
    view = selectors.find(receipt, fan=fan, unlocked=unlocked)
    if view is None:
        raise _not_found()
    if view.as_author or fan is not None:
        _private(response)
    return _detail(view)


# --- writes -----------------------------------------------------------------------------------------


@router.post(
    "/inquiries",
    response={201: InquiryOut, **ERRORS, 429: ErrorOut},
    summary="Ask a question (logged-in app user; JSON, files on the phone site's form)",
)
def ask(request: HttpRequest, response: HttpResponse, payload: InquiryIn):
    fan = fan_for_write(request)
    _private(response)
    try:
        inquiry = services.submit(
            fan=fan,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            location=payload.location,
            is_public=payload.is_public,
            category_id=payload.category_id,
            unit_id=payload.unit_id,
            ip=request_ip(request),
        )
    except services.Throttled as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, {"detail": exc.message, "code": exc.code, "field": exc.field})
    return Status(201, _after_write(request, inquiry.receipt, fan))


def _authors_question(request: HttpRequest, receipt: str):
    fan = fan_for_write(request)
    view = _own_or_visible(request, receipt, fan)
    return fan, view.inquiry


@router.post("/inquiries/{receipt}/rating", response={200: InquiryOut, **ERRORS}, summary="Rate the answer (the author)")
def rate(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath], payload: RatingIn):
    fan, inquiry = _authors_question(request, path.receipt)
    services.rate(fan=fan, inquiry=inquiry, rating=payload.rating, reason=payload.reason)
    _private(response)
    return _after_write(request, path.receipt, fan)


@router.post(
    "/inquiries/{receipt}/reopen", response={200: InquiryOut, **ERRORS}, summary="Send it back to the unit once (rated unsatisfied)"
)
def reopen(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath], payload: ReasonIn):
    fan, inquiry = _authors_question(request, path.receipt)
    services.reopen(fan=fan, inquiry=inquiry, reason=payload.reason)
    _private(response)
    return _after_write(request, path.receipt, fan)


@router.post("/inquiries/{receipt}/follow-ups", response={201: InquiryOut, **ERRORS}, summary="Ask a follow-up question (追问, the author)")
def follow_up(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath], payload: TextIn):
    fan, inquiry = _authors_question(request, path.receipt)
    services.follow_up(fan=fan, inquiry=inquiry, text=payload.text)
    _private(response)
    return Status(201, _after_write(request, path.receipt, fan))


@router.post("/inquiries/{receipt}/info", response={200: InquiryOut, **ERRORS}, summary="Give the information the media center asked for")
def give_info(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath], payload: TextIn):
    fan, inquiry = _authors_question(request, path.receipt)
    services.give_info(fan=fan, inquiry=inquiry, text=payload.text)
    _private(response)
    return _after_write(request, path.receipt, fan)


def _follow(request: HttpRequest, receipt: str, keep: bool) -> dict:
    fan = fan_for_write(request)
    view = _own_or_visible(request, receipt, fan)
    following = services.set_follow(fan=fan, inquiry=view.inquiry, keep=keep)
    count = Inquiry.objects.filter(pk=view.inquiry.pk).values_list("followers_count", flat=True).first() or 0
    return {"following": following, "followers_count": count}


@router.put("/inquiries/{receipt}/follow", response={200: FollowOut, **ERRORS}, summary="Follow (关注) a question")
def follow(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath]):
    _private(response)
    return _follow(request, path.receipt, True)


@router.delete("/inquiries/{receipt}/follow", response={200: FollowOut, **ERRORS}, summary="Stop following a question")
def unfollow(request: HttpRequest, response: HttpResponse, path: Path[ReceiptPath]):
    _private(response)
    return _follow(request, path.receipt, False)
