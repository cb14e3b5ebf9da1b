"""Who is calling: a browser session (CSRF-checked on writes) or a personal access token.

Both lead to the same person in ``request.auth``; every operation requires a newsroom staff
member (``permissions.is_staff_member``). Writes are further checked by the services.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from rongmei.accounts.services import find_token
from rongmei.core.exceptions import NotAllowed
from rongmei.newsroom.permissions import is_staff_member


def _staff_or_refuse(user):
    if not is_staff_member(user):
        raise NotAllowed(_("The API is open to newsroom staff only."))
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer rm_…``. Tokens are not cookies, so no CSRF check applies."""

    def authenticate(self, request, token):
        found = find_token(token)
        if found is None:
            return None
        user = found.user
        request.user = user
        request.auth_method = "token"
        request.api_token = found  # stepup.check_api reads whether it was issued for automation
        return _staff_or_refuse(user)


class StaffSessionAuth(APIKeyCookie):
    """The browser's Django session. Unsafe methods need the CSRF token (X-CSRFToken header)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # Only a logged-in session is CSRF-checked: an anonymous caller gets 401, not a CSRF error.
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise NotAllowed(_("CSRF check failed. Reload the page and try again."), code="csrf_failed")
        request.auth_method = "session"
        return _staff_or_refuse(user)

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


# The token first: a script sends no cookies, and a session's CSRF refusal must not hide a valid token.
api_auth = [TokenAuth(), StaffSessionAuth()]
