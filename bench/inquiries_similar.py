#!/usr/bin/env python
"""Similar-question detection (rongmei.inquiries.similar): recall on planted paraphrases, false merges.

Not a unit test: a measurement on the real 问政 messages in wenzheng/messages_with_votes.csv.

Set-up. The messages are shuffled (fixed seed). ``--holdout`` of them are kept out of the index:
they are real, distinct complaints that must not be merged with anything. The rest form the index
(the desk's open questions; the IDF is fitted on them). ``--n`` messages of the index are the
originals: for each, :func:`paraphrase` writes a duplicate the way another citizen would — synonyms
from a small table, sentences reordered, one dropped or a generic one added, 您好/请问/谢谢, other
punctuation and spaces, a typo or two, and a subject made from the first clause of the detail.

Counted, for each threshold of the sweep:

* recall — share of planted duplicates whose top match is their original (or a real message
  nearly identical to it, see below) with a score at or above the threshold;
* false merges — share of held-out real messages that get any match at or above the threshold.

Genuine duplicates in the data. People do post the same complaint twice, copy-pasted or nearly so;
merging those is right. A held-out message's match does not count as a false merge when the two
texts are nearly identical: cosine of their raw character-trigram counts (subject + detail,
punctuation and spaces removed, unweighted) above ``NEAR_IDENTICAL`` = 0.9. Paraphrases written by
different people stay far below that (the planted ones mostly stay below 0.8), so the rule only exempts
copies. The number of exempted matches is printed.

Exit status 1 when, at ``MERGE_THRESHOLD``, recall < 0.90 or false merges > 0.05.

    .venv/bin/python bench/inquiries_similar.py [--data-dir ../shared/data] [--n 300] [--holdout 1000]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MESSAGES = Path("wenzheng") / "messages_with_votes.csv"
NEAR_IDENTICAL = 0.9
SWEEP = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70)

# Synonyms a second writer would plausibly use (both directions are applied).
SYNONYMS = [
    ("希望", "恳请"),
    ("尽快", "尽早"),
    ("解决", "处理"),
    ("严重", "很严重"),
    ("影响", "干扰"),
    ("居民", "老百姓"),
    ("业主", "住户"),
    ("噪音", "噪声"),
    ("孩子", "小孩"),
    ("政府", "有关部门"),
    ("现在", "目前"),
    ("一直", "始终"),
    ("没有", "没"),
    ("非常", "特别"),
    ("为什么", "为何"),
    ("要求", "请求"),
    ("投诉", "举报"),
    ("管理", "监管"),
    ("附近", "周边"),
    ("每天", "天天"),
    ("多次", "好几次"),
    ("但是", "可是"),
    ("马上", "立即"),
    ("存在", "有"),
]
FILLER_SENTENCES = [
    "这个问题已经存在很久了。",
    "周边群众意见很大。",
    "恳请领导重视。",
    "望尽快给予答复。",
    "多次反映都没有结果。",
]
OPENERS = ["您好！", "领导您好，", "请问", "尊敬的领导：", ""]
CLOSERS = ["谢谢！", "谢谢领导。", "盼复。", "", "麻烦了，谢谢"]
TYPOS = {
    "的": "得",
    "在": "再",
    "做": "作",
    "已": "以",
    "那": "哪",
    "再": "在",
    "即": "既",
    "象": "像",
    "部": "步",
    "题": "提",
    "理": "里",
}
_SENTENCE_RE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")
_NON_TEXT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]+")


def setup_path() -> None:
    # rongmei.inquiries.similar needs no Django settings or database.
    sys.path.insert(0, str(REPO))


def load_messages(path: Path) -> list[tuple[str, str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [(row["msg_id"], row["subject"], row["detail"]) for row in csv.DictReader(f)]


def paraphrase(subject: str, detail: str, rng: random.Random) -> tuple[str, str]:
    """A duplicate of (subject, detail) as another person might write it; places are kept."""
    sentences = [s.strip() for s in _SENTENCE_RE.findall(detail or "") if s.strip()] or [detail or ""]
    text = "\n".join(sentences)
    for a, b in SYNONYMS:
        if rng.random() < 0.7:
            if a in text:
                text = text.replace(a, b)
            elif b in text:
                text = text.replace(b, a)
    sentences = text.split("\n")
    if len(sentences) >= 3 and rng.random() < 0.6:
        i, j = rng.sample(range(len(sentences)), 2)
        sentences[i], sentences[j] = sentences[j], sentences[i]
    if len(sentences) >= 3 and rng.random() < 0.5:
        del sentences[rng.randrange(1, len(sentences))]
    if rng.random() < 0.5:
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(FILLER_SENTENCES))
    sentences = [s if re.search(r"[。！？!?；;]$", s) else s + "。" for s in sentences]
    text = rng.choice(OPENERS) + "".join(sentences) + rng.choice(CLOSERS)
    if rng.random() < 0.5:
        text = text.replace("，", ", ").replace("。", ". ")
    if rng.random() < 0.3:
        text = text.replace("，", " ")
    chars = list(text)
    positions = [i for i, c in enumerate(chars) if c in TYPOS]
    for i in rng.sample(positions, min(len(positions), rng.randint(1, 2))):
        chars[i] = TYPOS[chars[i]]
    new_detail = "".join(chars)
    first = re.split(r"[，,。.！!？?；;\s]", _strip_opener(new_detail), maxsplit=1)[0] or subject
    new_subject = rng.choice(["关于{}的问题", "{}", "反映{}", "{}，请处理"]).format(first[:24])
    return new_subject, new_detail


def _strip_opener(text: str) -> str:
    for opener in sorted(OPENERS, key=len, reverse=True):
        if opener and text.startswith(opener):
            return text[len(opener) :]
    return text


def trigram_cosine(a: str, b: str) -> float:
    """Cosine of raw character-trigram counts (punctuation and spaces removed): 'nearly identical'."""

    def grams(text: str) -> Counter:
        flat = _NON_TEXT.sub("", text)
        return Counter(flat[i : i + 3] for i in range(len(flat) - 2))

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return 0.0
    dot = sum(ga[g] * gb[g] for g in ga.keys() & gb.keys())
    return dot / math.sqrt(sum(v * v for v in ga.values()) * sum(v * v for v in gb.values()))


def evaluate(messages, n: int, holdout: int, seed: int = 7, sweep=SWEEP, floor: float = 0.2) -> dict:
    """Build the index and the planted duplicates; return recall and false merges per threshold."""
    from rongmei.inquiries.similar import Index

    rng = random.Random(seed)
    messages = list(messages)
    rng.shuffle(messages)
    held, indexed = messages[:holdout], messages[holdout:]
    originals = rng.sample(indexed, min(n, len(indexed)))
    text = {mid: f"{s}\n{d}" for mid, s, d in messages}

    started = time.perf_counter()
    index = Index().fit((s, d) for _, s, d in indexed)
    for mid, s, d in indexed:
        index.add(mid, s, d)
    build_seconds = time.perf_counter() - started

    # For each duplicate: the top (id, score), and whether the top is the original or a copy of it.
    dup_top = []
    query_seconds = 0.0
    for mid, s, d in originals:
        ps, pd = paraphrase(s, d, rng)
        t0 = time.perf_counter()
        found = index.scores(ps, pd, min_score=floor)
        query_seconds += time.perf_counter() - t0
        if not found:
            dup_top.append((False, 0.0))
            continue
        top_id, top_score = found[0]
        hit = top_id == mid or trigram_cosine(text[top_id], text[mid]) > NEAR_IDENTICAL
        dup_top.append((hit, top_score))

    # For each held-out real message: the best score among matches that are not near-identical.
    real_best, exempted = [], 0
    for mid, s, d in held:
        t0 = time.perf_counter()
        found = index.scores(s, d, min_score=floor)
        query_seconds += time.perf_counter() - t0
        best = 0.0
        for other, score in found:
            if trigram_cosine(text[mid], text[other]) > NEAR_IDENTICAL:
                exempted += 1
                continue
            best = score
            break
        real_best.append(best)

    rows = []
    for t in sweep:
        recall = sum(1 for hit, score in dup_top if hit and score >= t) / max(len(dup_top), 1)
        false = sum(1 for best in real_best if best >= t) / max(len(real_best), 1)
        rows.append((t, recall, false))
    return {
        "rows": rows,
        "index_size": len(index),
        "duplicates": len(dup_top),
        "held_out": len(real_best),
        "exempted": exempted,
        "build_seconds": build_seconds,
        "query_ms": 1000 * query_seconds / max(len(dup_top) + len(real_best), 1),
    }


def time_at_scale(messages, size: int = 10_000, queries: int = 200, seed: int = 11) -> tuple[float, float]:
    """(seconds to build, ms per query) for an index of ``size`` questions (real + paraphrases)."""
    from rongmei.inquiries.similar import Index

    rng = random.Random(seed)
    docs = [(f"r{mid}", s, d) for mid, s, d in messages]
    while len(docs) < size:
        mid, s, d = rng.choice(messages)
        docs.append((f"p{len(docs)}", *paraphrase(s, d, rng)))
    t0 = time.perf_counter()
    index = Index().fit((s, d) for _, s, d in messages)
    for qid, s, d in docs[:size]:
        index.add(qid, s, d)
    index.similar("预热", "预热")  # builds the matrix
    build = time.perf_counter() - t0
    sample = rng.sample(messages, queries)
    t0 = time.perf_counter()
    for _, s, d in sample:
        index.similar(s, d)
    return build, 1000 * (time.perf_counter() - t0) / queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=300, help="planted duplicates")
    parser.add_argument("--holdout", type=int, default=1000, help="real messages kept out of the index")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=int, default=10_000, help="index size for the timing (0: skip)")
    args = parser.parse_args()
    setup_path()
    from rongmei.inquiries.similar import MERGE_THRESHOLD

    messages = load_messages(args.data_dir / MESSAGES)
    result = evaluate(messages, args.n, args.holdout, args.seed, sweep=sorted({*SWEEP, MERGE_THRESHOLD}))
    print(
        f"index {result['index_size']} real messages (built in {result['build_seconds']:.1f} s), "
        f"{result['duplicates']} planted duplicates, {result['held_out']} held-out real messages, "
        f"{result['exempted']} near-identical real matches exempted; {result['query_ms']:.1f} ms/query"
    )
    print(f"{'threshold':>9}  {'recall':>7}  {'false merges':>12}")
    chosen = None
    for t, recall, false in result["rows"]:
        mark = "  <- MERGE_THRESHOLD" if math.isclose(t, MERGE_THRESHOLD) else ""
        print(f"{t:9.2f}  {recall:7.1%}  {false:12.1%}{mark}")
        if math.isclose(t, MERGE_THRESHOLD):
            chosen = (recall, false)
    if args.scale:
        build, per_query = time_at_scale(messages, args.scale)
        print(f"scale: {args.scale} questions indexed in {build:.1f} s, {per_query:.1f} ms per similar() query")
    recall, false = chosen
    ok = recall >= 0.90 and false <= 0.05
    print(f"chosen threshold {MERGE_THRESHOLD}: recall {recall:.1%}, false merges {false:.1%} -> {'OK' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
