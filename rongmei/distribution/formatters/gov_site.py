"""Government website (政府网站): the structured fields of a government information disclosure
page — 标题, 发布机构, 发文日期, 索引号, 正文, 附件 — as JSON and as XML (UTF-8, declared).

The index number (索引号) is stable per story: <region code>-<year signed off>-<story id, 5 digits>,
e.g. 411726-2026-00042 (411726 is 泌阳县's administrative division code)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import paragraphs

REGION_CODE = "411726"
LABELS = {
    "title": "标题",
    "publisher": "发布机构",
    "date": "发文日期",
    "index_number": "索引号",
    "body": "正文",
    "attachments": "附件",
}

FIELDS = [
    Field("title", gettext_lazy("Title"), max_len=200, required=True),
    Field("publisher", gettext_lazy("Publishing body"), max_len=100, required=True),
    Field("date", gettext_lazy("Date of issue (YYYY-MM-DD)"), max_len=10, required=True),
    Field("index_number", gettext_lazy("Index number"), max_len=60, required=True),
    Field("body", gettext_lazy("Text (one paragraph a line)"), widget="textarea", max_len=100_000, required=True),
]


def index_number(version) -> str:
    story = version.story
    when = story.signed_off_at or version.created_at
    region = getattr(settings, "RONGMEI", {}).get("GOV_REGION_CODE", REGION_CODE)
    return f"{region}-{timezone.localtime(when).year}-{story.pk:05d}"


def generate(version, media, **_options) -> dict:
    when = version.story.signed_off_at or version.created_at
    paras = ([version.intro.strip()] if version.intro.strip() else []) + paragraphs(version.body)
    attachments = [{"name": m.title, "url": m.original_url, "type": m.mime} for m in media if m.kind == "document"]
    return {
        "title": version.headline,
        "publisher": settings.RONGMEI["CENTER_NAME"],
        "date": timezone.localtime(when).date().isoformat(),
        "index_number": index_number(version),
        "body": "\n".join(paras),
        "attachments": attachments,
    }


def finish(content: dict, version, **_options) -> dict:
    try:
        dt.date.fromisoformat(content["date"])
    except ValueError:
        raise DomainError(_("Enter the date as YYYY-MM-DD."), field="date") from None
    return {**content, "body": "\n".join(p.strip() for p in content["body"].split("\n") if p.strip())}


def to_xml(content: dict) -> bytes:
    root = ET.Element("document")
    for key in ("title", "publisher", "date", "index_number"):
        el = ET.SubElement(root, key, label=LABELS[key])
        el.text = str(content.get(key) or "")
    body = ET.SubElement(root, "body", label=LABELS["body"])
    for para in (content.get("body") or "").split("\n"):
        if para.strip():
            ET.SubElement(body, "p").text = para
    attachments = ET.SubElement(root, "attachments", label=LABELS["attachments"])
    for a in content.get("attachments") or []:
        ET.SubElement(attachments, "attachment", name=str(a.get("name", "")), type=str(a.get("type", ""))).text = str(a.get("url", ""))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
