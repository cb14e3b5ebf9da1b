"""Reads of distribution: the board, the dead letters, the public feeds."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from rongmei.distribution.adapters import SITE_CHANNELS
from rongmei.distribution.models import Channel, Publication
from rongmei.newsroom.models import Story

S = Publication.State
BOARD_SIZE = 50
FEED_SIZE = 50


def channels() -> list[Channel]:
    return list(Channel.objects.filter(active=True))


def published_stories(*, team=None) -> QuerySet[Story]:
    """Stories live on our own website/app and not retracted: what the portal and the feeds show."""
    qs = Story.objects.filter(
        state=Story.State.PUBLISHED,
        publications__channel__code__in=SITE_CHANNELS,
        publications__state=S.PUBLISHED,
    )
    if team is not None:
        qs = qs.filter(team=team)
    return qs.distinct().select_related("current_version", "team").order_by("-signed_off_at", "-id")


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
