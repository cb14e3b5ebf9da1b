"""The app user's login, kept in the session under its own key: it never touches Django's auth user,
so a staff member's newsroom login in the same browser is neither used nor ended here."""

from __future__ import annotations

from django.http import HttpRequest

from rongmei.fans.models import Fan

SESSION_KEY = "fan_id"
_CACHE_ATTR = "_cached_fan"


def current_fan(request: HttpRequest) -> Fan | None:
    """The logged-in fan, or None (never logged in, logged out, or banned since)."""
    if not hasattr(request, _CACHE_ATTR):
        fan_id = request.session.get(SESSION_KEY)
        fan = Fan.objects.filter(pk=fan_id, banned=False).first() if isinstance(fan_id, int) else None
        setattr(request, _CACHE_ATTR, fan)
    return getattr(request, _CACHE_ATTR)


def log_in(request: HttpRequest, fan: Fan) -> None:
    # A new session id at login: a session id planted before login is worth nothing after it.
    request.session.cycle_key()
    request.session[SESSION_KEY] = fan.pk
    setattr(request, _CACHE_ATTR, fan)


def log_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    setattr(request, _CACHE_ATTR, None)
