"""The app user's login, kept in the session under its own key: it never touches Django's auth user,
so a staff member's newsroom login in the same browser is neither used nor ended here."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.utils import check_csrf

from rongmei.fans.models import Fan

SESSION_KEY = "fan_id"
_CACHE_ATTR = "_cached_fan"


def current_fan(request: HttpRequest) -> Fan | None:
    """The logged-in fan, or None (never logged in, logged out, banned or deleted since)."""
    if not hasattr(request, _CACHE_ATTR):
        fan_id = request.session.get(SESSION_KEY)
        fan = Fan.objects.filter(pk=fan_id, banned=False, deleted_at__isnull=True).first() if isinstance(fan_id, int) else None
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


def fan_for_write(request: HttpRequest) -> Fan:
    """The logged-in fan making a change through the API with their session cookie (a like, a
    comment, a letter). The CSRF token must come along in X-CSRFToken (GET /public/me and the
    state endpoints hand it over), so that another site cannot act in a reader's name.
    Not logged in: 401 first (nothing to protect)."""
    from rongmei.core.exceptions import NotAllowed
    from rongmei.fans.services import NotLoggedIn

    fan = current_fan(request)
    if fan is None:
        raise NotLoggedIn()
    if check_csrf(request) is not None:
        raise NotAllowed(_("CSRF check failed. Reload the page and try again."), code="csrf_failed")
    return fan
