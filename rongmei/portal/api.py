"""The open API of the public app (for native apps and the web app): columns, a column's feed with
cursor pagination, an article as it was published on the website, the home page's carousel and
headlines, special topics and the short-video feed. No login; the same answer for every caller.

Register in rongmei/api/urls.py: ``api.add_router("", portal_api.router)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from rongmei.api.schemas import ERRORS, Id
from rongmei.distribution import selectors
from rongmei.portal import selectors as portal
from rongmei.portal.media import public_media_url
from rongmei.portal.models import Column, Topic
from rongmei.portal.selectors import decode_cursor, encode_cursor  # noqa: F401 - part of this module's interface

router = Router(tags=["public app"], auth=None)

FEED_MAX = 50


class ColumnOut(Schema):
    slug: str
    name: str
    kind: str = Field(description="articles, video, services, links or topic")
    icon: str
    description: str
    link: str = Field(
        description="A link column: where it leads; a services column: the services directory (/services/ unless set); "
        "an articles column: its related page (e.g. /councils/renda/), or empty. A path is on this site."
    )

    @staticmethod
    def resolve_link(obj) -> str:
        if obj.kind == Column.Kind.SERVICES and not obj.link:
            return reverse("civic:services")
        return obj.link


class Picture(Schema):
    src: str
    caption: str = ""
    width: int | None = None
    height: int | None = None


class VideoOut(Schema):
    src: str = Field(description="The MP4 (H.264/AAC); empty when only HLS is made")
    poster: str = ""
    hls: str = Field("", description="The HLS master playlist (.m3u8) when made: native on Safari and WeChat for iOS, hls.js elsewhere")
    vertical: str = Field("", description="The vertical 9:16 cut (MP4) when made")


class AudioOut(Schema):
    src: str
    type: str = Field(description="audio/mpeg (MP3) or audio/mp4 (AAC)")


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
    audio: AudioOut | None
    related: list[int] = Field(description="Ids of up to 5 related live articles (相关阅读), most related first")
    url: str


class FeatureCard(ArticleCard):
    title: str = Field(description="What the operators show: their title, else the headline")
    image: str = Field("", description="The carousel picture (carousel entries always have one)")


class HomeOut(Schema):
    carousel: list[FeatureCard] = Field(description="Up to 5, in the operators' order")
    headlines: list[FeatureCard] = Field(description="The pinned headlines (头条), in the operators' order")


class TopicCard(Schema):
    slug: str
    title: str
    summary: str
    cover: str = Field(description="The cover picture's address; empty when the topic has none")
    count: int = Field(description="How many of its stories are live")
    url: str
    poster: str = Field(description="The QR-code share poster (PNG)")


class TopicOut(TopicCard):
    items: list[ArticleCard] = Field(description="Its live stories, in the operators' order")


class VideoCard(Schema):
    id: int
    headline: str
    intro: str
    team: str
    published_at: dt.datetime
    url: str = Field(description="The article")
    src: str = Field(description="The vertical 9:16 cut when made, else the MP4")
    vertical: bool
    poster: str
    hls: str = Field(description="The HLS master playlist when made, else empty")


class VideosOut(Schema):
    items: list[VideoCard]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next screens; null at the end")


class VideosQuery(Schema):
    column: str | None = Field(
        None, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$", description="A video column's short name; every live video without it"
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(portal.VIDEO_PAGE, ge=1, le=FEED_MAX)


TopicSlug = Annotated[str, Path(..., max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")]


def _picture(ref: dict | None) -> dict | None:
    src = public_media_url(ref)
    if not src:
        return None
    return {"src": src, "caption": ref.get("caption", ""), "width": ref.get("width"), "height": ref.get("height")}


def _card(item: dict) -> dict:
    """An ArticleCard of a portal.selectors.card."""
    return {
        "id": item["id"],
        "headline": item["headline"],
        "intro": item["intro"],
        "team": item["team"],
        "published_at": item["published_at"],
        "picture": _picture(item["picture"]),
        "url": item["url"],
    }


def _topic_card(item: dict) -> dict:
    return {
        **{k: item[k] for k in ("slug", "title", "summary", "cover", "count", "url")},
        "poster": reverse("portal:topic_poster", args=[item["slug"]]),
    }


@router.get("/public/columns", response={200: list[ColumnOut], **ERRORS}, summary="The app's columns, in order")
def columns(request):
    return list(Column.objects.filter(active=True))


@router.get("/public/feed", response={200: FeedOut, **ERRORS}, summary="Live stories, newest first, a page at a time")
def feed(request, filters: Query[FeedQuery]):
    from django.db.models import Q

    stories = selectors.published_stories()
    if filters.column:
        col = get_object_or_404(Column.objects.prefetch_related("teams"), slug=filters.column, active=True)
        stories = stories.filter(team__in=list(col.teams.all())) if col.teams.exists() else stories.none()
    if filters.cursor:
        when, pk = decode_cursor(filters.cursor)
        stories = stories.filter(Q(live_at__lt=when) | Q(live_at=when, pk__lt=pk))
    page = list(stories[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {"items": [_card(c) for c in portal.cards(page)], "next_cursor": encode_cursor(page[-1]) if more and page else None}


@router.get("/public/articles/{article_id}", response={200: ArticleOut, **ERRORS}, summary="An article as published on the website")
def article(request, article_id: Id):
    story = get_object_or_404(selectors.published_stories().prefetch_related("authors"), pk=article_id)
    content = selectors.live_content(story)
    version = selectors.live_version(story)
    media = portal.story_media(story, content)
    video = media["video"]
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
        "video": {"src": video["mp4"], "poster": video["poster"], "hls": video["hls"], "vertical": video["vertical"]} if video else None,
        "audio": media["audio"],
        "related": portal.related_ids(story),
        "url": reverse("portal:story", args=[story.pk]),
    }


@router.get("/public/home", response={200: HomeOut, **ERRORS}, summary="The home page's carousel (轮播) and pinned headlines (头条)")
def home(request):
    featured = portal.home()
    return {
        "carousel": [{**_card(i), "title": i["title"], "image": i["image"]} for i in featured["carousel"]],
        "headlines": [{**_card(i), "title": i["title"], "image": ""} for i in featured["headlines"]],
    }


@router.get("/public/topics", response={200: list[TopicCard], **ERRORS}, summary="The special topics (专题) shown, in order")
def topics(request):
    return [_topic_card(t) for t in portal.topic_cards(portal.topics())]


@router.get("/public/topics/{slug}", response={200: TopicOut, **ERRORS}, summary="A special topic with its live stories")
def topic(request, slug: TopicSlug):
    item = get_object_or_404(Topic, slug=slug, active=True)
    stories = portal.topic_stories(item)
    (card,) = portal.topic_cards([item])
    return {**_topic_card(card), "items": [_card(c) for c in portal.cards(stories)]}


@router.get("/public/videos", response={200: VideosOut, **ERRORS}, summary="The short-video feed: live stories with a video, newest first")
def videos(request, filters: Query[VideosQuery]):
    if filters.column:
        col = get_object_or_404(Column.objects.prefetch_related("teams"), slug=filters.column, active=True, kind=Column.Kind.VIDEO)
        stories = portal.column_video_stories(col)
    else:
        stories = portal.video_stories()
    after = decode_cursor(filters.cursor) if filters.cursor else None
    items, more = portal.video_page(stories, after=after, limit=filters.limit)
    return {
        "items": [{k: v for k, v in i.items() if k != "story"} for i in items],
        "next_cursor": encode_cursor(items[-1]["story"]) if more and items else None,
    }
