"""Stories (稿件): writing, versions, content safety, three-level review, edit locks, the audit trail."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.accounts.models import Team, User
from rongmei.api.endpoints.common import find
from rongmei.api.schemas import ERRORS, Id, Number, Offset, PlaceRef, TeamRef, UserRef, page
from rongmei.core import audit, safety
from rongmei.core.exceptions import DomainError
from rongmei.core.models import Place
from rongmei.newsroom import permissions as perms
from rongmei.newsroom import selectors, services
from rongmei.newsroom.models import EditLock, Plan, ReviewComment, Story, StoryVersion
from rongmei.newsroom.services.stories import MAX_BODY_CHARS, reading_minutes, version_text

router = Router(tags=["stories"])

StoryState = Literal[tuple(Story.State.values)]  # type: ignore[valid-type]


class StoryOut(Schema):
    id: int
    headline: str
    team: TeamRef
    state: str
    review_level: int
    authors: list[UserRef]
    created_at: dt.datetime
    updated_at: dt.datetime
    word_count: int
    current_version: int | None = Field(description="Number of the current version")
    signed_off_at: dt.datetime | None

    @staticmethod
    def resolve_current_version(obj) -> int | None:
        return obj.current_version.number if obj.current_version_id else None


class StoryPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[StoryOut]


class StoryFilter(Schema):
    state: StoryState | None = None
    team: Id | None = Field(None, description="Team id")
    mine: bool = Field(False, description="Only stories I am an author of")
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


@router.get("/stories", response={200: StoryPage, **ERRORS}, summary="Stories")
def list_stories(request, filters: Query[StoryFilter]):
    team = get_object_or_404(Team, pk=filters.team) if filters.team is not None else None
    qs = selectors.stories(state=filters.state, team=team, author=request.auth if filters.mine else None)
    return page(qs, filters.limit, filters.offset)


class ApprovalOut(Schema):
    level: int
    reviewer: UserRef
    created_at: dt.datetime
    comment: str


class VersionSummaryOut(Schema):
    number: int
    headline: str
    word_count: int
    created_by: UserRef
    created_at: dt.datetime
    note: str


class VersionOut(VersionSummaryOut):
    subtitle: str
    intro: str
    body: str
    source: str
    keywords: list[str]
    reading_minutes: int
    approvals: list[ApprovalOut]

    @staticmethod
    def resolve_reading_minutes(obj) -> int:
        return reading_minutes(obj)

    @staticmethod
    def resolve_approvals(obj) -> list:
        cached = getattr(obj, "approvals_list", None)
        return cached if cached is not None else list(obj.approvals.select_related("reviewer").order_by("level"))


class ReviewStepOut(Schema):
    level: int
    name: str
    role: str
    approved_by: UserRef | None
    approved_at: dt.datetime | None
    comment: str


class ReviewStatusOut(Schema):
    chain: list[ReviewStepOut]
    next_level: int | None = Field(description="The level waiting for review, when the story is in review")
    next_level_name: str | None
    can_review: bool = Field(description="Whether the caller may review the next level now")
    refusal: str | None = Field(description="Why the caller may not, when in review")


class CommentOut(Schema):
    id: int
    version: int
    author: UserRef
    level: int
    text: str
    quote: str
    start: int | None
    end: int | None
    created_at: dt.datetime

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number

    @staticmethod
    def resolve_start(obj) -> int | None:
        return obj.anchor_start

    @staticmethod
    def resolve_end(obj) -> int | None:
        return obj.anchor_end


class LockOut(Schema):
    holder: UserRef
    acquired_at: dt.datetime
    expires_at: dt.datetime
    mine: bool


class StoryDetailOut(StoryOut):
    subtitle: str
    intro: str
    body: str
    source: str
    keywords: list[str]
    place: PlaceRef | None
    plan_id: int | None
    assignment_id: int | None
    created_by: UserRef
    signed_off_by: UserRef | None
    reading_minutes: int
    version: VersionOut | None = Field(description="The current version")
    review: ReviewStatusOut
    comments: list[CommentOut] = Field(description="Comments on the current version")
    lock: LockOut | None = Field(description="The live edit lock, if someone holds one")
    can_edit: bool
    can_submit: bool

    @staticmethod
    def resolve_version(obj):
        return obj.current_version

    @staticmethod
    def resolve_comments(obj) -> list:
        return obj.comments_list


def story_detail(story_id: int, user) -> Story:
    """The story with everything the editor and review screens show. Reads the selectors lack."""
    story = get_object_or_404(
        selectors.stories().select_related("place__parent", "signed_off_by", "team__lead").prefetch_related("team__review_steps"),
        pk=story_id,
    )
    version = story.current_version
    approvals = {}
    if version is not None:
        version.approvals_list = list(version.approvals.select_related("reviewer").order_by("level"))
        approvals = {a.level: a for a in version.approvals_list}
    chain = perms.review_chain(story.team)
    in_review = story.state == Story.State.IN_REVIEW
    step = next((s for s in chain if s.level == story.review_level), None) if in_review else None
    refusal = perms.review_refusal(user, story) if in_review else None
    story.review = {
        "chain": [
            {
                "level": s.level,
                "name": str(s.name),
                "role": s.role,
                "approved_by": approvals[s.level].reviewer if s.level in approvals else None,
                "approved_at": approvals[s.level].created_at if s.level in approvals else None,
                "comment": approvals[s.level].comment if s.level in approvals else "",
            }
            for s in chain
        ],
        "next_level": step.level if step else None,
        "next_level_name": str(step.name) if step else None,
        "can_review": in_review and refusal is None,
        "refusal": refusal,
    }
    story.reading_minutes = reading_minutes(story)
    story.comments_list = (
        list(ReviewComment.objects.filter(version=version).select_related("author", "version")) if version is not None else []
    )
    lock = EditLock.objects.select_related("holder").filter(story=story).first()
    story.lock = (
        {"holder": lock.holder, "acquired_at": lock.acquired_at, "expires_at": lock.expires_at, "mine": lock.holder_id == user.pk}
        if lock is not None and lock.is_active
        else None
    )
    story.can_edit = perms.can_edit_story(user, story)
    story.can_submit = perms.can_submit_story(user, story)
    return story


@router.get(
    "/stories/{story_id}", response={200: StoryDetailOut, **ERRORS}, summary="A story: working copy, current version, review status"
)
def get_story(request, story_id: Id):
    return story_detail(story_id, request.auth)


class StoryIn(Schema):
    team_id: Id
    headline: str = Field(max_length=80)
    subtitle: str = Field("", max_length=120)
    intro: str = Field("", max_length=1000)
    body: str = Field("", description="Rich text (HTML); sanitized on save")
    source: str = Field("", max_length=60)
    keywords: list[str] = Field([], max_length=10)
    place_id: Id | None = None
    plan_id: Id | None = None


@router.post("/stories", response={201: StoryDetailOut, **ERRORS}, summary="Start a story")
def create_story(request, payload: StoryIn):
    story = services.create_story(
        actor=request.auth,
        team=find(Team, payload.team_id, field="team_id"),
        headline=payload.headline,
        subtitle=payload.subtitle,
        intro=payload.intro,
        body=payload.body,
        source=payload.source,
        keywords=payload.keywords,
        place=find(Place, payload.place_id, field="place_id"),
        plan=find(Plan, payload.plan_id, field="plan_id"),
    )
    return Status(201, story_detail(story.pk, request.auth))


class StoryFieldsIn(Schema):
    """Only the fields sent are changed."""

    headline: str | None = Field(None, max_length=80)
    subtitle: str | None = Field(None, max_length=120)
    intro: str | None = Field(None, max_length=1000)
    body: str | None = None
    source: str | None = Field(None, max_length=60)
    keywords: list[str] | None = Field(None, max_length=10)


def _fields(payload: StoryFieldsIn | None, *exclude: str) -> dict:
    return payload.model_dump(exclude_unset=True, exclude=set(exclude)) if payload is not None else {}


def _story(story_id: int) -> Story:
    return get_object_or_404(Story, pk=story_id)


@router.patch("/stories/{story_id}", response={200: StoryDetailOut, **ERRORS}, summary="Autosave the working copy")
def autosave(request, story_id: Id, payload: StoryFieldsIn):
    services.autosave(actor=request.auth, story=_story(story_id), **_fields(payload))
    return story_detail(story_id, request.auth)


class SaveVersionIn(StoryFieldsIn):
    note: str = Field("", max_length=200)


@router.post("/stories/{story_id}/versions", response={201: VersionOut, **ERRORS}, summary="Save the working copy as a version")
def save_version(request, story_id: Id, payload: SaveVersionIn | None = None):
    version = services.save_version(
        actor=request.auth, story=_story(story_id), note=payload.note if payload else "", **_fields(payload, "note")
    )
    return Status(201, version)


@router.get("/stories/{story_id}/versions", response={200: list[VersionSummaryOut], **ERRORS}, summary="The story's versions")
def list_versions(request, story_id: Id):
    return StoryVersion.objects.filter(story=_story(story_id)).select_related("created_by").order_by("number")


@router.get("/stories/{story_id}/versions/{number}", response={200: VersionOut, **ERRORS}, summary="One version")
def get_version(request, story_id: Id, number: Number):
    return get_object_or_404(StoryVersion.objects.select_related("created_by"), story_id=story_id, number=number)


class CheckIn(Schema):
    """Text to check; fields not sent come from the working copy. With ``version``, that version is checked."""

    version: Number | None = None
    headline: str | None = Field(None, max_length=80)
    subtitle: str | None = Field(None, max_length=120)
    intro: str | None = Field(None, max_length=1000)
    body: str | None = Field(None, max_length=MAX_BODY_CHARS)


class HitOut(Schema):
    word: str
    category: str
    severity: Literal["block", "flag"]
    start: int
    end: int


class CheckOut(Schema):
    text: str = Field(description="The scanned text; hit offsets index into it")
    hits: list[HitOut]
    blocking: bool = Field(description="Whether a hit would stop submission")


@router.post("/stories/{story_id}/check", response={200: CheckOut, **ERRORS}, summary="Sensitive-word check")
def check(request, story_id: Id, payload: CheckIn | None = None):
    story = _story(story_id)
    if payload is not None and payload.version is not None:
        source = get_object_or_404(StoryVersion, story=story, number=payload.version)
    else:
        text_fields = {name: getattr(story, name) for name in ("headline", "subtitle", "intro", "body")}
        text_fields.update({name: value or "" for name, value in _fields(payload, "version").items()})
        source = SimpleNamespace(**text_fields)
    text = version_text(source)
    hits = safety.scan(text)
    return {"text": text, "hits": [h.as_dict() for h in hits], "blocking": bool(safety.blocking(hits))}


class SubmitIn(Schema):
    override_reason: str = Field("", max_length=500, description="Chief editor only: why block-level words may pass")


@router.post("/stories/{story_id}/submit", response={200: StoryDetailOut, **ERRORS}, summary="Submit for review")
def submit(request, story_id: Id, payload: SubmitIn | None = None):
    services.submit_story(actor=request.auth, story=_story(story_id), override_reason=payload.override_reason if payload else "")
    return story_detail(story_id, request.auth)


class ApproveIn(Schema):
    comment: str = Field("", max_length=500)
    version: Number | None = Field(None, description="The version number the reviewer read; refused if the story changed since")


@router.post("/stories/{story_id}/approve", response={200: StoryDetailOut, **ERRORS}, summary="Approve the current review level")
def approve(request, story_id: Id, payload: ApproveIn | None = None):
    payload = payload or ApproveIn()
    services.approve(actor=request.auth, story=_story(story_id), comment=payload.comment, version_number=payload.version)
    return story_detail(story_id, request.auth)


class AnchoredCommentIn(Schema):
    text: str = Field(max_length=1000)
    quote: str = Field("", max_length=300, description="The passage of the body's plain text the comment is about")
    start: Offset | None = None
    end: Offset | None = None


class ReturnIn(Schema):
    reason: str = Field(max_length=1000)
    comments: list[AnchoredCommentIn] = Field([], max_length=100)
    version: Number | None = None


@router.post("/stories/{story_id}/return", response={200: StoryDetailOut, **ERRORS}, summary="Return to the authors with comments")
def return_story(request, story_id: Id, payload: ReturnIn):
    services.return_story(
        actor=request.auth,
        story=_story(story_id),
        reason=payload.reason,
        comments=[c.model_dump() for c in payload.comments],
        version_number=payload.version,
    )
    return story_detail(story_id, request.auth)


@router.post("/stories/{story_id}/comments", response={201: CommentOut, **ERRORS}, summary="Comment on the current version")
def add_comment(request, story_id: Id, payload: AnchoredCommentIn):
    comment = services.add_comment(
        actor=request.auth, story=_story(story_id), text_=payload.text, quote=payload.quote, start=payload.start, end=payload.end
    )
    return Status(201, comment)


@router.post("/stories/{story_id}/lock", response={200: LockOut, **ERRORS}, summary="Take or renew the edit lock")
def acquire_lock(request, story_id: Id):
    lock = services.acquire_lock(actor=request.auth, story=_story(story_id))
    return {"holder": lock.holder, "acquired_at": lock.acquired_at, "expires_at": lock.expires_at, "mine": True}


@router.delete("/stories/{story_id}/lock", response={204: None, **ERRORS}, summary="Release my edit lock")
def release_lock(request, story_id: Id):
    services.release_lock(actor=request.auth, story=_story(story_id))
    return Status(204, None)


@router.post("/stories/{story_id}/unlock", response={204: None, **ERRORS}, summary="Force the edit lock open (column lead, chief editor)")
def force_unlock(request, story_id: Id):
    services.force_unlock(actor=request.auth, story=_story(story_id))
    return Status(204, None)


class AuthorsIn(Schema):
    author_ids: list[Id] = Field(min_length=1, max_length=20, description="Ids of newsroom staff; the byline in this order")


@router.put("/stories/{story_id}/authors", response={200: StoryDetailOut, **ERRORS}, summary="Set the authors of a draft")
def set_authors(request, story_id: Id, payload: AuthorsIn):
    """Only while the story is a draft, by one of its authors or the team's column lead (or the chief editor)."""
    ids = list(dict.fromkeys(payload.author_ids))
    people = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in people]
    if missing:
        raise DomainError(_("Unknown people: %(ids)s") % {"ids": ", ".join(missing)}, field="author_ids")
    services.set_authors(actor=request.auth, story=_story(story_id), authors=[people[pk] for pk in ids])
    return story_detail(story_id, request.auth)


class AuditEntryOut(Schema):
    id: int
    created_at: dt.datetime
    actor: UserRef | None
    actor_name: str
    action: str
    subject_type: str
    subject_id: str
    summary: str
    from_state: str
    to_state: str
    data: dict
    ip_address: str | None


@router.get("/stories/{story_id}/audit", response={200: list[AuditEntryOut], **ERRORS}, summary="The story's audit timeline")
def story_audit(request, story_id: Id):
    story = get_object_or_404(Story.objects.select_related("assignment", "plan"), pk=story_id)
    related = [obj for obj in (story.plan, story.assignment) if obj is not None]
    return audit.history(story, *related)
