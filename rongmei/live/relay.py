"""Pull mode: relay a room's source address (rtmp://, srt://, http(s):// HLS, file://) through the
room's transcoder (:mod:`rongmei.live.ingest`) into the same HLS layout as a pushed stream.

An operator starts and stops it from the console. ffmpeg runs as its own process (its own
session: a restart of the web process leaves it running; it is stopped by the pid in
var/live/run/<id>.json); a watcher thread in the process that started it puts the room live when
the first segment is listed and ends it when ffmpeg ends (stopped, or the source ended or failed).
A relay whose ffmpeg is gone while the room is still live is *dead*: the console says so and
:func:`check_relays` (the ``live.tasks.housekeeping`` task) ends the room.

A file:// source plays at its own pace (``-re``), as if live: the embedded default's demo
(:func:`demo_source`) when no encoder is at hand.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from pathlib import Path

from rongmei.live import ingest

log = logging.getLogger(__name__)

DEAD_AFTER_SECONDS = 10


def source_for_ffmpeg(url: str) -> tuple[str, bool]:
    """(ffmpeg's input, realtime?) for a room's pull address."""
    if url.startswith("file://"):
        return url.removeprefix("file://"), True
    return url, False


def is_running(room) -> bool:
    info = ingest.running(room.pk)
    return bool(info and info.get("kind") == "pull")


def status(room) -> str:
    """ "running", "dead" (the room is live, its relay is not) or "stopped"."""
    if is_running(room):
        return "running"
    info = ingest.process_info(room.pk)
    if (
        room.ingest == room.Ingest.PULL
        and room.state == room.State.LIVE
        and info is not None
        and time.time() - float(info.get("started", 0)) > DEAD_AFTER_SECONDS
    ):
        return "dead"
    return "stopped"


def last_error(room) -> str:
    """The end of the transcoder's log (what ffmpeg said when it failed)."""
    try:
        text = (ingest.run_dir() / f"{room.pk}.log").read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-3:])[-500:]


def start(room) -> subprocess.Popen:
    from rongmei.live import services

    source, realtime = source_for_ffmpeg(room.pull_url)
    room_id = room.pk
    stopping = ingest.run_dir() / f"{room_id}.stopping"
    stopping.unlink(missing_ok=True)
    (ingest.run_dir() / f"{room_id}.log").write_text("")

    def on_playing():
        services.relay_live(room_id=room_id)

    def on_exit(returncode: int):
        stopped = stopping.exists()
        stopping.unlink(missing_ok=True)
        log.info("live: relay of room %s ended (ffmpeg %s, %s)", room_id, returncode, "stopped" if stopped else "source ended")
        services.relay_ended(room_id=room_id, stopped=stopped)

    return ingest.start_transcoder(room_id, source, kind="pull", realtime=realtime, on_playing=on_playing, on_exit=on_exit)


def stop(room) -> bool:
    """Stop the relay; True if one was running (its watcher then ends the room)."""
    if not is_running(room):
        return False
    (ingest.run_dir() / f"{room.pk}.stopping").touch()
    return ingest.stop_transcoder(room.pk)


def check_relays() -> int:
    """End the live pull rooms whose relay died (the web process that watched it went away)."""
    from rongmei.live import services
    from rongmei.live.models import LiveRoom

    ended = 0
    for room in LiveRoom.objects.filter(state=LiveRoom.State.LIVE, ingest=LiveRoom.Ingest.PULL):
        if status(room) == "dead":
            services.relay_ended(room_id=room.pk, stopped=False)
            ended += 1
    return ended


def demo_source(seconds: int = 600) -> str:
    """A file:// address of a demo video (colour bars, a clock and a tone; made once with ffmpeg's
    test sources) for a pull room when no encoder is at hand. It is kept in RONGMEI_LIVE["DEMO_DIR"]
    (default: the live root's demo/; the tests share one folder per test process)."""
    path = Path(ingest.conf("DEMO_DIR", ingest.live_root() / "demo")) / f"demo-{seconds}s.mp4"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part.mp4")
        subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [
                ingest.ffmpeg(),
                "-nostdin",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=1280x720:rate=25:duration={seconds}",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:beep_factor=4:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-g",
                "50",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-movflags",
                "+faststart",
                str(part),
            ],
            check=True,
            timeout=max(120, seconds),
        )
        part.rename(path)
    return "file://" + str(Path(path).resolve())
