"""Keeps the published pages (portal.static_pages) in step with what is live on the site."""

from __future__ import annotations

import logging

from django.db import transaction

from rongmei.distribution.adapters import SITE_CHANNELS
from rongmei.distribution.models import Publication

logger = logging.getLogger(__name__)

S = Publication.State
# RETRACTING too: retract() takes the story off the site at once, so must its page.
_WATCHED = (S.PUBLISHED, S.RETRACTING, S.RETRACTED)


def _story_changed(story_id: int) -> None:
    from rongmei.portal import static_pages

    try:
        static_pages.story_changed(story_id)
    except Exception:
        # A page that failed to write must not undo a publication that committed: the view
        # serves the story meanwhile, and `manage.py publish_pages` repairs it.
        logger.exception("published page of story %s not written", story_id)


def publication_saved(sender, instance: Publication, **kwargs) -> None:
    if instance.state not in _WATCHED or instance.channel.code not in SITE_CHANNELS:
        return
    story_id = instance.story_id
    transaction.on_commit(lambda: _story_changed(story_id))


def layout_changed(sender, **kwargs) -> None:
    """Columns (the navigation on every page), features or topics changed: every page again, in
    the task worker."""
    from rongmei.portal.tasks import publish_all_pages

    transaction.on_commit(lambda: publish_all_pages.enqueue(), robust=True)
