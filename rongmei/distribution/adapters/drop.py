"""File drops for the newspaper typesetting system, radio and TV playout (shared by FTP and SFTP).

What lands in the configured directory for a publication with key K:
  newspaper  K.txt        the print version: 引题 / 主题 / 副题 lines, then the body as plain text
  radio      K.radio.txt  the radio script (口播稿) with its reading time at ~4 characters a second
  tv         K.tv.txt     the TV script: a 画面 / 解说 rundown, one row per paragraph
  (others)   K.txt        as the newspaper
  every one  K.manifest.json  written LAST: key, story, version, channel, and each file's name,
             size and SHA-256. A pickup system waits for the manifest; it never sees a half file.
Files are UTF-8 (no BOM) with \n line ends. When the payload carries ready-made channel files
(``payload["files"]``: [{"name_suffix": ".pdf", "text"|"base64": ...}], e.g. the PDF proof
made by the channel-version step), those are dropped instead of the generated text.

Atomic: each file is uploaded as NAME.part and renamed to NAME (an existing NAME is replaced).
Idempotent: names come from the key only, so a resend overwrites the same files; there is never
a second copy.

Retraction: the files and the manifest are deleted, then K.retracted.json (key, time, "retracted")
is written, because a typesetting system may already have picked the files up and must be told.
Missing files are fine (retracting twice is harmless).
"""

from __future__ import annotations

import base64
import hashlib
import json

from django.utils import timezone

from rongmei.core.text import count_chars, plain_text
from rongmei.distribution.adapters.base import Adapter, Receipt, story_payload

CHARS_PER_SECOND = 4


def _lines(payload: dict) -> list[str]:
    body = plain_text(payload.get("body_html", ""))
    intro = (payload.get("intro") or "").strip()
    return [p for p in ([intro] if intro else []) + body.split("\n") if p.strip()]


def print_text(payload: dict) -> str:
    head = []
    if payload.get("kicker"):
        head.append(f"引题：{payload['kicker']}")
    head.append(f"主题：{payload.get('headline', '')}")
    if payload.get("subtitle"):
        head.append(f"副题：{payload['subtitle']}")
    byline = "、".join(payload.get("authors") or [])
    if byline:
        head.append(f"作者：{byline}")
    return "\n".join(head) + "\n\n" + "\n\n".join(_lines(payload)) + "\n"


def radio_text(payload: dict) -> str:
    paragraphs = _lines(payload)
    chars = count_chars("".join(paragraphs))
    seconds = max(1, round(chars / CHARS_PER_SECOND))
    return f"{payload.get('headline', '')}\n时长：约{seconds}秒（{chars}字）\n\n" + "\n\n".join(paragraphs) + "\n"


def tv_text(payload: dict) -> str:
    rows = ["画面\t解说"] + [f"\t{p}" for p in _lines(payload)]
    return f"{payload.get('headline', '')}\n\n" + "\n".join(rows) + "\n"


RENDERERS = {"newspaper": (".txt", print_text), "radio": (".radio.txt", radio_text), "tv": (".tv.txt", tv_text)}


def files_for(payload: dict, key: str) -> list[tuple[str, bytes]]:
    """(name, content) of every file of this publication, the manifest last."""
    files: list[tuple[str, bytes]] = []
    ready = payload.get("files") or []
    if ready:
        for item in ready:
            data = base64.b64decode(item["base64"]) if "base64" in item else str(item.get("text", "")).encode()
            files.append((key + _safe_suffix(item.get("name_suffix", ".txt")), data))
    else:
        suffix, render = RENDERERS.get(payload.get("channel", ""), (".txt", print_text))
        files.append((key + suffix, render(payload).encode()))
    manifest = {
        "key": key,
        "story_id": payload.get("story_id"),
        "version": payload.get("version"),
        "channel": payload.get("channel"),
        "headline": payload.get("headline"),
        "files": [{"name": n, "bytes": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in files],
    }
    files.append((manifest_name(key), json.dumps(manifest, ensure_ascii=False, indent=2).encode()))
    return files


def manifest_name(key: str) -> str:
    return f"{key}.manifest.json"


def retraction_name(key: str) -> str:
    return f"{key}.retracted.json"


def _safe_suffix(suffix: str) -> str:
    cleaned = "".join(c for c in str(suffix) if c.isalnum() or c in "._-")[:20]
    return cleaned if cleaned.startswith(".") else "." + cleaned


def candidate_names(key: str) -> list[str]:
    """Every name a publication with this key may have left (for retraction)."""
    names = [key + s for s, _r in RENDERERS.values()] + [key + s for s in (".pdf", ".xml", ".json", ".srt")]
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
