"""Content safety: sensitive-word matching for Chinese text.

Word-boundary filters (a match must have non-letters around it) never match inside Chinese
text, where words are not separated. We match substrings with an Aho-Corasick automaton over
all active words and then judge by context: a hit that lies inside an allowed phrase
(e.g. 拆迁安置 around 拆迁) is dropped. Each word carries a category and a severity: ``block``
stops a story's submission unless the chief editor overrides; ``flag`` only highlights.

The automaton is built once per process and rebuilt when the lists change (a version number in
the cache, bumped by the save/delete signals in ``core.signals``).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

import ahocorasick
from django.core.cache import cache

_VERSION_KEY = "core:safety:version"
_lock = threading.Lock()
_state: dict = {"version": None, "automaton": None, "allowed": None}


@dataclass(frozen=True)
class Hit:
    word: str
    category: str
    severity: str
    start: int  # offset of the first character in the scanned text
    end: int  # offset one past the last character

    def as_dict(self) -> dict:
        return asdict(self)


def lists_changed() -> None:
    """Tell every process to rebuild its automaton on next use."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, None)


def _current_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, None)
        version = cache.get(_VERSION_KEY, 1)
    return version


def _build():
    from rongmei.core.models import AllowedPhrase, SensitiveWord

    words = ahocorasick.Automaton()
    rows = SensitiveWord.objects.filter(active=True, category__active=True).values_list(
        "word", "severity", "category__name", "category__severity"
    )
    for word, severity, category, category_severity in rows:
        word = word.strip()
        if not word:
            continue
        entry = (word, category, severity or category_severity)
        existing = words.get(word, None)
        # The same word in two lists: the stricter severity wins.
        if existing is None or (existing[2] != "block" and entry[2] == "block"):
            words.add_word(word, entry)
    allowed = ahocorasick.Automaton()
    for phrase in AllowedPhrase.objects.values_list("phrase", flat=True):
        if phrase.strip():
            allowed.add_word(phrase.strip(), phrase.strip())
    for automaton in (words, allowed):
        if len(automaton):
            automaton.make_automaton()
    return words, allowed


def _automata():
    version = _current_version()
    if _state["version"] != version:
        with _lock:
            if _state["version"] != version:
                _state["automaton"], _state["allowed"] = _build()
                _state["version"] = version
    return _state["automaton"], _state["allowed"]


def scan(text: str) -> list[Hit]:
    """Every sensitive-word occurrence in ``text``, in order, minus those inside allowed phrases."""
    if not text:
        return []
    words, allowed = _automata()
    if not len(words):
        return []
    allowed_spans = []
    if len(allowed):
        allowed_spans = [(end - len(phrase) + 1, end + 1) for end, phrase in allowed.iter(text)]
    hits = []
    for end_index, (word, category, severity) in words.iter(text):
        start, end = end_index - len(word) + 1, end_index + 1
        if any(a_start <= start and end <= a_end for a_start, a_end in allowed_spans):
            continue
        hits.append(Hit(word=word, category=category, severity=severity, start=start, end=end))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    return hits


def blocking(hits: list[Hit]) -> list[Hit]:
    return [h for h in hits if h.severity == "block"]


def highlight(text: str, hits: list[Hit]) -> list[tuple[str, Hit | None]]:
    """Split text into (segment, hit-or-None) runs for display; overlapping hits merge into the first."""
    runs: list[tuple[str, Hit | None]] = []
    pos = 0
    for hit in hits:
        if hit.start < pos:
            continue
        if hit.start > pos:
            runs.append((text[pos : hit.start], None))
        runs.append((text[hit.start : hit.end], hit))
        pos = hit.end
    if pos < len(text):
        runs.append((text[pos:], None))
    return runs
