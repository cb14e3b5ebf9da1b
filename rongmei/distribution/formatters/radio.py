"""Radio script (口播稿): plain text, numbers written as the announcer reads them, and the reading
time at about four characters a second; the story's first audio (MP3, loudness-normalized) goes
with it to the playout drop."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import paragraphs
from rongmei.distribution.formatters.speech import for_speech, reading_seconds

CHARS_PER_SECOND = 4.0

FIELDS = [
    Field("title", gettext_lazy("Title"), max_len=80, required=True),
    Field("text", gettext_lazy("Script"), widget="textarea", max_len=50_000, required=True),
]


def generate(version, media, **_options) -> dict:
    paras = ([version.intro.strip()] if version.intro.strip() else []) + paragraphs(version.body)
    text = "\n\n".join(for_speech(p) for p in paras)
    audio = next((m for m in media if m.kind == "audio"), None)
    return {
        "title": for_speech(version.headline),
        "text": text,
        **_timing(text),
        "audio": audio.ref("audio_mp3") if audio else None,
    }


def _timing(text: str) -> dict:
    return {"characters": len("".join(text.split())), "reading_seconds": reading_seconds(text, CHARS_PER_SECOND)}


def finish(content: dict, version, **_options) -> dict:
    return {**content, **_timing(content["text"])}
