"""Helpers of the live video tests: generated test media, ffprobe, waiting."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

needs_ffmpeg = pytest.mark.skipif(
    shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
    reason="ffmpeg/ffprobe are not installed (scripts/setup_system.sh installs them)",
)


def make_video(path: Path, seconds: float, *, size: str = "640x360", container_args=()) -> Path:
    """A test pattern with a tone, H.264 + AAC, key frames every second."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        + ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}"]
        + ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", *container_args, str(path)],
        check=True,
        timeout=60,
    )
    return path


def probe(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type,height", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    return json.loads(out)


def video_height(path) -> int:
    return next(s["height"] for s in probe(path)["streams"] if s["codec_type"] == "video")


def duration(path) -> float:
    return float(probe(path)["format"]["duration"])


def wait_until(condition, timeout: float, step: float = 0.05):
    """Poll ``condition`` until it is true. (SQLite's shared in-memory test database answers
    "table is locked" while the server thread writes: that counts as not yet.)"""
    from django.db import OperationalError

    def check():
        try:
            return condition()
        except OperationalError:
            return False

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    return check()
