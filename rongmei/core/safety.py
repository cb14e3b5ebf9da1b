"""Content safety: sensitive-word matching for Chinese text.

Word-boundary filters (a match must have non-letters around it) never match inside Chinese
text, where words are not separated. We match substrings with an Aho-Corasick automaton over
all active words and then judge by context: a hit that lies inside an allowed phrase
(e.g. 拆迁安置 around 拆迁) is dropped. Each word carries a category and a severity: ``block``
stops a story's submission unless the chief editor overrides; ``flag`` only highlights.

The automaton is built once per process and rebuilt when the lists change (a version token in
the cache, replaced by the save/delete signals in ``core.signals`` and by the bulk word-list
services in ``core.services``).

Matching ignores the case of Latin letters and the full-width forms of ASCII (ＱＱ, Ｘjp are
the usual evasions); the mapping is one character to one character, so offsets stay those of
the original text.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import asdict, dataclass

import ahocorasick
from django.core.cache import cache
from django.db import connection, transaction

_VERSION_KEY = "core:safety:version"
# Categories matched only where a caller asks for them (``scan(text, include=...)``). The ad law's
# superlatives (最, 第一, 国家级) are everyday words in comments, chat and news, where any hit holds
# a reader's comment for moderation; they matter for ads only (rongmei.advertising, its migration
# 0003 creates the category).
AD_LAW = "广告法禁用语"
OPT_IN_CATEGORIES = frozenset({AD_LAW})
_lock = threading.Lock()
# One tuple, swapped whole, so a reader never pairs one version's words with another's allow-list.
_state: dict = {"current": None}

# Upper-case ASCII, full-width ASCII (U+FF01..U+FF5E) and the ideographic space, folded one
# character to one character: the folded text has the same offsets as the original.
_FOLD = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_FOLD.update({code: chr(code - 0xFEE0).lower() for code in range(0xFF01, 0xFF5F)})
_FOLD[0x3000] = " "


def normalize(text: str) -> str:
    """The form in which words and text are compared (same length as ``text``)."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Hit:
    word: str
    category: str
    severity: str
    start: int  # offset of the first character in the scanned text
    end: int  # offset one past the last character

    def as_dict(self) -> dict:
        return asdict(self)


def _new_version() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)


def lists_changed() -> None:
    """Tell every process to rebuild its automaton on next use.

    The version is a fresh random token, not a counter: a counter restarts at 1 when the cache
    is cleared or evicted, and a process that had built version 1 earlier would keep its stale
    automaton. Inside a transaction the token is replaced again on commit, since another
    process may have rebuilt from the not yet committed lists in between.
    """
    _new_version()
    if connection.in_atomic_block:
        transaction.on_commit(_new_version)


def _current_version() -> str:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(_VERSION_KEY)
    # A cache that keeps nothing (DummyCache): rebuild every time rather than never.
    return version if version is not None else uuid.uuid4().hex


def _build():
    from rongmei.core.models import AllowedPhrase, SensitiveWord

    words = ahocorasick.Automaton()
    opt_in = ahocorasick.Automaton()
    rows = SensitiveWord.objects.filter(active=True, category__active=True).values_list(
        "word", "severity", "category__name", "category__severity"
    )
    for word, severity, category, category_severity in rows:
        word = word.strip()
        if not word:
            continue
        key = normalize(word)
        entry = (word, category, severity or category_severity, len(key))
        automaton = opt_in if category in OPT_IN_CATEGORIES else words
        existing = automaton.get(key, None)
        # The same word in two lists: the stricter severity wins.
        if existing is None or (existing[2] != "block" and entry[2] == "block"):
            automaton.add_word(key, entry)
    allowed = ahocorasick.Automaton()
    for phrase in AllowedPhrase.objects.values_list("phrase", flat=True):
        key = normalize(phrase.strip())
        if key:
            allowed.add_word(key, len(key))
    for automaton in (words, allowed, opt_in):
        if len(automaton):
            automaton.make_automaton()
    return words, allowed, opt_in


def _automata():
    version = _current_version()
    state = _state.get("current")
    if state is None or state[0] != version:
        with _lock:
            state = _state.get("current")
            if state is None or state[0] != version:
                state = (version, *_build())
                _state["current"] = state
    return state[1], state[2], state[3]


def scan(text: str, *, include: frozenset[str] | set[str] = frozenset()) -> list[Hit]:
    """Every sensitive-word occurrence in ``text``, in order, minus those inside allowed phrases.
    ``include`` names the opt-in categories (OPT_IN_CATEGORIES) to match as well."""
    if not text:
        return []
    words, allowed, opt_in = _automata()
    searched = [words] + ([opt_in] if include and len(opt_in) else [])
    if not any(len(automaton) for automaton in searched):
        return []
    folded = normalize(text)
    allowed_spans = []
    if len(allowed):
        allowed_spans = [(end - length + 1, end + 1) for end, length in allowed.iter(folded)]
    hits = []
    for automaton in searched:
        if not len(automaton):
            continue
        for end_index, (word, category, severity, length) in automaton.iter(folded):
            if automaton is opt_in and category not in include:
                continue
            start, end = end_index - length + 1, end_index + 1
            if any(a_start <= start and end <= a_end for a_start, a_end in allowed_spans):
                continue
            hits.append(Hit(word=word, category=category, severity=severity, start=start, end=end))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    return hits


def blocking(hits: list[Hit]) -> list[Hit]:
    return [h for h in hits if h.severity == "block"]


def highlight(text: str, hits: list[Hit]) -> list[tuple[str, Hit | None]]:
    """Split text into (segment, hit-or-None) runs for display.

    Overlapping hits merge into one run that covers all of them and carries the first hit
    (a blocking one if any of them blocks), so no character of any hit is left unmarked.
    """
    runs: list[tuple[str, Hit | None]] = []
    pos = 0
    current: list | None = None  # [start, end, hit] of the run being merged
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if current is not None and hit.start < current[1]:
            current[1] = max(current[1], hit.end)
            if hit.severity == "block" and current[2].severity != "block":
                current[2] = hit
            continue
        if current is not None:
            runs.append((text[current[0] : current[1]], current[2]))
            pos = current[1]
        if hit.start > pos:
            runs.append((text[pos : hit.start], None))
        current = [hit.start, hit.end, hit]
    if current is not None:
        runs.append((text[current[0] : current[1]], current[2]))
        pos = current[1]
    if pos < len(text):
        runs.append((text[pos:], None))
    return runs
