"""Hot issues (热点): clusters of questions about the same place and problem, ranked.

Method (measured on ``../shared/data/wenzheng/messages_with_votes.csv``, 4,326 real messages):

1. Every question's paraphrase-robust fingerprint and places come from ``similar.py`` (jieba words,
   character 2–3-grams, place tokens weighted, a mismatch of district or named place halving the
   score): for questions the fingerprint stored with each (``Inquiry.fingerprint``) plus the places
   of its town or village, so the page segments no text but the labels'. An
   :class:`~rongmei.inquiries.similar.Index` is fitted on the questions themselves.
2. All pairs scoring at least :data:`CLUSTER_THRESHOLD` come from one sparse product
   (``Index.pairs``); the clusters are the connected components of that graph (single link).
   The threshold is well below the merge threshold (0.6, tuned for "the same question"): a hot
   issue gathers different questions about the same matter. ``bench/inquiries_hot.py`` measures it
   on three issues many people wrote about in their own words (39 messages on the mixing plant by
   丽发新城, 27 on parking spaces sold tied to flats at 伊景园滨河苑, 11 on 茶场村's demolition):

   ========= ============================================ =========================
   threshold recall of the topic in its largest cluster  largest cluster overall
   ========= ============================================ =========================
   0.20      0.97 / 1.00 / 0.91                           73 (unrelated matters chained)
   0.25      0.72 / 0.81 / 0.91                           41 (a third cluster mixes city-wide pleas)
   0.30      0.33 / 0.59 / 0.91                           28
   0.45      0.18 / 0.26 / 0.82                           9
   ========= ============================================ =========================

   Keyword purity is a lower bound (a message on the same plant that does not say 搅拌 counts as
   impure); read by hand, the topic clusters at 0.25–0.30 hold only their issue. 0.30 is the
   default: an issue may come out as two or three clusters, but no cluster mixes matters.
3. A cluster of at least :data:`MIN_SIZE` questions is a hot issue. Its score is
   ``Σ (1 + ln(1 + likes + followers)) · 2^(−age / half-life)`` over its questions: more questions,
   more support and more recent ones rank higher; a question ``HALF_LIFE_DAYS`` old counts half.
4. Its label is the place most of its questions name plus the words most of them share
   (weighted by IDF), its representative the question most similar to the others (ties: support,
   then the latest).

On the site (:func:`site_hot_issues`) only questions shown on the public pages give the label and
the representative; a cluster without any is left out of the public list, though the counts of a
listed cluster include private questions (only counted, never shown). The list is cached for
:data:`CACHE_SECONDS` because building it runs jieba over every question of the window.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.utils import timezone

from rongmei.inquiries import similar
from rongmei.inquiries.models import ANSWERED, Inquiry, State

_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,8}")

CLUSTER_THRESHOLD = 0.30
MIN_SIZE = 2
HALF_LIFE_DAYS = 14.0
WINDOW_DAYS = 90
CACHE_SECONDS = 600
LIMIT = 20
LABEL_WORDS = 3


@dataclass
class Item:
    """One question to cluster. ``shown`` says whether its text may be shown (label, representative)."""

    id: object
    title: str
    body: str
    when: dt.datetime
    likes: float = 0.0
    followers: int = 0
    shown: bool = True
    shown_title: str = ""
    shown_body: str = ""
    location: str = ""
    receipt: str = ""
    stored_fingerprint: dict | None = None

    @property
    def support(self) -> float:
        return max(0.0, self.likes) + max(0, self.followers)


@dataclass
class Cluster:
    items: list[Item]
    score: float = 0.0
    place: str = ""
    words: list[str] = field(default_factory=list)
    representative: Item | None = None

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def likes(self) -> float:
        return sum(i.likes for i in self.items)

    @property
    def followers(self) -> int:
        return sum(i.followers for i in self.items)

    @property
    def latest(self) -> dt.datetime:
        return max(i.when for i in self.items)

    @property
    def label(self) -> str:
        return " · ".join(part for part in (self.place, "、".join(self.words)) if part)

    @property
    def ids(self) -> set:
        return {i.id for i in self.items}


def _text(item: Item) -> tuple[str, str]:
    body = f"{item.body}\n{item.location}" if item.location else item.body
    return item.title, body


def fingerprint(item: Item) -> similar.Fingerprint:
    """The item's fingerprint: the one stored with a question (``Inquiry.fingerprint``, title and
    body), with the places of its town or village added; else made from the text."""
    if item.stored_fingerprint:
        fp = similar.Fingerprint.from_json(item.stored_fingerprint)
        if not item.location:
            return fp
        districts, places = similar.extract_places(item.location)
        terms = dict(fp.terms)
        for place in districts | places:
            terms["p:" + place] = similar.PLACE_WEIGHT
        return similar.Fingerprint(terms, fp.districts | districts, fp.places | places)
    return similar.fingerprint(*_text(item))


def cluster(items: list[Item], *, threshold: float = CLUSTER_THRESHOLD) -> tuple[list[list[Item]], similar.Index, dict]:
    """Connected components of the similarity graph (every component, singletons included),
    the fitted index, and the edges as {(id_a, id_b): score}."""
    prints = {item.id: fingerprint(item) for item in items}
    index = similar.Index(threshold=threshold)
    index.fit_fingerprints(prints.values())
    for qid, fp in prints.items():
        index.add_fingerprint(qid, fp)
    edges = {(a, b): s for a, b, s in index.pairs(threshold)}
    parent = {item.id: item.id for item in items}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    groups: dict[object, list[Item]] = defaultdict(list)
    for item in items:
        groups[root(item.id)].append(item)
    return list(groups.values()), index, edges


def decay(when: dt.datetime, now: dt.datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    age_days = max(0.0, (now - when).total_seconds() / 86400)
    return 0.5 ** (age_days / half_life_days)


def score(items: list[Item], now: dt.datetime, half_life_days: float = HALF_LIFE_DAYS) -> float:
    return sum((1 + math.log1p(i.support)) * decay(i.when, now, half_life_days) for i in items)


def _dictionary() -> dict:
    """jieba's dictionary: label words must be real words, not the fragments its HMM makes of
    unknown names (为据, 及区)."""
    import jieba

    return getattr(jieba.dt, "FREQ", {}) or {}


def _describe(c: Cluster, index: similar.Index, edges: dict) -> None:
    shown = [i for i in c.items if i.shown]
    if not shown:
        return
    places: Counter = Counter()
    words: Counter = Counter()
    for item in shown:
        title, body = item.shown_title or item.title, item.shown_body or item.body
        in_title = similar.fingerprint(title, "")
        in_all = similar.fingerprint(title, body)
        # A title is the asker's own summary: what it names counts twice.
        for place in in_all.places:
            places[place] += 2 if place in in_title.places else 1
        for district in in_all.districts:
            places[district] += 0.5  # a named place says more than a district code
        title_words = {t[2:] for t in in_title.terms if t.startswith("w:")}
        for word in {t[2:] for t in in_all.terms if t.startswith("w:")}:
            words[word] += 2 if word in title_words else 1
    if places:
        c.place = max(places.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]
    known = _dictionary()
    candidates = [
        (w, n)
        for w, n in words.items()
        if _HAN_WORD.fullmatch(w) and (not known or w in known) and w not in c.place and not (c.place and c.place in w)
    ]
    # Words most of the questions use (in their titles above all) first; then the longer, then the rarer in the set.
    candidates.sort(key=lambda wn: (-wn[1], -len(wn[0]), -index.idf("w:" + wn[0]), wn[0]))
    for word, _n in candidates:
        if len(c.words) >= LABEL_WORDS:
            break
        if not any(word in kept or kept in word for kept in c.words):
            c.words.append(word)
    ids = {i.id for i in shown}
    centrality: Counter = Counter()
    for (a, b), s in edges.items():
        if a in ids:
            centrality[a] += s
        if b in ids:
            centrality[b] += s
    c.representative = max(shown, key=lambda i: (centrality[i.id], i.support, i.when))


def hot_issues(
    items: list[Item],
    *,
    now: dt.datetime | None = None,
    threshold: float = CLUSTER_THRESHOLD,
    half_life_days: float = HALF_LIFE_DAYS,
    min_size: int = MIN_SIZE,
    limit: int | None = LIMIT,
    shown_only: bool = False,
) -> list[Cluster]:
    """Clusters of at least ``min_size`` questions, best score first, labelled. With ``shown_only``
    the clusters without a question that may be shown are dropped."""
    if len(items) < min_size:
        return []
    now = now or timezone.now()
    groups, index, edges = cluster(items, threshold=threshold)
    clusters = [Cluster(items=g, score=score(g, now, half_life_days)) for g in groups if len(g) >= min_size]
    if shown_only:
        clusters = [c for c in clusters if any(i.shown for i in c.items)]
    clusters.sort(key=lambda c: (-c.score, -c.size, -c.latest.timestamp()))
    if limit is not None:
        clusters = clusters[:limit]
    for c in clusters:
        c.items.sort(key=lambda i: i.when, reverse=True)
        _describe(c, index, edges)
    return clusters


# --- sources -------------------------------------------------------------------------------------


def csv_items(path: str | Path, *, limit: int | None = None) -> list[Item]:
    """Rows of a CSV like ``messages_with_votes.csv`` (msg_id, subject, msg_time, detail, likes)."""
    zone = timezone.get_current_timezone()
    items = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                when = dt.datetime.strptime(row["msg_time"].strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
            except (KeyError, ValueError):
                continue
            try:
                likes = float(row.get("likes") or 0)
            except ValueError:
                likes = 0.0
            items.append(
                Item(id=row.get("msg_id") or len(items), title=row.get("subject", ""), body=row.get("detail", ""), when=when, likes=likes)
            )
            if limit is not None and len(items) >= limit:
                break
    return items


def inquiry_items(*, since: dt.datetime) -> list[Item]:
    """Questions submitted since ``since``, but rejected ones (spam, off-topic); merged duplicates
    count, since they are more people asking about the same thing. One query."""
    rows = (
        Inquiry.objects.filter(submitted_at__gte=since)
        .exclude(state=State.REJECTED)
        .values_list(
            "pk", "receipt", "title", "body", "public_title", "public_body", "location", "is_public", "hidden", "state",
            "followers_count", "submitted_at", "fingerprint",
        )
    )  # fmt: skip
    items = []
    for pk, receipt, title, body, p_title, p_body, location, is_public, hidden, state, followers, submitted, stored in rows:
        shown = bool(is_public and not hidden and state in ANSWERED)
        items.append(
            Item(
                id=pk,
                title=title,
                body=body,
                when=submitted,
                followers=followers,
                shown=shown,
                shown_title=(p_title or title) if shown else "",
                shown_body=(p_body or body) if shown else "",
                location=location,
                receipt=receipt if shown else "",
                stored_fingerprint=stored or None,
            )
        )
    return items


def site_hot_issues(*, now: dt.datetime | None = None, window_days: int = WINDOW_DAYS, limit: int = LIMIT) -> list[dict]:
    """The public hot list as plain dicts (cached): label, size, followers, latest, score, and the
    representative's receipt and public title (public questions only)."""
    key = f"inquiries:hot:{window_days}:{limit}"
    if now is None:
        found = cache.get(key)
        if found is not None:
            return found
    moment = now or timezone.now()
    clusters = hot_issues(inquiry_items(since=moment - dt.timedelta(days=window_days)), now=moment, limit=limit, shown_only=True)
    result = [as_dict(c) for c in clusters]
    if now is None:
        cache.set(key, result, CACHE_SECONDS)
    return result


def as_dict(c: Cluster) -> dict:
    rep = c.representative
    return {
        "label": c.label,
        "place": c.place,
        "words": list(c.words),
        "size": c.size,
        "likes": c.likes,
        "followers": c.followers,
        "latest": c.latest,
        "score": round(c.score, 3),
        "receipt": rep.receipt if rep else "",
        "title": (rep.shown_title or rep.title) if rep else "",
        "url": f"/wenzheng/q/{rep.receipt}/" if rep and rep.receipt else "",
    }
