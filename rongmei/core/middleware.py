from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

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


def _origin(url: str) -> str:
    """scheme://host[:port] of an absolute URL, or "" for a relative one."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc else ""


@lru_cache(maxsize=8)
def content_security_policy(hls_base_url: str, websocket_url: str) -> str:
    """The policy of every page Django answers: scripts, styles, fonts, pictures and media from
    this site only (ECharts, htmx and hls.js are served by us), no inline script and no eval, no
    plugins, no framing, forms posting here only. Inline style attributes stay allowed (layout
    sizes in templates; ECharts and htmx set styles). The live rooms' HLS may come from another
    port or host (RONGMEI_LIVE["HLS_BASE_URL"]) and the sockets from RONGMEI["WEBSOCKET_URL"]."""
    hls, ws = _origin(hls_base_url), _origin(websocket_url)
    media = " ".join(filter(None, ["'self'", "blob:", hls]))
    connect = " ".join(filter(None, ["'self'", hls, ws]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            f"media-src {media}",
            f"connect-src {connect}",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# What pages may ask of the browser: the camera, microphone and the rest never; the position
# only for this site's own pages (a volunteer's QR check-in within an activity's radius).
PERMISSIONS_POLICY = "camera=(), microphone=(), payment=(), usb=(), geolocation=(self)"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every answer (Django's SecurityMiddleware
    sets nosniff, Referrer-Policy and Cross-Origin-Opener-Policy; XFrameOptionsMiddleware DENY).
    An answer that sets its own policy keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            live = getattr(settings, "RONGMEI_LIVE", {}) or {}
            response["Content-Security-Policy"] = content_security_policy(
                str(live.get("HLS_BASE_URL", "")), str(settings.RONGMEI.get("WEBSOCKET_URL", ""))
            )
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
