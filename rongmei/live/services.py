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
    resumed = room.state == State.ENDED
    return _move(
        room,
        State.LIVE,
        actor=None,
        action="live.resume" if resumed else "live.start",
        summary=_("The stream came back") if resumed else _("The stream started"),
        started_at=room.started_at or now,
        ended_at=None,
        publisher_address=address,
    )


@transaction.atomic
def publish_done(*, key: str, now: dt.datetime | None = None) -> LiveRoom | None:
    """The encoder stopped (or dropped): the room ends; it may resume within RECONNECT_GRACE."""
    room = LiveRoom.objects.select_for_update().filter(stream_key=(key or "")[:40]).first() if key else None
    if room is None or room.state != State.LIVE:
        return room
    return _move(room, State.ENDED, actor=None, action="live.end", summary=_("The stream ended"), ended_at=now or timezone.now())


@transaction.atomic
def end_room(*, actor, room: LiveRoom) -> LiveRoom:
    """An operator ends the event (a later publish with the key is refused once the grace has passed)."""
    _require_manager(actor)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    return _move(room, State.ENDED, actor=actor, action="live.end", summary=_("Ended by an operator"), ended_at=timezone.now())


@transaction.atomic
def publish_replay(*, actor, room: LiveRoom, asset) -> LiveRoom:
    """The recording becomes the replay (VOD) shown on the room's page."""
    _require_manager(actor)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    return _move(room, State.REPLAY, actor=actor, action="live.replay", summary=_("Replay published"), replay_asset=asset)
