"""WeChat Official Account article (微信公众号图文), for draft/add.

Limits from WeChat's draft/add document (developers.weixin.qq.com/doc/service/api/draftbox/
draftmanage/api_draft_add): title at most 32 characters, author at most 16, digest at most 128
(we keep the issue's 120), content under 20,000 characters with JS removed and images only from
WeChat's own image upload (the adapter uploads our renditions and replaces the URLs listed in
``images``), need_open_comment / only_fans_can_comment 0 or 1, content_source_url the "阅读原文"
link. WeChat drops <style> blocks and class names, so every style is inline; no script, iframe,
form or embedded media. Original-content declaration (原创声明) has no draft/add parameter: the
flag is kept here for the editor and the adapter (it is declared in the WeChat back office).
"""

from __future__ import annotations

import html
import re

import nh3
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import authors_of, cut_at_sentence, paragraphs

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 120
CONTENT_MAX = 20_000

STYLES = {
    "p": "margin:0 0 1em;line-height:1.75;font-size:16px;color:#333;text-align:justify;",
    "h2": "margin:1.5em 0 0.75em;font-size:18px;font-weight:bold;color:#1a1a1a;",
    "h3": "margin:1.25em 0 0.5em;font-size:17px;font-weight:bold;color:#1a1a1a;",
    "h4": "margin:1em 0 0.5em;font-size:16px;font-weight:bold;color:#1a1a1a;",
    "blockquote": "margin:1em 0;padding:0.5em 1em;border-left:3px solid #c00;background:#f7f7f7;color:#555;",
    "ul": "margin:0 0 1em;padding-left:1.5em;",
    "ol": "margin:0 0 1em;padding-left:1.5em;",
    "li": "margin:0 0 0.25em;line-height:1.75;font-size:16px;color:#333;",
    "figure": "margin:1em 0;",
    "figcaption": "margin:0.25em 0 1em;font-size:14px;color:#888;text-align:center;",
    "img": "display:block;max-width:100%;height:auto;margin:0 auto;",
    "strong": "font-weight:bold;",
    "em": "font-style:italic;",
    "hr": "border:0;border-top:1px solid #ddd;margin:1.5em 0;",
}
LEAD_STYLE = "margin:0 0 1.25em;padding:0.75em 1em;background:#f5f5f5;font-size:15px;line-height:1.75;color:#555;"
_TAGS = set(STYLES) | {"br"}
_OPEN_TAG = re.compile(r"<(" + "|".join(sorted(STYLES, key=len, reverse=True)) + r")(\s[^>]*)?(/?)>")
_IMG_SRC = re.compile(r'<img\b[^>]*\bsrc="([^"]*)"')


def _styled(markup: str) -> str:
    # Only these tags survive, without any attribute but img src/alt: no class, id, style, on*.
    clean = nh3.clean(markup, tags=_TAGS, attributes={"img": {"src", "alt"}}, url_schemes={"http", "https"}, link_rel=None)
    clean = re.sub(r"<p>\s*</p>", "", clean)

    def add_style(m: re.Match) -> str:
        tag, attrs, close = m.group(1), m.group(2) or "", m.group(3)
        return f'<{tag}{attrs} style="{STYLES[tag]}"{close}>'

    return _OPEN_TAG.sub(add_style, clean)


def digest_of(intro: str, body_html: str) -> str:
    """From the lead paragraph, else the first paragraph; cut at a sentence end within 120."""
    source = (intro or "").strip() or next(iter(paragraphs(body_html)), "")
    return cut_at_sentence(source, DIGEST_MAX)


def render_content(body_html: str, intro: str, gallery: list[dict]) -> str:
    parts = []
    if intro:
        parts.append(f'<p style="{LEAD_STYLE}">{html.escape(intro)}</p>')
    parts.append(_styled(body_html or ""))
    for item in gallery:
        caption = html.escape(item.get("caption") or "")
        parts.append(
            f'<figure style="{STYLES["figure"]}"><img src="{html.escape(item["url"])}" alt="{caption}" style="{STYLES["img"]}"/>'
            + (f'<figcaption style="{STYLES["figcaption"]}">{caption}</figcaption>' if caption else "")
            + "</figure>"
        )
    return "".join(parts)


def images_in(content_html: str) -> list[str]:
    return list(dict.fromkeys(_IMG_SRC.findall(content_html)))


FIELDS = [
    Field("title", gettext_lazy("Title"), max_len=TITLE_MAX, required=True),
    Field("author", gettext_lazy("Author"), max_len=AUTHOR_MAX),
    Field("digest", gettext_lazy("Digest"), widget="textarea", max_len=DIGEST_MAX),
    Field("content_html", gettext_lazy("Article (HTML)"), widget="textarea", max_len=CONTENT_MAX, required=True),
    Field("content_source_url", gettext_lazy("Read-the-original link"), max_len=1000),
    Field("need_open_comment", gettext_lazy("Open comments"), widget="bool"),
    Field("only_fans_can_comment", gettext_lazy("Only followers may comment"), widget="bool"),
    Field("original", gettext_lazy("Declare as original content"), widget="bool"),
]


def generate(version, media, **_options) -> dict:
    from rongmei.distribution.formatters._common import gallery

    pictures = gallery(media)
    cover = next((m.ref("wechat_cover_235") for m in media if m.kind == "image" and m.ref("wechat_cover_235")), None)
    cover_square = next((m.ref("wechat_cover_1x1") for m in media if m.kind == "image" and m.ref("wechat_cover_1x1")), None)
    content_html = render_content(version.body, version.intro, pictures)
    author = authors_of(version) or settings.RONGMEI["CENTER_NAME"]
    return {
        "title": cut_at_sentence(version.headline, TITLE_MAX) if len(version.headline) > TITLE_MAX else version.headline,
        "author": author[:AUTHOR_MAX],
        "digest": digest_of(version.intro, version.body),
        "content_html": content_html,
        "content_source_url": f"/news/{version.story_id}/",
        "need_open_comment": False,
        "only_fans_can_comment": False,
        "original": True,
        "cover": cover,
        "cover_1x1": cover_square,
        "images": images_in(content_html),
    }


def finish(content: dict, version, **_options) -> dict:
    # An edited article is styled again: whatever was pasted, only inline styles remain.
    styled = _styled(content["content_html"])
    if not styled.strip():
        raise DomainError(_("The article may not be empty."), field="content_html")
    if len(styled) > CONTENT_MAX:
        raise DomainError(_("The article is too long for WeChat (at most %(n)s characters).") % {"n": CONTENT_MAX}, field="content_html")
    url = content.get("content_source_url") or ""
    if url and not (url.startswith(("http://", "https://", "/"))):
        raise DomainError(_("The read-the-original link must be a web address."), field="content_source_url")
    return {**content, "content_html": styled, "images": images_in(styled)}
