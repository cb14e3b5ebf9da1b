"""Per-process copies of what the beacon checks each event against: the ids of the stories live
on the site, the columns by short name and the creatives of running ad campaigns. Ingest makes no database query in the steady state.

A copy is refreshed when it is older than LOOKUP_SECONDS, and on a miss when it is older than a few
seconds (a story published a moment ago is counted at once; ids that do not exist cannot make
the process query more than once every few seconds).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from rongmei.analytics.conf import setting

MISS_REFRESH_SECONDS = 5.0
AD_GRACE = dt.timedelta(minutes=2)


class _Lookup:
    def __init__(self, load, *, seconds: float | None = None, miss_seconds: float = MISS_REFRESH_SECONDS) -> None:
        self._load = load
        self._seconds = seconds  # None: LOOKUP_SECONDS
        self._miss_seconds = miss_seconds
        self._data = None
        self._loaded = 0.0
        self._lock = threading.Lock()

    def _get(self, *, missed: bool = False):
        limit = self._miss_seconds if missed else (self._seconds or setting("LOOKUP_SECONDS"))
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


def _load_creatives() -> dict[int, tuple]:
    from rongmei.advertising import serving

    return serving.creative_windows()


articles = _Lookup(_load_articles)
columns = _Lookup(_load_columns)
# Creatives of approved campaigns with their schedule, refreshed every few seconds (a paused
# campaign stops counting soon). A miss reloads after a second: an ad reaches a reader through
# the public API and is in view for a second before its impression is sent, so a campaign
# approved a moment ago is always in the copy by then, while bogus ids cost at most one query
# a second.
creatives = _Lookup(_load_creatives, seconds=5.0, miss_seconds=1.0)


def is_live_article(article_id: int) -> bool:
    return bool(articles.get(article_id))


def column_id(slug: str) -> int | None:
    return columns.get(slug)


def is_running_creative(creative_id: int, at) -> bool:
    """Whether the creative's campaign is approved and runs at ``at`` (give or take AD_GRACE, for
    impressions sent in a batch a little after the end, and clocks a little off)."""
    window = creatives.get(creative_id)
    return window is not None and window[0] - AD_GRACE <= at < window[1] + AD_GRACE


def clear() -> None:
    """Forget the copies (tests; a story just published or retracted in the same process)."""
    articles.clear()
    columns.clear()
    creatives.clear()
