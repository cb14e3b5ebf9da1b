#!/usr/bin/env python
"""Hot-issue clustering (rongmei.inquiries.hot): how well clusters recover real repeated issues.

Not a unit test: a measurement on the real 问政 messages in wenzheng/messages_with_votes.csv.

The planted set is real: the data hold issues many people wrote about in their own words. Each
``TOPICS`` entry names one by keywords every one of its subjects contains (丽发新城 + 搅拌: the
mixing plant next to the estate; 伊景园滨河苑 + 车位: parking spaces sold tied to flats; 茶场村: the
village's demolition). Everything else is background. For each threshold of the sweep, over the
connected components of the similarity graph:

* recall — share of a topic's messages in the topic's largest cluster;
* purity — share of that cluster's messages that belong to the topic (by the keywords; a message
  about the same place but without the keywords counts against purity, so purity is a lower bound);
* the largest cluster of all and the number of clusters of two or more.

    .venv/bin/python bench/inquiries_hot.py [--data-dir ../shared/data] [--thresholds 0.3,0.35,0.4,0.45,0.5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from rongmei.inquiries import hot, similar  # noqa: E402

TOPICS = {
    "mixing plant": ("丽发新城", "搅拌"),
    "tied parking": ("伊景园滨河苑", "车位"),
    "茶场村": ("茶场村",),
}


def topic_of(subject: str) -> str | None:
    for name, words in TOPICS.items():
        if all(w in subject for w in words):
            return name
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--thresholds", default="0.3,0.35,0.4,0.45,0.5")
    args = parser.parse_args()
    items = hot.csv_items(Path(args.data_dir) / "wenzheng" / "messages_with_votes.csv")
    truth = {i.id: topic_of(i.title) for i in items}
    print(f"{len(items)} messages; topics: {dict(Counter(t for t in truth.values() if t))}")
    started = time.perf_counter()
    prints = {i.id: hot.fingerprint(i) for i in items}
    index = similar.Index()
    index.fit_fingerprints(prints.values())
    for qid, fp in prints.items():
        index.add_fingerprint(qid, fp)
    print(f"index built in {time.perf_counter() - started:.1f} s")
    for threshold in (float(t) for t in args.thresholds.split(",")):
        started = time.perf_counter()
        parent = {i.id: i.id for i in items}

        def root(x, parent=parent):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b, _s in index.pairs(threshold):
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[ra] = rb
        clusters: dict = {}
        for item in items:
            clusters.setdefault(root(item.id), []).append(item.id)
        sizes = sorted((len(c) for c in clusters.values()), reverse=True)
        line = [f"threshold {threshold:.2f}: {sum(1 for s in sizes if s > 1)} clusters ≥2, largest {sizes[0]}"]
        for name in TOPICS:
            members = [qid for qid, t in truth.items() if t == name]
            best = max(clusters.values(), key=lambda c, m=set(members): len(m & set(c)))
            hit = sum(1 for qid in best if truth[qid] == name)
            line.append(f"{name}: recall {hit / len(members):.2f} purity {hit / len(best):.2f} (size {len(best)})")
        print("; ".join(line), f"[{time.perf_counter() - started:.1f} s]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
