"""Background work of the app users' side, through the Tasks API (django-tasks): telling the
followers of a column about a new article, away from the publishing worker's transaction.
`manage.py announce_new_stories` is the safety net after a queue outage."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def announce_story(story_id: int) -> str:
    from rongmei.fans import services

    return services.announce_new_story(story_id=story_id)


def enqueue_announcement(story_id: int) -> None:
    """Call from transaction.on_commit. A queue outage must not fail the publication that
    committed; the sweep command announces what a lost task would have."""
    try:
        announce_story.enqueue(story_id)
    except Exception:
        log.warning("could not enqueue the announcement of story %s", story_id, exc_info=True)
