"""Short-video posts (Douyin, Kuaishou, WeChat Channels): a title, a caption with hashtags, and the
9:16 vertical cut.

Limits (characters) and where they come from:
- Douyin: title 30 (creator center 作品标题 ≤ 30 字, the limit every publishing tool enforces);
  the open API's ``text`` carries the caption with topics written in it as "#话题1 #话题2"
  (open.douyin.com 抖音内容发布接入方案 "发布携带话题"); caption kept within 1,000.
- Kuaishou: title 30 and caption 500 — not confirmed against a Kuaishou document here.
- WeChat Channels: short title 16 (视频号短标题 6–16 字), description 1,000 — not confirmed.
Hashtags are written "#话题" followed by a space on all three (Weibo's "#话题#" is in weibo.py).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import cut_at_sentence, first_video, paragraphs

LIMITS = {
    "douyin": {"title": 30, "caption": 1000, "hashtags": 5},
    "kuaishou": {"title": 30, "caption": 500, "hashtags": 5},
    "wechat_channels": {"title": 16, "caption": 1000, "hashtags": 5},
}
# A sentence or two: short-video captions are read at a glance.
CAPTION_TARGET = 100


def hashtag_text(tags: list[str]) -> str:
    return " ".join(f"#{t}" for t in tags)


def fields_for(code: str) -> list[Field]:
    lim = LIMITS[code]
    return [
        Field("title", gettext_lazy("Title"), max_len=lim["title"], required=True),
        Field("caption", gettext_lazy("Caption"), widget="textarea", max_len=lim["caption"], required=True),
        Field("hashtags", gettext_lazy("Hashtags (comma-separated)"), widget="list", max_len=lim["hashtags"]),
    ]


FIELDS = fields_for("douyin")


def generate(version, media, *, channel: str = "douyin", **_options) -> dict:
    lim = LIMITS[channel]
    tags = [k.replace(" ", "") for k in (version.keywords or []) if k.strip()][: lim["hashtags"]]
    source = version.intro.strip() or next(iter(paragraphs(version.body)), "") or version.headline
    room = lim["caption"] - len(hashtag_text(tags)) - 1
    caption = cut_at_sentence(source, min(CAPTION_TARGET, room))
    video = first_video(media)
    return {
        "title": cut_at_sentence(version.headline, lim["title"]),
        "caption": caption,
        "hashtags": tags,
        "text": f"{caption} {hashtag_text(tags)}".strip(),
        "video": video.ref("vertical_916") if video else None,
        "cover": video.ref("poster") if video else None,
        "video_asset": video.asset_id if video else None,
    }


def finish(content: dict, version, *, channel: str = "douyin", **_options) -> dict:
    lim = LIMITS[channel]
    text = f"{content['caption']} {hashtag_text(content.get('hashtags') or [])}".strip()
    if len(text) > lim["caption"]:
        raise DomainError(
            _("The caption with its hashtags is %(n)s characters; this platform takes at most %(max)s.")
            % {"n": len(text), "max": lim["caption"]},
            field="caption",
        )
    return {**content, "text": text}
