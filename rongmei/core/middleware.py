from __future__ import annotations

import logging
import time
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.shortcuts import render

from rongmei.core import ratelimit
from rongmei.core.context import reset_client_ip, set_client_ip

log = logging.getLogger(__name__)


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


def page_security_headers(*, hls_base_url: str | None = None, websocket_url: str | None = None) -> list[tuple[str, str]]:
    """The security headers of a page, as Django's own answers carry them (this middleware, plus
    SecurityMiddleware and XFrameOptionsMiddleware): the one source for what Django does not
    serve, the edge's published pages (rongmei/portal/edge.py) and deploy/nginx.conf (a test
    compares the file with this list). The URLs default to the settings'."""
    live = getattr(settings, "RONGMEI_LIVE", {}) or {}
    if hls_base_url is None:
        hls_base_url = str(live.get("HLS_BASE_URL", ""))
    if websocket_url is None:
        websocket_url = str(settings.RONGMEI.get("WEBSOCKET_URL", ""))
    return [
        ("Content-Security-Policy", content_security_policy(hls_base_url, websocket_url)),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY")),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin"),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "same-origin"),
    ]


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


class PublicWriteLimitMiddleware:
    """One ceiling on every public write (rongmei.core.ratelimit.PUBLIC_WRITES): a write over it is
    refused before any view runs (429, Retry-After, a message saying how long to wait: JSON for
    the API, a page otherwise), so nothing of it is stored. Place after the session and
    RequestContextMiddleware (the fan and the address). RONGMEI_PUBLIC_WRITE_CEILING=False turns
    it off (benchmarks that send every request from one address); the services' own limits stay."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        write = ratelimit.public_write(request.method, request.path_info)
        # Staff logged in (password and, per role, a second factor; every action audited) share
        # the newsroom's one address: the ceiling for the public is not theirs, except at login.
        staff = write is not None and write.name != "login" and getattr(getattr(request, "user", None), "is_authenticated", False)
        if write is not None and not staff and getattr(settings, "RONGMEI_PUBLIC_WRITE_CEILING", True):
            fan_id = request.session.get("fan_id") if hasattr(request, "session") else None  # rongmei.fans.auth.SESSION_KEY
            refused = ratelimit.take(
                write, person=str(fan_id) if isinstance(fan_id, int) else None, ip=request_ip(request), now=time.time()
            )
            if refused is not None:
                return self._refuse(request, *refused)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, message: str, retry_after: int):
        from rongmei.core.errors import json_error

        response = json_error(request, message, status=429, code="throttled")
        if response is None:
            response = render(request, "portal/message.html", {"message": message}, status=429)
        response["Retry-After"] = str(retry_after)
        return response


def _database_outage(error: BaseException) -> BaseException | None:
    """The database error (connection lost, restarting) behind ``error``, if that is what it is."""
    from django.db import InterfaceError, OperationalError

    seen = error
    for _depth in range(5):
        seen = seen.__cause__ or seen.__context__
        if seen is None:
            return None
        if isinstance(seen, OperationalError | InterfaceError):
            return seen
    return None


class ResilientSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, except when the database goes away between the view and the
    session's save (SESSION_SAVE_EVERY_REQUEST saves every session on every request). Django
    answers that with "Bad Request (400)" (its SessionInterrupted), though the view's work, a
    citizen's question say, is already committed. Here the view's answer stands when the save
    only renewed the idle timer; when the session itself had changed (a login), the database
    error goes on to the 503 page (rongmei/core/errors.py)."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except SessionInterrupted as interrupted:
            outage = _database_outage(interrupted)
            if outage is None:
                raise
            if request.session.modified:
                raise outage from interrupted
            log.warning("session of %s not renewed: the database is away (%s)", request.path, outage)
            return response
