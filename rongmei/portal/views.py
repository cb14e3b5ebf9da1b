"""The public website: stories live on our website/app (distribution.selectors.published_stories),
each as the website version that was published, with its photos and video; special topics and
the short-video feed."""

from __future__ import annotations

import hashlib
import os
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from rongmei.core.exceptions import DomainError
from rongmei.core.storage import stored_file_response
from rongmei.distribution import selectors
from rongmei.media import selectors as media_selectors
from rongmei.media.models import StoryAsset
from rongmei.portal import pages
from rongmei.portal import selectors as portal
from rongmei.portal.models import Column, Feature, Topic

MEDIA_MAX_AGE = 300
PICTURE_MAX_AGE = 3600
# Served with these types whatever the system's MIME table says (HLS players check them).
MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
}
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _after(request: HttpRequest):
    """The ?cursor= of a video feed page as a position, or None; DomainError when it is bad."""
    cursor = request.GET.get("cursor")
    return portal.decode_cursor(cursor[:200]) if cursor else None


def _bad_link(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(request, "portal/message.html", {"message": error.message, "columns": pages.columns()}, status=400)


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/index.html", pages.index_context(request.GET.get("page")))


def column(request: HttpRequest, slug: str) -> HttpResponse:
    """A column: the live stories of its newsroom teams, newest first; a link column leads on, a
    services column to the services directory."""
    col = get_object_or_404(Column.objects.prefetch_related("teams").select_related("topic"), slug=slug, active=True)
    if col.kind == Column.Kind.LINKS:
        return redirect(col.link)
    if col.kind == Column.Kind.SERVICES:
        return redirect(col.link or reverse("civic:services"))
    return render(request, "portal/column.html", pages.column_context(col, request.GET.get("page")))


def videos(request: HttpRequest) -> HttpResponse:
    """The vertical short-video feed (all live videos, or a video column's with ?column=)."""
    column = None
    if request.GET.get("column"):
        slug = request.GET["column"]
        if not SLUG_RE.fullmatch(slug):
            raise Http404
        column = get_object_or_404(Column.objects.prefetch_related("teams"), slug=slug, active=True, kind=Column.Kind.VIDEO)
    try:
        after = _after(request)
    except DomainError as e:
        return _bad_link(request, e)
    return render(request, "portal/videos.html", pages.video_context(after, column=column))


def topics(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/topics.html", pages.topics_context())


def topic(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Topic, slug=slug, active=True)
    context = pages.topic_context(item, request.build_absolute_uri)
    context["canonical_url"] = request.build_absolute_uri()
    return render(request, "portal/topic.html", context)


@require_safe
def topic_poster(request: HttpRequest, slug: str) -> HttpResponse:
    """The special topic's QR-code poster (PNG) for sharing, as articles have."""
    from rongmei.portal import share

    item = get_object_or_404(Topic, slug=slug, active=True)
    stories = portal.topic_stories(item)
    photo = portal.topic_cover_file(item, stories)
    url = request.build_absolute_uri(reverse("portal:topic", args=[item.slug]))
    digest = hashlib.sha256("|".join([item.title, item.summary, url, str(photo or "")]).encode()).hexdigest()[:20]
    etag = f'"topic-poster-{item.pk}-{digest}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        png = share.poster(headline=item.title, intro=item.summary, url=url, photo=photo)
        response = HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response


@require_safe
def picture(request: HttpRequest, name: str) -> HttpResponse:
    """A picture an operator uploaded for a shown feature or topic (carousel picture, cover)."""
    if not name.startswith(("portal/features/", "portal/topics/")) or "\x00" in name:
        raise Http404
    if not (Feature.objects.filter(image=name, active=True).exists() or Topic.objects.filter(cover=name, active=True).exists()):
        raise Http404
    response = stored_file_response(name)
    response["Cache-Control"] = f"public, max-age={PICTURE_MAX_AGE}"
    return response


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
    if "\x00" in path:
        raise Http404  # no file name holds one (and the file system refuses it)
    live = selectors.published_stories().values("pk")  # the one definition of "live on the site"
    if not StoryAsset.objects.filter(asset_id=pk, story_id__in=live).exists():
        raise Http404
    from rongmei.media.views import serve_file

    target = media_selectors.rendition_file(pk, path)  # from the bucket on a machine without it
    if target is None:
        raise Http404  # none such, or a way out of this asset's folder
    response = serve_file(target)
    content_type = MEDIA_TYPES.get(os.path.splitext(target)[1].lower())
    if content_type:
        response["Content-Type"] = content_type
    response = _ranged(request, response, target)
    response["Cache-Control"] = f"public, max-age={MEDIA_MAX_AGE}"
    return response


def _read(path: str, start: int, length: int, chunk: int = 256 * 1024):
    with open(path, "rb") as f:
        f.seek(start)
        while length > 0:
            data = f.read(min(chunk, length))
            if not data:
                return
            length -= len(data)
            yield data


def _ranged(request: HttpRequest, response: FileResponse, path: str) -> HttpResponse:
    """Answer a single byte range (``Range: bytes=a-b``) with 206: Safari and WeChat on iOS play
    an MP4 or MP3 only from a server that does. Anything else gets the whole file."""
    response["Accept-Ranges"] = "bytes"
    match = RANGE_RE.match(request.headers.get("Range", "").strip())
    if not match or match.groups() == ("", ""):
        return response
    size = os.path.getsize(path)
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1  # the last N bytes
    # Only the open file goes: HttpResponse.close() would signal request_finished, which closes
    # the request's database connection in the middle of the request.
    response.file_to_stream.close()
    if start > end or start >= size:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    partial = StreamingHttpResponse(_read(path, start, end - start + 1), status=206, content_type=response["Content-Type"])
    partial["Content-Length"] = str(end - start + 1)
    partial["Content-Range"] = f"bytes {start}-{end}/{size}"
    partial["Accept-Ranges"] = "bytes"
    partial["X-Content-Type-Options"] = "nosniff"
    return partial


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
