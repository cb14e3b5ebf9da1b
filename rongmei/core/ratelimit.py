"""Sliding-window limits on the public writes (login codes, comments, letters), kept in the cache:
per key, the times the action was taken within its longest window.

A limit, not a lock: two requests at the same instant may both take the last slot (the list is
read, then written). The cache is Redis when REDIS_URL is set (one count for the whole site) and
in-process memory otherwise (one count per process: the embedded setup runs one web process).
"""

from __future__ import annotations

import math

from django.core.cache import cache
from django.utils.translation import gettext as _


def wait_words(seconds: float) -> str:
    """How long to wait, as a reader wants to read it: seconds, minutes or hours, rounded up."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return _("%(n)s seconds") % {"n": seconds}
    if seconds < 2 * 3600:
        return _("%(n)s minutes") % {"n": math.ceil(seconds / 60)}
    return _("%(n)s hours") % {"n": math.ceil(seconds / 3600)}


def recent(key: str, window: int, now: float) -> list[float]:
    """The times of ``key`` within the last ``window`` seconds, oldest first."""
    return [t for t in cache.get(key, []) if now - t < window]


def over(times: list[float], limit: tuple[int, int], now: float) -> float | None:
    """Seconds to wait when ``times`` already hold the most that ``limit`` (window, most) allows,
    else None."""
    window, most = limit
    inside = [t for t in times if now - t < window]
    if len(inside) >= most:
        return window - (now - inside[-most])
    return None


def record(key: str, window: int, now: float) -> None:
    """Count one more action at ``now``; the key's list keeps ``window`` seconds."""
    cache.set(key, [*recent(key, window, now), now], window)
