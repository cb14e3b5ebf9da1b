"""Tiny media made on the spot: ffmpeg's test sources and Pillow, in tmp_path."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from rongmei.media import services
from rongmei.media.models import Rendition


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-y", *args], check=True, timeout=60)  # noqa: S603, S607


def ffprobe(path) -> dict:
    out = subprocess.run(  # noqa: S603
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=30,
    )
    return json.loads(out.stdout)


def jpeg_bytes(size=(640, 480), *, gps: bool = False, color=(200, 30, 40)) -> bytes:
    im = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            im.putpixel((x, y), (255, 255, 255))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R6"
    if gps:
        exif[0x8825] = {1: "N", 2: (32.0, 43.0, 12.0), 3: "E", 4: (113.0, 19.0, 30.0)}
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif, quality=80)
    return buf.getvalue()


def png_bytes(size=(400, 300)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", size, (10, 120, 200, 255)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    """Made once per test run: a 2 s 640×360 video with sound, and a 2 s tone."""
    d = tmp_path_factory.mktemp("media-src")
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=duration=2:size=640x360:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(d / "clip.mp4"),
    )  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libmp3lame", "-b:a", "64k", str(d / "tone.mp3"))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(d / "tone.wav"))
    return d


@pytest.fixture
def video_bytes(media_dir) -> bytes:
    return (media_dir / "clip.mp4").read_bytes()


@pytest.fixture
def mp3_bytes(media_dir) -> bytes:
    return (media_dir / "tone.mp3").read_bytes()


class Stream(io.BytesIO):
    pass


def upload(user, data: bytes, name: str, **kwargs):
    """Through the resumable path, in one chunk."""
    session = services.start_upload(actor=user, file_name=name, size=len(data), **kwargs)
    services.append_chunk(actor=user, session_id=session.pk, offset=0, stream=io.BytesIO(data), length=len(data))
    return services.finish_upload(actor=user, session_id=session.pk)


def render_all(asset) -> dict[str, Rendition]:
    for r in asset.renditions.all():
        services.run_rendition(r.pk)
    return {r.kind: r for r in Rendition.objects.filter(asset=asset)}


@pytest.fixture(autouse=True)
def _english(english):
    """These tests read messages by their English msgids."""
