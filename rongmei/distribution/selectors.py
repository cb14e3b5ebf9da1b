"""Reads of distribution: the board, the dead letters, the public feeds."""

from __future__ import annotations

from django.db.models import Min, Prefetch, Q, QuerySet

from rongmei.distribution.adapters import SITE_CHANNELS
from rongmei.distribution.models import Channel, Publication
from rongmei.newsroom.models import Story

S = Publication.State
BOARD_SIZE = 50
FEED_SIZE = 50


def channels() -> list[Channel]:
    return list(Channel.objects.filter(active=True))


def published_stories(*, team=None) -> QuerySet[Story]:
    """Stories live on our own website/app and not retracted: what the portal and the feeds show,
    newest first by when they first went live (``live_at``; a correction keeps its place).

    Each carries ``live``: its site publications that are up, newest version first; the public
    sees ``live[0].version`` (see live_version), never the working copy — a story being corrected
    (back in review) keeps showing its last published version until the correction is published."""
    live = Publication.objects.filter(channel__code__in=SITE_CHANNELS, state=S.PUBLISHED).select_related("version")
    on_site = Q(publications__channel__code__in=SITE_CHANNELS, publications__state=S.PUBLISHED)
    qs = (
        Story.objects.annotate(live_at=Min("publications__published_at", filter=on_site))
        .filter(live_at__isnull=False)
        .exclude(state=Story.State.RETRACTED)
    )
    if team is not None:
        qs = qs.filter(team=team)
    return (
        qs.select_related("team")
        .prefetch_related(Prefetch("publications", queryset=live.order_by("-version__number", "-id"), to_attr="live"))
        .order_by("-live_at", "-id")
    )


def live_publication(story: Story) -> Publication:
    """The site publication the public sees (a story from published_stories)."""
    return story.live[0]


def live_version(story: Story):
    return live_publication(story).version


def live_content(story: Story) -> dict:
    """The website version as it was sent (the publication's payload), falling back to the
    version's own fields for publications sent before payloads carried channel versions."""
    pub = live_publication(story)
    content = (pub.payload or {}).get("content") or {}
    v = pub.version
    return {
        "headline": content.get("headline") or v.headline,
        "subtitle": content.get("subtitle", v.subtitle),
        "intro": content.get("intro", v.intro),
        "body_html": content.get("body_html") or v.body,
        "gallery": content.get("gallery") or [],
        "video": content.get("video"),
    }


def publications_of(story: Story) -> QuerySet[Publication]:
    return (
        Publication.objects.filter(story=story)
        .select_related("channel", "version", "requested_by")
        .order_by("channel__sort_order", "-version__number")
    )


def publications(*, state: str | None = None, story=None) -> QuerySet[Publication]:
    qs = Publication.objects.select_related("channel", "version", "story", "requested_by")
    if state:
        qs = qs.filter(state=state)
    if story is not None:
        qs = qs.filter(story=story)
    return qs.order_by("-updated_at", "-id")


def dead_letters() -> QuerySet[Publication]:
    """Dead publications and retractions that gave up: both wait for a person."""
    return (
        Publication.objects.filter(Q(state=S.DEAD) | Q(state=S.RETRACTING, next_attempt_at__isnull=True))
        .select_related("channel", "story", "version")
        .order_by("-updated_at", "-id")
    )


def board(limit: int = BOARD_SIZE) -> tuple[list[Channel], list[dict]]:
    """Every recent signed-off, published or retracted story with its state on each channel
    (the publication of its newest version there). Three queries whatever the size."""
    chans = channels()
    stories = list(
        Story.objects.filter(state__in=(Story.State.APPROVED, Story.State.PUBLISHED, Story.State.RETRACTED))
        .select_related("team", "current_version")
        .prefetch_related(
            Prefetch("publications", queryset=Publication.objects.select_related("version").order_by("version__number", "id"))
        )
        .order_by("-signed_off_at", "-id")[:limit]
    )
    rows = []
    for story in stories:
        latest = {}
        for pub in story.publications.all():
            latest[pub.channel_id] = pub
        rows.append({"story": story, "cells": [latest.get(c.pk) for c in chans]})
    return chans, rows
