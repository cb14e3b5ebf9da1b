"""Media (素材): resumable chunked uploads, the library, renditions and their retry, focal points,
and the assets of a story."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.api.endpoints.common import find
from rongmei.api.schemas import ERRORS, MAX_ID, ErrorOut, Id, Offset, UserRef, page
from rongmei.media import selectors, services
from rongmei.media.models import Asset, Rendition, Subtitle
from rongmei.newsroom.models import Story

router = Router(tags=["media"])

ByteOffset = Annotated[int, Field(ge=0, le=MAX_ID)]
AssetKind = Literal[tuple(Asset.Kind.values)]  # type: ignore[valid-type]


# --- uploads ------------------------------------------------------------------------------


class UploadStartIn(Schema):
    file_name: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=1, le=MAX_ID, description="The file's size in bytes; refused up front when over the limit")
    title: str = Field("", max_length=200)
    story_id: Id | None = Field(None, description="Add the asset to this story when done")


class UploadOut(Schema):
    id: uuid.UUID
    file_name: str
    size: int
    received: int = Field(description="Bytes the server has: the next chunk starts here")
    complete: bool
    expires_at: dt.datetime
    chunk_max: int = Field(description="The largest chunk accepted, in bytes")

    @staticmethod
    def resolve_chunk_max(obj) -> int:
        return services.MAX_CHUNK_BYTES


class OffsetConflictOut(ErrorOut):
    offset: int = Field(description="Bytes the server has: resume from here")


@router.post("/media/uploads", response={201: UploadOut, **ERRORS}, url_name="media_upload_start", summary="Start a resumable upload")
def start_upload(request, payload: UploadStartIn):
    session = services.start_upload(
        actor=request.auth,
        file_name=payload.file_name,
        size=payload.size,
        title=payload.title,
        story=find(Story, payload.story_id, field="story_id"),
    )
    return Status(201, session)


@router.get("/media/uploads/{upload_id}", response={200: UploadOut, **ERRORS}, summary="How much of an upload the server has")
def upload_status(request, upload_id: uuid.UUID):
    return services.get_session(actor=request.auth, session_id=upload_id)


@router.put(
    "/media/uploads/{upload_id}",
    response={200: UploadOut, 409: OffsetConflictOut, **{k: v for k, v in ERRORS.items() if k != 409}},
    summary="Append a chunk",
    openapi_extra={
        "requestBody": {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}, "required": True}
    },
)
def upload_chunk(request, upload_id: uuid.UUID, offset: ByteOffset):
    """The raw bytes of the chunk as the body, written at `offset`. An offset other than the
    server's is refused with 409 and the server's offset:
    continue from there."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        session = services.append_chunk(actor=request.auth, session_id=upload_id, offset=offset, stream=request, length=length)
    except services.OffsetMismatch as e:
        response = Status(409, {"detail": e.message, "code": e.code, "field": "offset", "offset": e.offset})
        return response
    return session


@router.delete("/media/uploads/{upload_id}", response={204: None, **ERRORS}, summary="Cancel an upload")
def cancel_upload(request, upload_id: uuid.UUID):
    services.cancel_upload(actor=request.auth, session_id=upload_id)
    return Status(204, None)


# --- assets -------------------------------------------------------------------------------


class RenditionOut(Schema):
    id: int
    kind: str
    kind_name: str
    status: str
    progress: int
    error: str
    error_detail: str
    attempts: int
    width: int | None
    height: int | None
    size: int
    url: str | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_name(obj) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_url(obj) -> str | None:
        if obj.status != Rendition.Status.DONE or not obj.rel_path:
            return None
        return reverse("media:file", args=[obj.asset_id, obj.rel_path])


class AssetSummaryOut(Schema):
    id: int
    kind: str
    title: str
    tags: list[str]
    mime: str
    size: int
    original_name: str
    uploaded_by: UserRef
    created_at: dt.datetime
    thumbnail_url: str | None

    @staticmethod
    def resolve_thumbnail_url(obj) -> str | None:
        thumb = selectors.thumbnail(obj)
        return reverse("media:file", args=[obj.pk, thumb.rel_path]) if thumb is not None else None


class StoryLinkOut(Schema):
    story_id: int
    headline: str
    order: int
    caption: str

    @staticmethod
    def resolve_headline(obj) -> str:
        return obj.story.headline


class SubtitleOut(Schema):
    id: int
    language: str
    label: str
    source_format: str
    cues: int
    burn_in: bool
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("media:file", args=[obj.asset_id, obj.rel_path])


class AssetOut(AssetSummaryOut):
    sha256: str
    metadata: dict
    focal_x: float
    focal_y: float
    original_url: str
    hls_url: str | None
    renditions: list[RenditionOut]
    stories: list[StoryLinkOut]
    subtitles: list[SubtitleOut]
    can_edit: bool

    @staticmethod
    def resolve_subtitles(obj) -> list:
        return list(obj.subtitles.all())

    @staticmethod
    def resolve_original_url(obj) -> str:
        return reverse("media:original", args=[obj.pk])

    @staticmethod
    def resolve_renditions(obj) -> list:
        return list(obj.renditions.all())

    @staticmethod
    def resolve_stories(obj) -> list:
        return list(obj.story_links.all())

    @staticmethod
    def resolve_hls_url(obj) -> str | None:
        done = any(r.kind in services.HLS_RUNGS and r.status == Rendition.Status.DONE for r in obj.renditions.all())
        return reverse("media:file", args=[obj.pk, "hls/master.m3u8"]) if done else None


def _asset(pk: int, user=None) -> Asset:
    try:
        asset = selectors.asset_detail(pk)
    except Asset.DoesNotExist as e:
        from django.http import Http404

        raise Http404 from e
    asset.can_edit = services.can_edit_asset(user, asset) if user is not None else True
    return asset


@router.post(
    "/media/uploads/{upload_id}/finish", response={201: AssetOut, 503: ErrorOut, **ERRORS}, summary="Finish: check the file, make the asset"
)
def finish_upload(request, upload_id: uuid.UUID):
    """The type is judged from the content; a damaged, truncated or unsupported file is refused
    (400, code bad_file) and the upload's data removed. Renditions are queued."""
    asset = services.finish_upload(actor=request.auth, session_id=upload_id)
    return Status(201, _asset(asset.pk, request.auth))


class AssetPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AssetSummaryOut]


class AssetFilter(Schema):
    q: str = Field("", max_length=100, description="Words in the title, tags or file name")
    kind: AssetKind | None = None
    tag: str = Field("", max_length=30)
    mine: bool = Field(False, description="Only what I uploaded")
    story: Id | None = Field(None, description="Only the assets of this story")
    limit: int = Field(48, ge=1, le=200)
    offset: Offset = 0


@router.get("/media/assets", response={200: AssetPage, **ERRORS}, summary="Search the library")
def list_assets(request, filters: Query[AssetFilter]):
    story = get_object_or_404(Story, pk=filters.story) if filters.story is not None else None
    qs = selectors.assets(
        query=filters.q, kind=filters.kind or "", tag=filters.tag, uploaded_by=request.auth if filters.mine else None, story=story
    )
    return page(qs, filters.limit, filters.offset)


@router.get("/media/assets/{asset_id}", response={200: AssetOut, **ERRORS}, summary="An asset with its renditions")
def get_asset(request, asset_id: Id):
    return _asset(asset_id, request.auth)


class AssetIn(Schema):
    title: str | None = Field(None, max_length=200)
    tags: list[Annotated[str, Field(max_length=30)]] | None = Field(None, max_length=services.MAX_TAGS)


@router.patch("/media/assets/{asset_id}", response={200: AssetOut, **ERRORS}, summary="Change the title or tags")
def update_asset(request, asset_id: Id, payload: AssetIn):
    asset = get_object_or_404(Asset, pk=asset_id)
    services.update_asset(actor=request.auth, asset=asset, title=payload.title, tags=payload.tags)
    return _asset(asset_id, request.auth)


class FocalIn(Schema):
    x: float = Field(ge=0, le=1, description="From the left edge, 0..1")
    y: float = Field(ge=0, le=1, description="From the top edge, 0..1")


@router.put("/media/assets/{asset_id}/focal-point", response={200: AssetOut, **ERRORS}, summary="Set the focal point (crops are remade)")
def set_focal_point(request, asset_id: Id, payload: FocalIn):
    asset = get_object_or_404(Asset, pk=asset_id)
    services.set_focal_point(actor=request.auth, asset=asset, x=payload.x, y=payload.y)
    return _asset(asset_id, request.auth)


@router.post(
    "/media/assets/{asset_id}/renditions/{rendition_id}/retry", response={200: RenditionOut, **ERRORS}, summary="Make a rendition again"
)
def retry_rendition(request, asset_id: Id, rendition_id: Id):
    rendition = get_object_or_404(Rendition.objects.select_related("asset"), pk=rendition_id, asset_id=asset_id)
    return services.retry_rendition(actor=request.auth, rendition=rendition)


class AttachIn(Schema):
    story_id: Id
    caption: str = Field("", max_length=500)


@router.post("/media/assets/{asset_id}/stories", response={201: StoryLinkOut, **ERRORS}, summary="Add the asset to a story")
def attach(request, asset_id: Id, payload: AttachIn):
    asset = get_object_or_404(Asset, pk=asset_id)
    story = find(Story, payload.story_id, field="story_id")
    link = services.attach(actor=request.auth, asset=asset, story=story, caption=payload.caption)
    return Status(201, link)


@router.delete("/media/assets/{asset_id}/stories/{story_id}", response={204: None, **ERRORS}, summary="Take the asset out of a story")
def detach(request, asset_id: Id, story_id: Id):
    asset = get_object_or_404(Asset, pk=asset_id)
    story = get_object_or_404(Story, pk=story_id)
    services.detach(actor=request.auth, asset=asset, story=story)
    return Status(204, None)


class SubtitleIn(Schema):
    content: str = Field(min_length=1, max_length=2_000_000, description="The SRT or WebVTT text")
    language: str = Field("zh-hans", max_length=20)
    label: str = Field("", max_length=60)
    burn_in: bool = Field(False, description="Burn these into the vertical cut (it is made again)")


@router.post("/media/assets/{asset_id}/subtitles", response={201: SubtitleOut, **ERRORS}, summary="Attach subtitles to a video")
def add_subtitles(request, asset_id: Id, payload: SubtitleIn):
    asset = get_object_or_404(Asset, pk=asset_id)
    track = services.add_subtitles(
        actor=request.auth,
        asset=asset,
        data=payload.content.encode("utf-8"),
        language=payload.language,
        label=payload.label,
        burn_in=payload.burn_in,
    )
    return Status(201, track)


class BurnInIn(Schema):
    burn_in: bool


@router.patch(
    "/media/assets/{asset_id}/subtitles/{subtitle_id}", response={200: SubtitleOut, **ERRORS}, summary="Burn subtitles in, or not"
)
def set_burn_in(request, asset_id: Id, subtitle_id: Id, payload: BurnInIn):
    track = get_object_or_404(Subtitle.objects.select_related("asset"), pk=subtitle_id, asset_id=asset_id)
    return services.set_burn_in(actor=request.auth, track=track, burn_in=payload.burn_in)


@router.delete("/media/assets/{asset_id}/subtitles/{subtitle_id}", response={204: None, **ERRORS}, summary="Remove subtitles")
def remove_subtitles(request, asset_id: Id, subtitle_id: Id):
    track = get_object_or_404(Subtitle.objects.select_related("asset"), pk=subtitle_id, asset_id=asset_id)
    services.remove_subtitles(actor=request.auth, track=track)
    return Status(204, None)
