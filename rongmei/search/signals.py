"""Keeps the search index current: the one listener (STYLE.md: signals for decoupled listeners)."""

from __future__ import annotations

from django.db import transaction

from rongmei.distribution.adapters import SITE_CHANNELS
from rongmei.distribution.models import Publication

S = Publication.State
# RETRACTING too: retract() marks the story retracted at once, and the public must stop finding it
# then, not when the task worker gets round to taking the page down.
_WATCHED = (S.PUBLISHED, S.RETRACTING, S.RETRACTED)


def publication_saved(sender, instance: Publication, **kwargs) -> None:
    if instance.state not in _WATCHED or instance.channel.code not in SITE_CHANNELS:
        return
    from rongmei.search.services import sync

    story_id = instance.story_id
    # robust: a broken index must not turn a publication that committed into an error;
    # `manage.py search_reindex` repairs what a failed sync missed.
    transaction.on_commit(lambda: sync(story_id), robust=True)
