"""File drops for the newspaper typesetting system, radio and TV playout (shared by FTP and SFTP).

Each file comes from the channel's version of the story (payload["content"], made by the
channel's formatter and perhaps adjusted by its editor; see distribution.versions). What lands in
the configured directory for a publication with key K:
  newspaper  K.txt          the print version: 引题 / 主题 / 副题 / byline lines, then the fitted text
             K.pdf          the print proof (WeasyPrint, Noto CJK), made from the same content
             K.photo-N.jpg  the photos chosen for print (at most three, the 1280 px JPEG renditions)
  radio      K.radio.txt    the radio script (口播稿) with its reading time (about 4 characters a second)
             K.mp3          the story's first audio, loudness-normalized, when it has one
  tv         K.tv.txt       the TV script: a 画面 / 解说 rundown, one row per line
             K.mp4          the story's first video (H.264/AAC), when it has one
  (others)   K.txt          as the newspaper's text
  every one  K.manifest.json  written LAST: key, story, version, channel, and each file's name,
             size and SHA-256. A pickup system waits for the manifest; it never sees a half file.
Text files are UTF-8 (no BOM) with \n line ends. Media files are streamed from disk, never read
whole into memory (a TV file may be gigabytes).

Atomic: each file is uploaded as NAME.part and renamed to NAME (an existing NAME is replaced).
Idempotent: names come from the key only, so a resend overwrites the same files; there is never
a second copy.

Correction (更正): a publication of a newer version (payload["correction"]) drops its own files,
then takes the earlier version's files away exactly as a retraction does.

Retraction: the manifest is deleted first, then every file it listed, then K.retracted.json (key,
time, "retracted") is written, because a typesetting system may already have picked the files up
and must be told. Missing files are fine (retracting twice is harmless).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core.text import count_chars, plain_text
from rongmei.distribution.adapters.base import Adapter, PermanentError, Receipt, media_file, story_payload

CHARS_PER_SECOND = 4
MAX_PRINT_PHOTOS = 3


def _neutral_lines(payload: dict) -> list[str]:
    body = plain_text(payload.get("body_html", ""))
    intro = (payload.get("intro") or "").strip()
    return [p for p in ([intro] if intro else []) + body.split("\n") if p.strip()]


def _content(payload: dict) -> dict:
    content = payload.get("content")
    return content if isinstance(content, dict) else {}


def print_text(payload: dict) -> str:
    c = _content(payload)
    head = []
    if c.get("kicker"):
        head.append(f"引题：{c['kicker']}")
    head.append(f"主题：{c.get('headline') or payload.get('headline', '')}")
    subtitle = c.get("subtitle") if c else payload.get("subtitle")
    if subtitle:
        head.append(f"副题：{subtitle}")
    byline = c.get("byline") if c else "、".join(payload.get("authors") or [])
    if byline:
        head.append(byline if c else f"作者：{byline}")
    paras = [p for p in (c.get("text") or "").split("\n") if p.strip()] if c.get("text") else _neutral_lines(payload)
    return "\n".join(head) + "\n\n" + "\n\n".join(paras) + "\n"


def radio_text(payload: dict) -> str:
    c = _content(payload)
    if c.get("text"):
        title, text = c.get("title") or payload.get("headline", ""), c["text"].strip()
        chars = c.get("characters") or count_chars(text)
        seconds = c.get("reading_seconds") or max(1, round(chars / CHARS_PER_SECOND))
    else:
        paragraphs = _neutral_lines(payload)
        title, text = payload.get("headline", ""), "\n\n".join(paragraphs)
        chars = count_chars("".join(paragraphs))
        seconds = max(1, round(chars / CHARS_PER_SECOND))
    return f"{title}\n时长：约{seconds}秒（{chars}字）\n\n{text}\n"


def tv_text(payload: dict) -> str:
    c = _content(payload)
    if c.get("rows"):
        rows = ["画面\t解说"] + [f"{r.get('picture', '')}\t{r.get('narration', '')}" for r in c["rows"]]
        seconds = c.get("reading_seconds")
        head = c.get("title") or payload.get("headline", "")
        if seconds:
            head += f"\n时长：约{seconds}秒"
    else:
        rows = ["画面\t解说"] + [f"\t{p}" for p in _neutral_lines(payload)]
        head = payload.get("headline", "")
    return f"{head}\n\n" + "\n".join(rows) + "\n"


RENDERERS = {"newspaper": (".txt", print_text), "radio": (".radio.txt", radio_text), "tv": (".tv.txt", tv_text)}
MEDIA_SUFFIXES = (".pdf", ".mp3", ".mp4", ".xml", ".json", ".srt") + tuple(f".photo-{n}.jpg" for n in range(1, MAX_PRINT_PHOTOS + 1))


def _media(ref, suffix: str, key: str) -> tuple[str, Path]:
    path = media_file(ref)
    if path is None:
        raise PermanentError(_("A media file of the story is missing or not finished; make its renditions again."))
    return key + suffix, path


def files_for(payload: dict, key: str) -> list[tuple[str, bytes | Path]]:
    """(name, bytes or a file on disk) of every file of this publication, the manifest last."""
    files: list[tuple[str, bytes | Path]] = []
    channel = payload.get("channel", "")
    c = _content(payload)
    ready = payload.get("files") or []
    if ready:
        for item in ready:
            data = base64.b64decode(item["base64"]) if "base64" in item else str(item.get("text", "")).encode()
            files.append((key + _safe_suffix(item.get("name_suffix", ".txt")), data))
    else:
        suffix, render = RENDERERS.get(channel, (".txt", print_text))
        files.append((key + suffix, render(payload).encode()))
    if channel == "newspaper" and c.get("text"):
        from rongmei.distribution.formatters import newspaper

        pdf = newspaper.proof_pdf(c)
        if pdf:
            files.append((key + ".pdf", pdf))
        for n, ref in enumerate((c.get("photos") or [])[:MAX_PRINT_PHOTOS], start=1):
            files.append(_media(ref, f".photo-{n}.jpg", key))
    elif channel == "radio" and c.get("audio"):
        files.append(_media(c["audio"], ".mp3", key))
    elif channel == "tv" and c.get("video"):
        files.append(_media(c["video"], ".mp4", key))
    manifest = {
        "key": key,
        "story_id": payload.get("story_id"),
        "version": payload.get("version"),
        "channel": channel,
        "headline": payload.get("headline"),
        "files": [{"name": n, **_measure(d)} for n, d in files],
    }
    files.append((manifest_name(key), json.dumps(manifest, ensure_ascii=False, indent=2).encode()))
    return files


def _measure(data: bytes | Path) -> dict:
    if isinstance(data, bytes):
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    digest, size = hashlib.sha256(), 0
    with data.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def manifest_name(key: str) -> str:
    return f"{key}.manifest.json"


def retraction_name(key: str) -> str:
    return f"{key}.retracted.json"


def _safe_suffix(suffix: str) -> str:
    cleaned = "".join(c for c in str(suffix) if c.isalnum() or c in "._-")[:20]
    return cleaned if cleaned.startswith(".") else "." + cleaned


def candidate_names(key: str) -> list[str]:
    """Every name a publication with this key may have left (for retraction)."""
    names = [key + s for s, _r in RENDERERS.values()] + [key + s for s in MEDIA_SUFFIXES]
    names = list(dict.fromkeys(names))
    return names + [manifest_name(key)]


class DropAdapter(Adapter):
    """Subclasses open a session (a context manager) with put(name, data), read(name) -> bytes | None
    and remove(name) (a missing file is fine)."""

    def __init__(self, channel, settings: dict | None = None) -> None:
        super().__init__(channel)
        self._given = settings

    def render(self, publication) -> dict:
        return story_payload(publication)

    def session(self):  # pragma: no cover - subclasses
        raise NotImplementedError

    def send(self, payload: dict, key: str) -> Receipt:
        files = files_for(payload, key)
        with self.session() as s:
            for name, data in files:
                s.put(name, data)
            s.remove(retraction_name(key))  # a resend after a retraction
        replaces = (payload.get("correction") or {}).get("replaces") or {}
        if replaces.get("key") and replaces["key"] != key:
            # A correction: the earlier version's files go, with a marker, so the pickup system
            # never sets the old text beside the new.
            self.retract(Receipt(external_id=manifest_name(replaces["key"])), replaces["key"])
        return Receipt(external_id=manifest_name(key), url="")

    def retract(self, receipt: Receipt, key: str) -> None:
        marker = {"key": key, "event": "retracted", "retracted_at": timezone.now().isoformat()}
        with self.session() as s:
            names = candidate_names(key)
            listed = s.read(manifest_name(key))
            if listed:
                try:
                    names += [f["name"] for f in json.loads(listed)["files"] if str(f["name"]).startswith(key)]
                except (ValueError, KeyError, TypeError):
                    pass
            s.remove(manifest_name(key))  # first: a pickup system stops trusting the set
            for name in dict.fromkeys(names):
                s.remove(name)
            s.put(retraction_name(key), json.dumps(marker, ensure_ascii=False).encode())
