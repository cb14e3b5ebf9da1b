"""Newspaper (报纸): the text fitted to a target length, the headline hierarchy 引题 / 主题 / 副题,
and a print proof (PDF by WeasyPrint with Noto CJK, or the same page as HTML to print).

Fitting cuts from the end: whole paragraphs while a whole paragraph is not more than the excess,
then whole sentences of the last paragraph; what was cut is listed so the editor can put it back.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.core.exceptions import DomainError
from rongmei.distribution.formatters import Field
from rongmei.distribution.formatters._common import authors_of, paragraphs, sentences

DEFAULT_TARGET = 1200
MIN_TARGET, MAX_TARGET = 100, 20_000


def length(paras: list[str]) -> int:
    return sum(len(p) for p in paras)


def fit(paras: list[str], target: int) -> tuple[list[str], list[dict]]:
    """(kept paragraphs, what was cut: [{"kind": "paragraph"|"sentence", "text"}]) so that the
    kept text is at most ``target`` characters, cutting only whole paragraphs and sentences from
    the end. The first sentence always stays, even when longer than the target."""
    kept = [p for p in paras if p.strip()]
    cut: list[dict] = []
    while kept and length(kept) > target:
        excess = length(kept) - target
        last = kept[-1]
        parts = sentences(last)
        if len(kept) > 1 and (len(last) <= excess or len(parts) <= 1):
            cut.insert(0, {"kind": "paragraph", "text": kept.pop()})
            continue
        if len(parts) <= 1:
            break  # one sentence left: keep it
        removed = []
        while len(parts) > 1 and length(kept[:-1]) + sum(len(s) for s in parts) > target:
            removed.insert(0, parts.pop())
        kept[-1] = "".join(parts)
        cut.insert(0, {"kind": "sentence", "text": "".join(removed)})
        break
    return kept, cut


def cut_note(cut: list[dict]) -> str:
    if not cut:
        return ""
    n_par = sum(1 for c in cut if c["kind"] == "paragraph")
    n_chars = sum(len(c["text"]) for c in cut)
    partial = any(c["kind"] == "sentence" for c in cut)
    values = {"chars": n_chars, "paras": n_par}
    if partial:
        return (
            _("Cut %(chars)s characters from the end: %(paras)s whole paragraphs and the last sentences of the paragraph before them.")
            % values
        )
    return _("Cut %(chars)s characters from the end: %(paras)s whole paragraphs.") % values


FIELDS = [
    Field("kicker", gettext_lazy("Kicker (引题)"), max_len=60),
    Field("headline", gettext_lazy("Headline (主题)"), max_len=80, required=True),
    Field("subtitle", gettext_lazy("Subtitle (副题)"), max_len=120),
    Field("byline", gettext_lazy("Byline"), max_len=100),
    Field("text", gettext_lazy("Text (one paragraph a line)"), widget="textarea", max_len=50_000, required=True),
    Field("target_chars", gettext_lazy("Target length (characters)"), widget="number", min_value=MIN_TARGET, max_value=MAX_TARGET),
]


def generate(version, media, *, target_chars: int | None = None, **_options) -> dict:
    target = int(target_chars or DEFAULT_TARGET)
    if not MIN_TARGET <= target <= MAX_TARGET:
        raise DomainError(
            _("The target length must be between %(a)s and %(b)s characters.") % {"a": MIN_TARGET, "b": MAX_TARGET}, field="target_chars"
        )
    paras = ([version.intro.strip()] if version.intro.strip() else []) + paragraphs(version.body)
    kept, cut = fit(paras, target)
    authors = authors_of(version)
    return {
        "kicker": "",
        "headline": version.headline,
        "subtitle": version.subtitle,
        "byline": _("Reporter: %(names)s") % {"names": authors} if authors else "",
        "text": "\n".join(kept),
        "target_chars": target,
        "characters": length(kept),
        "original_characters": length(paras),
        "cut": cut,
        "cut_note": cut_note(cut),
        "photos": [m.ref("web_1280_jpg") for m in media if m.kind == "image" and m.ref("web_1280_jpg")][:3],
    }


def finish(content: dict, version, **_options) -> dict:
    paras = [p.strip() for p in content["text"].split("\n") if p.strip()]
    target = content.get("target_chars") or DEFAULT_TARGET
    return {**content, "text": "\n".join(paras), "target_chars": target, "characters": length(paras)}


def proof_html(content: dict) -> str:
    from django.template.loader import render_to_string

    paras = [p for p in (content.get("text") or "").split("\n") if p.strip()]
    return render_to_string("distribution/versions/newspaper_proof.html", {"c": content, "paragraphs": paras})


def proof_pdf(content: dict) -> bytes | None:
    """The print proof as PDF, or None when WeasyPrint is not installed."""
    try:
        import weasyprint
    except ImportError:  # pragma: no cover - the HTML proof is served instead
        return None
    return weasyprint.HTML(string=proof_html(content)).write_pdf()
