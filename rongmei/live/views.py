"""The RTMP ingest's callbacks (nginx-rtmp ``on_publish`` / ``on_publish_done``, form-encoded POSTs
with the stream name = the room's stream key). A 302 to the room's transcoder lets the encoder
publish (rongmei.live.ingest); a 4xx/5xx makes nginx drop it. Only the ingest's own addresses may call (``RONGMEI_LIVE["RTMP_CALLBACK_FROM"]``,
default the loopback addresses)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from rongmei.core.exceptions import DomainError
from rongmei.live import ingest, services
from rongmei.live.chat.store import as_wire
from rongmei.live.models import ChatMessage, LiveRoom

log = logging.getLogger(__name__)


def _from_ingest(request: HttpRequest) -> bool:
    return request.META.get("REMOTE_ADDR", "") in services.conf("RTMP_CALLBACK_FROM", ("127.0.0.1", "::1"))


@csrf_exempt
@require_POST
def on_publish(request: HttpRequest) -> HttpResponse:
    if not _from_ingest(request):
        return HttpResponse(status=403)
    try:
        room = services.authorize_publish(key=request.POST.get("name", ""), address=request.POST.get("addr") or None)
    except DomainError as e:
        log.warning("RTMP publish refused: %s", e.message)
        return HttpResponse(e.message, status=403, content_type="text/plain; charset=utf-8")
    # Accepted: start the room's transcoder and send the stream there under the room's id
    # (rongmei.live.ingest); from here on the secret key is in no address.
    try:
        location = ingest.start_push_transcoder(room)
    except Exception:
        log.exception("RTMP publish of room %s: the transcoder did not start", room.pk)
        return HttpResponse("transcoder unavailable", status=503, content_type="text/plain")
    response = HttpResponse(f"room {room.pk}", status=302, content_type="text/plain")
    response["Location"] = location
    return response


@csrf_exempt
@require_POST
def on_publish_done(request: HttpRequest) -> HttpResponse:
    if not _from_ingest(request):
        return HttpResponse(status=403)
    services.publish_done(key=request.POST.get("name", ""))
    return HttpResponse("ok", content_type="text/plain")


REPLAY_CHAT_PAGE = 500


@require_GET
def replay_chat(request: HttpRequest, room_id: int) -> JsonResponse:
    """The chat as kept for the replay: shown messages after ``after`` (an id), oldest first, each
    with ``s``, its second in the stream (from the time the room went live), so the replay page
    can fly them over the video at the moment they were sent."""
    room = get_object_or_404(LiveRoom, pk=room_id)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    rows = list(
        ChatMessage.objects.filter(room=room, status=ChatMessage.Status.VISIBLE, pk__gt=after).order_by("pk")[: REPLAY_CHAT_PAGE + 1]
    )
    more = len(rows) > REPLAY_CHAT_PAGE
    start = room.started_at
    items = []
    for m in rows[:REPLAY_CHAT_PAGE]:
        item = as_wire(m)
        item["s"] = round((m.created_at - start).total_seconds(), 1) if start else None
        items.append(item)
    response = JsonResponse({"room": room.pk, "items": items, "more": more}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=30" if room.state == LiveRoom.State.REPLAY else "no-cache"
    return response
