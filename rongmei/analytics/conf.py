"""Settings of readership counting, with their defaults.

Read from ``settings.RONGMEI_READERSHIP`` (a dict; every key optional), so a site or a test can
change one value without restating the others.
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # Raw events are kept this many days after their day; rollups are kept for good.
    "RETENTION_DAYS": 35,
    # The in-process buffer is written when it holds this many events, or after this many seconds.
    "FLUSH_EVENTS": 500,
    "FLUSH_SECONDS": 2.0,
    # Events a buffer keeps while the database refuses writes; beyond it the oldest are dropped.
    "BUFFER_MAX_EVENTS": 50_000,
    # A background thread per web process writes the buffer (and, with Redis, drains the shared
    # list) and asks the task worker for yesterday's rollup. Off in tests: they flush by hand.
    "FLUSH_THREAD": not getattr(settings, "TESTING", False),
    # Yesterday is rolled up this many minutes after midnight (local time): late buffers are in.
    "ROLLUP_AFTER_MINUTES": 10,
    # The public counters of an article are cached this many seconds.
    "COUNTERS_CACHE_SECONDS": 15,
    # Published articles and columns are looked up in a per-process copy at most this old.
    "LOOKUP_SECONDS": 60,
}


def setting(name: str):
    overrides = getattr(settings, "RONGMEI_READERSHIP", None) or {}
    return overrides.get(name, DEFAULTS[name])
