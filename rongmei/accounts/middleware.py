from __future__ import annotations

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

POLICY_CACHE_KEY = "accounts:2fa-roles"
_EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/healthz", "/i18n/", "/favicon")


def roles_requiring_two_factor() -> set[str]:
    roles = cache.get(POLICY_CACHE_KEY)
    if roles is None:
        from rongmei.accounts.models import RoleSecurityPolicy

        roles = set(RoleSecurityPolicy.objects.filter(require_two_factor=True).values_list("role", flat=True))
        cache.set(POLICY_CACHE_KEY, roles, 300)
    return roles


def needs_two_factor(user) -> bool:
    return bool(user.is_authenticated and user.role in roles_requiring_two_factor() and not user.is_verified())


# The public website and the public app's API: open to anyone, so no second factor either.
# /ops/c/ and /ops/i/: an ad's counted click and its picture (the rest of /ops/ is staff only).
PUBLIC_PREFIXES = (
    "/news/",
    "/column/",
    "/search/",
    "/feeds/",
    "/api/v1/public/",
    "/api/v1/search",
    "/me/",
    "/services/",
    "/councils/",
    "/ops/c/",
    "/ops/i/",
)


def _is_public(path: str) -> bool:
    # The public site (portal) needs no login at all, so it needs no second factor either.
    return path == "/" or path.startswith(PUBLIC_PREFIXES)


class RequireTwoFactorMiddleware:
    """People whose role requires two-factor login reach nothing but the 2FA pages until verified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not request.path.startswith(_EXEMPT_PREFIXES) and not _is_public(request.path) and needs_two_factor(user):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Two-factor verification is required for your role.")}, status=403)
            return redirect("accounts:two_factor")
        return self.get_response(request)
