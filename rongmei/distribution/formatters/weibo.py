"""Weibo (微博): a post of at most 2,000 characters — 【headline】, the lead, the story as far as it
fits, topics written "#话题#" (Weibo's convention) and the link back to our page."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import cut_at_sentence, gallery, paragraphs

TEXT_MAX = 2000
MAX_TOPICS = 3

FIELDS = [
    Field("text", gettext_lazy("Post"), widget="textarea", max_len=TEXT_MAX, required=True),
    Field("link", gettext_lazy("Link back"), max_len=500),
]


def generate(version, media, **_options) -> dict:
    link = f"/news/{version.story_id}/"
    topics = "".join(f"#{k.replace(' ', '')}#" for k in (version.keywords or [])[:MAX_TOPICS])
    head = f"【{version.headline}】"
    tail = f" {topics} 全文：{link}".replace("  ", " ")
    body = "".join(([version.intro.strip()] if version.intro.strip() else []) + paragraphs(version.body))
    room = TEXT_MAX - len(head) - len(tail)
    text = head + cut_at_sentence(body, room) + tail
    return {"text": text, "link": link, "pictures": gallery(media)[:9]}


def finish(content: dict, version, **_options) -> dict:
    link = content.get("link") or ""
    if link and not link.startswith(("http://", "https://", "/")):
        raise DomainError(_("The link must be a web address."), field="link")
    return content
