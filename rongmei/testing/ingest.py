"""A real RTMP ingest for tests: the shipped deploy/nginx.conf run by the system nginx with Debian's
RTMP module (paths and ports put in by rongmei.live.ingest.nginx_conf), its callbacks going to the
test's live server, and an ffmpeg "encoder" that pushes a generated test pattern and tone.

Used by rongmei/live/tests/test_ingest.py and tests/browser/test_live_ingest_play.py. The HLS and
the recording land in ``<prefix>/var/live`` (a folder the nginx workers, www-data, may read): point
``RONGMEI_LIVE["ROOT"]`` there, and ``HLS_BASE_URL`` at ``<http>/hls/`` for a player.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rongmei.live import ingest

SETUP_HINT = "scripts/setup_system.sh installs it"


@dataclass(frozen=True)
class Ingest:
    http: str  # http://127.0.0.1:<port>: nginx, HLS at /hls/
    rtmp: str  # rtmp://127.0.0.1:<port>/live: where encoders publish
    prefix: Path  # nginx's prefix (replaces /srv/rongmei)

    @property
    def live_root(self) -> Path:
        """What RONGMEI_LIVE["ROOT"] must be for the HLS to be served by this nginx."""
        return self.prefix / "var" / "live"

    @property
    def hls_base_url(self) -> str:
        return f"{self.http}/hls/"

    def publish_url(self, room) -> str:
        return f"{self.rtmp}/{room.stream_key}"


def missing() -> str | None:
    """Why the ingest cannot run here (nginx, its RTMP module or ffmpeg missing), or None."""
    if shutil.which("nginx") is None:
        return f"nginx is not installed ({SETUP_HINT})"
    if not ingest.rtmp_module_path().exists():
        return f"nginx's RTMP module is not installed (Debian's libnginx-mod-rtmp; {SETUP_HINT})"
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        return f"ffmpeg/ffprobe are not installed ({SETUP_HINT})"
    return None


def require(*, fail_in_ci: bool = False) -> None:
    """Skip the test when the ingest cannot run here; with ``fail_in_ci``, fail instead when the
    environment variable CI is set (a CI machine must have them)."""
    import pytest

    reason = missing()
    if reason is None:
        return
    if fail_in_ci and os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, *, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode(errors='replace')}") from None
            time.sleep(0.05)


def get(url: str):
    """(status, headers, body) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the test's own servers
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@contextlib.contextmanager
def rtmp_ingest(web_url: str) -> Iterator[Ingest]:
    """nginx from deploy/nginx.conf on free loopback ports, its callbacks (and proxied pages) to
    the app at ``web_url`` (the live server). Stopped, with any transcoder it started, at the end."""
    prefix = Path(tempfile.mkdtemp(prefix="rongmei-rtmp-"))
    prefix.chmod(0o755)  # nginx's workers (www-data) read the HLS files
    for folder in ("var/pages", "var/static", "var/run", "var/log", "var/nginx", "var/live/hls", "var/live/rec"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
        (prefix / folder).chmod(0o755)
    http_port, rtmp_port = free_port(), free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        ingest.nginx_conf(
            prefix=prefix,
            http_listen=f"127.0.0.1:{http_port}",
            web=web_url.removeprefix("http://"),
            rtmp_listen=f"127.0.0.1:{rtmp_port}",
        )
    )
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        ["nginx", "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],  # noqa: S607 - the system's nginx
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(rtmp_port, proc)
        wait_port(http_port, proc)
        # A running app has loaded its URLconf long before an encoder connects; the live server's
        # first request would otherwise spend ~1.5 s importing every app's views inside the
        # callback (and a test's measurement).
        get(f"{web_url}/live/rtmp/publish")
        yield Ingest(http=f"http://127.0.0.1:{http_port}", rtmp=f"rtmp://127.0.0.1:{rtmp_port}/live", prefix=prefix)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for info_file in (prefix / "var" / "live" / "run").glob("*.json"):
            ingest.stop_transcoder(int(info_file.stem))
        shutil.rmtree(prefix, ignore_errors=True)


def push(url: str, seconds: float, *, size: str = "1280x720") -> subprocess.Popen:
    """An encoder: a test pattern and a tone, in real time, key frames every second, for
    ``seconds`` (or until :func:`stop_push`)."""
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re"]  # noqa: S607 - the system's ffmpeg
        + ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]
        + ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25"]
        + ["-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def stop_push(encoder: subprocess.Popen, *, timeout: float = 10) -> int:
    """Stop the encoder the way a person stops OBS: it finishes the stream and disconnects
    (nginx then calls on_publish_done). Returns ffmpeg's exit status."""
    if encoder.poll() is None:
        encoder.send_signal(signal.SIGINT)
    try:
        return encoder.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        encoder.kill()
        return encoder.wait(timeout=timeout)
