"""The RTMP ingest's callbacks (nginx-rtmp ``on_publish`` / ``on_publish_done``, form-encoded POSTs
with the stream name = the room's stream key). A 2xx answer lets the encoder publish; anything else
makes nginx drop it. Only the ingest's own addresses may call (``RONGMEI_LIVE["RTMP_CALLBACK_FROM"]``,
default the loopback addresses)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rongmei.core.exceptions import DomainError
from rongmei.live import services

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
    return HttpResponse(f"room {room.pk}", content_type="text/plain")


@csrf_exempt
@require_POST
def on_publish_done(request: HttpRequest) -> HttpResponse:
    if not _from_ingest(request):
        return HttpResponse(status=403)
    services.publish_done(key=request.POST.get("name", ""))
    return HttpResponse("ok", content_type="text/plain")
