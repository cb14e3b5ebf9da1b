"""Staff pages of live rooms: the list at /live/manage/ and a room's console at /live/<id>/manage/
(state, the push address and stream key, the pull relay, ending the event, the replay, clips).

Managers only (operators, administrators, the chief editor): other staff get the 403 page, an
anonymous visitor the login page. Thin views: every change goes through rongmei.live.services."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rongmei.core.exceptions import NotAllowed
from rongmei.core.forms import call_service, call_service_or_message
from rongmei.live import ingest, relay, replay, services
from rongmei.live.models import LiveRoom
from rongmei.newsroom.views._common import forbidden

State = LiveRoom.State


def manager_view(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not services.can_manage(request.user):
            return forbidden(request, _("Only operators, administrators and the chief editor may manage live rooms."))
        try:
            return view(request, *args, **kwargs)
        except NotAllowed as e:
            return forbidden(request, e.message)

    return wrapper


class ClipForm(forms.Form):
    start = forms.CharField(label=gettext_lazy("From (mm:ss)"), max_length=12, widget=forms.TextInput(attrs={"placeholder": "12:00"}))
    end = forms.CharField(label=gettext_lazy("To (mm:ss)"), max_length=12, widget=forms.TextInput(attrs={"placeholder": "15:30"}))


@manager_view
def manage_list(request):
    rooms = LiveRoom.objects.select_related("column").order_by("-scheduled_at", "-id")[:200]
    return render(request, "live/manage_list.html", {"rooms": rooms})


def _context(request, room: LiveRoom, clip_form: ClipForm | None = None) -> dict:
    relay_status = relay.status(room) if room.ingest == LiveRoom.Ingest.PULL else ""
    return {
        "room": room,
        "push": ingest.push_url(room) if room.ingest == LiveRoom.Ingest.PUSH else None,
        "hls_url": ingest.hls_url(room),
        "transcoding": ingest.running(room.pk) is not None,
        "relay_status": relay_status,
        "relay_error": relay.last_error(room) if relay_status in ("dead", "stopped") else "",
        "has_recording": bool(replay.recordings(room.pk)),
        "clip_form": clip_form or ClipForm(),
        "clips": replay.clips(room),
        "clips_pending": replay.clips_pending(room),
        "can_end": room.state in (State.LIVE, State.ENDED),
        "deliverables": _deliverables(request.user, room),
    }


def _deliverables(user, room: LiveRoom) -> list:
    """The operations projects this room is a deliverable of (no money: business.selectors)."""
    from rongmei.business.selectors import deliverable_notice

    return deliverable_notice(actor=user, live_room=room)


@manager_view
def console(request, pk: int):
    room = get_object_or_404(LiveRoom.objects.select_related("replay_asset", "column"), pk=pk)
    return render(request, "live/manage.html", _context(request, room))


def _act(request, pk: int, service, done: str):
    """A console button: the service with the room, its refusal as a message, back to the console."""
    room = get_object_or_404(LiveRoom, pk=pk)
    ok, _room = call_service_or_message(request, service, actor=request.user, room=room)
    if ok:
        messages.success(request, done)
    return redirect("live:manage", pk=pk)


@manager_view
@require_POST
def rotate(request, pk: int):
    return _act(request, pk, services.rotate_key, _("A new stream key was made; give it to the encoder."))


@manager_view
@require_POST
def relay_start(request, pk: int):
    return _act(request, pk, services.start_relay, _("The relay is starting; the room goes live when the first segment is out."))


@manager_view
@require_POST
def relay_stop(request, pk: int):
    return _act(request, pk, services.stop_relay, _("The relay was stopped."))


@manager_view
@require_POST
def end(request, pk: int):
    room = get_object_or_404(LiveRoom, pk=pk)
    if room.ingest == LiveRoom.Ingest.PULL and relay.is_running(room):
        relay.stop(room)
    ok, _room = call_service_or_message(request, services.end_room, actor=request.user, room=room)
    if ok:
        messages.success(request, _("The event was ended; the replay is being made."))
    return redirect("live:manage", pk=pk)


@manager_view
def clip(request, pk: int):
    room = get_object_or_404(LiveRoom.objects.select_related("replay_asset"), pk=pk)
    if request.method != "POST":
        return redirect("live:manage", pk=pk)
    form = ClipForm(request.POST)
    if form.is_valid():
        ok, _range = call_service(
            form, services.request_clip, actor=request.user, room=room, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        if ok:
            messages.success(request, _("The clip is being cut; it appears in the media library and below."))
            return redirect("live:manage", pk=pk)
    return render(request, "live/manage.html", _context(request, room, clip_form=form), status=400)


urlpatterns = [
    path("manage/", manage_list, name="manage_list"),
    path("<int:pk>/manage/", console, name="manage"),
    path("<int:pk>/manage/rotate-key", rotate, name="manage_rotate"),
    path("<int:pk>/manage/relay/start", relay_start, name="manage_relay_start"),
    path("<int:pk>/manage/relay/stop", relay_stop, name="manage_relay_stop"),
    path("<int:pk>/manage/end", end, name="manage_end"),
    path("<int:pk>/manage/clip", clip, name="manage_clip"),
]
