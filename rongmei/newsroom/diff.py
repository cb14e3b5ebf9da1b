"""Visual diffs of story versions, and plain-text rendering with highlighted spans.

Chinese has no spaces between words, so a word diff splits the plain text with jieba and
compares token sequences; <ins>/<del> mark what was added and removed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import jieba
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from rongmei.core import text


def tokens(value: str) -> list[str]:
    """jieba tokens that join back into exactly ``value`` (newlines kept as their own tokens)."""
    text.ensure_jieba()
    out: list[str] = []
    for i, line in enumerate(value.split("\n")):
        if i:
            out.append("\n")
        out.extend(jieba.lcut(line, HMM=False))
    return out


def _html(segment: str) -> str:
    return escape(segment).replace("\n", "<br>")


def diff_html(old: str, new: str) -> SafeString:
    """``new`` against ``old`` as HTML: unchanged text, <del>removed</del>, <ins>added</ins>."""
    a, b = tokens(old or ""), tokens(new or "")
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(_html("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{_html(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{_html(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every segment is escaped above


@dataclass
class FieldDiff:
    name: str
    label: str
    changed: bool
    html: SafeString


def version_diff(old, new, labels: dict[str, str]) -> list[FieldDiff]:
    """Field-by-field diff of two versions (headline, subtitle, intro, body as plain text, keywords)."""
    rows = []
    for name in ("headline", "subtitle", "intro", "body", "keywords"):
        a, b = getattr(old, name), getattr(new, name)
        if name == "body":
            a, b = text.plain_text(a), text.plain_text(b)
        elif name == "keywords":
            a, b = "、".join(a or []), "、".join(b or [])
        rows.append(FieldDiff(name=name, label=labels.get(name, name), changed=a != b, html=diff_html(a, b)))
    return rows


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    css: str
    title: str = ""


def marked_paragraphs(value: str, spans: list[Span]) -> SafeString:
    """``value`` (plain text, lines separated by newlines) as <p data-offset> paragraphs with
    <mark> around the spans. Each paragraph carries the offset of its first character in
    ``value``, so a script can turn a selection into offsets of the same plain text."""
    spans = sorted((s for s in spans if 0 <= s.start < s.end <= len(value)), key=lambda s: (s.start, -s.end))
    runs: list[tuple[str, Span | None]] = []
    pos = 0
    for span in spans:
        if span.start < pos:  # overlapping marks merge into the first
            continue
        if span.start > pos:
            runs.append((value[pos : span.start], None))
        runs.append((value[span.start : span.end], span))
        pos = span.end
    if pos < len(value):
        runs.append((value[pos:], None))

    out = ['<p data-offset="0">']
    offset = 0
    for segment, span in runs:
        pieces = segment.split("\n")
        for k, piece in enumerate(pieces):
            if k:
                offset += 1
                out.append(f'</p><p data-offset="{offset}">')
            if piece:
                if span is None:
                    out.append(escape(piece))
                else:
                    out.append(f'<mark class="{escape(span.css)}" title="{escape(span.title)}">{escape(piece)}</mark>')
            offset += len(piece)
    out.append("</p>")
    return mark_safe("".join(out))  # noqa: S308 - every segment is escaped above
