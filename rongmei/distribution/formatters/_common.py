"""Shared pieces of the channel formatters: the paragraphs of a body, sentences, cutting at a
sentence end, and the story's media with their finished renditions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import reverse

BLOCK_TAGS = {"p", "h2", "h3", "h4", "blockquote", "li", "figcaption"}
# A sentence ends at 。！？!? (with closing quotes/brackets after it) or at a paragraph end.
_SENTENCE_RE = re.compile(r"[^。！？!?…]*(?:[。！？!?]+|…+)[”’」』）)】]*|[^。！？!?…]+$")
_CLAUSE_END = "，,；;：:、"


@dataclass
class Block:
    tag: str
    text: str


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._tag: str | None = None
        self._buf: list[str] = []

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._buf)).strip()
        if text:
            self.blocks.append(Block(self._tag or "p", text))
        self._buf = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self._flush()
            self._tag = tag
        elif tag == "br":
            self._buf.append(" ")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self._flush()
            self._tag = None

    def handle_data(self, data):
        self._buf.append(data)

    def close(self):
        super().close()
        self._flush()


def blocks(markup: str) -> list[Block]:
    """The text blocks (paragraphs, headings, quotes, list items) of sanitized HTML, in order."""
    parser = _BlockParser()
    parser.feed(markup or "")
    parser.close()
    return parser.blocks


def paragraphs(markup: str) -> list[str]:
    return [b.text for b in blocks(markup)]


def sentences(text: str) -> list[str]:
    return [s for s in (m.group(0).strip() for m in _SENTENCE_RE.finditer(text or "")) if s]


def char_len(text: str) -> int:
    """Characters as a platform counts a field's length: every character but surrounding space."""
    return len((text or "").strip())


def cut_at_sentence(text: str, limit: int) -> str:
    """The longest run of whole sentences within ``limit`` characters; when even the first
    sentence is longer, cut at its last clause mark (，；：) that fits, else hard, ending in …"""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    out = ""
    for sentence in sentences(text):
        if len(out) + len(sentence) > limit:
            break
        out += sentence
    if out:
        return out
    head = text[: limit - 1]
    cut = max(head.rfind(c) for c in _CLAUSE_END)
    if cut >= limit // 2:
        head = head[:cut]
    return head.rstrip(_CLAUSE_END + " ") + "…"


# --- media ---------------------------------------------------------------------------------


@dataclass
class Media:
    asset_id: int
    kind: str  # image / video / audio / document
    title: str
    caption: str
    mime: str
    renditions: dict = field(default_factory=dict)  # kind → Rendition (status done)
    original_url: str = ""

    def ref(self, kind: str) -> dict | None:
        """A reference to a finished rendition: what an adapter fetches and uploads."""
        r = self.renditions.get(kind)
        if r is None or not r.rel_path:
            return None
        return {
            "asset": self.asset_id,
            "rendition": kind,
            "url": reverse("media:file", args=[self.asset_id, r.rel_path]),
            "width": r.width,
            "height": r.height,
            "size": r.size,
        }

    @property
    def label(self) -> str:
        return self.caption or self.title


def story_media(version) -> list[Media]:
    """The story's assets in order, each with its finished (status done) renditions."""
    from rongmei.media.models import Rendition, StoryAsset

    links = (
        StoryAsset.objects.filter(story_id=version.story_id)
        .select_related("asset")
        .prefetch_related("asset__renditions")
        .order_by("order", "id")
    )
    out = []
    for link in links:
        a = link.asset
        done = {r.kind: r for r in a.renditions.all() if r.status == Rendition.Status.DONE}
        out.append(
            Media(
                asset_id=a.pk,
                kind=a.kind,
                title=a.title or a.original_name,
                caption=link.caption,
                mime=a.mime,
                renditions=done,
                original_url=reverse("media:original", args=[a.pk]),
            )
        )
    return out


def gallery(media: list[Media]) -> list[dict]:
    """Images with a web rendition (JPEG preferred for the widest support), with captions."""
    items = []
    for m in media:
        if m.kind != "image":
            continue
        ref = m.ref("web_1280_jpg") or m.ref("web_1280_webp")
        if ref:
            items.append({**ref, "caption": m.label})
    return items


def first_video(media: list[Media]) -> Media | None:
    return next((m for m in media if m.kind == "video"), None)


def authors_of(version) -> str:
    return "、".join(u.display_name for u in version.story.authors.all())
