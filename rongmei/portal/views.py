"""The public website: stories live on our website/app (distribution.selectors.published_stories),
each as the website version that was published, with its photos and video."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from rongmei.distribution import selectors
from rongmei.media.models import StoryAsset
from rongmei.portal import pages
from rongmei.portal.models import Column

MEDIA_MAX_AGE = 300


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/index.html", pages.index_context(request.GET.get("page")))


def column(request: HttpRequest, slug: str) -> HttpResponse:
    """A column: the live stories of its newsroom teams, newest first; a link column leads on."""
    col = get_object_or_404(Column.objects.prefetch_related("teams"), slug=slug, active=True)
    if col.kind == Column.Kind.LINKS:
        return redirect(col.link)
    return render(request, "portal/column.html", pages.column_context(col, request.GET.get("page")))


def story_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # Only what was published is public: the working copy (or a correction in review) is not.
    story = get_object_or_404(selectors.published_stories().prefetch_related("authors"), pk=pk)
    context = pages.story_context(story, request.build_absolute_uri)
    context["canonical_url"] = request.build_absolute_uri()
    return render(request, "portal/story.html", context)


@require_safe
def media(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    """A rendition of an asset attached to a story that is live on the site; 404 otherwise (a
    retracted story's pictures go with it)."""
    live = selectors.published_stories().values("pk")  # the one definition of "live on the site"
    if not StoryAsset.objects.filter(asset_id=pk, story_id__in=live).exists():
        raise Http404
    from rongmei.media.views import serve_file

    folder = os.path.realpath(os.path.join(settings.MEDIA_ROOT, "renditions", str(pk)))
    target = os.path.realpath(os.path.join(folder, path))
    if not target.startswith(folder + os.sep):
        raise Http404  # no way out of this asset's folder
    response = serve_file(target)
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response


@require_safe
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The article's QR-code poster (PNG) for sharing: only for a story live on the site."""
    from rongmei.distribution.adapters.base import media_file
    from rongmei.portal import share

    story = get_object_or_404(selectors.published_stories(), pk=pk)
    pub = selectors.live_publication(story)
    etag = f'"poster-{story.pk}-{pub.pk}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        content = selectors.live_content(story)
        photo = media_file(next(iter(content["gallery"]), None))
        url = request.build_absolute_uri(reverse("portal:story", args=[story.pk]))
        png = share.poster(headline=content["headline"], intro=content["intro"] or "", url=url, photo=photo)
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: the public site installs as 云上… on a phone's home screen."""
    name = settings.RONGMEI["SITE_NAME"]
    data = {
        "name": name,
        "short_name": name,
        "description": settings.RONGMEI["CENTER_NAME"],
        "lang": "zh-CN",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b22222",
        "icons": [
            {"src": static(f"img/app-icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in (192, 512)
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the site's root so that it may look after every page."""
    path = finders.find("js/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as f:
        response = HttpResponse(f.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # browsers must see a new worker at once
    response["Service-Worker-Allowed"] = "/"
    return response
