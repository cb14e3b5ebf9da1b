#!/usr/bin/env python
"""How well and how fast does the 问政 category classifier work?

Not a test: a measurement. 5-fold stratified cross-validation (shuffled, seed 0) of
``rongmei.inquiries.classify`` on wenzheng/labeled_train.csv: macro-F1 mean ± sd over the folds,
per-class F1 over the pooled out-of-fold predictions, and the prediction time per message
(model trained on the whole file, one message at a time, one core). Exits 1 if the CV macro-F1 is
below 0.85 or a prediction takes 20 ms or more.

    .venv/bin/python bench/inquiries_classify.py [--data-dir ../shared/data] [--folds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_F1 = 0.85
TARGET_MS = 20.0


def setup_django() -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "rongmei.settings",
            "DEBUG": "1",
            "DATABASE_URL": "sqlite://:memory:",
            "RONGMEI_VAR_DIR": tempfile.mkdtemp(prefix="rongmei-bench-"),
        }
    )
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=0.1, help="LinearSVC C")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    setup_django()

    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from rongmei.inquiries.classify import read_labeled_csv, train

    path = args.data_dir / "wenzheng" / "labeled_train.csv"
    if not path.exists():
        print(f"missing {path}", file=sys.stderr)
        return 2
    rows = read_labeled_csv(path)
    labels = [r[2] for r in rows]
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0)
    scores, truth, pred = [], [], []
    t0 = time.perf_counter()
    for train_idx, test_idx in folds.split(rows, labels):
        model = train([rows[i] for i in train_idx], c=args.c)
        got = [p.category for p in model.predict_many([rows[i][:2] for i in test_idx])]
        want = [labels[i] for i in test_idx]
        scores.append(f1_score(want, got, average="macro"))
        truth += want
        pred += got
    cv_seconds = time.perf_counter() - t0
    mean, sd = statistics.mean(scores), statistics.stdev(scores)
    print(f"{len(rows)} messages, {args.folds}-fold stratified CV ({cv_seconds:.1f} s)")
    print(f"macro-F1: {mean:.3f} ± {sd:.3f}  (folds: {', '.join(f'{s:.3f}' for s in scores)})")
    classes = sorted(set(labels))
    per_class = f1_score(truth, pred, labels=classes, average=None)
    for cat, f1 in zip(classes, per_class, strict=True):
        print(f"  {cat:<10s} F1 {f1:.3f}  (n={labels.count(cat)})")

    model = train(rows, c=args.c)
    model.predict(*rows[0][:2])  # warm up jieba
    t0 = time.perf_counter()
    for subject, detail, _ in rows:
        model.predict(subject, detail)
    ms = (time.perf_counter() - t0) * 1000 / len(rows)
    print(f"prediction: {ms:.2f} ms/message (one at a time, {len(rows)} messages)")

    failed = []
    if mean < TARGET_F1:
        failed.append(f"CV macro-F1 {mean:.3f} < {TARGET_F1}")
    if ms >= TARGET_MS:
        failed.append(f"{ms:.1f} ms/message >= {TARGET_MS}")
    for reason in failed:
        print(f"FAIL: {reason}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
