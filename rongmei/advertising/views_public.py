"""What readers reach of advertising under /ops/ (public: no login, no session, no second factor —
rongmei/accounts/middleware.py PUBLIC_PREFIXES): the counted click that leads to the creative's
link, and the creative's picture."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_safe

from rongmei.advertising import serving
from rongmei.analytics import services as readership
from rongmei.core.middleware import request_ip

# The picture of an approved creative never changes (creatives change only in draft, and the
# API's URL names the asset); a paused or ended campaign's picture may stay this long in caches.
IMAGE_MAX_AGE = 600


# Parts of this site a creative may not lead to: the click itself (a link to /ops/c/… would loop
# through the redirect, counting each time), the API, sign-in and the admin.
REFUSED_PREFIXES = ("ops", "api", "accounts", "admin")


def _into_refused_part(path: str) -> bool:
    """Whether a path leads into one of REFUSED_PREFIXES, as a browser and Django would read it
    (backslashes as slashes, percent-escapes and dot segments resolved, any case)."""
    path = unquote(path).replace("\\", "/")
    path = posixpath.normpath("/" + path.lstrip("/"))
    first = path.lstrip("/").split("/", 1)[0].lower()
    return first in REFUSED_PREFIXES


def _safe_link(link: str, host: str = "") -> str | None:
    """The creative's link if it is a page of this site or an http(s) address (the management
    services check it too; this keeps a bad row from becoming a redirect to a script), and does
    not lead back into /ops/, /api/, /accounts/ or /admin/ of this site (``host``)."""
    link = (link or "").strip()
    if link.startswith("/") and not link.startswith(("//", "/\\")):
        return None if _into_refused_part(urlsplit(link).path) else link
    parts = urlsplit(link)
    if parts.scheme in ("http", "https") and parts.netloc and "\\" not in link:
        if host and parts.netloc.lower() == host.lower() and _into_refused_part(parts.path):
            return None
        return link
    return None


@require_GET  # not HEAD either: link checkers ask that, readers never do
def click(request: HttpRequest, creative_id: int) -> HttpResponse:
    """Count a click on a running creative and go to its own link (never to an address from the
    request: no open redirect). A creative that is not running leads to the home page, uncounted."""
    creative = serving.running_creative(creative_id)
    link = _safe_link(creative.link, request.get_host()) if creative is not None else None
    if link is None:
        response = HttpResponseRedirect(reverse("portal:index"))
    else:
        readership.count_ad_click(
            creative_id=creative.pk,
            device=request.GET.get("d", "")[:64],
            user_agent=request.headers.get("User-Agent", "")[:500],
            client_address=request_ip(request) or "",
        )
        response = HttpResponseRedirect(link)
    # Each click is counted: no cache may answer it, and search engines need not follow it.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "origin"
    return response


@require_safe
def image(request: HttpRequest, creative_id: int) -> HttpResponse:
    """The creative's web picture (the media library's WebP or JPEG rendition, never the original)
    while its campaign is approved; 404 otherwise."""
    from rongmei.media import selectors as media
    from rongmei.media.views import serve_file

    creative = serving.shown_creative(creative_id)
    if creative is None:
        raise Http404
    webp = "image/webp" in request.headers.get("Accept", "")
    rendition = serving.web_rendition(creative.asset_id, webp=webp)
    found = media.rendition_file(creative.asset_id, rendition.rel_path) if rendition is not None and rendition.rel_path else None
    if found is None:
        raise Http404
    response = serve_file(found)
    response["Cache-Control"] = f"public, max-age={IMAGE_MAX_AGE}"
    response["Vary"] = "Accept"
    return response
