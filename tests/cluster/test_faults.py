"""Faults against the one-machine cluster (rongmei/cluster.py): nginx, two WSGI web processes, one
ASGI process, two RQ workers, a database-queue fallback worker, cron, PostgreSQL and Redis.

Each test ends with a count that shows nothing was lost: questions the site acknowledged are
stored once each, publications reach the channel once, renditions are finished, chat messages
acknowledged are stored and seen by a viewer who was connected through it all.

Run by `make test` after the rest (`make test-cluster` alone); marker ``cluster``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from rongmei.distribution.tests.receiver import Receiver
from rongmei.testing.load import ChatFan, Citizen, Question, Readers, fans_code, request

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

HOST = "127.0.0.1"
BODY = "花园街道的路灯坏了很久，晚上走路很不安全，请有关部门尽快修理。"


def sql(cluster, query: str, params=()) -> list[tuple]:
    with psycopg.connect(cluster.database_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def stored(cluster, prefix: str) -> dict[str, int]:
    return dict(sql(cluster, "SELECT title, count(*) FROM inquiries_inquiry WHERE title LIKE %s GROUP BY title", (prefix + "%",)))


def wait_until(check, what: str, timeout: float = 60.0, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def citizens_for(cluster, count: int, first: int, subnet: int) -> list[Citizen]:
    fans = cluster.python(fans_code(count, first))
    # Many addresses (loopback is all of 127/8), as many citizens have: the per-address limit
    # (30 questions an hour) is the site's, not this test's.
    return [Citizen(HOST, cluster.http_port, cookie, f"127.0.{subnet}.{i % 200 + 1}") for i, (_pk, cookie) in enumerate(fans)]


def ask_all(citizens, questions, *, threads: int, pause: float = 0.0, progress=None):
    def one(pair):
        citizen, q = pair
        citizen.ask(q)
        if progress is not None:
            progress()
        if pause:
            time.sleep(pause)
        return q

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, zip(citizens, questions, strict=True)))


def assert_every_question_stored_once(cluster, questions, prefix):
    gave_up = [q.title for q in questions if not (q.receipt or q.landed_earlier)]
    assert not gave_up, f"never acknowledged: {gave_up[:5]} … {[q.attempts for q in questions if q.title in gave_up][:3]}"
    rows = stored(cluster, prefix)
    assert sorted(rows) == sorted(q.title for q in questions), "a question the site acknowledged is missing"
    assert set(rows.values()) == {1}, f"stored twice: {[t for t, n in rows.items() if n > 1]}"
    receipts = {r for (r,) in sql(cluster, "SELECT receipt FROM inquiries_inquiry WHERE title LIKE %s", (prefix + "%",))}
    assert {q.receipt for q in questions if q.receipt} <= receipts


def test_killing_web_processes_under_load_loses_no_question(cluster):
    prefix = "故障一"
    citizens = citizens_for(cluster, 320, 0, subnet=1)
    questions = [Question(f"{prefix}路灯坏了第{i:03d}号问题", BODY) for i in range(320)]
    done = []
    lock = threading.Lock()

    def progress():
        with lock:
            done.append(1)

    with Readers(HOST, cluster.http_port, ["/", "/wenzheng/"], threads=2, pause=0.05) as readers:
        worker = threading.Thread(target=lambda: ask_all(citizens, questions, threads=8, pause=0.15, progress=progress))
        worker.start()
        wait_until(lambda: len(done) >= 30, "30 questions answered")
        killed = cluster.kill("web1")
        cluster.wait_restarted("web1", killed)
        # The site has recovered (nginx sends to web1 again) before the second fault: two web
        # processes dying within nginx's fail_timeout is an outage, not a fault the site rides out.
        wait_until(
            lambda: all(request(HOST, cluster.http_port, "GET", "/healthz").status == 200 for _ in range(6)), "recovered", timeout=60
        )
        time.sleep(2.5)
        target = len(done) + 20
        wait_until(lambda: len(done) >= target, f"{target} questions answered", timeout=120)
        assert len(done) < len(questions), "the load ended before the second fault"
        killed = cluster.kill("web2")
        cluster.wait_restarted("web2", killed)
        worker.join(180)
        assert not worker.is_alive()

    failures = sum(1 for q in questions for status, _w in q.attempts if status in (0, 502, 503, 504))
    print(f"\nweb kill: {len(questions)} questions, {failures} tries cut off or refused on the way, "
          f"{sum(q.landed_earlier for q in questions)} landed though the answer was lost; readers {readers.statuses}")  # fmt: skip
    assert_every_question_stored_once(cluster, questions, prefix)
    assert readers.statuses.get(200, 0) > 50
    assert cluster.healthy()


def _publication_code(channel_url: str, secret: str, headline: str) -> str:
    return f"""
from django.utils import timezone
from rongmei.accounts.models import Team, User
from rongmei.distribution import services as distribution
from rongmei.distribution.models import Channel
from rongmei.testing.factories import signed_off_story
team = Team.objects.get(slug="news")
users = {{u.username: u for u in User.objects.filter(username__in=["reporter", "editor", "lead", "chief", "operator"])}}
channel = Channel.objects.get(code="tv")
distribution.configure_webhook(actor=users["operator"], channel=channel, url={channel_url!r}, secret={secret!r})
story = signed_off_story(users["reporter"], team, [users["editor"], users["lead"], users["chief"]], headline={headline!r})
[pub] = distribution.publish(actor=users["chief"], story=story, channels=[channel])
result = [pub.pk, pub.key]
"""


def test_a_worker_killed_in_the_middle_of_a_publication_publishes_once(cluster):
    secret = "fault-test-secret-0123456789"
    with Receiver(secret) as rx:
        rx.fail_next = ["hold"]  # the first delivery gets no answer: the worker waits in "sending"
        pub_id, key = cluster.python(_publication_code(rx.url, secret, "故障测试：发布途中任务进程被终止"))
        assert rx.held.wait(60), "the publication never reached the channel"
        assert sql(cluster, "SELECT state FROM distribution_publication WHERE id = %s", (pub_id,)) == [("sending",)]
        # Which worker holds it is the queue's business: both die (their jobs with them).
        for name in ("worker1", "worker2"):
            cluster.kill(name)
        rx.release.set()
        # Nobody answers for it now; after the lease (6 s here) cron's publish_due sends it again.
        wait_until(
            lambda: sql(cluster, "SELECT state FROM distribution_publication WHERE id = %s", (pub_id,)) == [("published",)],
            "published again after the lease",
            timeout=90,
        )
        # The cut delivery never got an answer; the second, with the same key, made the one item.
        assert rx.deliveries[key] == 1 and list(rx.items) == [key]
        outcomes = sql(cluster, "SELECT outcome FROM distribution_publicationattempt WHERE publication_id = %s", (pub_id,))
        assert outcomes == [("ok",)]
        assert sql(cluster, "SELECT url FROM distribution_publication WHERE id = %s", (pub_id,)) == [(f"https://partner.example/{key}",)]
    for name in ("worker1", "worker2"):
        assert cluster.pid(name) is not None


def test_a_worker_killed_in_the_middle_of_a_transcode_makes_the_rendition_again(cluster, tmp_path):
    import subprocess

    source = tmp_path / "fault.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
         "-t", "40", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(source)],
        check=True,
    )  # fmt: skip
    asset_id = cluster.python(f"""
from django.core.files import File
from rongmei.accounts.models import User
from rongmei.media import services
with open({str(source)!r}, "rb") as f:
    asset = services.upload_file(actor=User.objects.get(username="reporter"), uploaded=File(f, name="故障测试.mp4"), title="故障测试视频")
result = asset.pk
""")

    def renditions():
        return sql(cluster, "SELECT id, kind, status, progress, attempts FROM media_rendition WHERE asset_id = %s ORDER BY id", (asset_id,))

    running = wait_until(
        lambda: [r for r in renditions() if r[2] == "running" and r[3] >= 5], "a rendition under way", timeout=120, every=0.2
    )
    interrupted = {r[0] for r in running}
    for name in ("worker1", "worker2"):
        cluster.kill(name)
    # cron's media_housekeeping finds it silent for the lease and queues it again.
    final = wait_until(lambda: (rows := renditions()) and all(r[2] == "done" for r in rows) and rows, "every rendition done", timeout=300)
    by_id = {r[0]: r for r in final}
    for rid in interrupted:
        assert by_id[rid][4] == 2, f"rendition {by_id[rid]} was not made a second time"
    assert all(r[4] <= 2 for r in final)
    requeued = sql(
        cluster,
        "SELECT data FROM core_auditlog WHERE action = 'media.rendition_requeued' AND (data->>'rendition')::int = ANY(%s)",
        (list(interrupted),),
    )
    assert len(requeued) == len(interrupted)
    files = sql(cluster, "SELECT count(*) FROM media_rendition WHERE asset_id = %s AND file <> ''", (asset_id,))
    assert files == [(len(final),)]
    assert_served_from_the_bucket(cluster, asset_id)


def assert_served_from_the_bucket(cluster, asset_id: int) -> None:
    """The workers, each with a disk of its own, fetched the original from the bucket and put
    every file they made there; the web processes, whose disks never had any of it, serve the
    files of a published story from the bucket, byte for byte."""
    import urllib.request
    from pathlib import Path

    s3 = cluster.s3_client()
    keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=cluster.bucket_name) for o in page.get("Contents", [])}
    (original,) = sql(cluster, "SELECT original FROM media_asset WHERE id = %s", (asset_id,))[0]
    made = [name for (name,) in sql(cluster, "SELECT file FROM media_rendition WHERE asset_id = %s", (asset_id,))]
    assert original in keys and set(made) <= keys
    segments = [k for k in keys if k.startswith(f"renditions/{asset_id}/hls_360/") and k.endswith(".ts")]
    assert len(segments) >= 5, "the HLS rung's segments are in the bucket too"
    fetched_by = {w for w in ("worker1", "worker2") if (cluster.media_root(w) / original).is_file()}
    assert fetched_by, "a worker had to fetch the original from the bucket"
    cluster.python(f"""
from rongmei.accounts.models import User
from rongmei.distribution import selectors
from rongmei.media.models import StoryAsset
story = selectors.published_stories().order_by("pk").first()
StoryAsset.objects.get_or_create(story=story, asset_id={asset_id}, defaults={{"added_by": User.objects.get(username="reporter")}})
""")
    prefix = f"renditions/{asset_id}/"
    with urllib.request.urlopen(f"{cluster.url}/news/media/{asset_id}/hls/master.m3u8", timeout=30) as r:  # noqa: S310
        master = r.read().decode()  # made from the database where it is served: every rung done
    rungs = [kind for (kind,) in sql(cluster, "SELECT kind FROM media_rendition WHERE asset_id = %s AND kind LIKE 'hls_%%'", (asset_id,))]
    assert rungs and all(f"../{kind}/index.m3u8" in master for kind in rungs), master
    wanted = [sorted(segments)[0], *made]
    for name in wanted:
        expected = s3.get_object(Bucket=cluster.bucket_name, Key=name)["Body"].read()
        for _ in range(2):  # nginx takes turns: each web process serves it once
            with urllib.request.urlopen(f"{cluster.url}/news/media/{asset_id}/{name[len(prefix) :]}", timeout=30) as r:  # noqa: S310
                assert r.status == 200 and r.read() == expected, name
    for web in ("web1", "web2"):
        assert (cluster.media_root(web) / made[0]).is_file(), f"{web} served from its own copy of the bucket's file"
    assert not Path(cluster.site_dir, "media", original).exists(), "no shared disk carried the file"


def _room_code(title: str) -> str:
    return f"""
from django.utils import timezone
from rongmei.accounts.models import User
from rongmei.live import services
room = services.create_room(actor=User.objects.get(username="operator"), title={title!r}, scheduled_at=timezone.now())
result = room.pk
"""


def _chat(cluster, room_id: int, writers_cookies: list[str]):
    ws = f"ws://{HOST}:{cluster.http_port}"
    viewer = ChatFan(ws, room_id, name="viewer")
    viewer.connect()
    writers = [ChatFan(ws, room_id, cookie, name=f"w{i}") for i, cookie in enumerate(writers_cookies)]
    for w in writers:
        w.connect()
    return viewer, writers


def _run_chat(viewer, writers, stop: threading.Event, tag: str):
    def write(w: ChatFan):
        n = 0
        while not stop.is_set():
            w.say(f"{w.name}-{n}", f"{tag}-{w.name}-{n}")
            n += 1
            w.pump(3.5)  # 20 lines a minute at most per fan: keep under the room's limit

    threads = [threading.Thread(target=write, args=(w,), daemon=True) for w in writers]
    threads.append(threading.Thread(target=lambda: [viewer.pump(0.5) for _ in iter(stop.is_set, True)], daemon=True))
    for t in threads:
        t.start()
    return threads


def _settle_chat(cluster, viewer, writers, room_id: int):
    # Everything said is acknowledged once the database is back; the viewer has it all.
    for w in writers:
        wait_until(lambda w=w: (w.pump(0.5) or True) and not w.unacked, f"{w.name}'s lines acknowledged", timeout=60, every=0)
    acked = {mid for w in writers for mid in w.acked.values()}
    wait_until(
        lambda: (viewer.pump(0.5) or True) and acked <= set(viewer.seen), "the viewer saw every acknowledged line", timeout=60, every=0
    )
    rows = dict(sql(cluster, "SELECT id, body FROM live_chatmessage WHERE room_id = %s", (room_id,)))
    assert acked <= set(rows), "an acknowledged chat line is not stored"
    for w in writers:
        for c, mid in w.acked.items():
            assert rows[mid].endswith(c)
    return acked, rows


def test_redis_and_postgres_restarting_under_load_lose_no_question_and_no_chat_line(cluster):
    prefix = "故障二"
    citizens = citizens_for(cluster, 90, 1000, subnet=2)
    questions = [Question(f"{prefix}道路积水第{i:03d}号问题", BODY) for i in range(90)]
    room_id = cluster.python(_room_code("故障测试直播间：重启数据库与缓存"))
    writer_cookies = [cookie for _pk, cookie in cluster.python(fans_code(3, 2000))]
    viewer, writers = _chat(cluster, room_id, writer_cookies)
    stop = threading.Event()
    chat_threads = _run_chat(viewer, writers, stop, "重启")
    asking = threading.Thread(target=lambda: ask_all(citizens, questions, threads=3, pause=0.25))
    asking.start()
    time.sleep(3)
    cluster.restart_redis(down_for=2)
    time.sleep(4)
    cluster.restart_postgres(down_for=2)
    time.sleep(4)
    asking.join(240)
    assert not asking.is_alive()
    stop.set()
    for t in chat_threads:
        t.join(30)

    assert_every_question_stored_once(cluster, questions, prefix)
    acked, _rows = _settle_chat(cluster, viewer, writers, room_id)
    print(f"\nrestarts: {len(questions)} questions, chat {len(acked)} lines acknowledged; viewer reconnected {viewer.reconnects}×, "
          f"writers {[w.reconnects for w in writers]}×")  # fmt: skip
    assert len(acked) >= 3 * 3
    assert cluster.healthy()
    for c in (viewer, *writers):
        c.close()


def test_chat_clients_reconnect_and_resume_when_the_asgi_process_dies(cluster):
    room_id = cluster.python(_room_code("故障测试直播间：终止推送进程"))
    writer_cookies = [cookie for _pk, cookie in cluster.python(fans_code(2, 3000))]
    viewer, writers = _chat(cluster, room_id, writer_cookies)
    stop = threading.Event()
    threads = _run_chat(viewer, writers, stop, "终止")
    time.sleep(4)
    killed = cluster.kill("asgi")
    cluster.wait_restarted("asgi", killed)
    time.sleep(6)
    stop.set()
    for t in threads:
        t.join(30)
    acked, _rows = _settle_chat(cluster, viewer, writers, room_id)
    assert viewer.reconnects >= 1 and all(w.reconnects >= 1 for w in writers)
    assert len(acked) >= 2 * 3
    for c in (viewer, *writers):
        c.close()


def test_the_cluster_serves_published_pages_from_nginx_and_the_app_behind_it(cluster):
    home = request(HOST, cluster.http_port, "GET", "/")
    assert home.status == 200 and "云上泌阳".encode() in home.body
    app = request(HOST, cluster.http_port, "GET", "/wenzheng/")
    assert app.status == 200
    static = request(HOST, cluster.http_port, "GET", "/static/js/app.js")
    assert static.status == 200 and static.headers.get("server", "").startswith("nginx")
    health = request(HOST, cluster.http_port, "GET", "/healthz")
    assert health.status == 200 and b'"ok"' in health.body
