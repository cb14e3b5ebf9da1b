"""Listens to distribution (STYLE.md: signals for decoupled listeners): when a story's publication
on our own site turns published, its columns' followers are told, once, by a background task."""

from __future__ import annotations

from django.db import transaction

from rongmei.distribution.adapters import SITE_CHANNELS
from rongmei.distribution.models import Publication


def publication_saved(sender, instance: Publication, update_fields=None, **kwargs) -> None:
    if instance.state != Publication.State.PUBLISHED or (update_fields is not None and "state" not in update_fields):
        return
    if instance.channel.code not in SITE_CHANNELS:
        return
    from rongmei.fans.tasks import enqueue_announcement

    story_id = instance.story_id
    # Every published site publication enqueues (website and app, each correction): the task's
    # StoryAnnouncement row makes the announcement happen once per story.
    transaction.on_commit(lambda: enqueue_announcement(story_id), robust=True)
