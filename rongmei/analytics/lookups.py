"""Per-process copies of what the beacon checks each event against: the ids of the stories live
on the site and the columns by short name. Ingest makes no database query in the steady state.

A copy is refreshed when it is older than LOOKUP_SECONDS, and on a miss when it is older than a few
seconds (a story published a moment ago is counted at once; ids that do not exist cannot make
the process query more than once every few seconds).
"""

from __future__ import annotations

import threading
import time

from rongmei.analytics.conf import setting

MISS_REFRESH_SECONDS = 5.0


class _Lookup:
    def __init__(self, load) -> None:
        self._load = load
        self._data = None
        self._loaded = 0.0
        self._lock = threading.Lock()

    def _get(self, *, missed: bool = False):
        limit = MISS_REFRESH_SECONDS if missed else setting("LOOKUP_SECONDS")
        if self._data is None or time.monotonic() - self._loaded > limit:
            with self._lock:
                # Another thread may have loaded it while this one waited for the lock.
                if self._data is None or time.monotonic() - self._loaded > limit:
                    self._data = self._load()
                    self._loaded = time.monotonic()
        return self._data

    def get(self, key):
        value = self._get().get(key)
        if value is None:
            value = self._get(missed=True).get(key)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data = None
            self._loaded = 0.0


def _load_articles() -> dict[int, bool]:
    from rongmei.distribution import selectors

    return dict.fromkeys(selectors.published_stories().prefetch_related(None).values_list("pk", flat=True), True)


def _load_columns() -> dict[str, int]:
    from rongmei.portal.models import Column

    return dict(Column.objects.values_list("slug", "pk"))


articles = _Lookup(_load_articles)
columns = _Lookup(_load_columns)


def is_live_article(article_id: int) -> bool:
    return bool(articles.get(article_id))


def column_id(slug: str) -> int | None:
    return columns.get(slug)


def clear() -> None:
    """Forget the copies (tests; a story just published or retracted in the same process)."""
    articles.clear()
    columns.clear()
