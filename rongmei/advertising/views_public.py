"""What readers reach of advertising under /ops/ (public: no login, no session, no second factor —
rongmei/accounts/middleware.py PUBLIC_PREFIXES): the counted click that leads to the creative's
link, and the creative's picture."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_safe

from rongmei.advertising import serving
from rongmei.analytics import services as readership

# The picture of an approved creative never changes (creatives change only in draft, and the
# API's URL names the asset); a paused or ended campaign's picture may stay this long in caches.
IMAGE_MAX_AGE = 600


def _safe_link(link: str) -> str | None:
    """The creative's link if it is a page of this site or an http(s) address (the management
    services check it too; this keeps a bad row from becoming a redirect to a script)."""
    link = (link or "").strip()
    if link.startswith("/") and not link.startswith(("//", "/\\")):
        return link
    parts = urlsplit(link)
    if parts.scheme in ("http", "https") and parts.netloc and "\\" not in link:
        return link
    return None


@require_safe
def click(request: HttpRequest, creative_id: int) -> HttpResponse:
    """Count a click on a running creative and go to its own link (never to an address from the
    request: no open redirect). A creative that is not running leads to the home page, uncounted."""
    creative = serving.running_creative(creative_id)
    link = _safe_link(creative.link) if creative is not None else None
    if link is None:
        response = HttpResponseRedirect(reverse("portal:index"))
    else:
        readership.count_ad_click(
            creative_id=creative.pk, device=request.GET.get("d", "")[:64], user_agent=request.headers.get("User-Agent", "")
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
