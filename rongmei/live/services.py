"""The one write path of live rooms: creating them, their stream keys, and the state machine
``scheduled → live → ended → replay`` (an encoder that drops and reconnects within
``RECONNECT_GRACE`` goes from ``ended`` back to ``live``).

Who may manage rooms: operators, administrators and the chief editor. ``actor=None`` is the server
itself: the RTMP ingest's callbacks (nginx's ``on_publish`` / ``on_publish_done``) and tasks. Every
change writes the audit log in its own transaction.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.input import clean_text, strip_controls
from rongmei.live.models import LiveRoom, new_stream_key

MANAGER_ROLES = (Role.OPERATOR, Role.ADMIN, Role.CHIEF_EDITOR)
State = LiveRoom.State

TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.SCHEDULED: (State.LIVE,),
    State.LIVE: (State.ENDED,),
    State.ENDED: (State.LIVE, State.REPLAY),
    State.REPLAY: (),
}

PULL_SCHEMES = ("rtmp://", "rtmps://", "srt://", "http://", "https://", "file://")


def conf(name: str, default):
    return getattr(settings, "RONGMEI_LIVE", {}).get(name, default)


def reconnect_grace() -> dt.timedelta:
    return dt.timedelta(seconds=conf("RECONNECT_GRACE_SECONDS", 600))


def can_manage(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in MANAGER_ROLES)


def _require_manager(actor) -> None:
    if actor is not None and not can_manage(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor may manage live rooms."))


def _check_pull(ingest: str, pull_url: str) -> str:
    pull_url = (pull_url or "").strip()
    if ingest == LiveRoom.Ingest.PULL:
        if not pull_url.startswith(PULL_SCHEMES):
            raise DomainError(_("Give the source as an rtmp://, srt://, http(s):// (HLS) or file:// address."), field="pull_url")
    elif ingest != LiveRoom.Ingest.PUSH:
        raise DomainError(_("Choose push or pull ingest."), field="ingest")
    return pull_url[:500]


@transaction.atomic
def create_room(
    *,
    actor,
    title: str,
    scheduled_at: dt.datetime,
    description: str = "",
    column=None,
    ingest: str = LiveRoom.Ingest.PUSH,
    pull_url: str = "",
) -> LiveRoom:
    _require_manager(actor)
    title = clean_text(title, field="title", label=_("Title"), min_len=2, max_len=60)
    description = strip_controls(description).strip()[:5000]
    if scheduled_at is None or timezone.is_naive(scheduled_at):
        raise DomainError(_("Give the scheduled start with its date and time."), field="scheduled_at")
    pull_url = _check_pull(ingest, pull_url)
    room = LiveRoom.objects.create(
        title=title,
        description=description,
        column=column,
        scheduled_at=scheduled_at,
        ingest=ingest,
        pull_url=pull_url,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record("live.create", actor=actor, subject=room, summary=_("Live room created: %(t)s") % {"t": title}, to_state=room.state)
    return room


@transaction.atomic
def rotate_key(*, actor, room: LiveRoom) -> LiveRoom:
    """A new stream key (the old one stops working at the encoder's next connection)."""
    _require_manager(actor)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    room.stream_key = new_stream_key()
    room.save(update_fields=["stream_key"])
    audit.record("live.rotate_key", actor=actor, subject=room, summary=_("Stream key replaced"))
    return room


def _move(room: LiveRoom, to: str, *, actor, action: str, summary: str, **changes) -> LiveRoom:
    current = room.state
    if to not in TRANSITIONS[current]:
        raise StateConflict(_("The live room is %(state)s; that cannot be done now.") % {"state": State(current).label})
    for name, value in changes.items():
        setattr(room, name, value)
    room.state = to
    room.save()
    audit.record(action, actor=actor, subject=room, summary=summary, from_state=current, to_state=to)
    return room


def _go_live(room: LiveRoom, now: dt.datetime, *, started: str, resumed: str, **changes) -> LiveRoom:
    """The server takes a room live: for the first time, or again within the reconnect grace."""
    again = room.state == State.ENDED
    return _move(
        room,
        State.LIVE,
        actor=None,
        action="live.resume" if again else "live.start",
        summary=resumed if again else started,
        started_at=room.started_at or now,
        ended_at=None,
        **changes,
    )


@transaction.atomic
def authorize_publish(*, key: str, address: str | None = None, now: dt.datetime | None = None) -> LiveRoom:
    """The ingest asks whether an encoder may publish with ``key``. Yes for a scheduled room (it goes
    live), a live one (the encoder reconnected) or one that ended less than RECONNECT_GRACE ago;
    otherwise DomainError (nginx then drops the connection)."""
    now = now or timezone.now()
    room = LiveRoom.objects.select_for_update().filter(stream_key=(key or "")[:40]).first() if key else None
    if room is None:
        raise NotAllowed(_("Unknown stream key."))
    if room.ingest != LiveRoom.Ingest.PUSH:
        raise StateConflict(_("This room relays a source address; it takes no pushed stream."))
    if room.state == State.LIVE:
        room.publisher_address = address
        room.save(update_fields=["publisher_address"])
        return room
    if room.state == State.ENDED and (room.ended_at is None or now - room.ended_at > reconnect_grace()):
        raise StateConflict(_("This live room has ended."))
    return _go_live(room, now, started=_("The stream started"), resumed=_("The stream came back"), publisher_address=address)


@transaction.atomic
def publish_done(*, key: str, now: dt.datetime | None = None) -> LiveRoom | None:
    """The encoder stopped (or dropped): the room ends; it may resume within RECONNECT_GRACE."""
    room = LiveRoom.objects.select_for_update().filter(stream_key=(key or "")[:40]).first() if key else None
    if room is None or room.state != State.LIVE:
        return room
    room = _move(room, State.ENDED, actor=None, action="live.end", summary=_("The stream ended"), ended_at=now or timezone.now())
    _schedule_replay(room, after=reconnect_grace())
    return room


@transaction.atomic
def end_room(*, actor, room: LiveRoom) -> LiveRoom:
    """An operator ends the event: a live room ends; one whose encoder dropped (ended, within the
    reconnect grace) stops waiting for it. Either way the replay is built at once (then a publish
    with the key is refused: a replay room takes no stream)."""
    _require_manager(actor)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    if room.state == State.ENDED:
        audit.record("live.end", actor=actor, subject=room, summary=_("Ended by an operator"), from_state=room.state, to_state=room.state)
    else:
        room = _move(room, State.ENDED, actor=actor, action="live.end", summary=_("Ended by an operator"), ended_at=timezone.now())
    _schedule_replay(room, after=None)  # the operator said it is over: no reconnect to wait for
    return room


@transaction.atomic
def publish_replay(*, actor, room: LiveRoom, asset) -> LiveRoom:
    """The recording becomes the replay (VOD) shown on the room's page."""
    _require_manager(actor)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    return _move(room, State.REPLAY, actor=actor, action="live.replay", summary=_("Replay published"), replay_asset=asset)


# --- the video path: pull relays, the replay, clips (rongmei.live.ingest / relay / replay) ---


def _schedule_replay(room: LiveRoom, *, after: dt.timedelta | None) -> None:
    """Build the replay once this end is final: at once, or when the reconnect grace has passed
    (the task finds the room live again, or ended at another time, and does nothing)."""
    from rongmei.live import tasks

    ended_at = room.ended_at.isoformat() if room.ended_at else ""
    transaction.on_commit(lambda: tasks.schedule_replay(room.pk, ended_at, after))


@transaction.atomic
def relay_live(*, room_id: int, now: dt.datetime | None = None) -> LiveRoom | None:
    """A pull relay's first HLS segment is out: the room goes live (server, actor=None)."""
    now = now or timezone.now()
    room = LiveRoom.objects.select_for_update().filter(pk=room_id).first()
    if room is None or room.state not in (State.SCHEDULED, State.ENDED):
        return room
    return _go_live(room, now, started=_("The relay started"), resumed=_("The relay came back"))


@transaction.atomic
def relay_ended(*, room_id: int, stopped: bool, now: dt.datetime | None = None) -> LiveRoom | None:
    """A pull relay ended: stopped by an operator, or the source ended (or failed)."""
    room = LiveRoom.objects.select_for_update().filter(pk=room_id).first()
    if room is None or room.state != State.LIVE:
        return room
    summary = _("The relay was stopped") if stopped else _("The relay's source ended")
    room = _move(room, State.ENDED, actor=None, action="live.end", summary=summary, ended_at=now or timezone.now())
    _schedule_replay(room, after=reconnect_grace())
    return room


def start_relay(*, actor, room: LiveRoom) -> LiveRoom:
    """An operator starts relaying the room's source address (pull mode)."""
    from rongmei.live import relay

    _require_manager(actor)
    room = LiveRoom.objects.get(pk=room.pk)
    if room.ingest != LiveRoom.Ingest.PULL:
        raise StateConflict(_("This room takes a pushed stream; it has no source address to relay."))
    if room.state == State.REPLAY or (room.state == State.ENDED and room.ended_at and timezone.now() - room.ended_at > reconnect_grace()):
        raise StateConflict(_("This live room has ended."))
    if relay.is_running(room):
        raise StateConflict(_("The relay is already running."))
    _check_pull(room.ingest, room.pull_url)
    relay.start(room)
    with transaction.atomic():
        audit.record("live.relay_start", actor=actor, subject=room, summary=_("Relay started: %(url)s") % {"url": room.pull_url})
    return room


def stop_relay(*, actor, room: LiveRoom) -> LiveRoom:
    """An operator stops the relay: the room ends (it may be started again within the grace).
    Returns the room as it was given: the relay's watcher writes its end a moment later."""
    from rongmei.live import relay

    _require_manager(actor)
    # The audit line first: once the relay stops, its watcher thread writes the room's end, and
    # this thread then writes nothing more (no two writers at once; SQLite's shared in-memory
    # test database refuses a second writer at once instead of waiting).
    with transaction.atomic():
        audit.record("live.relay_stop", actor=actor, subject=room, summary=_("Relay stopped"))
    stopped = relay.stop(room)
    if not stopped:  # nothing ran: make sure a live room does not stay live
        relay_ended(room_id=room.pk, stopped=True)
    return room


def parse_clock(value: str, *, field: str) -> int:
    """ "12:30" or "1:02:30" (or plain seconds) → seconds; DomainError in the user's words."""
    text = strip_controls(value or "").strip().replace("：", ":")
    parts = text.split(":") if text else []
    if not parts or len(parts) > 3 or not all(p.isdigit() for p in parts) or any(len(p) > 2 for p in parts[1:]):
        raise DomainError(_("Give a time as minutes:seconds, for example 12:30."), field=field)
    numbers = [int(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]):
        raise DomainError(_("Seconds and minutes after the first number go up to 59."), field=field)
    seconds = 0
    for n in numbers:
        seconds = seconds * 60 + n
    return seconds


def format_clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def request_clip(*, actor, room: LiveRoom, start: str, end: str) -> tuple[int, int]:
    """Staff cut a time range of the replay (or the recording) into a new media asset; the cut
    runs as a task. Returns (start, end) in seconds."""
    from rongmei.live import replay, tasks

    _require_manager(actor)
    first = parse_clock(start, field="start")
    last = parse_clock(end, field="end")
    if last <= first:
        raise DomainError(_("The end must come after the start."), field="end")
    longest = int(conf("CLIP_MAX_SECONDS", 1800))
    if last - first > longest:
        raise DomainError(_("A clip may be at most %(n)s minutes long.") % {"n": longest // 60}, field="end")
    duration = replay.source_duration(room)
    if duration is None:
        raise StateConflict(_("There is no recording of this room to cut from yet."))
    if last > duration + 0.5:
        raise DomainError(_("The recording is only %(d)s long; the end must be within it.") % {"d": format_clock(duration)}, field="end")
    with transaction.atomic():
        audit.record(
            "live.clip_request",
            actor=actor,
            subject=room,
            summary=_("Clip requested: %(a)s–%(b)s") % {"a": format_clock(first), "b": format_clock(last)},
            data={"start": first, "end": last},
        )
    transaction.on_commit(lambda: tasks.enqueue_clip(room.pk, first, last, getattr(actor, "pk", None)))
    return first, last
