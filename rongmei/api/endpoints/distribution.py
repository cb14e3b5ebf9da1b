"""Distribution (多元发布): channels, publications, retries and retraction (撤稿).

The feeds are plain URLs: /feeds/<team slug>/rss.xml, /feeds/<team slug>/atom.xml, /feeds/ninjs.json.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from rongmei.accounts import stepup
from rongmei.api.endpoints.common import find_channels
from rongmei.api.schemas import ERRORS, Id, Offset, UserRef, aware, page
from rongmei.distribution import selectors, services
from rongmei.distribution.adapters import adapter_name
from rongmei.distribution.adapters.settings_util import FIELDS
from rongmei.distribution.models import Publication
from rongmei.newsroom.models import Story

router = Router(tags=["distribution"])

PublicationState = Literal[tuple(Publication.State.values)]  # type: ignore[valid-type]


class ChannelOut(Schema):
    code: str
    name: str
    active: bool
    adapter: str = Field(description="site, webhook or not_configured")
    configured: bool = Field(description="Whether credentials are stored (they are never shown)")

    @staticmethod
    def resolve_adapter(obj) -> str:
        return adapter_name(obj)

    @staticmethod
    def resolve_configured(obj) -> bool:
        return obj.has_credentials


class PublicationOut(Schema):
    id: int
    story_id: int
    version: int
    channel: str
    state: str
    requested_by: UserRef
    created_at: dt.datetime
    scheduled_at: dt.datetime | None
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    external_id: str
    url: str
    published_at: dt.datetime | None
    retracted_at: dt.datetime | None
    key: str = Field(description="The idempotency key sent to the channel")

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number

    @staticmethod
    def resolve_channel(obj) -> str:
        return obj.channel.code


class PublicationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PublicationOut]


class PublishIn(Schema):
    channels: list[str] = Field(min_length=1, max_length=20, description="Channel codes, e.g. website, app, wechat_oa")
    at: dt.datetime | None = Field(None, description="Publish at this time; empty or past means now")


class RetractIn(Schema):
    reason: str = Field(min_length=1, max_length=services.MAX_REASON_CHARS)


class PublicationFilter(Schema):
    state: PublicationState | None = None
    story: Id | None = Field(None, description="Story id")
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


class WebhookIn(Schema):
    url: str = Field(max_length=500)
    secret: str = Field(min_length=16, max_length=200)


@router.get("/channels", response={200: list[ChannelOut], **ERRORS}, summary="Publishing channels")
def list_channels(request):
    return selectors.channels()


@router.put(
    "/channels/{code}/webhook",
    response={200: ChannelOut, **ERRORS},
    summary="Enter a channel's webhook address and secret (stored encrypted, never shown again)",
)
def configure_webhook(request, code: str, payload: WebhookIn):
    (channel,) = find_channels([code])
    return services.configure_webhook(actor=request.auth, channel=channel, url=payload.url, secret=payload.secret)


# Every kind of delivery an operator can enter settings for (adapters/settings_util.FIELDS) and the webhook.
ConfigurableAdapter = Literal[("webhook", *FIELDS)]  # type: ignore[valid-type]


class ChannelSettingsIn(Schema):
    adapter: ConfigurableAdapter
    settings: dict[str, str | int | bool | list[str]] = Field(
        description="The adapter's fields (see docs/operations.md); secrets left empty keep the stored ones"
    )


@router.put(
    "/channels/{code}/settings",
    response={200: ChannelOut, **ERRORS},
    summary="Choose a channel's kind of delivery and enter its settings (stored encrypted, secrets never shown again)",
)
def configure_channel(request, code: str, payload: ChannelSettingsIn):
    (channel,) = find_channels([code])
    return services.configure_channel(actor=request.auth, channel=channel, adapter=payload.adapter, settings=payload.settings)


@router.get("/publications", response={200: PublicationPage, **ERRORS}, summary="Publications")
def list_publications(request, filters: Query[PublicationFilter]):
    story = get_object_or_404(Story, pk=filters.story) if filters.story is not None else None
    return page(selectors.publications(state=filters.state, story=story), filters.limit, filters.offset)


@router.get("/publications/dead", response={200: list[PublicationOut], **ERRORS}, summary="Publications that need a hand")
def list_dead(request):
    return list(selectors.dead_letters().select_related("requested_by")[:200])


@router.get("/stories/{story_id}/publications", response={200: list[PublicationOut], **ERRORS}, summary="A story's publications")
def story_publications(request, story_id: Id):
    return list(selectors.publications_of(get_object_or_404(Story, pk=story_id)))


@router.post(
    "/stories/{story_id}/publications",
    response={200: list[PublicationOut], **ERRORS},
    summary="Publish a signed-off story on channels (idempotent per story version and channel)",
    description="Privileged: a session needs a recent second factor, a token must be issued for automation (else 403 step_up_required).",
)
def publish(request, story_id: Id, payload: PublishIn):
    stepup.check_api(request)
    story = get_object_or_404(Story.objects.select_related("team"), pk=story_id)
    pubs = services.publish(actor=request.auth, story=story, channels=find_channels(payload.channels), at=aware(payload.at))
    return list(selectors.publications_of(story).filter(pk__in=[p.pk for p in pubs]))


@router.post("/publications/{publication_id}/retry", response={200: PublicationOut, **ERRORS}, summary="Try a failed publication again")
def retry(request, publication_id: Id):
    pub = get_object_or_404(Publication, pk=publication_id)
    services.retry(actor=request.auth, publication=pub)
    return selectors.publications().get(pk=pub.pk)


@router.post(
    "/stories/{story_id}/retraction",
    response={200: list[PublicationOut], **ERRORS},
    summary="Retract a story from every channel (chief editor, with a reason)",
    description="Privileged: a session needs a recent second factor, a token must be issued for automation (else 403 step_up_required).",
)
def retract(request, story_id: Id, payload: RetractIn):
    stepup.check_api(request)
    story = get_object_or_404(Story, pk=story_id)
    services.retract(actor=request.auth, story=story, reason=payload.reason)
    return list(selectors.publications_of(story))
