"""The desk's check of a unit's reply before it is published.

Flags (each a dict with ``code``, ``message`` and a ``score`` where one applies), never a refusal:
the desk decides.

- ``empty``: too short to answer anything, or only courtesy phrases (收悉, 感谢您的关注 …).
- ``template``: nearly the same text as the unit's earlier replies to *other* questions (cosine of
  word bags ≥ TEMPLATE_SIMILARITY) — a template answer.
- ``off_topic``: its words hardly match the question's (cosine of word bags < OFF_TOPIC_SIMILARITY).

Thresholds measured on the real replies of messages_with_replies.csv (tests/test_reply_check.py):
on 360 replies with substance, the cosine below 0.05 flags 4% of the real (own) replies and 79% of
replies paired with another question; the former measure (share of the question's words found in
the reply, < 0.08) flagged 13% of the real ones, long questions with short pointed answers above all.
No two different real replies reach a cosine of 0.8, so TEMPLATE_SIMILARITY 0.85 flags only near copies.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from rongmei.core.text import similarity, tokens

MIN_SUBSTANCE = 30  # characters left after the courtesy phrases are removed
TEMPLATE_SIMILARITY = 0.85
OFF_TOPIC_SIMILARITY = 0.05
EARLIER_REPLIES = 200

_COURTESY = re.compile(
    "|".join(
        (
            r"您好[，,！!。]?",
            r"你好[，,！!。]?",
            r"(?:来信|留言|问题|诉求)(?:已)?收悉[。，,]?",
            r"感谢您?(?:对[^。，]{0,20})?的?(?:关注|支持|理解|来信|留言)[。！!，,]?",
            r"(?:我们)?(?:将|会)(?:尽快|及时|认真)?(?:处理|研究|核实|调查|落实|回复)[。，,]?",
            r"(?:特此)?回复[。！!]?",
            r"祝您?[^。]{0,10}[。！!]?",
            r"[\s\d年月日，。、；：！？,.;:!?（）()]+",
        )
    )
)


def substance(text: str) -> str:
    return _COURTESY.sub("", text or "")


def check_reply(inquiry, body: str, unit) -> list[dict]:
    from rongmei.inquiries.models import Reply

    flags: list[dict] = []
    core = substance(body)
    if len(core) < MIN_SUBSTANCE:
        flags.append({"code": "empty", "message": _("The reply says almost nothing beyond courtesy phrases."), "score": len(core)})
    words = tokens(body)
    earlier = (
        Reply.objects.filter(unit=unit)
        .exclude(inquiry_id=inquiry.pk)
        .order_by("-created_at")
        .values_list("body", "inquiry__receipt")[:EARLIER_REPLIES]
    )
    best, best_receipt = 0.0, ""
    for text, receipt in earlier:
        score = similarity(words, tokens(text))
        if score > best:
            best, best_receipt = score, receipt
    if best >= TEMPLATE_SIMILARITY:
        flags.append(
            {
                "code": "template",
                "message": _("Almost the same as this unit's reply to %(r)s: a template answer?") % {"r": best_receipt},
                "score": round(best, 3),
            }
        )
    question = tokens(f"{inquiry.title}\n{inquiry.body}")
    if question and words:
        # Cosine, not the share of the question's words found: a long question with a short,
        # pointed answer shares few of its words and is not off-topic.
        match = similarity(question, words)
        if match < OFF_TOPIC_SIMILARITY:
            flags.append(
                {
                    "code": "off_topic",
                    "message": _("The reply shares almost no words with the question: off-topic?"),
                    "score": round(match, 3),
                }
            )
    return flags
