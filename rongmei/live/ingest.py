"""The live rooms' video path: RTMP ingest → ffmpeg → HLS files served by nginx (never Python).

Push: an encoder publishes to ``rtmp://<host>:1935/live/<stream key>`` (nginx with Debian's
libnginx-mod-rtmp, deploy/nginx.conf). nginx asks the app (``on_publish``); for a good key the app
starts the room's *transcoder* — ffmpeg listening on a free loopback port — and answers
``302 rtmp://127.0.0.1:<port>/in/<room id>``: nginx pushes the stream there from the worker that
holds the encoder. (Playing the stream back from nginx instead would land on any of nginx's
workers and find nothing there.) The key is in no file name and no public address.

Pull: :mod:`rongmei.live.relay` runs the same transcoder with a source address as its input.

The transcoder writes, for room ``<id>``:
  var/live/hls/<id>/index.m3u8           the master playlist (the ladder, 720p + 360p by default)
  var/live/hls/<id>/<rung>/index.m3u8    a rung's live playlist (the last 6 segments)
  var/live/hls/<id>/<rung>/<n>.ts        2 s segments, each starting with a key frame
  var/live/rec/<id>/<time>.mkv           the source as it came (copied), for the replay
nginx serves ``var/live/hls/`` at ``/hls/`` (``RONGMEI_LIVE["HLS_BASE_URL"]``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)

# Video bit rates of the ladder's rungs (kbit/s), by height.
RUNG_KBPS = {1080: 4500, 720: 2500, 540: 1500, 480: 1200, 360: 700, 240: 400}


def conf(name: str, default):
    return getattr(settings, "RONGMEI_LIVE", {}).get(name, default)


# --- where things are ----------------------------------------------------------------------


def live_root() -> Path:
    return Path(conf("ROOT", Path(settings.VAR_DIR) / "live"))


def hls_dir(room_id: int) -> Path:
    return live_root() / "hls" / str(int(room_id))


def rec_dir(room_id: int) -> Path:
    return live_root() / "rec" / str(int(room_id))


def run_dir() -> Path:
    path = live_root() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def hls_url(room) -> str:
    """The master playlist of a room, for the player (public: the room's id, never its key)."""
    base = conf("HLS_BASE_URL", "/hls/")
    return f"{base.rstrip('/')}/{room.pk}/index.m3u8"


@dataclass(frozen=True)
class PushAddress:
    server: str  # what OBS calls "Server"
    key: str  # "Stream Key"

    @property
    def full(self) -> str:
        return f"{self.server}/{self.key}"


def push_url(room) -> PushAddress:
    """Where an encoder publishes (staff only: the key is the lock)."""
    return PushAddress(server=conf("RTMP_URL", "rtmp://127.0.0.1:1935/live").rstrip("/"), key=room.stream_key)


def ladder() -> list[int]:
    return [int(h) for h in conf("LADDER", [720, 360])]


def segment_seconds() -> int:
    return int(conf("SEGMENT_SECONDS", 2))


def ffmpeg() -> str:
    from rongmei.media.probe import FFMPEG, ffmpeg_bin

    return conf("FFMPEG", ffmpeg_bin(FFMPEG))


def is_playing(room_id: int) -> bool:
    """The master playlist is there and the top rung lists a segment: a player can start."""
    folder = hls_dir(room_id)
    if not (folder / "index.m3u8").exists():
        return False
    rungs = ladder()
    try:
        return ".ts" in (folder / f"{rungs[0]}p" / "index.m3u8").read_text()
    except OSError:
        return False


# --- the transcoder ----------------------------------------------------------------------


def transcode_args(source: str, room_id: int, *, listen: bool = False, realtime: bool = False) -> list[str]:
    """ffmpeg's command line: ``source`` → the HLS ladder of the room + a copy for the replay."""
    rungs = ladder()
    seconds = segment_seconds()
    out = hls_dir(room_id)
    recording = rec_dir(room_id) / f"{timezone.now():%Y%m%d-%H%M%S}.mkv"
    args = [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if listen:
        args += ["-timeout", "20"]  # listen (RTMP server mode), give up after 20 s without nginx
    if realtime:
        args += ["-re"]  # a file plays at its own pace, as if live
    args += ["-analyzeduration", "1000000", "-i", source]
    n = len(rungs)
    if n == 1:
        graph = f"[0:v]scale=-2:{rungs[0]}[v0]"
    else:
        graph = f"[0:v]split={n}" + "".join(f"[s{i}]" for i in range(n)) + ";"
        graph += ";".join(f"[s{i}]scale=-2:{h}[v{i}]" for i, h in enumerate(rungs))
    args += ["-filter_complex", graph]
    for i in range(n):
        args += ["-map", f"[v{i}]", "-map", "0:a:0"]
    args += ["-c:v", "libx264", "-preset", conf("PRESET", "veryfast"), "-tune", "zerolatency", "-profile:v", "main"]
    # A key frame every `seconds` counted from the first frame (the stream's clock may not start
    # at 0: counted from 0, the first segment would be short and the muxer would wait for the next).
    keys = f"expr:if(isnan(prev_forced_t),1,gte(t-prev_forced_t,{seconds}))"
    args += ["-pix_fmt", "yuv420p", "-force_key_frames", keys, "-sc_threshold", "0"]
    for i, h in enumerate(rungs):
        kbps = RUNG_KBPS.get(h, max(300, h * 3))
        args += [f"-b:v:{i}", f"{kbps}k", f"-maxrate:v:{i}", f"{int(kbps * 1.1)}k", f"-bufsize:v:{i}", f"{kbps * 2}k"]
    args += ["-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "44100"]
    args += ["-f", "hls", "-hls_time", str(seconds), "-hls_list_size", "6", "-hls_start_number_source", "epoch"]
    args += ["-hls_flags", "delete_segments+independent_segments+temp_file", "-master_pl_name", "index.m3u8"]
    args += ["-var_stream_map", " ".join(f"v:{i},a:{i},name:{h}p" for i, h in enumerate(rungs))]
    args += ["-hls_segment_filename", str(out / "%v" / "%d.ts"), str(out / "%v" / "index.m3u8")]
    # The recording: the source's own streams, copied (Matroska takes any codec).
    args += ["-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-f", "matroska", str(recording)]
    return args


def _pidfile(room_id: int) -> Path:
    return run_dir() / f"{int(room_id)}.json"


def process_info(room_id: int) -> dict | None:
    try:
        return json.loads(_pidfile(room_id).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read()
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return b"ffmpeg" in cmd and state != "Z"


def running(room_id: int) -> dict | None:
    """The room's transcoder, if its ffmpeg is alive."""
    info = process_info(room_id)
    return info if info and _alive(int(info["pid"])) else None


def stop_transcoder(room_id: int, *, wait: float = 5.0) -> bool:
    """Ask the room's ffmpeg to finish (it closes the playlists and the recording)."""
    info = running(room_id)
    if info is None:
        return False
    pid = int(info["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    return True


def start_transcoder(
    room_id: int,
    source: str,
    *,
    kind: str,
    listen: bool = False,
    realtime: bool = False,
    on_exit: Callable[[int], None] | None = None,
    on_playing: Callable[[], None] | None = None,
) -> subprocess.Popen:
    """Start ffmpeg for the room (stopping one still running). A watcher thread reaps it, calls
    ``on_playing`` once the first segment is listed and ``on_exit(returncode)`` when it ends."""
    stop_transcoder(room_id)
    out = hls_dir(room_id)
    shutil.rmtree(out, ignore_errors=True)  # an earlier session's segments
    for folder in (out, rec_dir(room_id)):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    log_path = run_dir() / f"{int(room_id)}.log"
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            transcode_args(source, room_id, listen=listen, realtime=realtime),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            start_new_session=True,  # survives a restart of the web process; stopped by its pid
        )
    # Popen returns once the child has begun exec; its /proc cmdline reads empty until the kernel
    # has set up ffmpeg's arguments. Wait for them (or its end), so that running() right after
    # this call sees the process it started, not "stopped" (seen on a loaded CI machine).
    deadline = time.monotonic() + 5
    while not _alive(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    _pidfile(room_id).write_text(
        json.dumps({"pid": proc.pid, "kind": kind, "source": source if kind == "pull" else "rtmp", "started": time.time()})
    )

    def call(callback, *args):
        from django.db import OperationalError

        for attempt in range(20):  # a busy database (SQLite) answers again a moment later
            try:
                return callback(*args)
            except OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.1)

    def watch():
        announced = False
        try:
            while proc.poll() is None:
                if not announced and on_playing is not None and is_playing(room_id):
                    announced = True
                    call(on_playing)
                time.sleep(0.1)
            if on_exit is not None:
                call(on_exit, proc.returncode)
        except Exception:
            log.exception("live: watching the transcoder of room %s failed", room_id)
        finally:
            from django.db import connection

            connection.close()

    threading.Thread(target=watch, name=f"live-transcoder-{room_id}", daemon=True).start()
    return proc


def _listening(port: int) -> bool:
    """Is something listening on 127.0.0.1:port? (Read from /proc: a test connection would use
    up ffmpeg's single accept.)"""
    needle = f":{port:04X} "
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[1].endswith(needle.strip()) and fields[3] == "0A":
                        return True
        except OSError:
            continue
    return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_push_transcoder(room) -> str:
    """For an accepted publish: start the room's transcoder listening on a loopback port and
    return the address nginx should push the stream to (the ``Location`` of the 302)."""
    port = _free_port()
    address = f"rtmp://127.0.0.1:{port}/in/{room.pk}"
    proc = start_transcoder(room.pk, address, kind="push", listen=True)
    deadline = time.monotonic() + 3
    while not _listening(port):
        if proc.poll() is not None:
            raise RuntimeError(f"ffmpeg ended at once ({proc.returncode}); see {run_dir() / f'{room.pk}.log'}")
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return address


# --- nginx, run with the shipped configuration ----------------------------------------------


DEPLOY_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def set_web_upstream(text: str, servers: list[str]) -> str:
    """deploy/nginx.conf's web upstreams (``rongmei_web`` and the uploads' ``rongmei_upload``)
    with the given web processes instead of its 127.0.0.1:8000 and :8002 (the tests, the benches
    and the cluster)."""
    lines = "\n        ".join(f"server {s} max_fails=3 fail_timeout=2s;" for s in servers)
    pattern = r"(upstream rongmei_(?:web|upload) \{\n(?:\s*hash [^\n]*\n)?)(\s*server [^\n]*\n)+"
    return re.sub(pattern, lambda m: f"{m.group(1)}        {lines}\n", text, count=2)


def nginx_conf(
    *,
    prefix: Path,
    http_listen: str,
    web: str,
    rtmp_listen: str | None,
    ws: str | None = None,
    web_servers: list[str] | None = None,
    keep_user: bool = True,
    var_dir: Path | None = None,
) -> str:
    """deploy/nginx.conf with this machine's paths and ports put in, nothing else changed (as
    rongmei/portal/tests/test_nginx.py does): ``prefix`` replaces /srv/rongmei, ``web`` the app's
    address (127.0.0.1:8000), ``rtmp_listen`` the RTMP port (None drops the RTMP ingest: no
    module), ``web_servers`` the web processes of the upstream when there are several (the
    cluster, rongmei/cluster.py). Used by scripts/run.sh (embedded default, through ``python -m rongmei.live.ingest``)
    and the tests."""
    text = DEPLOY_CONF.read_text()
    if var_dir is not None:
        text = text.replace("/srv/rongmei/var", str(var_dir))
    text = text.replace("/srv/rongmei", str(prefix))
    text = text.replace("listen 80;", f"listen {http_listen};")
    text = set_web_upstream(text, web_servers or [web])
    text = text.replace("127.0.0.1:8000", web)
    text = text.replace("server 127.0.0.1:8001;", f"server {ws or web};")
    if not keep_user:
        text = text.replace("user www-data;", "")
    if rtmp_listen is None:
        text = text.replace("load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;", "")
        text = text[: text.index("# The RTMP ingest of live rooms")]
    else:
        text = text.replace("listen 1935;", f"listen {rtmp_listen};")
    return text


def rtmp_module_path() -> Path:
    return Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def main(argv: list[str] | None = None) -> int:
    """``python -m rongmei.live.ingest nginx-conf …``: print the embedded default's nginx.conf
    (scripts/run.sh). Needs no Django settings."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m rongmei.live.ingest")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("nginx-conf", help="deploy/nginx.conf with this machine's paths and ports")
    cmd.add_argument("--prefix", required=True, help="the checkout (replaces /srv/rongmei)")
    cmd.add_argument("--var-dir", help="RONGMEI_VAR_DIR (replaces /srv/rongmei/var)")
    cmd.add_argument("--http", required=True, help="address:port of the HLS (and pages) server")
    cmd.add_argument("--web", required=True, help="address:port of the app (callbacks, proxy)")
    cmd.add_argument("--rtmp", help="address:port of the RTMP ingest; left out: no RTMP")
    cmd.add_argument("--no-user", action="store_true", help="drop `user www-data` (not run as root)")
    args = parser.parse_args(argv)
    sys.stdout.write(
        nginx_conf(
            prefix=Path(args.prefix),
            var_dir=Path(args.var_dir) if args.var_dir else None,
            http_listen=args.http,
            web=args.web,
            rtmp_listen=args.rtmp,
            keep_user=not args.no_user,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
