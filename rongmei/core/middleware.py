from __future__ import annotations

from django.conf import settings

from rongmei.core.context import reset_client_ip, set_client_ip


def request_ip(request) -> str | None:
    # Behind our own nginx (scaled setup) the client address is in X-Forwarded-For; trust it
    # only when told the proxy is ours.
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_client_ip(request_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_client_ip(token)
