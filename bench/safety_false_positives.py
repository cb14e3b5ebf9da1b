#!/usr/bin/env python
"""How often would the public sensitive-word lists flag real citizen messages, and how fast do we match?

Not a test: a measurement. It imports every konsheng list (each as a category named after its
file, severity flag) through ``rongmei.core.services.import_wordlist`` into a throw-away
in-memory SQLite database, then runs ``rongmei.core.safety.scan`` (our matcher: Aho-Corasick,
case/width folding, allow-list) over the 问政 messages in wenzheng/messages_with_votes.csv
(UTF-8, no BOM; columns msg_id, subject, msg_time, detail, likes, dislikes).

Reported: the share of messages with at least one hit, per category (only that category
active) and overall (all active), the words that flag the most messages, and the matching
throughput of the overall pass.

    .venv/bin/python bench/safety_false_positives.py [--data-dir ../shared/data] [--top 15]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDLISTS = Path("wordlists") / "konsheng_Sensitive-lexicon"
MESSAGES = Path("wenzheng") / "messages_with_votes.csv"


def setup_django() -> None:
    # A database and cache of our own: the bench never touches var/rongmei.sqlite3 or Redis.
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "rongmei.settings",
            "DEBUG": "1",
            "DATABASE_URL": "sqlite://:memory:",
            "RONGMEI_VAR_DIR": tempfile.mkdtemp(prefix="rongmei-bench-"),
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def load_messages(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [f"{row['subject']}\n{row['detail']}" for row in csv.DictReader(f)]


def import_lists(directory: Path) -> dict[str, int]:
    from rongmei.core import services

    counts = {}
    for path in sorted(directory.glob("*.txt")):
        report = services.import_wordlist(actor=None, data=path.read_bytes(), category=path.stem, severity="flag", source=path.name)
        counts[path.stem] = report.created
        refused = f", {len(report.refused)} refused" if report.refused else ""
        print(f"  imported {path.name}: {report.created} words, {report.duplicates} duplicates{refused}", file=sys.stderr)
    return counts


def only_active(name: str | None) -> None:
    """Activate one category (None: all of them) and tell the matcher."""
    from rongmei.core import safety
    from rongmei.core.models import WordCategory

    WordCategory.objects.update(active=name is None)
    if name is not None:
        WordCategory.objects.filter(name=name).update(active=True)
    safety.lists_changed()


def scan_all(messages: list[str]):
    from rongmei.core import safety

    safety.scan("预热")  # build the automaton outside the timed loop
    flagged = 0
    words: Counter = Counter()
    started = time.perf_counter()
    for text in messages:
        hits = safety.scan(text)
        if hits:
            flagged += 1
            words.update({h.word for h in hits})
    elapsed = time.perf_counter() - started
    return flagged, words, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data", help="the shared data folder")
    parser.add_argument("--top", type=int, default=15, help="how many of the most frequent words to list")
    args = parser.parse_args()
    lists_dir, messages_path = args.data_dir / WORDLISTS, args.data_dir / MESSAGES
    for needed in (lists_dir, messages_path):
        if not needed.exists():
            parser.error(f"not found: {needed}")

    setup_django()
    messages = load_messages(messages_path)
    total_bytes = sum(len(m.encode("utf-8")) for m in messages)
    print(f"{len(messages)} messages, {total_bytes / 1e6:.2f} MB of UTF-8 text; lists from {lists_dir}", file=sys.stderr)
    started = time.perf_counter()
    counts = import_lists(lists_dir)
    print(f"  import took {time.perf_counter() - started:.1f} s", file=sys.stderr)

    rows = []
    for name in counts:
        only_active(name)
        flagged, _, _ = scan_all(messages)
        rows.append((name, counts[name], flagged))
    only_active(None)
    flagged, words, elapsed = scan_all(messages)

    width = max(len(name) for name in counts) + 2

    def pad(text: str) -> str:  # CJK characters take two columns in a terminal
        return text + " " * max(0, width - sum(2 if ord(c) > 0x2E80 else 1 for c in text))

    print(f"\n{pad('category')}{'words':>8}{'flagged':>9}{'share':>8}")
    for name, n_words, n_flagged in sorted(rows, key=lambda r: -r[2]):
        print(f"{pad(name)}{n_words:>8}{n_flagged:>9}{n_flagged / len(messages):>8.1%}")
    print(f"{pad('ALL')}{sum(counts.values()):>8}{flagged:>9}{flagged / len(messages):>8.1%}")

    print(f"\nwords flagging the most messages (of {len(messages)}):")
    for word, n in words.most_common(args.top):
        print(f"  {word}\t{n}\t{n / len(messages):.1%}")

    print(
        f"\nthroughput (all {sum(counts.values())} words active, one thread): "
        f"{len(messages) / elapsed:,.0f} messages/s, {total_bytes / 1e6 / elapsed:.2f} MB/s ({elapsed:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
