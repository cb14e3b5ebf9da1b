"""Writes of the search index. Everything goes through sync (one story) or rebuild (all)."""

from __future__ import annotations

from django.db import transaction

from rongmei.distribution.selectors import published_stories
from rongmei.search import backends


def sync(story_id: int) -> bool:
    """Index the story if the public may see it (distribution.selectors.published_stories), else
    take it out. Idempotent; call after commit. Returns whether the story is now indexed."""
    story = published_stories().filter(pk=story_id).first()
    if story is None:
        backends.remove(story_id)
        return False
    backends.index(story)
    return True


def rebuild(*, chunk: int = 200) -> int:
    """Empty the index and index every published story again, in one transaction (searchers
    see the old index until it commits). Returns the number of stories indexed."""
    count = 0
    with transaction.atomic():
        backends.clear()
        for story in published_stories().iterator(chunk_size=chunk):
            backends.index(story)
            count += 1
    return count
