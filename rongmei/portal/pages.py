"""What the public pages show, built once for the views (dynamic) and for the static files that
portal.static_pages writes: nothing here may depend on who reads."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator

from rongmei.core import text
from rongmei.distribution import selectors
from rongmei.portal.media import public_media_url
from rongmei.portal.models import Column

PAGE_SIZE = 20


def columns() -> list[Column]:
    """The columns shown in the navigation, in the operators' order."""
    return list(Column.objects.filter(active=True))


def _items(page) -> list[dict]:
    return [{"story": s, "version": selectors.live_version(s), "content": selectors.live_content(s)} for s in page.object_list]


def index_context(page_number=None) -> dict:
    page = Paginator(selectors.published_stories(), PAGE_SIZE).get_page(page_number)
    return {"page": page, "items": _items(page), "columns": columns()}


def column_stories(col: Column):
    """A column's live stories: those of its newsroom teams, newest first."""
    teams = list(col.teams.all())
    return selectors.published_stories().filter(team__in=teams) if teams else selectors.published_stories().none()


def column_context(col: Column, page_number=None) -> dict:
    page = Paginator(column_stories(col), PAGE_SIZE).get_page(page_number)
    return {"page": page, "items": _items(page), "columns": columns(), "column": col}


def story_context(story, absolute) -> dict:
    """The article page. ``story`` comes from selectors.published_stories() (with authors
    prefetched); ``absolute`` turns a path into a full address (for share cards)."""
    version = selectors.live_version(story)
    content = selectors.live_content(story)
    gallery = [{**p, "src": public_media_url(p)} for p in content["gallery"]]
    video = content.get("video") or {}
    gallery = [g for g in gallery if g["src"]]
    return {
        "story": story,
        "version": version,
        "content": content,
        "gallery": gallery,
        "video_src": public_media_url(video.get("mp4")),
        "poster_src": public_media_url(video.get("poster")),
        "published_at": selectors.live_publication(story).published_at,
        "authors": list(story.authors.all()),
        "columns": columns(),
        "share_image": absolute(gallery[0]["src"]) if gallery else "",
        "reading_minutes": text.reading_minutes(version.word_count, settings.RONGMEI["READING_CHARS_PER_MINUTE"]),
    }
