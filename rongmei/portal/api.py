"""The open API of the public app (for native apps and the web app): columns, a column's feed with
cursor pagination, and an article as it was published on the website. No login.

Register in rongmei/api/urls.py: ``api.add_router("", portal_api.router)``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from rongmei.api.schemas import ERRORS, Id
from rongmei.core.exceptions import DomainError
from rongmei.distribution import selectors
from rongmei.portal.media import public_media_url
from rongmei.portal.models import Column

router = Router(tags=["public app"], auth=None)

FEED_MAX = 50


class ColumnOut(Schema):
    slug: str
    name: str
    kind: str = Field(description="articles, video, services, links or topic")
    icon: str
    description: str
    link: str = Field(description="Where a link column leads; empty otherwise")


class Picture(Schema):
    src: str
    caption: str = ""
    width: int | None = None
    height: int | None = None


class VideoOut(Schema):
    src: str
    poster: str = ""


class ArticleCard(Schema):
    id: int
    headline: str
    intro: str
    team: str
    published_at: dt.datetime = Field(description="When it first went live")
    picture: Picture | None = Field(description="The first photo of the gallery, if any")
    url: str


class FeedOut(Schema):
    items: list[ArticleCard]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null at the end")


class FeedQuery(Schema):
    column: str | None = Field(None, max_length=40, description="A column's short name; all live stories without it")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=FEED_MAX)


class ArticleOut(Schema):
    id: int
    headline: str
    subtitle: str
    intro: str
    body_html: str = Field(description="Sanitized HTML")
    team: str
    authors: list[str]
    version: int
    correction: str = Field(description="What the published correction changed; empty for a first version")
    published_at: dt.datetime
    gallery: list[Picture]
    video: VideoOut | None
    url: str


def _picture(ref: dict | None) -> dict | None:
    src = public_media_url(ref)
    if not src:
        return None
    return {"src": src, "caption": ref.get("caption", ""), "width": ref.get("width"), "height": ref.get("height")}


def encode_cursor(story) -> str:
    return base64.urlsafe_b64encode(f"{story.live_at.isoformat()}|{story.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _sep, pk = raw.partition("|")
        return dt.datetime.fromisoformat(when), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(_("This page link is not valid; start again from the first page."), field="cursor") from None


@router.get("/public/columns", response={200: list[ColumnOut], **ERRORS}, summary="The app's columns, in order")
def columns(request):
    return list(Column.objects.filter(active=True))


@router.get("/public/feed", response={200: FeedOut, **ERRORS}, summary="Live stories, newest first, a page at a time")
def feed(request, filters: Query[FeedQuery]):
    stories = selectors.published_stories()
    if filters.column:
        col = get_object_or_404(Column.objects.prefetch_related("teams"), slug=filters.column, active=True)
        stories = stories.filter(team__in=list(col.teams.all())) if col.teams.exists() else stories.none()
    if filters.cursor:
        when, pk = decode_cursor(filters.cursor)
        from django.db.models import Q

        stories = stories.filter(Q(live_at__lt=when) | Q(live_at=when, pk__lt=pk))
    page = list(stories[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    items = []
    for story in page:
        content = selectors.live_content(story)
        items.append(
            {
                "id": story.pk,
                "headline": content["headline"],
                "intro": content["intro"],
                "team": story.team.name,
                "published_at": story.live_at,
                "picture": _picture(next(iter(content["gallery"]), None)),
                "url": reverse("portal:story", args=[story.pk]),
            }
        )
    return {"items": items, "next_cursor": encode_cursor(page[-1]) if more and page else None}


@router.get("/public/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="An article as published on the website")
def article(request, article_id: Id):
    story = get_object_or_404(selectors.published_stories().prefetch_related("authors"), pk=article_id)
    content = selectors.live_content(story)
    version = selectors.live_version(story)
    video = content.get("video") or {}
    return {
        "id": story.pk,
        "headline": content["headline"],
        "subtitle": content["subtitle"] or "",
        "intro": content["intro"] or "",
        "body_html": content["body_html"],
        "team": story.team.name,
        "authors": [a.display_name for a in story.authors.all()],
        "version": version.number,
        "correction": version.note if version.number > 1 else "",
        "published_at": story.live_at,
        "gallery": [p for p in (_picture(ref) for ref in content["gallery"]) if p],
        "video": {"src": public_media_url(video.get("mp4")), "poster": public_media_url(video.get("poster"))}
        if public_media_url(video.get("mp4"))
        else None,
        "url": reverse("portal:story", args=[story.pk]),
    }
