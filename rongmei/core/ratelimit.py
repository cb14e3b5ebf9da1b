"""Sliding-window limits on the public writes (login codes, comments, letters), kept in the cache:
per key, the times the action was taken within its longest window.

A limit, not a lock: two requests at the same instant may both take the last slot (the list is
read, then written). The cache is Redis when REDIS_URL is set (one count for the whole site) and
in-process memory otherwise (one count per process: the embedded setup runs one web process).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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


# --- one ceiling on every public write -----------------------------------------------------------
# The services keep their own, finer limits (SMS codes per number, comments, letters, 问政,
# community actions, the live chat's per viewer). PublicWriteLimitMiddleware
# (rongmei.core.middleware) adds one ceiling on every anonymous or citizen write, the doors that
# have no limit of their own included (likes, favorites, follows, ratings, the beacon, logins):
# per person (the fan logged in) and per address. The table is in docs/security.md "Rate limits".

Limits = tuple[tuple[int, int], ...]  # ((window seconds, most), ...)


@dataclass(frozen=True)
class PublicWrite:
    name: str
    path: re.Pattern
    person: Limits  # per fan logged in (nothing for a visitor not logged in)
    address: Limits  # per client address: generous, since a county's mobile network shares addresses


PUBLIC_WRITES: tuple[PublicWrite, ...] = (
    # Page views, reads, plays: a busy reader sends one batch every few seconds at most.
    PublicWrite("beacon", re.compile(r"^/api/v1/public/beacon$"), person=(), address=((60, 600),)),
    # Logins: staff (django-axes locks username + address after 5 failures), readers' SMS codes
    # (fans.services limits codes per number and address) and the code's check.
    PublicWrite(
        "login",
        re.compile(r"^/(?:accounts/login/|accounts/2fa/|me/login/|api/v1/public/(?:sms-codes|sessions))$"),
        person=(),
        address=((60, 30), (3600, 300)),
    ),
    # Everything else the public writes: the app API, 问政 (web, API, Open311), 话题, letters to
    # deputies, practice requests and check-ins, the reader's own page, live rooms' pages.
    PublicWrite(
        "public",
        re.compile(
            r"^/(?:api/v1/(?:public/|inquiries)|wenzheng/|huati/|me/|councils/|services/|practice/(?!manage/)"
            r"|open311/|live/(?!rtmp/|manage/|[0-9]+/manage/)|search/)"
        ),
        person=((60, 30), (3600, 300)),
        address=((60, 120), (3600, 2000)),
    ),
)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def public_write(method: str, path: str) -> PublicWrite | None:
    if method not in WRITE_METHODS:
        return None
    return next((w for w in PUBLIC_WRITES if w.path.match(path)), None)


def take(write: PublicWrite, *, person: str | None, ip: str | None, now: float) -> tuple[str, int] | None:
    """Count one ``write`` by ``person`` from ``ip`` and return None, or, when a limit is already
    reached, count nothing and return (the message saying how long to wait, those seconds). A refused attempt is
    not counted: waiting the time said is enough."""
    checks = []
    if person and write.person:
        checks.append((f"rl:{write.name}:p:{person}", write.person, _("You are doing this too often. Try again in %(wait)s.")))
    if ip and write.address:
        checks.append((f"rl:{write.name}:a:{ip}", write.address, _("Too many requests came from your network. Try again in %(wait)s.")))
    found = []
    for key, limits, message in checks:
        window = max(w for w, _n in limits)
        times = recent(key, window, now)
        for limit in limits:
            if (wait := over(times, limit, now)) is not None:
                return message % {"wait": wait_words(wait)}, math.ceil(wait)
        found.append((key, window, times))
    for key, window, times in found:
        cache.set(key, [*times, now], window)
    return None
