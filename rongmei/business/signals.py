"""Listeners on the newsroom's publish and the live room's end (connected in apps.ready).

They only enqueue rongmei.business.tasks.refresh_projects_of after the commit, and only when an
open deliverable waits for the story or room: the newsroom's write path gains one indexed query,
and nothing in newsroom, distribution or live imports this app."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def _enqueue(kind: str, target_id: int) -> None:
    from rongmei.business.tasks import refresh_projects_of

    try:
        refresh_projects_of.enqueue(kind, target_id)
    except Exception:  # a queue outage: the project page and business_refresh catch up
        log.warning("could not enqueue the deliverables refresh of %s %s", kind, target_id, exc_info=True)


def _waiting(**filters) -> bool:
    from rongmei.business.models import Deliverable

    return Deliverable.objects.filter(done_at__isnull=True, **filters).exists()


def publication_saved(sender, instance, **kwargs) -> None:
    """A publication on our own site went live: its story (and the story's plan) may be done."""
    from rongmei.distribution.adapters import SITE_CHANNELS
    from rongmei.distribution.models import Publication

    if instance.state != Publication.State.PUBLISHED:
        return
    if instance.channel.code not in SITE_CHANNELS:
        return
    story_id = instance.story_id
    if _waiting(story_id=story_id) or _waiting(plan__stories__id=story_id):
        transaction.on_commit(lambda: _enqueue("story", story_id))


def live_room_saved(sender, instance, **kwargs) -> None:
    from rongmei.live.models import LiveRoom

    if instance.state in (LiveRoom.State.ENDED, LiveRoom.State.REPLAY) and _waiting(live_room_id=instance.pk):
        room_id = instance.pk
        transaction.on_commit(lambda: _enqueue("live_room", room_id))


def connect() -> None:
    from django.db.models.signals import post_save

    from rongmei.distribution.models import Publication
    from rongmei.live.models import LiveRoom

    post_save.connect(publication_saved, sender=Publication, dispatch_uid="business-publication-saved")
    post_save.connect(live_room_saved, sender=LiveRoom, dispatch_uid="business-live-room-saved")
