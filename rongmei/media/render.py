"""Making renditions: Pillow for images, ffmpeg (a subprocess with a timeout, never a shell) for
video and audio. Each maker writes into a directory and returns what it made; progress is
reported through a callback (0..100)."""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from rongmei.media.probe import FFMPEG, ffmpeg_bin

Progress = Callable[[int], None]


class RenditionError(Exception):
    """A rendition could not be made: .message for people, .detail (ffmpeg's last lines) for staff."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = str(message)
        self.detail = detail


@dataclass
class Made:
    path: str  # the file (for HLS: the rung's playlist)
    width: int | None = None
    height: int | None = None


# --- images -------------------------------------------------------------------------------

IMAGE_SPECS = {
    # kind: (mode, width, height, format)
    "web_1280_webp": ("fit", 1280, None, "WEBP"),
    "web_1280_jpg": ("fit", 1280, None, "JPEG"),
    "thumb_320": ("fit", 320, None, "JPEG"),
    "wechat_cover_235": ("crop", 900, 383, "JPEG"),
    "wechat_cover_1x1": ("crop", 300, 300, "JPEG"),
}
FOCAL_KINDS = {"wechat_cover_235", "wechat_cover_1x1", "vertical_916"}


def crop_box(width: int, height: int, ratio: float, fx: float, fy: float) -> tuple[int, int, int, int]:
    """The largest box of `ratio` (w/h) inside width×height, centred on the focal point as far as it can be."""
    if width / height > ratio:
        cw, ch = max(1, round(height * ratio)), height
    else:
        cw, ch = width, max(1, round(width / ratio))
    left = min(max(0, round(fx * width - cw / 2)), width - cw)
    top = min(max(0, round(fy * height - ch / 2)), height - ch)
    return left, top, left + cw, top + ch


def open_image(path: str):
    """The picture upright and in RGB, first frame only, with no metadata carried over."""
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im.seek(0)
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            background = Image.new("RGB", im.size, (255, 255, 255))
            background.paste(im, mask=im.getchannel("A"))
            return background
        return im.convert("RGB")


def make_image(source: str, kind: str, out_dir: str, *, focal: tuple[float, float] = (0.5, 0.5), image=None) -> Made:
    from PIL import Image

    mode, width, height, fmt = IMAGE_SPECS[kind]
    im = image.copy() if image is not None else open_image(source)
    if mode == "fit":
        if im.width > width:
            im = im.resize((width, max(1, round(im.height * width / im.width))), Image.Resampling.LANCZOS)
    else:
        box = crop_box(im.width, im.height, width / height, *focal)
        im = im.resize((width, height), Image.Resampling.LANCZOS, box=box)
    ext = "webp" if fmt == "WEBP" else "jpg"
    path = os.path.join(out_dir, f"{kind}.{ext}")
    # A fresh image has no info dict: no EXIF, no GPS, no ICC, no XMP reaches the rendition.
    clean = Image.new(im.mode, im.size)
    clean.paste(im)
    if fmt == "WEBP":
        clean.save(path, "WEBP", quality=82, method=4)
    else:
        clean.save(path, "JPEG", quality=85, optimize=True, progressive=True)
    return Made(path, clean.width, clean.height)


# --- ffmpeg -------------------------------------------------------------------------------


def timeout_seconds() -> int:
    return int(getattr(settings, "RONGMEI_FFMPEG_TIMEOUT", 3600))


def run_ffmpeg(
    args: list[str], *, duration: float | None, progress: Progress | None = None, timeout: int | None = None, cwd: str | None = None
) -> None:
    """Run ffmpeg with `args` (everything after the program name), parse `-progress pipe:1` against
    the duration, kill it after `timeout` seconds. Raises RenditionError with stderr's last lines."""
    timeout = timeout or timeout_seconds()
    cmd = [ffmpeg_bin(FFMPEG), "-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1", "-nostats", *args]
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)  # noqa: S603
        except OSError as e:
            raise RenditionError(_("ffmpeg could not be started: %(error)s") % {"error": e}) from e
        killed = threading.Event()

        def kill():
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        last = -1
        last_at = 0.0
        try:
            for raw in proc.stdout:
                line = raw.decode("ascii", "replace").strip()
                if progress and duration and line.startswith("out_time_us="):
                    try:
                        done = int(line.split("=", 1)[1]) / 1_000_000
                    except ValueError:
                        continue
                    pct = max(0, min(99, int(done * 100 / duration)))
                    now = time.monotonic()
                    if pct != last and (now - last_at >= 1 or pct - last >= 10):
                        progress(pct)
                        last, last_at = pct, now
            code = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        tail = "\n".join(collections.deque(err.read().decode("utf-8", "replace").splitlines(), maxlen=20))
    if killed.is_set():
        raise RenditionError(_("ffmpeg took longer than %(n)s seconds and was stopped.") % {"n": timeout}, tail)
    if code != 0:
        raise RenditionError(_("ffmpeg failed (exit code %(code)s); see the detail.") % {"code": code}, tail)


def even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


H264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]


def _audio_args(has_audio: bool) -> list[str]:
    return ["-c:a", "aac", "-b:a", "128k", "-ac", "2"] if has_audio else ["-an"]


def make_poster(source: str, out_dir: str, meta: dict, progress: Progress | None = None) -> Made:
    path = os.path.join(out_dir, "poster.jpg")
    at = min(1.0, (meta.get("duration") or 0) / 3)
    run_ffmpeg(["-ss", f"{at:.3f}", "-i", source, "-frames:v", "1", "-map_metadata", "-1", "-q:v", "3", path], duration=None)
    return Made(path, meta.get("width"), meta.get("height"))


def scaled(meta: dict, height: int) -> tuple[int, int]:
    w, h = meta["width"], meta["height"]
    if h <= height:
        return even(w), even(h)
    return even(w * height / h), even(height)


def make_mp4(source: str, out_dir: str, meta: dict, progress: Progress | None = None) -> Made:
    path = os.path.join(out_dir, "video.mp4")
    w, h = scaled(meta, 1080)
    run_ffmpeg(
        ["-i", source, "-map", "0:v:0", "-map", "0:a:0?", "-vf", f"scale={w}:{h}", *H264, "-crf", "22",
         *_audio_args(meta.get("has_audio")), "-map_metadata", "-1", "-movflags", "+faststart", path],
        duration=meta.get("duration"), progress=progress,
    )  # fmt: skip
    return Made(path, w, h)


HLS_BITRATES = {360: ("800k", "96k"), 720: ("2800k", "128k"), 1080: ("5000k", "160k")}


def make_hls(source: str, out_dir: str, meta: dict, rung: int, progress: Progress | None = None) -> Made:
    path = os.path.join(out_dir, "index.m3u8")
    w, h = scaled(meta, rung)
    vb, ab = HLS_BITRATES[rung]
    gop = str(max(2, round((meta.get("frame_rate") or 25) * 2)))
    audio = ["-c:a", "aac", "-b:a", ab, "-ac", "2"] if meta.get("has_audio") else ["-an"]
    run_ffmpeg(
        ["-i", source, "-map", "0:v:0", "-map", "0:a:0?", "-vf", f"scale={w}:{h}", *H264, "-b:v", vb,
         "-maxrate", vb, "-bufsize", str(int(vb[:-1]) * 2) + "k", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
         *audio, "-map_metadata", "-1", "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod",
         "-hls_segment_filename", os.path.join(out_dir, "seg_%05d.ts"), path],
        duration=meta.get("duration"), progress=progress,
    )  # fmt: skip
    return Made(path, w, h)


def vertical_size(meta: dict) -> tuple[int, int, int, int]:
    """(crop width, crop height, output width, output height) of a 9:16 cut."""
    w, h = meta["width"], meta["height"]
    cw, ch = (even(h * 9 / 16), even(h)) if w / h > 9 / 16 else (even(w), even(w * 16 / 9))
    cw, ch = min(cw, even(w)), min(ch, even(h))
    if ch > 1920:
        return cw, ch, 1080, 1920
    return cw, ch, cw, ch


SUBTITLE_STYLE = "FontName=Noto Sans CJK SC,Fontsize=16,Outline=1.5,Shadow=0,MarginV=60,Alignment=2"


def make_vertical(
    source: str, out_dir: str, meta: dict, focal: tuple[float, float], progress: Progress | None = None, subtitles: str | None = None
) -> Made:
    """A 9:16 cut around the focal point's x (and y, for a tall source); with `subtitles` (a WebVTT
    file) they are burned in at the cut's size, in a CJK font."""
    path = os.path.join(out_dir, "vertical.mp4")
    cw, ch, ow, oh = vertical_size(meta)
    x = min(max(0, round(focal[0] * meta["width"] - cw / 2)), meta["width"] - cw)
    y = min(max(0, round(focal[1] * meta["height"] - ch / 2)), meta["height"] - ch)
    vf = f"crop={cw}:{ch}:{x}:{y},scale={ow}:{oh},setsar=1"
    if subtitles:
        # Copied next to the output and named plainly: no path reaches the filter's own syntax.
        shutil.copyfile(subtitles, os.path.join(out_dir, "subs.vtt"))
        vf += f",subtitles=subs.vtt:force_style='{SUBTITLE_STYLE}'"
    run_ffmpeg(
        ["-i", source, "-map", "0:v:0", "-map", "0:a:0?", "-vf", vf, *H264,
         "-crf", "22", *_audio_args(meta.get("has_audio")), "-map_metadata", "-1", "-movflags", "+faststart", "vertical.mp4"],
        duration=meta.get("duration"), progress=progress, cwd=out_dir,
    )  # fmt: skip
    if subtitles:
        os.remove(os.path.join(out_dir, "subs.vtt"))
    return Made(path, ow, oh)


# EBU R128 at -16 LUFS integrated: the level Chinese apps, podcasts and phone speakers expect
# (the -23 LUFS of broadcast is too quiet next to other apps); the radio desk re-levels at playout.
LOUDNORM = "loudnorm=I=-16:TP=-1.5:LRA=11"


def make_audio(source: str, out_dir: str, meta: dict, kind: str, progress: Progress | None = None) -> Made:
    if kind == "audio_aac":
        path, codec = os.path.join(out_dir, "audio.m4a"), ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"]
    else:
        path, codec = os.path.join(out_dir, "audio.mp3"), ["-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "3"]
    run_ffmpeg(
        ["-i", source, "-map", "0:a:0", "-vn", "-af", LOUDNORM, "-ar", "44100", "-ac", "2", *codec, "-map_metadata", "-1", path],
        duration=meta.get("duration"), progress=progress,
    )  # fmt: skip
    return Made(path)
