#!/usr/bin/env python
"""Mixed load on the one-machine cluster (issue 10): readers, 问政, a live room, and faults.

Not a test: a measurement. It starts the cluster of rongmei/cluster.py in var/cluster-bench/
(nginx on 8280: two WSGI web processes, one ASGI process, two RQ workers, the fallback worker,
cron, PostgreSQL and Redis of its own), then for --seconds (180) runs at once:

- readers on published pages through nginx (--readers threads, each a request every --reader-pause
  s): the home page, articles and columns as files, plus the 问政 list page from the app;
- citizens asking 问政 questions at --questions-per-minute (50): each a GET of the form and a POST,
  from its own app user and one of many loopback addresses, through the public form as a phone
  does; a try cut off (no answer, 502/503/504) is sent again, as a person would;
- a live room with --chatters fans each saying a line every 4 s and --viewers anonymous viewers,
  all through nginx's /ws/; the time from a line said to its acknowledgement is the chat's
  latency;

and in the middle of it kills web1 (SIGKILL, at 1/3 of the run) and restarts Redis (at 2/3).

Reported (bench/results/mixed_load.json): per path, requests, p50/p95/p99 and errors; the
dynamic paths' p99 against the 500 ms target, outside the 10 s after each fault ("steady"), and
for the whole run with the faults in it; the baseline of the same run: nginx serving the same
published page alone before the load (wrk-less: the same Python client, so the client's own cost is
in both); and the count of writes: questions acknowledged vs stored once, chat lines acknowledged
vs stored. Exits 1 when a target is missed or a write is lost.

    .venv/bin/python bench/mixed_load.py            # about 5 minutes with the cluster's start
    .venv/bin/python bench/mixed_load.py --seconds 60 --keep   # leave the cluster running
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from rongmei.cluster import Cluster  # noqa: E402
from rongmei.testing.load import ChatFan, Citizen, Question, Readers, fans_code, percentile  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
TARGET_P99 = 0.5
# Seconds after a fault counted as its recovery: the p99 target is for the load held outside them
# (reported as "steady"); the run's whole p99, faults included, is reported beside it.
RECOVERY = 10.0


def fans(cluster: Cluster, count: int, first: int) -> list[str]:
    return [cookie for _pk, cookie in cluster.python(fans_code(count, first, phone_prefix="137", nickname="压测"))]


def stats(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=180)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--reader-pause", type=float, default=0.0)
    ap.add_argument("--questions-per-minute", type=int, default=50)
    ap.add_argument("--chatters", type=int, default=20)
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--no-faults", action="store_true")
    ap.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = ap.parse_args(argv)

    root = ROOT / "var" / "cluster-bench"
    cluster = Cluster(root=root, base_port=8280, cron_seconds=10)
    cluster.stop()
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.monotonic()
    cluster.start(seed=True, timeout=240)
    print(f"mixed_load: cluster up in {time.monotonic() - t0:.0f} s at {cluster.url}")
    port = cluster.http_port
    db = cluster.database_url.replace("postgres://", "postgresql://")
    with psycopg.connect(db, autocommit=True) as conn:
        stories = [r[0] for r in conn.execute("SELECT id FROM newsroom_story WHERE state = 'published' ORDER BY id DESC LIMIT 20")]
        columns = (
            [r[0] for r in conn.execute("SELECT slug FROM portal_column WHERE active AND kind = 'articles' LIMIT 5")] if stories else []
        )
    page_paths = ["/"] + [f"/news/{s}/" for s in stories] + [f"/column/{c}/" for c in columns]

    # Baseline of the same run: nginx alone serving published pages to the same client.
    with Readers(HOST, port, page_paths, threads=args.readers) as base:
        time.sleep(10)
    baseline = stats(base.latencies)
    baseline["per_second"] = round(len(base.latencies) / 10, 1)
    print(f"mixed_load: baseline (published pages, no other load): {baseline}")

    total_questions = args.questions_per_minute * args.seconds // 60
    citizens = [
        Citizen(HOST, port, cookie, f"127.0.{3 + i // 200}.{i % 200 + 1}") for i, cookie in enumerate(fans(cluster, total_questions, 0))
    ]
    chat_cookies = fans(cluster, args.chatters, 100000)
    room_id = cluster.python("""
from django.utils import timezone
from rongmei.accounts.models import User
from rongmei.live import services
result = services.create_room(actor=User.objects.get(username="operator"), title="压测直播间", scheduled_at=timezone.now()).pk
""")
    ws = f"ws://{HOST}:{port}"
    chatters = [ChatFan(ws, room_id, cookie, name=f"c{i}") for i, cookie in enumerate(chat_cookies)]
    viewers = [ChatFan(ws, room_id, name=f"v{i}") for i in range(args.viewers)]
    for c in chatters + viewers:
        c.connect()

    stop = threading.Event()
    questions: list[Question] = []
    ack_latency: list[float] = []
    ack_started: list[float] = []
    lock = threading.Lock()

    def ask_loop():
        interval = 60 / args.questions_per_minute
        threads = []
        for i, citizen in enumerate(citizens):
            if stop.is_set():
                break
            q = Question(f"压测问题第{i:05d}号路灯", "花园街道的路灯坏了很久，晚上走路很不安全，请有关部门尽快修理。")
            with lock:
                questions.append(q)
            t = threading.Thread(target=citizen.ask, args=(q,), daemon=True)
            t.start()
            threads.append(t)
            stop.wait(interval)
        for t in threads:
            t.join(120)

    def chat_loop(fan: ChatFan):
        n = 0
        while not stop.is_set():
            c = f"{fan.name}-{n}"
            said = time.monotonic()
            fan.say(c, f"压测弹幕 {c}")
            while not stop.is_set() and c not in fan.acked and time.monotonic() - said < 30:
                fan.pump(0.05)
            if c in fan.acked:
                with lock:
                    ack_latency.append(time.monotonic() - said)
                    ack_started.append(said)
            fan.pump(max(0.0, 4 - (time.monotonic() - said)))
            n += 1

    def view_loop(fan: ChatFan):
        while not stop.is_set():
            fan.pump(0.5)

    app_reader = Readers(HOST, port, ["/wenzheng/"], threads=1, pause=0.5)
    loops = [threading.Thread(target=ask_loop, daemon=True)]
    loops += [threading.Thread(target=chat_loop, args=(c,), daemon=True) for c in chatters]
    loops += [threading.Thread(target=view_loop, args=(v,), daemon=True) for v in viewers]
    events = []
    fault_at: list[float] = []
    with Readers(HOST, port, page_paths, threads=args.readers, pause=args.reader_pause) as readers, app_reader:
        started = time.monotonic()
        for t in loops:
            t.start()
        if not args.no_faults:
            time.sleep(args.seconds / 3)
            pid = cluster.kill("web1")
            fault_at.append(time.monotonic())
            events.append(("web1 killed", round(time.monotonic() - started, 1)))
            cluster.wait_restarted("web1", pid)
            events.append(("web1 back", round(time.monotonic() - started, 1)))
            time.sleep(max(0, started + 2 * args.seconds / 3 - time.monotonic()))
            fault_at.append(time.monotonic())
            cluster.restart_redis(down_for=1)
            events.append(("Redis restarted", round(time.monotonic() - started, 1)))
        time.sleep(max(0, started + args.seconds - time.monotonic()))
        stop.set()
        for t in loops:
            t.join(120)
        elapsed = time.monotonic() - started

    # Settle: every chat line acknowledged, then count what is stored.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(c.unacked for c in chatters):
        for c in chatters:
            c.pump(0.1)
    with psycopg.connect(db, autocommit=True) as conn:
        stored_q = dict(
            conn.execute("SELECT title, count(*) FROM inquiries_inquiry WHERE title LIKE %s GROUP BY title", ("压测问题%",)).fetchall()
        )
        stored_chat = {r[0] for r in conn.execute("SELECT id FROM live_chatmessage WHERE room_id = %s", (room_id,))}
    acked_q = [q for q in questions if q.receipt or q.landed_earlier]
    lost_q = [q.title for q in acked_q if stored_q.get(q.title, 0) != 1]
    unanswered_q = [q.title for q in questions if not (q.receipt or q.landed_earlier)]
    acked_chat = {mid for c in chatters for mid in c.acked.values()}
    lost_chat = acked_chat - stored_chat
    unacked_chat = sum(len(c.unacked) for c in chatters)
    seen_by_viewer = min((len(acked_chat & set(v.seen)) for v in viewers), default=0)
    for c in chatters + viewers:
        c.close()

    ask_latencies = [x for q in questions for x in q.latencies]
    ask_started = [t for q in questions for t in q.started]

    def steady(latencies, starts):
        """Outside the RECOVERY seconds after each fault: the load the site holds."""
        return [x for x, t in zip(latencies, starts, strict=True) if not any(f <= t + x and t <= f + RECOVERY for f in fault_at)]

    result = {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "seconds": round(elapsed),
        "settings": vars(args),
        "events": events,
        "baseline_published_pages_alone": baseline,
        "published_pages": {
            **stats(readers.latencies),
            "per_second": round(len(readers.latencies) / elapsed, 1),
            "statuses": readers.statuses,
        },
        "app_page_wenzheng": {**stats(app_reader.latencies), "statuses": app_reader.statuses},
        "question_post": {**stats(ask_latencies), "per_minute": round(len(questions) / elapsed * 60, 1)},
        "chat_ack": {**stats(ack_latency), "lines_per_second": round(len(ack_latency) / elapsed, 1)},
        "steady": {
            "app_page_wenzheng": stats(steady(app_reader.latencies, app_reader.started)),
            "question_post": stats(steady(ask_latencies, ask_started)),
            "chat_ack": stats(steady(ack_latency, ack_started)),
        },
        "writes": {
            "questions_asked": len(questions),
            "questions_acknowledged": len(acked_q),
            "questions_never_acknowledged": len(unanswered_q),
            "questions_lost_or_doubled": len(lost_q),
            "question_tries_cut_off": sum(1 for q in questions for s, _w in q.attempts if s in (0, 502, 503, 504)),
            "chat_acknowledged": len(acked_chat),
            "chat_lost": len(lost_chat),
            "chat_never_acknowledged": unacked_chat,
            "chat_seen_by_every_viewer": seen_by_viewer,
        },
    }
    dynamic_p99 = max(result["question_post"]["p99_ms"], result["chat_ack"]["p99_ms"], result["app_page_wenzheng"]["p99_ms"]) / 1000
    result["dynamic_p99_ms_with_faults"] = round(dynamic_p99 * 1000, 1)
    dynamic_p99 = max(v["p99_ms"] for v in result["steady"].values()) / 1000
    result["dynamic_p99_ms_steady"] = round(dynamic_p99 * 1000, 1)
    result["ratio_published_p99_to_baseline_p99"] = round(result["published_pages"]["p99_ms"] / max(baseline["p99_ms"], 0.1), 1)
    ok = (
        dynamic_p99 < TARGET_P99
        and not lost_q
        and not unanswered_q
        and not lost_chat
        and not unacked_chat
        and seen_by_viewer == len(acked_chat)
    )
    result["targets_met"] = ok
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mixed_load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not args.keep:
        cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
