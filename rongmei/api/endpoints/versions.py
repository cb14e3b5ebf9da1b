"""Channel versions of a story (多次生成): each channel's content generated from the signed-off
version, adjusted by the channel editor, approved when the channel needs its own review.

Register in rongmei/api/urls.py: ``api.add_router("", versions.router)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from rongmei.api.endpoints.common import find_channels
from rongmei.api.schemas import ERRORS, Id, UserRef
from rongmei.core.exceptions import StateConflict
from rongmei.distribution import versions
from rongmei.distribution.formatters import gov_site, newspaper
from rongmei.distribution.models import ChannelVersion
from rongmei.newsroom.models import Story

router = Router(tags=["channel versions"])


class ChannelVersionOut(Schema):
    id: int
    story_id: int
    version: int = Field(description="The story version's number")
    channel: str
    state: str = Field(description="generated, edited or approved")
    needs_review: bool = Field(description="Whether the channel publishes only an approved channel version")
    ready: bool = Field(description="Whether the channel may publish this version now")
    content: dict[str, Any] = Field(description="The channel's fields (see the channel's formatter)")
    generated_at: dt.datetime
    edited_by: UserRef | None
    edited_at: dt.datetime | None
    approved_by: UserRef | None
    approved_at: dt.datetime | None

    @staticmethod
    def resolve_story_id(obj) -> int:
        return obj.version.story_id

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number

    @staticmethod
    def resolve_channel(obj) -> str:
        return obj.channel.code

    @staticmethod
    def resolve_needs_review(obj) -> bool:
        return obj.channel.needs_review

    @staticmethod
    def resolve_ready(obj) -> bool:
        return versions.ready_for(obj.version, obj.channel)


class GenerateIn(Schema):
    channels: list[str] | None = Field(None, max_length=20, description="Channel codes; empty means every active channel")
    force: bool = Field(False, description="Generate again even versions someone edited or approved")
    target_chars: int | None = Field(None, ge=newspaper.MIN_TARGET, le=newspaper.MAX_TARGET, description="Newspaper print length")


class ContentIn(Schema):
    content: dict[str, Any] = Field(description="The fields to change; the others keep their values")


def _story(story_id: int) -> Story:
    story = get_object_or_404(Story.objects.select_related("team", "current_version"), pk=story_id)
    if story.current_version_id is None:
        raise StateConflict(_("The story has no signed-off version yet."))
    return story


def _one(story: Story, code: str, *, actor=None, generate: bool = False) -> ChannelVersion:
    (channel,) = find_channels([code])
    cv = ChannelVersion.objects.filter(version_id=story.current_version_id, channel=channel).first()
    if cv is None and generate:
        cv = versions.get_or_generate(actor=actor, version=story.current_version, channel=channel)
    if cv is None:
        raise Http404
    return ChannelVersion.objects.select_related("version", "channel", "edited_by", "approved_by").get(pk=cv.pk)


@router.get(
    "/stories/{story_id}/channel-versions",
    response={200: list[ChannelVersionOut], **ERRORS},
    summary="A story's channel versions (of its signed-off version)",
)
def list_versions(request, story_id: Id):
    story = get_object_or_404(Story, pk=story_id)
    return list(
        ChannelVersion.objects.filter(version_id=story.current_version_id)
        .select_related("version", "channel", "edited_by", "approved_by")
        .order_by("channel__sort_order")
    )


@router.post(
    "/stories/{story_id}/channel-versions",
    response={200: list[ChannelVersionOut], **ERRORS},
    summary="Generate channel versions (idempotent: edited and approved ones are kept unless forced)",
)
def generate(request, story_id: Id, payload: GenerateIn):
    from rongmei.distribution.models import Channel

    story = _story(story_id)
    chans = find_channels(payload.channels) if payload.channels else list(Channel.objects.filter(active=True))
    options = {"newspaper": {"target_chars": payload.target_chars}} if payload.target_chars else None
    made = versions.generate(actor=request.auth, version=story.current_version, channels=chans, force=payload.force, options=options)
    return list(ChannelVersion.objects.filter(pk__in=[c.pk for c in made]).select_related("version", "channel", "edited_by", "approved_by"))


@router.get(
    "/stories/{story_id}/channel-versions/{channel}",
    response={200: ChannelVersionOut, **ERRORS},
    summary="One channel's version of a story",
)
def get_version(request, story_id: Id, channel: str):
    return _one(_story(story_id), channel)


@router.put(
    "/stories/{story_id}/channel-versions/{channel}",
    response={200: ChannelVersionOut, **ERRORS},
    summary="Adjust a channel version (checked against the channel's limits)",
)
def edit_version(request, story_id: Id, channel: str, payload: ContentIn):
    story = _story(story_id)
    cv = _one(story, channel, actor=request.auth, generate=True)
    versions.edit(actor=request.auth, channel_version=cv, content=payload.content)
    return _one(story, channel)


@router.post(
    "/stories/{story_id}/channel-versions/{channel}/approve",
    response={200: ChannelVersionOut, **ERRORS},
    summary="Approve a channel version (channels that need their own review; not by the story's authors)",
)
def approve_version(request, story_id: Id, channel: str):
    story = _story(story_id)
    versions.approve(actor=request.auth, channel_version=_one(story, channel))
    return _one(story, channel)


@router.get(
    "/stories/{story_id}/channel-versions/gov_site/gov.xml",
    response={200: None, **ERRORS},
    summary="The government-website version as XML (UTF-8)",
)
def gov_xml(request, story_id: Id):
    cv = _one(_story(story_id), "gov_site")
    return HttpResponse(gov_site.to_xml(cv.content), content_type="application/xml; charset=utf-8")
