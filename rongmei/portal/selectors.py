"""Reads of the public site: the home page's features, special topics, the short-video feed,
related articles, and the cards the pages and the public API show for a story.

Everything here is the same for every reader (the pages are published as static files): only
stories live on the site count (distribution.selectors.published_stories), and each shows its
website version as published (live_content)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import text
from rongmei.core.exceptions import DomainError
from rongmei.distribution import selectors as distribution
from rongmei.portal.media import public_media_url
from rongmei.portal.models import Column, Feature, Topic, TopicStory

CAROUSEL_MAX = 5
HEADLINES_MAX = 5
RELATED_MAX = 5
# Related articles are looked for among this many of the newest live stories: enough for a
# county site's recent news, and a fixed cost whatever the archive's size.
RELATED_WINDOW = 300
RELATED_CACHE_SECONDS = 600
TOPIC_STORIES_MAX = 200
VIDEO_PAGE = 10

HLS_KINDS = ("hls_360", "hls_720", "hls_1080")
AUDIO_KINDS = ("audio_mp3", "audio_aac")  # MP3 first: every phone and WeChat's browser play it


MAX_ID = 2**63 - 1


def encode_cursor(story) -> str:
    """A position in a newest-first list of live stories: after this story."""
    return base64.urlsafe_b64encode(f"{story.live_at.isoformat()}|{story.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """(live_at, id) of a cursor from encode_cursor; a clear 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _sep, pk = raw.partition("|")
        when, pk = dt.datetime.fromisoformat(when), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pk = 0
    if not 1 <= pk <= MAX_ID:
        raise DomainError(_("This page link is not valid; start again from the first page."), field="cursor")
    if timezone.is_naive(when):
        when = timezone.make_aware(when, dt.UTC)
    return when, pk


def live_ids():
    """The ids of the stories live on the site, as a subquery (the one definition of "live")."""
    return distribution.published_stories().values("pk")


def story_url(story) -> str:
    return reverse("portal:story", args=[story.pk])


def picture_url(file) -> str:
    """The public address of a picture an operator uploaded (a feature's or a topic's), or ""."""
    return reverse("portal:picture", args=[file.name]) if file else ""


def rendition_url(rendition) -> str:
    return reverse("portal:media", args=[rendition.asset_id, rendition.rel_path]) if rendition is not None and rendition.rel_path else ""


def renditions_of(asset_ids: Iterable[int], kinds: Iterable[str]) -> dict[int, dict]:
    """{asset id: {kind: Rendition}} of the finished renditions of these kinds (one query, none
    without assets)."""
    from rongmei.media.models import Rendition

    ids = {int(a) for a in asset_ids if a}
    if not ids:
        return {}
    out: dict[int, dict] = {}
    for r in Rendition.objects.filter(asset_id__in=ids, kind__in=list(kinds), status=Rendition.Status.DONE).exclude(file=""):
        out.setdefault(r.asset_id, {})[r.kind] = r
    return out


def first_picture(content: dict) -> dict | None:
    """The first photo of the website version that has a public address."""
    return next((p for p in content["gallery"] if public_media_url(p)), None)


def thumbnails(contents: Iterable[dict]) -> dict[int, str]:
    """{asset id: thumbnail address} for the first photo of each content: the 320-pixel
    rendition when it is made, the web picture otherwise. One query for all."""
    firsts = [p for p in (first_picture(c) for c in contents) if p]
    thumbs = renditions_of((p["asset"] for p in firsts), ["thumb_320"])
    return {int(p["asset"]): rendition_url(thumbs.get(int(p["asset"]), {}).get("thumb_320")) or public_media_url(p) for p in firsts}


def card(story, thumbs: dict[int, str] | None = None) -> dict:
    """A story as lists show it: headline, lead, team, time, thumbnail (if it has a photo)."""
    content = distribution.live_content(story)
    picture = first_picture(content)
    thumb = ""
    if picture:
        thumb = (thumbs or {}).get(int(picture["asset"])) or public_media_url(picture)
    return {
        "story": story,
        "id": story.pk,
        "version": distribution.live_version(story),
        "content": content,
        "headline": content["headline"],
        "intro": content["intro"] or "",
        "team": story.team.name,
        "published_at": story.live_at,
        "url": story_url(story),
        "picture": picture,
        "picture_src": public_media_url(picture),
        "thumb": thumb,
    }


def cards(stories: Iterable) -> list[dict]:
    """Cards of stories from published_stories(), with thumbnails (at most one more query)."""
    stories = list(stories)
    thumbs = thumbnails(distribution.live_content(s) for s in stories)
    return [card(s, thumbs) for s in stories]


# --- home page: carousel (轮播) and pinned headlines (头条) ---------------------------------------


def _showing(now: dt.datetime) -> Q:
    return (Q(starts_at__isnull=True) | Q(starts_at__lte=now)) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def showing_features(now: dt.datetime | None = None) -> QuerySet[Feature]:
    """Features shown now: active, inside their time window, of a story live on the site."""
    now = now or timezone.now()
    return Feature.objects.filter(active=True, story__in=live_ids()).filter(_showing(now)).order_by("slot", "sort_order", "-id")


def home(now: dt.datetime | None = None) -> dict:
    """{"carousel": [...], "headlines": [...]}: at most CAROUSEL_MAX carousel entries that have a
    picture (the feature's own, else the story's first photo) and HEADLINES_MAX headlines, each in
    the operators' order. At most four queries; one when nothing is featured."""
    features = list(showing_features(now))
    if not features:
        return {"carousel": [], "headlines": []}
    stories = {s.pk: s for s in distribution.published_stories().filter(pk__in={f.story_id for f in features})}
    thumbs = thumbnails(distribution.live_content(s) for s in stories.values())
    carousel: list[dict] = []
    headlines: list[dict] = []
    for feature in features:
        story = stories.get(feature.story_id)
        if story is None:  # retracted between the two queries
            continue
        item = card(story, thumbs)
        item["feature"] = feature
        item["title"] = feature.title or item["headline"]
        if feature.slot == Feature.Slot.CAROUSEL:
            item["image"] = picture_url(feature.image) or item["picture_src"]
            if item["image"] and len(carousel) < CAROUSEL_MAX:
                carousel.append(item)
        elif len(headlines) < HEADLINES_MAX:
            headlines.append(item)
    return {"carousel": carousel, "headlines": headlines}


def next_home_change(now: dt.datetime | None = None) -> dt.datetime | None:
    """When the home page next changes by a feature's time window opening or closing (for
    whoever re-publishes the static home page), or None."""
    now = now or timezone.now()
    active = Feature.objects.filter(active=True)
    starts = active.filter(starts_at__gt=now).order_by("starts_at").values_list("starts_at", flat=True).first()
    ends = active.filter(ends_at__gt=now).order_by("ends_at").values_list("ends_at", flat=True).first()
    return min((t for t in (starts, ends) if t), default=None)


# --- special topics (专题) -----------------------------------------------------------------------


def topics() -> list[Topic]:
    return list(Topic.objects.filter(active=True))


def topic_stories(topic: Topic, limit: int = TOPIC_STORIES_MAX) -> list:
    """The topic's stories live on the site, in the operators' order."""
    order = list(TopicStory.objects.filter(topic=topic).order_by("sort_order", "id").values_list("story_id", "is_cover"))
    position = {story_id: n for n, (story_id, _cover) in enumerate(order)}
    stories = sorted(distribution.published_stories().filter(pk__in=position), key=lambda s: position[s.pk])
    return stories[:limit]


def _cover_from_stories(topic: Topic, stories: list, cover_ids: set[int]) -> str:
    """The first photo of the story marked as cover, else of the first story that has one."""
    marked = [s for s in stories if s.pk in cover_ids]
    for story in marked + stories:
        picture = first_picture(distribution.live_content(story))
        if picture:
            return public_media_url(picture)
    return ""


def topic_cover(topic: Topic, stories: list | None = None) -> str:
    if topic.cover:
        return picture_url(topic.cover)
    stories = topic_stories(topic) if stories is None else stories
    cover_ids = set(TopicStory.objects.filter(topic=topic, is_cover=True).values_list("story_id", flat=True))
    return _cover_from_stories(topic, stories, cover_ids)


def topic_cover_file(topic: Topic, stories: list):
    """The cover as a file on disk (for the QR poster), or None."""
    from pathlib import Path

    from rongmei.distribution.adapters.base import media_file

    if topic.cover:
        from rongmei.core import storage

        path = storage.local_file(topic.cover.name)  # a copy from the bucket when there is one
        return Path(path) if path else None
    cover_ids = set(TopicStory.objects.filter(topic=topic, is_cover=True).values_list("story_id", flat=True))
    for story in [s for s in stories if s.pk in cover_ids] + stories:
        picture = first_picture(distribution.live_content(story))
        if picture:
            return media_file(picture)
    return None


def topic_cards(items: list[Topic]) -> list[dict]:
    """Topics as lists show them (title, summary, cover, count of live stories): three queries for
    any number of topics."""
    if not items:
        return []
    entries: dict[int, list[tuple[int, bool]]] = {}
    for topic_id, story_id, is_cover in (
        TopicStory.objects.filter(topic__in=items).order_by("sort_order", "id").values_list("topic_id", "story_id", "is_cover")
    ):
        entries.setdefault(topic_id, []).append((story_id, is_cover))
    wanted = {story_id for rows in entries.values() for story_id, _c in rows}
    live = {s.pk: s for s in distribution.published_stories().filter(pk__in=wanted)} if wanted else {}
    out = []
    for topic in items:
        rows = entries.get(topic.pk, [])
        stories = [live[story_id] for story_id, _c in rows if story_id in live]
        cover = picture_url(topic.cover) or _cover_from_stories(topic, stories, {sid for sid, c in rows if c})
        out.append(
            {
                "topic": topic,
                "slug": topic.slug,
                "title": topic.title,
                "summary": topic.summary,
                "cover": cover,
                "count": len(stories),
                "url": reverse("portal:topic", args=[topic.slug]),
            }
        )
    return out


# --- short video (短视频) ------------------------------------------------------------------------


def video_stories(*, teams=None) -> QuerySet:
    """Live stories with a video attached, newest first (the feed keeps those whose published
    website version has a playable video). ``teams``: only these teams' stories."""
    from rongmei.media.models import Asset, StoryAsset

    has_video = StoryAsset.objects.filter(story=OuterRef("pk"), asset__kind=Asset.Kind.VIDEO)
    qs = distribution.published_stories().filter(Exists(has_video))
    if teams is not None:
        qs = qs.filter(team__in=list(teams))
    return qs


def column_video_stories(col: Column) -> QuerySet:
    teams = list(col.teams.all())
    return video_stories(teams=teams) if teams else distribution.published_stories().none()


def video_of(content: dict, renditions: dict[int, dict]) -> dict | None:
    """The playable forms of a website version's video: the MP4, the vertical 9:16 cut and the
    HLS master playlist where they are made, and the poster frame. None without a video."""
    video = content.get("video") or {}
    if not isinstance(video, dict):
        return None
    asset = video.get("asset") or (video.get("mp4") or {}).get("asset")
    made = renditions.get(int(asset), {}) if asset else {}
    mp4 = public_media_url(video.get("mp4"))
    vertical = rendition_url(made.get("vertical_916"))
    hls = ""
    if asset and any(kind in made for kind in HLS_KINDS):
        # media.services.write_hls_master keeps hls/master.m3u8 over the rungs made so far.
        hls = reverse("portal:media", args=[int(asset), "hls/master.m3u8"])
    hls = hls or public_media_url(video.get("hls"))
    if not (mp4 or vertical or hls):
        return None
    return {"mp4": mp4, "vertical": vertical, "hls": hls, "poster": public_media_url(video.get("poster"))}


def _video_asset(content: dict) -> int | None:
    video = content.get("video") or {}
    if not isinstance(video, dict):
        return None
    asset = video.get("asset") or (video.get("mp4") or {}).get("asset")
    return int(asset) if asset else None


def video_items(stories: Iterable) -> list[dict]:
    """Feed entries of these stories, those without a playable MP4 (vertical or not) left out.
    One query for every story's renditions."""
    stories = list(stories)
    contents = {s.pk: distribution.live_content(s) for s in stories}
    made = renditions_of((_video_asset(c) for c in contents.values()), ["vertical_916", *HLS_KINDS])
    items = []
    for story in stories:
        content = contents[story.pk]
        video = video_of(content, made)
        src = video and (video["vertical"] or video["mp4"])
        if not src:
            continue
        items.append(
            {
                "story": story,
                "id": story.pk,
                "headline": content["headline"],
                "intro": content["intro"] or "",
                "team": story.team.name,
                "published_at": story.live_at,
                "url": story_url(story),
                "src": src,
                "vertical": bool(video["vertical"]),
                "poster": video["poster"],
                "hls": video["hls"],
            }
        )
    return items


def video_page(qs: QuerySet, *, after: tuple[dt.datetime, int] | None = None, limit: int | None = None) -> tuple[list[dict], bool]:
    """Up to ``limit`` (VIDEO_PAGE) feed entries after the position ``after`` (live_at, id) and
    whether more follow. Reads ahead in batches, since a story may have a video not yet playable."""
    limit = limit or VIDEO_PAGE
    if after is not None:
        when, pk = after
        qs = qs.filter(Q(live_at__lt=when) | Q(live_at=when, pk__lt=pk))
    items: list[dict] = []
    offset, batch = 0, limit + 1
    while len(items) <= limit:
        stories = list(qs[offset : offset + batch])
        items += video_items(stories)
        if len(stories) < batch:
            break
        offset += batch
    return items[:limit], len(items) > limit


# --- the article page: its video, audio and related articles ----------------------------------


def story_media(story, content: dict) -> dict:
    """The article's video (see video_of) and audio (the first audio attached to the story, as
    MP3 or AAC): at most two queries."""
    asset = _video_asset(content)
    video = video_of(content, renditions_of([asset], ["vertical_916", *HLS_KINDS]) if asset else {})
    from rongmei.media.models import Asset, Rendition

    audio = (
        Rendition.objects.filter(
            asset__kind=Asset.Kind.AUDIO, asset__story_links__story=story, kind__in=AUDIO_KINDS, status=Rendition.Status.DONE
        )
        .exclude(file="")
        .order_by("asset__story_links__order", "asset__story_links__id")
    )
    by_asset: dict[int, dict] = {}
    for r in audio:
        by_asset.setdefault(r.asset_id, {})[r.kind] = r
    first = next(iter(by_asset.values()), {})
    chosen = first.get("audio_mp3") or first.get("audio_aac")
    return {
        "video": video,
        "audio": {"src": rendition_url(chosen), "type": "audio/mpeg" if chosen.kind == "audio_mp3" else "audio/mp4"} if chosen else None,
    }


def _words(version) -> set[str]:
    """What a story is about: its editors' keywords and the keywords of its headline."""
    words = {str(w).strip().lower() for w in (version.keywords or []) if str(w).strip()}
    return words | {w.lower() for w in text.keywords(version.headline, top=5)}


def related(story, limit: int = RELATED_MAX) -> list:
    """Up to ``limit`` live stories sharing the most keywords with this one (its published
    version's keywords and its headline's), newest first among equals; among the RELATED_WINDOW
    newest live stories. Two queries."""
    words = _words(distribution.live_version(story))
    if not words:
        return []
    scored = []
    for other in distribution.published_stories().exclude(pk=story.pk)[:RELATED_WINDOW]:
        shared = len(words & _words(distribution.live_version(other)))
        if shared:
            scored.append((shared, other))
    scored.sort(key=lambda t: (-t[0], -t[1].live_at.timestamp(), -t[1].pk))
    return [other for _n, other in scored[:limit]]


def related_cached(story, limit: int = RELATED_MAX) -> list:
    """related(), its answer cached per published version: the article view (a page not published
    as a file, or a reader in another language) and the API ask per request. One query on a hit."""
    ids = related_ids(story, limit)
    by_id = {s.pk: s for s in distribution.published_stories().filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def related_ids(story, limit: int = RELATED_MAX) -> list[int]:
    """related() as ids, cached per published version (the API reads it per request)."""
    key = f"portal:related:{story.pk}:{distribution.live_publication(story).pk}:{limit}"
    ids = cache.get(key)
    if ids is None:
        ids = [s.pk for s in related(story, limit)]
        cache.set(key, ids, RELATED_CACHE_SECONDS)
    return ids
