"""TV script: a two-column rundown, 画面 (pictures) / 解说 (narration), with the video attached.
Each paragraph is a narration row; pictures come from the story's videos and photos in order,
else "[待补画面]" for the editor to fill."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import first_video, paragraphs
from rongmei.distribution.formatters.speech import for_speech, reading_seconds

MISSING_PICTURE = "[待补画面]"
MAX_ROWS = 200

FIELDS = [
    Field("title", gettext_lazy("Title"), max_len=80, required=True),
    Field(
        "rundown",
        gettext_lazy("Rundown (one row a line: pictures | narration)"),
        widget="textarea",
        max_len=50_000,
        required=True,
    ),
]


def _picture(m) -> str:
    if m.kind == "video":
        return f"视频：{m.label}"
    return f"图片：{m.label}"


def rows_to_text(rows: list[dict]) -> str:
    return "\n".join(f"{r['picture']} | {r['narration']}" for r in rows)


def text_to_rows(text: str) -> list[dict]:
    rows = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        picture, sep, narration = line.partition("|")
        if not sep:
            picture, narration = MISSING_PICTURE, line
        rows.append({"picture": picture.strip() or MISSING_PICTURE, "narration": narration.strip()})
    return rows


def generate(version, media, **_options) -> dict:
    visuals = [m for m in media if m.kind in ("video", "image")]
    paras = ([version.intro.strip()] if version.intro.strip() else []) + paragraphs(version.body)
    rows = [
        {"picture": _picture(visuals[i]) if i < len(visuals) else MISSING_PICTURE, "narration": for_speech(p)} for i, p in enumerate(paras)
    ]
    video = first_video(media)
    return {
        "title": version.headline,
        "rundown": rows_to_text(rows),
        "rows": rows,
        "video": video.ref("mp4") if video else None,
        "video_asset": video.asset_id if video else None,
        "reading_seconds": reading_seconds("".join(r["narration"] for r in rows)),
    }


def finish(content: dict, version, **_options) -> dict:
    rows = text_to_rows(content["rundown"])
    if not any(r["narration"] for r in rows):
        raise DomainError(_("The rundown needs at least one row of narration."), field="rundown")
    if len(rows) > MAX_ROWS:
        raise DomainError(_("At most %(n)s rows.") % {"n": MAX_ROWS}, field="rundown")
    return {
        **content,
        "rows": rows,
        "rundown": rows_to_text(rows),
        "reading_seconds": reading_seconds("".join(r["narration"] for r in rows)),
    }
