"""Similar-question detection for the 问政 screening desk: suggest merging paraphrased duplicates.

A question is (subject, detail) in Chinese. Duplicates are the same complaint about the same place
written by different people: other wording, sentences in another order, details added or left out,
typos. :func:`fingerprint` turns a question into paraphrase-robust features:

* jieba words (``rongmei.core.text.tokens``, without stop words and politeness filler),
* character bigrams and trigrams of the text without punctuation or spaces (robust to typos and to
  word-segmentation differences),
* place tokens — anonymized districts (``A3区``, ``A7县``) and named towns, villages, estates, roads
  (``黄花镇``, ``广胜村``, ``联丰路``) — which get a larger weight.

:class:`Index` weights them by TF-IDF (sublinear tf, IDF fitted on a corpus with :meth:`Index.fit`)
and compares L2-normalised sparse vectors by cosine: one sparse matrix-vector product (scipy CSR)
per query. Cosine on exact TF-IDF vectors was chosen over MinHash LSH because at the size of the
desk (~10k open questions: ~20 ms per query, mostly jieba, see ``bench/inquiries_similar.py``) the exact product is
fast enough, gives a graded score that a threshold can be tuned on, and honours the feature weights
(MinHash approximates unweighted Jaccard and would lose the place weighting and the IDF).

Two complaints about the same problem in different places are not duplicates: when both name a
district, or both name a town/village/estate/road, and they share none, the score is multiplied by
``PLACE_MISMATCH_FACTOR``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from rongmei.core.text import tokens

# Chosen with bench/inquiries_similar.py (threshold sweep on planted paraphrases of real messages).
MERGE_THRESHOLD = 0.6
PLACE_WEIGHT = 3.0
PLACE_MISMATCH_FACTOR = 0.5
WORD_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.6
TRIGRAM_WEIGHT = 0.8

# Politeness and boilerplate that people add or leave out; they must not make two questions alike.
_FILLER = {
    "您好",
    "你好",
    "请问",
    "谢谢",
    "感谢",
    "领导",
    "尊敬",
    "麻烦",
    "希望",
    "能够",
    "是否",
    "这个",
    "那个",
    "现在",
    "我们",
    "自己",
    "本人",
    "可以",
    "相关",
    "部门",
    "有关",
    "问题",
    "反映",
    "情况",
    "已经",
    "非常",
    "还是",
    "就是",
    "什么",
    "如何",
    "怎么",
    "为什么",
}
_FILLER_CHARS = re.compile("|".join(sorted((re.escape(w) for w in ("您好", "你好", "请问", "谢谢", "感谢")), key=len)))
_NON_TEXT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]+")
_DISTRICT = re.compile(r"[A-Z]\d+[市区县]|[B-Z][市区县]")
_PLACE_SUFFIX = re.compile(r"(镇|乡|村|街道|社区|小区|路|大道|街|花园|公寓|广场|中学|小学|医院|公园|学校|市场)$")
_PLACE_PREFIX_NOISE = re.compile(r"^[区县市镇乡村在于的了和是个条这那到从对向往]")
# Two Han characters before a place suffix: catches names jieba splits (区联丰路 -> 联丰路).
_PLACE_RE = re.compile(r"[\u4e00-\u9fff]{2}(?:街道|社区|小区|大道|花园|镇|乡|村|路)")
# Words that end like a place name but name a kind of place, not a place.
_GENERIC_PLACES = {
    "公交线路",
    "水泥路",
    "快速路",
    "高速公路",
    "步行街",
    "住宅小区",
    "街道社区",
    "中小学",
    "必经之路",
    "泥巴路",
    "居民小区",
    "大马路",
    "城市道路",
    "后花园",
    "公立医院",
    "城中村",
    "横穿马路",
    "整条路",
    "专科医院",
    "眼科医院",
    "儿童医院",
    "商业广场",
    "初级中学",
    "森林公园",
    "民族乡",
    "农贸市场",
    "菜市场",
    "老旧小区",
    "新农村",
    "乡镇",
    "城乡",
    "马路",
    "道路",
    "公路",
    "线路",
    "小区",
    "社区",
    "街道",
    "农村",
    "乡村",
    "学校",
    "医院",
    "市场",
}


@dataclass(frozen=True)
class Fingerprint:
    """Weighted raw term frequencies (before IDF) and the places a question names."""

    terms: dict[str, float]
    districts: frozenset[str] = field(default_factory=frozenset)
    places: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def as_json(self) -> dict:
        """For storing beside the question, so an index is rebuilt without segmenting text again."""
        return {"terms": self.terms, "districts": sorted(self.districts), "places": sorted(self.places)}

    @classmethod
    def from_json(cls, data: dict) -> Fingerprint:
        return cls(dict(data.get("terms") or {}), frozenset(data.get("districts") or ()), frozenset(data.get("places") or ()))


def _normalize(text: str) -> str:
    return _NON_TEXT.sub("", _FILLER_CHARS.sub("", text or ""))


def extract_places(text: str, words: Iterable[str] | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(districts, named places): anonymized ``A3区``-style codes (not the ubiquitous ``A市``) and
    towns, villages, estates, roads … named in the text."""
    text = text or ""
    districts = frozenset(_DISTRICT.findall(text))
    places = set()
    candidates = list(tokens(text) if words is None else words) + _PLACE_RE.findall(text)
    for word in candidates:
        if len(word) < 3 or not _PLACE_SUFFIX.search(word) or _DISTRICT.match(word):
            continue
        word = _PLACE_PREFIX_NOISE.sub("", word)
        if len(word) >= 3 and word not in _GENERIC_PLACES and word[-2:] not in {"道路", "马路", "公路", "线路"}:
            places.add(word)
    return districts, frozenset(places)


def fingerprint(subject: str, detail: str) -> Fingerprint:
    """Paraphrase-robust features of a question (see the module docstring); empty text → empty."""
    text = f"{subject or ''}\n{detail or ''}"
    terms: Counter = Counter()
    words = tokens(text)
    for word, n in words.items():
        if word not in _FILLER and not _NON_TEXT.fullmatch(word):
            terms["w:" + word] += n
    flat = _normalize(text)
    for i in range(len(flat) - 1):
        terms["2:" + flat[i : i + 2]] += 1
    for i in range(len(flat) - 2):
        terms["3:" + flat[i : i + 3]] += 1
    districts, places = extract_places(text, words)
    weights = {"w": WORD_WEIGHT, "2": BIGRAM_WEIGHT, "3": TRIGRAM_WEIGHT}
    weighted = {t: (1.0 + math.log(n)) * weights[t[0]] for t, n in terms.items()}
    for place in districts | places:
        weighted["p:" + place] = PLACE_WEIGHT
    return Fingerprint(weighted, districts, places)


def place_factor(a: Fingerprint, b: Fingerprint) -> float:
    """1, or ``PLACE_MISMATCH_FACTOR`` per level (district, named place) at which both name
    places and share none."""
    factor = 1.0
    if a.districts and b.districts and not a.districts & b.districts:
        factor *= PLACE_MISMATCH_FACTOR
    if a.places and b.places and not a.places & b.places:
        factor *= PLACE_MISMATCH_FACTOR
    return factor


class Index:
    """The open questions, searchable by similarity. Not thread-safe: one per process or locked."""

    def __init__(self, threshold: float = MERGE_THRESHOLD) -> None:
        self.threshold = threshold
        self._df: Counter = Counter()
        self._n_docs = 0
        self._columns: dict[str, int] = {}
        self._fingerprints: dict[object, Fingerprint] = {}
        self._vectors: dict[object, sparse.csr_matrix] = {}
        self._matrix: sparse.csr_matrix | None = None
        self._ids: list[object] = []

    # --- IDF ------------------------------------------------------------------------------------
    def fit(self, documents: Iterable[tuple[str, str]]) -> Index:
        """Fit the IDF on (subject, detail) pairs; re-weights questions already added."""
        self._df = Counter()
        self._n_docs = 0
        for subject, detail in documents:
            self._df.update(fingerprint(subject, detail).terms.keys())
            self._n_docs += 1
        self._vectors = {qid: self._vector(fp) for qid, fp in self._fingerprints.items()}
        self._matrix = None
        return self

    def fit_fingerprints(self, fingerprints: Iterable[Fingerprint]) -> Index:
        """Like :meth:`fit`, from fingerprints already made."""
        self._df = Counter()
        self._n_docs = 0
        for fp in fingerprints:
            self._df.update(fp.terms.keys())
            self._n_docs += 1
        self._vectors = {qid: self._vector(fp) for qid, fp in self._fingerprints.items()}
        self._matrix = None
        return self

    @property
    def document_frequencies(self) -> tuple[Counter, int]:
        return self._df, self._n_docs

    def set_document_frequencies(self, df: Counter, n_docs: int) -> Index:
        self._df, self._n_docs = Counter(df), n_docs
        self._vectors = {qid: self._vector(fp) for qid, fp in self._fingerprints.items()}
        self._matrix = None
        return self

    def idf(self, term: str) -> float:
        return math.log((1 + self._n_docs) / (1 + self._df.get(term, 0))) + 1.0

    def _vector(self, fp: Fingerprint, grow: bool = True) -> sparse.csr_matrix:
        """The L2-normalised TF-IDF row; a query (grow=False) adds no columns: its unknown terms
        count in its norm but cannot match anything."""
        cols, vals, norm2 = [], [], 0.0
        for term, weight in fp.terms.items():
            value = weight * self.idf(term)
            norm2 += value * value
            col = self._columns.setdefault(term, len(self._columns)) if grow else self._columns.get(term)
            if col is not None:
                cols.append(col)
                vals.append(value)
        values = np.asarray(vals, dtype=np.float64)
        if norm2:
            values /= math.sqrt(norm2)
        return sparse.csr_matrix((values, ([0] * len(cols), cols)), shape=(1, max(len(self._columns), 1)))

    # --- contents -------------------------------------------------------------------------------
    def add(self, qid: object, subject: str, detail: str) -> None:
        self.add_fingerprint(qid, fingerprint(subject, detail))

    def add_fingerprint(self, qid: object, fp: Fingerprint) -> None:
        self._fingerprints[qid] = fp
        self._vectors[qid] = self._vector(fp)
        self._matrix = None

    def remove(self, qid: object) -> None:
        if self._fingerprints.pop(qid, None) is not None:
            del self._vectors[qid]
            self._matrix = None

    def __len__(self) -> int:
        return len(self._fingerprints)

    def __contains__(self, qid: object) -> bool:
        return qid in self._fingerprints

    def _stacked(self) -> sparse.csr_matrix:
        if self._matrix is None or self._matrix.shape[1] < len(self._columns):
            self._ids = list(self._vectors)
            width = max(len(self._columns), 1)
            rows = [v if v.shape[1] == width else _widen(v, width) for v in self._vectors.values()]
            self._matrix = sparse.vstack(rows, format="csr") if rows else sparse.csr_matrix((0, width))
        return self._matrix

    # --- search ---------------------------------------------------------------------------------
    def scores(self, subject: str, detail: str, exclude: object = None, min_score: float = 1e-9) -> list[tuple[object, float]]:
        """All (id, score) scoring at least ``min_score``, best first (default: any positive score)."""
        fp = fingerprint(subject, detail)
        if not fp or not self._vectors:
            return []
        query = self._vector(fp, grow=False)
        matrix = self._stacked()
        query = _widen(query, matrix.shape[1])
        raw = (matrix @ query.T).toarray().ravel()
        candidates = np.flatnonzero(raw >= min_score)  # the place factor only lowers a score
        results = []
        for i in candidates:
            qid = self._ids[i]
            if qid == exclude and exclude is not None:
                continue
            score = float(raw[i]) * place_factor(fp, self._fingerprints[qid])
            if score >= min_score:
                results.append((qid, score))
        results.sort(key=lambda r: r[1], reverse=True)
        return results

    def similar(self, subject: str, detail: str, limit: int = 5, exclude: object = None) -> list[tuple[object, float]]:
        """Up to ``limit`` (id, score) pairs scoring at least the threshold, best first."""
        return self.scores(subject, detail, exclude, min_score=self.threshold)[:limit]

    def pairs(self, min_score: float | None = None) -> list[tuple[object, object, float]]:
        """Every pair (id_a, id_b, score) of indexed questions scoring at least ``min_score``
        (default: the threshold), place factor applied, each pair once: one sparse product of the
        matrix with itself instead of one query per question (hot-issue clustering, ``hot.py``)."""
        min_score = self.threshold if min_score is None else min_score
        matrix = self._stacked()
        if matrix.shape[0] < 2:
            return []
        product = sparse.triu(matrix @ matrix.T, k=1, format="coo")
        found = []
        for i, j, raw in zip(product.row, product.col, product.data, strict=True):
            if raw < min_score:  # the place factor only lowers a score
                continue
            a, b = self._ids[i], self._ids[j]
            score = float(raw) * place_factor(self._fingerprints[a], self._fingerprints[b])
            if score >= min_score:
                found.append((a, b, score))
        return found

    def fingerprint_of(self, qid: object) -> Fingerprint | None:
        return self._fingerprints.get(qid)

    def best_match(self, subject: str, detail: str, exclude: object = None) -> tuple[object, float] | None:
        """The single best (id, score) at or above the threshold, or None."""
        found = self.similar(subject, detail, limit=1, exclude=exclude)
        return found[0] if found else None


def _widen(vector: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    vector.resize((vector.shape[0], width))
    return vector
