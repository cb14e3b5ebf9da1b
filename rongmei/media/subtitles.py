"""Reading SRT and WebVTT subtitles: checked, and always stored as WebVTT (what browsers and HLS
players take, and what ffmpeg's subtitles filter burns in)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError

MAX_BYTES = 2 * 1024 * 1024
TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})[,.](\d{3})"
CUE_TIMING = re.compile(rf"^\s*{TIME}\s*-->\s*{TIME}(.*)$")


def _bad(message) -> DomainError:
    return DomainError(message, field="file", code="bad_subtitles")


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: subtitles made on Chinese Windows often are."""
    if len(data) > MAX_BYTES:
        raise _bad(_("A subtitle file may be at most 2 MB."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _bad(_("The subtitles are neither UTF-8 nor GB18030 text."))


def _ms(h, m, s, ms) -> int:
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def _stamp(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def to_webvtt(text: str) -> tuple[str, str, int]:
    """(format it came in, WebVTT text, number of cues). Raises DomainError if it is neither."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\ufeff")
    source = "vtt" if text.lstrip().startswith("WEBVTT") else "srt"
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    if source == "vtt":
        blocks = blocks[1:]  # the header block
    cues = []
    for block in blocks:
        lines = block.split("\n")
        if source == "vtt" and lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            raise _bad(_("Not SRT or WebVTT subtitles: a cue without a time line (“%(line)s”).") % {"line": lines[0][:40]})
        match = CUE_TIMING.match(lines[timing_at])
        if not match:
            raise _bad(_("A time line of the subtitles cannot be read: “%(line)s”.") % {"line": lines[timing_at][:60]})
        g = match.groups()
        start, end = _ms(*g[0:4]), _ms(*g[4:8])
        if end <= start:
            raise _bad(_("A cue ends before it starts: “%(line)s”.") % {"line": lines[timing_at][:60]})
        body = [line for line in lines[timing_at + 1 :]]
        if not any(line.strip() for line in body):
            continue
        settings_part = g[8].strip() if source == "vtt" else ""
        cues.append(f"{_stamp(start)} --> {_stamp(end)}{(' ' + settings_part) if settings_part else ''}\n" + "\n".join(body))
    if not cues:
        raise _bad(_("The subtitle file holds no cues."))
    return source, "WEBVTT\n\n" + "\n\n".join(cues) + "\n", len(cues)
