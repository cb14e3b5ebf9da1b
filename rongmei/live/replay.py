"""After the end: the replay (VOD) and clips, both made into media assets through the media
library's own import path (rongmei.media.services), so they get their renditions and poster.

The replay is built from the room's recording (var/live/rec/<id>/*.mkv, one file per stream
session: an encoder that reconnected left several), joined and remuxed into an MP4 with its index
at the front (+faststart); once the asset holds it, the recording's files are removed. A clip
is cut from the replay's original (or, before there is one, from the recording) and encoded
again so it starts exactly where asked.
"""

from __future__ import annotations

import json
import logging
import subprocess
import uuid
from pathlib import Path

from django.core.cache import cache
from django.utils.translation import gettext as _

from rongmei.live import ingest
from rongmei.media.probe import FFPROBE, ffmpeg_bin

log = logging.getLogger(__name__)

FFMPEG_TIMEOUT = 6 * 3600
# How long a replay build holds its room (longer than any build; a crashed one is retried after).
REPLAY_CLAIM_SECONDS = FFMPEG_TIMEOUT + 600


def recordings(room_id: int) -> list[Path]:
    folder = ingest.rec_dir(room_id)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.mkv") if p.stat().st_size > 0)


def probe_duration(path: Path | str) -> float | None:
    try:
        out = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [ffmpeg_bin(FFPROBE), "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout
        return float(json.loads(out)["format"]["duration"])
    except (subprocess.SubprocessError, OSError, KeyError, ValueError, TypeError):
        return None


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, timeout=FFMPEG_TIMEOUT)  # noqa: S603 - no shell
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode(errors="replace")[-800:])


def join_recording(files: list[Path], out: Path) -> None:
    """The recording's files, one after the other, into one MP4 (copied; encoded again only if
    the source's codecs do not go into MP4)."""
    listing = out.with_suffix(".txt")
    listing.write_text("".join("file '" + str(p).replace("'", "'\\''") + "'\n" for p in files))
    base = [ingest.ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0"]
    base += ["-i", str(listing)]
    try:
        try:
            _run([*base, "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-movflags", "+faststart", str(out)])
        except RuntimeError:
            log.info("live: recording not remuxable as it is, encoding it again")
            _run(
                [*base, "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"]
                + ["-movflags", "+faststart", str(out)]
            )
    finally:
        listing.unlink(missing_ok=True)


def _uploader(room):
    """Assets need an uploader: the room's creator, else a manager."""
    if room.created_by_id and room.created_by.is_active:
        return room.created_by
    from django.contrib.auth import get_user_model

    from rongmei.live.services import MANAGER_ROLES

    return get_user_model().objects.filter(is_active=True, role__in=MANAGER_ROLES).order_by("pk").first()


def _work_file(suffix: str) -> Path:
    from rongmei.media import services as media

    return Path(media.upload_dir()) / f"live-{uuid.uuid4().hex}{suffix}"


def build_replay(room_id: int, ended_at: str = "") -> str:
    """The room's recording becomes a media asset and the room's replay. Does nothing unless the
    room is (still) ended at ``ended_at`` (when given): a reconnect made this run obsolete."""
    from rongmei.live.models import LiveRoom

    room = LiveRoom.objects.filter(pk=room_id).first()
    if room is None or room.state != LiveRoom.State.ENDED:
        return "not ended"
    if ended_at and (room.ended_at is None or room.ended_at.isoformat() != ended_at):
        return "ended again later"
    # One build per room, however many runs were enqueued (the operator's end, the deferred one
    # after the grace, housekeeping): the first takes the claim, the others leave.
    claim = f"live:replay-build:{room_id}"
    if not cache.add(claim, 1, REPLAY_CLAIM_SECONDS):
        return "already being built"
    try:
        return _build_replay(room)
    except BaseException:
        cache.delete(claim)
        raise


def _build_replay(room) -> str:
    from rongmei.live import services
    from rongmei.media import services as media

    room_id = room.pk
    ingest.stop_transcoder(room_id)  # a transcoder still finishing closes its file
    files = recordings(room_id)
    if not files:
        log.warning("live: room %s ended without a recording; no replay", room_id)
        cache.delete(f"live:replay-build:{room_id}")
        return "no recording"
    work = _work_file(".mp4")
    try:
        join_recording(files, work)
        asset = media._create_asset(
            actor=_uploader(room),
            temp_path=str(work),
            name=f"live-{room_id}.mp4",
            title=_("Replay: %(title)s") % {"title": room.title},
            story=None,
        )
    finally:
        work.unlink(missing_ok=True)
    services.publish_replay(actor=None, room=room, asset=asset)
    # The asset holds it now (clips are cut from the asset): no second copy of hours of video.
    for path in files:
        path.unlink(missing_ok=True)
    return f"asset {asset.pk}"


def _asset_path(asset) -> str | None:
    from rongmei.core import storage

    return storage.local_file(asset.original.name)  # fetched from the bucket on a machine without it


def source_duration(room) -> float | None:
    """How long the replay (or the recording) is, in seconds; None if there is none."""
    if room.replay_asset_id:
        duration = (room.replay_asset.metadata or {}).get("duration")
        if duration:
            return float(duration)
        path = _asset_path(room.replay_asset)
        if path:
            return probe_duration(path)
    files = recordings(room.pk)
    if not files:
        return None
    durations = [probe_duration(p) for p in files]
    return sum(d for d in durations if d) or None


def make_clip(room_id: int, start: int, end: int, actor_id: int | None) -> str:
    """Cut [start, end) seconds of the room's replay (or recording) into a new media asset
    titled "Clip: <room title> 12:00–15:30"."""
    from django.contrib.auth import get_user_model

    from rongmei.core import audit
    from rongmei.live.models import LiveRoom
    from rongmei.live.services import format_clock
    from rongmei.media import services as media

    room = LiveRoom.objects.get(pk=room_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    actor = actor or _uploader(room)
    joined = None
    source = _asset_path(room.replay_asset) if room.replay_asset_id else None
    if source is None:
        files = recordings(room_id)
        if not files:
            return "no recording"
        joined = _work_file(".mp4")
        join_recording(files, joined)
        source = str(joined)
    work = _work_file(".mp4")
    try:
        _run(
            [ingest.ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-ss", str(start), "-i", source]
            + ["-t", str(end - start), "-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "veryfast"]
            + ["-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(work)]
        )
        title = _("Clip: %(title)s %(start)s–%(end)s") % {
            "title": room.title,
            "start": format_clock(start),
            "end": format_clock(end),
        }
        asset = media._create_asset(
            actor=actor, temp_path=str(work), name=f"live-{room_id}-clip-{start}-{end}.mp4", title=title, story=None
        )
    finally:
        work.unlink(missing_ok=True)
        if joined is not None:
            joined.unlink(missing_ok=True)
    from django.db import transaction

    with transaction.atomic():
        audit.record("live.clip", actor=actor, subject=room, summary=title, data={"asset": asset.pk, "start": start, "end": end})
    return f"asset {asset.pk}"


def clips(room) -> list:
    """The clips cut from the room, newest first."""
    from rongmei.core.models import AuditLog
    from rongmei.media.models import Asset

    ids = [
        entry.data.get("asset")
        for entry in AuditLog.objects.filter(subject_type="live.liveroom", subject_id=str(room.pk), action="live.clip").order_by("-pk")
    ]
    by_id = Asset.objects.in_bulk([i for i in ids if i])
    return [by_id[i] for i in ids if i in by_id]


def clips_pending(room) -> int:
    from rongmei.core.models import AuditLog

    base = AuditLog.objects.filter(subject_type="live.liveroom", subject_id=str(room.pk))
    return max(0, base.filter(action="live.clip_request").count() - base.filter(action="live.clip").count())
