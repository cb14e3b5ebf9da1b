"""Background work of live rooms, through the Tasks API (see rongmei/newsroom/tasks.py): the
replay after the end, clips, and noticing dead pull relays."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from django_tasks import default_task_backend, task

log = logging.getLogger(__name__)


@task()
def build_replay(room_id: int, ended_at: str = "") -> str:
    """The recording becomes a media asset and the room's replay (if the room is still ended)."""
    from rongmei.live import replay

    return replay.build_replay(room_id, ended_at)


@task()
def make_clip(room_id: int, start: int, end: int, actor_id: int | None = None) -> str:
    """Cut a time range of a room's replay into a new media asset."""
    from rongmei.live import replay

    return replay.make_clip(room_id, start, end, actor_id)


@task()
def housekeeping() -> dict:
    """End live pull rooms whose relay died. Run it every minute or so."""
    from rongmei.live import relay

    return {"dead_relays_ended": relay.check_relays()}


def schedule_replay(room_id: int, ended_at: str, after: dt.timedelta | None) -> None:
    """Enqueue the replay: at once, or when ``after`` has passed (a backend that cannot defer runs
    it at once). A queue outage loses nothing: the task can be enqueued again for the room."""
    try:
        if after and default_task_backend.supports_defer:
            build_replay.using(run_after=timezone.now() + after).enqueue(room_id, ended_at)
        else:
            build_replay.enqueue(room_id, ended_at)
    except Exception:
        log.warning("could not enqueue the replay of live room %s", room_id, exc_info=True)


def enqueue_clip(room_id: int, start: int, end: int, actor_id: int | None) -> None:
    try:
        make_clip.enqueue(room_id, start, end, actor_id)
    except Exception:
        log.warning("could not enqueue a clip of live room %s", room_id, exc_info=True)
