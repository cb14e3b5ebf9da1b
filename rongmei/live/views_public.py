"""Public pages of live rooms: the list at /live/ and the H5 player page at /live/<id>/, with the
room's poster (its cover, or a drawn placeholder) and the files of its replay.

Reads only: the view count is kept by the chat server (a connection is a view), never here.
The player page is the same for every anonymous reader (a short shared cache); for a logged-in app
user (the chat input) or a host (the host controls) it is private. What changes while the page is
open (state, counts, chat, pinned text, chat mode) comes over the chat WebSocket (static live/chat.js and live/player.js).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from rongmei.core.storage import stored_file_response
from rongmei.fans.auth import current_fan
from rongmei.live import ingest, services
from rongmei.live.models import ChatMessage, LiveRoom

State = LiveRoom.State
log = logging.getLogger(__name__)

LIST_MAX_AGE = 30  # the list: a new room or a state change shows within half a minute
PAGE_MAX_AGE = 10  # the player page: the state switches over the socket anyway
FILE_MAX_AGE = 300  # cover and replay files
UPCOMING_LIMIT = 30
PAST_LIMIT = 30
HISTORY_LIMIT = 50  # chat messages drawn into the page (readable without script; the socket replaces them)
HLS_KINDS = ("hls_360", "hls_720", "hls_1080")


def live_hls_url(room: LiveRoom, request=None) -> str:
    """The master playlist of the room's live stream (rongmei.live.ingest). The embedded setup's
    default names the loopback address; a phone on the county network that reached the page by
    the machine's IP address gets that address instead, with the HLS port."""
    url = ingest.hls_url(room)
    if request is not None:
        parts = urlsplit(url)
        page_host = urlsplit("//" + request.get_host()).hostname or ""
        try:
            reached = ipaddress.ip_address(page_host)
        except ValueError:
            reached = None
        if parts.hostname in ("127.0.0.1", "localhost", "::1") and reached is not None and not reached.is_loopback:
            host = f"[{reached}]" if reached.version == 6 else str(reached)
            url = urlunsplit((parts.scheme, host + (f":{parts.port}" if parts.port else ""), parts.path, parts.query, parts.fragment))
    if room.stream_key and room.stream_key in url:
        # The stream key lets anyone publish to the room: it must never reach a public page.
        log.error("The HLS address of live room %s contains its stream key; not shown.", room.pk)
        return ""
    return url


def replay_sources(room: LiveRoom) -> dict | None:
    """The playable forms of the room's replay: the HLS master playlist over the rungs made so far
    and the MP4, with the poster frame; None when the replay is not published or not yet made."""
    from rongmei.portal.selectors import renditions_of

    if room.state != State.REPLAY or not room.replay_asset_id:
        return None
    made = renditions_of([room.replay_asset_id], ["mp4", "poster", *HLS_KINDS]).get(room.replay_asset_id, {})

    def url(rendition) -> str:
        return reverse("live:replay_file", args=[room.pk, rendition.rel_path]) if rendition is not None and rendition.rel_path else ""

    hls = reverse("live:replay_file", args=[room.pk, "hls/master.m3u8"]) if any(k in made for k in HLS_KINDS) else ""
    mp4 = url(made.get("mp4"))
    if not (hls or mp4):
        return None
    return {"hls": hls, "mp4": mp4, "poster": url(made.get("poster"))}


def _history(room: LiveRoom) -> list[ChatMessage]:
    rows = ChatMessage.objects.filter(room=room, status=ChatMessage.Status.VISIBLE).order_by("-id")[:HISTORY_LIMIT]
    return list(reversed(rows.only("id", "name", "body", "kind", "highlighted", "fan_id", "created_at")))


def _columns() -> list:
    from rongmei.portal.pages import columns

    return columns()


@require_safe
def room_list(request: HttpRequest) -> HttpResponse:
    """Live now first, then the upcoming rooms (soonest first), then the ended rooms and replays."""
    rooms = LiveRoom.objects.select_related("column")
    context = {
        "live_rooms": list(rooms.filter(state=State.LIVE).order_by("-started_at", "-id")),
        "upcoming": list(rooms.filter(state=State.SCHEDULED).order_by("scheduled_at", "id")[:UPCOMING_LIMIT]),
        "past": list(rooms.filter(state__in=[State.REPLAY, State.ENDED]).order_by("-scheduled_at", "-id")[:PAST_LIMIT]),
        "columns": _columns(),
    }
    response = render(request, "live/list.html", context)
    patch_cache_control(response, public=True, max_age=LIST_MAX_AGE)
    return response


@require_safe
def room_page(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(LiveRoom.objects.select_related("column"), pk=pk)
    fan = current_fan(request)
    user = getattr(request, "user", None)
    is_host = services.can_manage(user)
    replay = replay_sources(room)
    context = {
        "room": room,
        "fan": fan,
        "is_host": is_host,
        "hls_url": live_hls_url(room, request),
        "replay": replay,
        "poster_url": (replay and replay["poster"]) or reverse("live:poster", args=[room.pk]),
        "share_image": request.build_absolute_uri(reverse("live:poster", args=[room.pk])) if room.cover else "",
        "canonical_url": request.build_absolute_uri(room.get_absolute_url()),
        "login_url": reverse("fans:login") + "?next=" + room.get_absolute_url(),
        "messages_history": _history(room),
        "columns": _columns(),
    }
    response = render(request, "live/room.html", context)
    if fan is not None or is_host:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=PAGE_MAX_AGE)
    return response


PLACEHOLDER_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1280 720" width="1280" height="720">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#8e0b21"/>\
<stop offset="1" stop-color="#1d2b4f"/></linearGradient></defs>
<rect width="1280" height="720" fill="url(#g)"/>
<circle cx="640" cy="360" r="80" fill="none" stroke="#fff" stroke-opacity=".7" stroke-width="10"/>
<path d="M615 315 L685 360 L615 405 Z" fill="#fff" fill-opacity=".85"/>
<text x="640" y="200" fill="#fff" font-size="52" text-anchor="middle" \
font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif">{title}</text>
</svg>"""


@require_safe
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The room's cover, or, without one, a drawn placeholder with its title."""

    room = get_object_or_404(LiveRoom.objects.only("pk", "title", "cover"), pk=pk)
    if room.cover:
        response = stored_file_response(room.cover.name)
    else:
        title = room.title if len(room.title) <= 20 else room.title[:19] + "…"
        response = HttpResponse(PLACEHOLDER_SVG.format(title=escape(title)), content_type="image/svg+xml")
        response["X-Content-Type-Options"] = "nosniff"
        # An SVG opened on its own is a document: no script may run in it.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    patch_cache_control(response, public=True, max_age=FILE_MAX_AGE)
    return response


@require_safe
def replay_file(request: HttpRequest, pk: int, path: str) -> HttpResponse:
    """A file of the room's published replay (a rendition of its replay asset: the MP4, the poster
    frame, HLS playlists and segments); 404 until the replay is published."""
    from rongmei.media.views import serve_file
    from rongmei.portal.views import MEDIA_TYPES, _ranged

    room = get_object_or_404(LiveRoom.objects.only("pk", "state", "replay_asset_id"), pk=pk)
    if room.state != State.REPLAY or not room.replay_asset_id or "\x00" in path:
        raise Http404
    from rongmei.media.selectors import rendition_file

    target = rendition_file(room.replay_asset_id, path)
    if target is None:
        raise Http404  # none such, or a way out of the replay's folder
    response = serve_file(target)
    content_type = MEDIA_TYPES.get(os.path.splitext(target)[1].lower())
    if content_type:
        response["Content-Type"] = content_type
    response = _ranged(request, response, target)
    patch_cache_control(response, public=True, max_age=FILE_MAX_AGE)
    return response


urlpatterns = [
    path("", room_list, name="list"),
    path("<int:pk>/", room_page, name="room"),
    path("<int:pk>/poster", poster, name="poster"),
    path("<int:pk>/replay/<path:path>", replay_file, name="replay_file"),
]
