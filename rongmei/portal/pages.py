"""What the public pages show, built once for the views (dynamic) and for the static files that
portal.static_pages writes: nothing here may depend on who reads."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse

from rongmei.core import text
from rongmei.distribution import selectors
from rongmei.portal import selectors as portal
from rongmei.portal.media import public_media_url
from rongmei.portal.models import Column, Topic

PAGE_SIZE = 20


def columns() -> list[Column]:
    """The columns shown in the navigation, in the operators' order."""
    return list(Column.objects.filter(active=True))


def columns_of_team(team_id: int | None):
    """The active columns listing the team's stories, in the operators' order."""
    return Column.objects.filter(active=True, teams=team_id).distinct() if team_id else Column.objects.none()


def _items(page) -> list[dict]:
    """Cards of a page of stories (see portal.selectors.card): story, version, content, thumb …"""
    return portal.cards(page.object_list)


def index_context(page_number=None) -> dict:
    """The home page: on its first page the carousel (轮播) and the pinned headlines (头条), then
    the latest stories."""
    page = Paginator(selectors.published_stories(), PAGE_SIZE).get_page(page_number)
    featured = portal.home() if page.number == 1 else {"carousel": [], "headlines": []}
    return {"page": page, "items": _items(page), "columns": columns(), **featured}


def column_stories(col: Column):
    """A column's live stories: those of its newsroom teams, newest first."""
    teams = list(col.teams.all())
    return selectors.published_stories().filter(team__in=teams) if teams else selectors.published_stories().none()


def column_context(col: Column, page_number=None, *, after=None) -> dict:
    """A column's page. By its kind:
    - video: ``videos``, the first screens of the vertical feed of its teams' stories with a
      video (``after``: a position from portal.selectors.decode_cursor), and ``next_cursor``;
    - topic: ``topic`` with ``topic_items`` when the column shows one topic, else ``topics``;
    - any other: ``page`` and ``items``, its teams' live stories."""
    context = {"columns": columns(), "column": col, "page": None, "items": []}
    if col.kind == Column.Kind.VIDEO:
        return {**context, **_video_page(portal.column_video_stories(col), after)}
    if col.kind == Column.Kind.TOPIC:
        topic = col.topic if col.topic_id and col.topic.active else None
        if topic is not None:
            return {**context, **_topic_parts(topic)}
        return {**context, "topics": portal.topic_cards(portal.topics())}
    page = Paginator(column_stories(col), PAGE_SIZE).get_page(page_number)
    return {**context, "page": page, "items": _items(page)}


def _video_page(stories, after) -> dict:
    items, more = portal.video_page(stories, after=after)
    return {"videos": items, "next_cursor": portal.encode_cursor(items[-1]["story"]) if more and items else ""}


def video_context(after=None, *, column: Column | None = None) -> dict:
    """/video/: the vertical short-video feed of every live story with a video (or of a video
    column's teams), a screen each; video-feed.js loads more from the public API."""
    stories = portal.column_video_stories(column) if column is not None else portal.video_stories()
    return {"columns": columns(), "column": column, **_video_page(stories, after)}


def _topic_parts(topic: Topic) -> dict:
    stories = portal.topic_stories(topic)
    return {"topic": topic, "topic_items": portal.cards(stories), "cover_src": portal.topic_cover(topic, stories)}


def topic_context(topic: Topic, absolute) -> dict:
    """A special topic's page (/topic/<slug>/): cover, summary, its live stories in order.
    ``absolute`` turns a path into a full address (share card, canonical address)."""
    parts = _topic_parts(topic)
    url = reverse("portal:topic", args=[topic.slug])
    return {
        **parts,
        "columns": columns(),
        "canonical_url": absolute(url),
        "share_image": absolute(parts["cover_src"]) if parts["cover_src"] else "",
    }


def topics_context() -> dict:
    """/topic/: every shown special topic."""
    return {"columns": columns(), "topics": portal.topic_cards(portal.topics())}


def story_context(story, absolute) -> dict:
    """The article page. ``story`` comes from selectors.published_stories() (with authors
    prefetched); ``absolute`` turns a path into a full address (for share cards)."""
    version = selectors.live_version(story)
    content = selectors.live_content(story)
    gallery = [{**p, "src": public_media_url(p)} for p in content["gallery"]]
    gallery = [g for g in gallery if g["src"]]
    media = portal.story_media(story, content)
    video = media["video"]
    return {
        "story": story,
        "version": version,
        "content": content,
        "gallery": gallery,
        "video": video,
        "video_src": video["mp4"] if video else "",
        "poster_src": video["poster"] if video else "",
        "audio": media["audio"],
        "related": portal.cards(portal.related_cached(story)),
        "published_at": selectors.live_publication(story).published_at,
        "authors": list(story.authors.all()),
        "columns": columns(),
        # The column an ad under the article targets: the first in the navigation that lists the
        # story's team (a column's change rewrites every page, so this stays true).
        "ad_column": columns_of_team(story.team_id).filter(kind__in=(Column.Kind.ARTICLES, Column.Kind.VIDEO)).first(),
        "share_image": absolute(gallery[0]["src"]) if gallery else "",
        "reading_minutes": text.reading_minutes(version.word_count, settings.RONGMEI["READING_CHARS_PER_MINUTE"]),
    }
