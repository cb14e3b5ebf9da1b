"""Chinese text helpers: plain text from HTML, character counts, jieba keywords, similarity."""

from __future__ import annotations

import html
import logging
import math
import re
import threading
from collections import Counter

import jieba
import jieba.analyse

jieba.setLogLevel(logging.WARNING)
_jieba_lock = threading.Lock()
_initialized = False

_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_RE = re.compile(r"</(p|div|h[1-6]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)
_SPACE_RE = re.compile(r"[ \t\r\f\v\xa0]+")  # \xa0: &nbsp; from the rich-text editor
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[.'-][A-Za-z0-9]+)*")

# Words that jieba's TF-IDF ranks high in newsroom copy but which say nothing about the topic.
_STOP = {"泌阳县", "泌阳", "县", "记者", "今天", "日前", "近日", "我们", "他们", "进行", "一个", "没有", "工作"}


def ensure_jieba() -> None:
    global _initialized
    if not _initialized:
        with _jieba_lock:
            if not _initialized:
                jieba.initialize()
                _initialized = True


def plain_text(markup: str) -> str:
    """The readable text of sanitized HTML: block ends become newlines, entities decoded."""
    text = _BLOCK_RE.sub("\n", markup or "")
    text = _TAG_RE.sub("", text)
    text = html.unescape(text)
    lines = [_SPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def count_chars(text: str) -> int:
    """Word count as Chinese newsrooms count it: each Han character, plus each Latin word or number."""
    return len(_CJK_RE.findall(text)) + len(_LATIN_WORD_RE.findall(text))


def reading_minutes(char_count: int, per_minute: int = 400) -> int:
    return max(1, math.ceil(char_count / per_minute)) if char_count else 0


def keywords(text: str, top: int = 8) -> list[str]:
    """The top keywords of a text by jieba's TF-IDF, without newsroom stop words."""
    ensure_jieba()
    words = jieba.analyse.extract_tags(text, topK=top + len(_STOP))
    return [w for w in words if w not in _STOP and len(w) > 1][:top]


def tokens(text: str) -> Counter:
    ensure_jieba()
    return Counter(w for w in jieba.lcut_for_search(text) if len(w) > 1 and w not in _STOP and not w.isspace())


def similarity(a: Counter, b: Counter) -> float:
    """Cosine similarity of two bags of words (0..1)."""
    if not a or not b:
        return 0.0
    dot = sum(a[w] * b[w] for w in a.keys() & b.keys())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0
