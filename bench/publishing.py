#!/usr/bin/env python
"""Publishing (issue 3): latency of a story to every channel, and exactly-once under faults.

Not a test: a measurement of the issue's two targets, on the embedded default (SQLite file,
database task queue, `manage.py db_worker` as the worker, local-memory cache), against real local
servers: the tests' webhook Receiver, the WeChat, Weibo, Douyin and Kuaishou contract servers,
pyftpdlib FTP and paramiko SFTP (rongmei/distribution/tests/), plus the faults
bench/_publishing_servers.py adds to them.

1. Latency. "A text story with six photos published to ten channels completes in ≤ 2 s at p95
   over 200 stories, embedded default, video excluded." Six JPEG photos (3000×2000, made with
   ffmpeg: there are no photo files in the repository) are uploaded ONCE through the media
   services, their renditions made once up front (run_rendition), and the same six assets are
   attached to every story (a library photo used in several stories). Each story is written,
   given its photos and signed off through the newsroom services (create_story, attach,
   submit_story, three approvals). Its channel versions are NOT made beforehand: the worker makes
   them while sending, as a story published without a visit to the channel-version page.
   Eleven channels (LATENCY_ADAPTERS): 8 with their own delivery (website and app on our site,
   newspaper by SFTP, radio and tv by FTP, gov_site's webhook, the WeChat official account and
   Weibo through their native adapters against the contract servers) and 3 partner webhooks
   standing in for douyin, kuaishou and wechat_channels: their native adapters publish a video
   and refuse a story without one, and this story has none ("video excluded").
   For each story: t0 just before services.publish(actor=chief, story, channels=all), t1 when
   every publication of the story is PUBLISHED, seen by polling the database every 5 ms; the
   sending is done by `manage.py db_worker --queue-name '*' --no-reload --interval 0.2`
   (scripts/run.sh's worker and its interval, RUN_SH_INTERVAL) started as a subprocess on the same
   database. A pause of a random 0…interval s before each story puts publish() at a random moment
   of the worker's idle sleep, as a newsroom would (back to back, every story would land at the
   start of a full sleep). For comparison a second run with --interval 0.05 (--compare-stories,
   50 by default, to keep the whole run near 10 min). Reports p50/p95/max, where the time goes
   (worker pickup wait, each channel's task split into prepare/send/finish) and a few direct
   timings of suspects.

2. Reliability. "1,000 publications with 30% of calls failing transiently (5xx, timeouts,
   dropped connections from the contract servers) end with zero duplicates and zero lost."
   ceil(N / channels) stories are published to every channel (RELIABILITY_ADAPTERS: douyin and
   kuaishou through their native adapters too, wechat_channels still a partner webhook) while the
   partner servers fail --fault-rate of their calls: the webhook receiver per HTTP call (500,
   timeout, drop, and two lost answers: stored then dropped / stored then answered too late), the
   WeChat, Weibo, Douyin and Kuaishou contract servers per API call (500, timeout, drop,
   drop_after = lost answer; uploads, token-less listings and posts alike), the FTP server per
   session (421 refuse, drop at the upload, no answer, lost answer of the manifest's rename).
   SFTP and our own site are not faulted. These stories also carry one small real video (made
   once with ffmpeg, its renditions made once through the media services: the 9:16 cut and the
   poster Douyin and Kuaishou need). The worker is the same db_worker command, run through
   bench/_publishing_worker.py, which shrinks the retry delay (0.05 s·2^(n-1), capped at 1 s),
   keeps production's MAX_ATTEMPTS (20; --max-attempts changes it), sets the webhook timeout (0.3 s); the
   FTP/WeChat/Weibo/Douyin/Kuaishou timeouts are 0.5 s in the channels' settings. At the end the
   servers count, per channel: lost = publications not PUBLISHED, or PUBLISHED with no item/files/
   article/post at the partner (a publication dead although its post is there is counted apart
   as well); duplicates = a (story, version, channel) that reached a partner under more than one
   key, a key stored with two different bodies, more than one WeChat article for a story, more
   than one Weibo/Douyin/Kuaishou post with a publication's text.

Prints the machine, the command and the figures, writes bench/results/publishing.json and exits
1 when a target is missed.

    .venv/bin/python bench/publishing.py [--stories 200] [--publications 1000] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "publishing.json"

# Which delivery each channel gets in each part of the bench, each with a local server in
# configure_channels. "site" is our own website/app.
LATENCY_ADAPTERS = {
    "website": "site",
    "app": "site",
    "newspaper": "sftp",
    "radio": "ftp",
    "tv": "ftp",
    "gov_site": "webhook",  # the government site's own intake: a webhook is its delivery
    "wechat_oa": "wechat",
    "weibo": "weibo",
    # Their native adapters (douyin, kuaishou, channels_handoff) publish a video and refuse a story
    # without one; the latency story is text and photos: a partner webhook stands in.
    "douyin": "webhook",
    "kuaishou": "webhook",
    "wechat_channels": "webhook",
}
STAND_INS = ("douyin", "kuaishou", "wechat_channels")
RELIABILITY_ADAPTERS = {**LATENCY_ADAPTERS, "douyin": "douyin", "kuaishou": "kuaishou"}
PLATFORM_KINDS = ("weibo", "douyin", "kuaishou")
POST_PATHS = {"weibo": "/2/statuses/share.json", "douyin": "/api/douyin/v1/video/create_video/", "kuaishou": "/openapi/photo/publish"}
LIST_PATHS = {"weibo": "/2/statuses/user_timeline.json", "douyin": "/api/douyin/v1/video/video_list/", "kuaishou": "/openapi/photo/list"}
RUN_SH_INTERVAL = 0.2  # scripts/run.sh: manage.py db_worker --interval 0.2
MIN_CHANNELS = 10
TARGET_P95_SECONDS = 2.0
POLL_SECONDS = 0.005
SECRET = "bench-partner-secret-0123456789abcdef"  # noqa: S105
PRODUCTION_MAX_ATTEMPTS = 20  # rongmei.distribution.services.MAX_ATTEMPTS

PARAGRAPHS = [
    "泌阳县铜山湖景区今年接待游客同比增长两成，湖畔的夏南牛养殖户陆续开起了农家乐，游客在湖边吃上了地道的牛肉宴。",
    "记者在铜山湖乡看到，一排排新建的牛舍整齐干净，自动饮水槽和通风设备一应俱全。养殖户老李说，过去养牛靠经验，现在有技术员定期上门，牛长得快，病也少了。",
    "据县畜牧部门介绍，全县夏南牛存栏量稳步增长，已形成育种、养殖、屠宰、深加工和冷链配送的完整产业链，带动上万户农民增收。",
    "在湖畔的一家农家乐里，老板娘正忙着招呼客人。她说，周末最多一天要接待二十多桌，游客大多是从驻马店、信阳和南阳开车过来的，吃完饭还要买几斤牛肉带回家。",
    "为了让游客留下来，景区今年新修了环湖步道和骑行道，增设了观景平台和停车场，还推出了采摘、垂钓、露营等项目，游客平均停留时间明显延长。",
    "乡里还组织养殖户参加电商培训，不少年轻人回乡做起了直播，把牛肉干、牛肉酱等特产卖到了全国各地。一位返乡青年说，去年他的网店销售额比前年翻了一番。",
    "县文旅部门负责人表示，下一步将把生态养殖和乡村旅游结合起来，打造一批特色民宿和研学基地，让更多群众在家门口就业增收。",
    "夕阳西下，湖面波光粼粼，牛群在草地上悠闲地吃草，游客们在步道上散步拍照。铜山湖畔的新生活，正一天天变得更加红火。",
]
CAPTIONS = ["铜山湖畔的牛舍", "养殖户在喂牛", "湖边的农家乐", "环湖步道", "直播带货", "夕阳下的铜山湖"]


# --- set-up ----------------------------------------------------------------------------------


def setup_django(workdir: Path) -> dict:
    """A throw-away embedded default: SQLite file + media in ``workdir``, database task queue,
    local-memory cache, DEBUG off. Returns the environment the worker processes get."""
    env = {
        "DJANGO_SETTINGS_MODULE": "rongmei.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + hashlib.sha256(os.urandom(16)).hexdigest(),
        "RONGMEI_CREDENTIALS_KEY": "bench-credentials-" + hashlib.sha256(os.urandom(16)).hexdigest(),
        "DATABASE_URL": f"sqlite:///{workdir / 'rongmei.sqlite3'}",
        "RONGMEI_VAR_DIR": str(workdir / "var"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        "AXES_ENABLED": "0",
    }
    os.environ.update(env)
    for name in ("REDIS_URL", "TASKS_IMMEDIATE", "RONGMEI_TESTING"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TASKS_IMMEDIATE")}


def make_photos(workdir: Path) -> list[Path]:
    """Six 3000×2000 JPEGs with photo-like entropy (gradients + grain), made by ffmpeg."""
    sources = [
        "gradients=s=3000x2000:seed=1:n=5",
        "gradients=s=3000x2000:seed=2:n=7",
        "mandelbrot=s=3000x2000",
        "testsrc2=s=3000x2000",
        "gradients=s=3000x2000:seed=3:n=3",
        "cellauto=s=3000x2000:rule=110",
    ]
    ffmpeg = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
    out = []
    for n, src in enumerate(sources, start=1):
        path = workdir / f"photo-{n}.jpg"
        subprocess.run(  # noqa: S603
            [ffmpeg, "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", src, "-vf", "noise=alls=18:allf=u,format=yuvj420p",
             "-frames:v", "1", "-q:v", "3", str(path)],
            check=True,
        )  # fmt: skip
        out.append(path)
    return out


def upload_photos(photographer, paths: list[Path]) -> tuple[list, dict]:
    """Upload through the media services and make every rendition once, here (not in the worker)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tasks_db.models import DBTaskResult

    from rongmei.media import services as media
    from rongmei.media.models import Rendition

    assets = []
    for n, path in enumerate(paths, start=1):
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/jpeg")
        assets.append(media.upload_file(actor=photographer, uploaded=upload, title=f"铜山湖组图{n}"))
    start = time.perf_counter()
    outcomes = Counter(media.run_rendition(r.pk) for r in Rendition.objects.filter(asset__in=assets).order_by("id"))
    seconds = time.perf_counter() - start
    if set(outcomes) != {"done"}:
        sys.exit(f"renditions failed: {outcomes}: {list(Rendition.objects.exclude(status='done').values_list('kind', 'error'))}")
    # Their queued make_rendition tasks would only be skipped by the worker: take them out of its queue.
    DBTaskResult.objects.filter(task_path__endswith="make_rendition").delete()
    kinds = sorted(set(Rendition.objects.filter(asset__in=assets).values_list("kind", flat=True)))
    return assets, {
        "photos": len(assets),
        "photo_bytes": [p.stat().st_size for p in paths],
        "renditions": sum(outcomes.values()),
        "rendition_kinds": kinds,
        "seconds": round(seconds, 2),
    }


def make_video(workdir: Path) -> Path:
    """A small real clip: 4 s of ffmpeg's testsrc2 at 640×360 with a tone, H.264 + AAC."""
    ffmpeg = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
    path = workdir / "clip.mp4"
    subprocess.run(  # noqa: S603
        [ffmpeg, "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=duration=4:size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


def upload_video(photographer, path: Path):
    """The clip uploaded through the media services, every rendition (the 9:16 cut and the poster
    among them) made once, here (not in the worker)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tasks_db.models import DBTaskResult

    from rongmei.media import services as media
    from rongmei.media.models import Rendition

    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="video/mp4")
    asset = media.upload_file(actor=photographer, uploaded=upload, title="铜山湖畔的夏南牛")
    start = time.perf_counter()
    outcomes = Counter(media.run_rendition(r.pk) for r in Rendition.objects.filter(asset=asset).order_by("id"))
    seconds = time.perf_counter() - start
    done = {r.kind: r for r in Rendition.objects.filter(asset=asset, status="done")}
    if set(outcomes) != {"done"} or not {"vertical_916", "poster"} <= set(done):
        sys.exit(
            f"video renditions failed: {outcomes}: {list(Rendition.objects.filter(asset=asset).values_list('kind', 'status', 'error'))}"
        )
    DBTaskResult.objects.filter(task_path__endswith="make_rendition").delete()
    return asset, {
        "video_bytes": path.stat().st_size,
        "duration": asset.metadata.get("duration"),
        "renditions": {k: {"bytes": r.size, "size": f"{r.width}×{r.height}"} for k, r in sorted(done.items())},
        "seconds": round(seconds, 2),
    }


def make_story(people: dict, assets: list, n: int, label: str, *, video=None):
    """A text story with the six photos (and ``video``, when given), signed off through the
    newsroom services. Headline and intro carry ``label`` and ``n``: every story's captions and
    posts differ, as different stories' do."""
    from rongmei.media import services as media
    from rongmei.newsroom import services as newsroom

    reporter = people["reporter"]
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    story = newsroom.create_story(
        actor=reporter,
        team=people["team"],
        headline=f"{label}{n}：铜山湖畔夏南牛养殖户的新生活",
        subtitle="生态养殖带火乡村旅游",
        intro=f"{label}{n}：泌阳县把夏南牛养殖和铜山湖乡村旅游结合起来，养殖户吃上了“旅游饭”。",
        body=body,
        source="泌阳县融媒体中心",
        keywords=["泌阳", "夏南牛", "乡村旅游"],
    )
    for asset, caption in zip(assets, CAPTIONS, strict=True):
        media.attach(actor=reporter, asset=asset, story=story, caption=caption)
    if video is not None:
        media.attach(actor=reporter, asset=video, story=story, caption="铜山湖畔的夏南牛（视频）")
    newsroom.submit_story(actor=reporter, story=story)
    for reviewer in (people["editor"], people["column_lead"], people["chief"]):
        story.refresh_from_db()
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    if story.state != "approved":
        sys.exit(f"story {story.pk} is {story.state}, not signed off")
    return story


# --- servers and channel settings ------------------------------------------------------------


class Servers:
    """The partner systems, on 127.0.0.1, in this process's threads."""

    def __init__(self, home: Path, *, fault_rate: float = 0.0, seed: int = 1, client_timeout: float = 0.3, first_id: int = 1) -> None:
        from _publishing_servers import BenchFtpServer, BenchReceiver, RandomFaults

        from rongmei.distribution.tests.servers.douyin import DouyinServer
        from rongmei.distribution.tests.servers.kuaishou import KuaishouServer
        from rongmei.distribution.tests.servers.sftp import SftpServer
        from rongmei.distribution.tests.servers.wechat import WechatServer
        from rongmei.distribution.tests.servers.weibo import WeiboServer

        self.home = home
        self.receiver = BenchReceiver(SECRET, failure_rate=fault_rate, seed=seed, client_timeout=client_timeout)
        self.wechat = WechatServer()
        self.wechat_faults = RandomFaults(fault_rate, seed=seed + 1)
        self.wechat.faults = self.wechat_faults
        self.ftp = BenchFtpServer(home / "ftp", failure_rate=fault_rate, seed=seed + 2)
        self.sftp = SftpServer(home / "sftp")
        # A cover already in the account, for when the adapter finds none in the story.
        self.wechat.materials["material-bench-default-cover"] = b"\xff\xd8\xff\xe0bench"
        # The platforms' contract servers take one fault per API call (tokens excepted) from .faults.
        self.weibo, self.douyin, self.kuaishou = WeiboServer(), DouyinServer(), KuaishouServer()
        self.platform_faults = {}
        for n, (kind, server) in enumerate((("weibo", self.weibo), ("douyin", self.douyin), ("kuaishou", self.kuaishou)), start=3):
            server.faults = self.platform_faults[kind] = RandomFaults(fault_rate, seed=seed + n, server=server)
            # A platform's post ids are unique for good; a second contract server would count from 1
            # again and give ids the latency part's publications already hold as receipts.
            server.ids = itertools.count(first_id)
        self.all = (self.receiver, self.wechat, self.ftp, self.sftp, self.weibo, self.douyin, self.kuaishou)

    def platform(self, kind: str):
        return {"weibo": self.weibo, "douyin": self.douyin, "kuaishou": self.kuaishou}[kind]

    def __enter__(self):
        for server in self.all:
            server.__enter__()
        return self

    def __exit__(self, *exc):
        for server in self.all:
            try:
                server.__exit__(*exc)
            except Exception as e:  # noqa: BLE001 - shutting down
                print(f"  (stopping {type(server).__name__}: {e})")


def _top_up(channel, **extra) -> None:
    """Settings configure_channel does not accept (settings_util.FIELDS has no poll_interval or
    timeout, check_settings drops them) but the adapters read: added to the encrypted settings
    the same way configure_channel stores them."""
    from rongmei.distribution import credentials
    from rongmei.distribution.models import Channel

    values = credentials.decrypt(Channel.objects.get(pk=channel.pk).credentials)
    values.update(extra)
    Channel.objects.filter(pk=channel.pk).update(credentials=credentials.encrypt(values))


def configure_channels(chief, servers: Servers, adapters: dict, *, timeout: float | None = None) -> list:
    """Every channel of ``adapters`` configured through services.configure_channel /
    configure_webhook (encrypted), pointing at ``servers``. Returns the channels, in order."""
    from rongmei.distribution import services
    from rongmei.distribution.adapters import adapter_name
    from rongmei.distribution.models import Channel

    channels = []
    for code, kind in adapters.items():
        channel = Channel.objects.get(code=code)
        if not channel.active:
            Channel.objects.filter(pk=channel.pk).update(active=True)
        if channel.needs_review:
            Channel.objects.filter(pk=channel.pk).update(needs_review=False)
        extra: dict = {}
        if kind == "site":
            pass
        elif kind == "webhook":
            services.configure_webhook(actor=chief, channel=channel, url=f"{servers.receiver.url}/{code}", secret=SECRET)
        elif kind == "ftp":
            (servers.ftp.home / code).mkdir(parents=True, exist_ok=True)
            services.configure_channel(actor=chief, channel=channel, adapter="ftp", settings=servers.ftp.settings(directory=code))
            extra = {"timeout": timeout} if timeout else {}
        elif kind == "sftp":
            services.configure_channel(actor=chief, channel=channel, adapter="sftp", settings=servers.sftp.settings())
            extra = {"timeout": timeout} if timeout else {}
        elif kind == "wechat":
            services.configure_channel(
                actor=chief,
                channel=channel,
                adapter="wechat",
                settings=servers.wechat.settings(
                    default_thumb_media_id="material-bench-default-cover", source_url_base="https://bench.rongmei.example"
                ),
            )
            extra = {"poll_interval": 0, **({"timeout": timeout} if timeout else {})}
        elif kind in PLATFORM_KINDS:
            # The contract server's settings: its base_url, the tokens it issued (Weibo: site_url on
            # its safe domain). Kuaishou's upload host is the same server, over http.
            services.configure_channel(actor=chief, channel=channel, adapter=kind, settings=servers.platform(kind).settings())
            extra = {"timeout": timeout or 10.0, **({"upload_scheme": "http"} if kind == "kuaishou" else {})}
        else:
            sys.exit(f"no local server for {kind!r} ({code}); add one to bench/publishing.py")
        if extra:
            _top_up(channel, **extra)
        channel = Channel.objects.get(pk=channel.pk)
        if adapter_name(channel) != kind:
            sys.exit(f"{code}: configured for {kind} but the adapters choose {adapter_name(channel)}")
        channels.append(channel)
    return channels


# --- the worker ------------------------------------------------------------------------------


class Worker:
    def __init__(self, argv: list[str], env: dict, log_path: Path) -> None:
        self.argv = argv
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)  # noqa: S603

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()

    def tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def worker_argv(interval: float | None, *, wrapper: bool = False) -> list[str]:
    head = [sys.executable, str(REPO / "bench" / "_publishing_worker.py")] if wrapper else [sys.executable, "manage.py"]
    argv = [*head, "db_worker", "--queue-name", "*", "--no-reload"]  # as scripts/run.sh
    if interval is not None:
        argv += ["--interval", f"{interval:g}"]
    return argv


def shown(argv: list[str]) -> str:
    return " ".join(a if a != sys.executable else ".venv/bin/python" for a in argv).replace(str(REPO) + "/", "")


# --- measuring -------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """The q-th percentile, nearest rank (p95 of 200 = the 190th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def wait_story(story_id: int, n_channels: int, deadline: float) -> str:
    from rongmei.distribution.models import Publication

    while True:
        states = list(Publication.objects.filter(story_id=story_id).values_list("state", flat=True))
        if len(states) == n_channels and all(s == "published" for s in states):
            return "published"
        if "dead" in states:
            return "dead"
        if time.perf_counter() > deadline:
            return "timeout"
        time.sleep(POLL_SECONDS)


def explain_failure(story_ids, worker: Worker) -> str:
    from rongmei.distribution.models import Publication

    rows = Publication.objects.filter(story_id__in=story_ids).exclude(state="published").select_related("channel")
    lines = [f"    {p.channel.code}: {p.state} {p.last_error}" for p in rows[:20]]
    return "\n".join(lines) + f"\n  worker log ({worker.log_path}):\n{worker.tail()}"


def latency_run(label, stories, channels, chief, env, argv, interval_effective, workdir, warmups, rng) -> dict:
    from rongmei.distribution import services

    worker = Worker(argv, env, workdir / f"worker-{label}.log")
    print(f"  worker: {shown(argv)}")
    try:
        for story in warmups:  # imports, fonts, first connections: not measured
            services.publish(actor=chief, story=story, channels=channels)
            outcome = wait_story(story.pk, len(channels), time.perf_counter() + 180)
            if outcome != "published":
                sys.exit(f"  warm-up story {story.pk}: {outcome}\n{explain_failure([story.pk], worker)}")
        runs = []
        started = time.perf_counter()
        for n, story in enumerate(stories, start=1):
            time.sleep(rng.uniform(0, interval_effective))
            wall0 = time.time()
            t0 = time.perf_counter()
            services.publish(actor=chief, story=story, channels=channels)
            t_publish = time.perf_counter() - t0
            outcome = wait_story(story.pk, len(channels), t0 + 120)
            t1 = time.perf_counter()
            runs.append({"story": story.pk, "seconds": t1 - t0, "publish_call": t_publish, "outcome": outcome, "t0_wall": wall0})
            if outcome != "published":
                print(f"  story {story.pk}: {outcome}\n{explain_failure([story.pk], worker)}")
                if not worker.alive():
                    break
            if n % 50 == 0:
                done = [r["seconds"] for r in runs]
                print(f"  … {n} stories, p50 {statistics.median(done):.3f} s, {time.perf_counter() - started:.0f} s")
    finally:
        worker.stop()
    ok = [r["seconds"] for r in runs if r["outcome"] == "published"]
    failed = [r for r in runs if r["outcome"] != "published"]
    everything = [r["seconds"] if r["outcome"] == "published" else float("inf") for r in runs]
    result = {
        "label": label,
        "worker": shown(argv),
        "stories": len(runs),
        "publications": len(runs) * len(channels),
        "failed_stories": len(failed),
        "p50": pct(everything, 50) if runs else None,
        "p95": pct(everything, 95) if runs else None,
        "max": max(everything) if runs else None,
        "mean_completed": statistics.fmean(ok) if ok else None,
        "publish_call_p50": statistics.median(r["publish_call"] for r in runs) if runs else None,
        "breakdown": breakdown(runs, channels),
    }
    return result


def breakdown(runs: list[dict], channels) -> dict:
    """Where a story's time goes, from the task rows (enqueued/started/finished) and the attempt
    log (start, duration of the adapter's send): per story, the worker's pickup wait, the sum of
    the tasks' run times and the rest; per channel, each task split into prepare (locking,
    rendering the payload incl. making the channel version), send (adapter.send) and finish."""
    from django_tasks_db.models import DBTaskResult

    from rongmei.distribution.models import Publication, PublicationAttempt

    story_ids = [r["story"] for r in runs if r["outcome"] == "published"]
    pubs = {p.pk: p for p in Publication.objects.filter(story_id__in=story_ids).select_related("channel")}
    attempts = {}
    for a in PublicationAttempt.objects.filter(publication_id__in=pubs, kind="send", outcome="ok"):
        attempts[a.publication_id] = a
    tasks = defaultdict(list)
    for t in DBTaskResult.objects.filter(task_path__endswith="send_publication", status="SUCCESSFUL").only(
        "args_kwargs", "enqueued_at", "started_at", "finished_at"
    ):
        pub_id = t.args_kwargs["args"][0]
        if pub_id in pubs:
            tasks[pub_id].append(t)
    per_channel: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    per_story = defaultdict(list)
    by_story = defaultdict(list)
    for pub_id, pub in pubs.items():
        rows = sorted(tasks.get(pub_id, []), key=lambda t: t.started_at)
        a = attempts.get(pub_id)
        if not rows or a is None:
            continue
        t = rows[-1]
        run = (t.finished_at - t.started_at).total_seconds()
        prepare = (a.started_at - t.started_at).total_seconds()
        send = a.duration_ms / 1000
        c = per_channel[pub.channel.code]
        c["task"].append(run)
        c["prepare"].append(prepare)
        c["send"].append(send)
        c["finish"].append(max(0.0, run - prepare - send))
        by_story[pub.story_id].append(
            (rows[0].started_at, t.finished_at, sum((x.finished_at - x.started_at).total_seconds() for x in rows))
        )
    walls = {r["story"]: (r["t0_wall"], r["seconds"]) for r in runs}
    for story_id, items in by_story.items():
        t0_wall, seconds = walls[story_id]
        first_start = min(i[0] for i in items).timestamp()
        busy = sum(i[2] for i in items)
        per_story["pickup_wait"].append(first_start - t0_wall)
        per_story["tasks_run"].append(busy)
        per_story["other"].append(seconds - (first_start - t0_wall) - busy)
    order = [c.code for c in channels]
    return {
        "per_story_mean": {k: statistics.fmean(v) for k, v in per_story.items()},
        "per_story_p95": {k: pct(v, 95) for k, v in per_story.items()},
        "per_channel_median": {
            code: {k: statistics.median(v) for k, v in per_channel[code].items()} for code in order if code in per_channel
        },
        "per_channel_p95_task": {code: pct(per_channel[code]["task"], 95) for code in order if code in per_channel},
    }


def suspects(story, servers: Servers, channels) -> dict:
    """Direct timings (in this process, medians of 3) of the steps suspected of being slow."""
    from rongmei.distribution import formatters, versions
    from rongmei.distribution.adapters import drop
    from rongmei.distribution.adapters.ftp import FtpAdapter
    from rongmei.distribution.adapters.sftp import SftpAdapter
    from rongmei.distribution.formatters import newspaper
    from rongmei.distribution.models import Channel, Publication

    def timed(fn, n=3) -> float:
        values = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            values.append(time.perf_counter() - t)
        return statistics.median(values)

    out = {}
    news = Channel.objects.get(code="newspaper")
    (cv,) = versions.generate(actor=None, version=story.current_version, channels=[news])
    out["newspaper_channel_version_generate"] = timed(lambda: formatters.generate("newspaper", story.current_version))
    out["weasyprint_proof_pdf"] = timed(lambda: newspaper.proof_pdf(cv.content))
    sftp = SftpAdapter(news, servers.sftp.settings())
    out["sftp_connect_login_close"] = timed(lambda: sftp.session().__enter__().__exit__(None, None, None))
    ftp = FtpAdapter(Channel.objects.get(code="radio"), servers.ftp.settings())
    out["ftp_connect_login_close"] = timed(lambda: ftp.session().__enter__().__exit__(None, None, None))
    # The newspaper's whole send, and its parts, for a publication the run made (same key: overwrites).
    pub = Publication.objects.select_related("channel", "version", "story__team").get(story=story, channel=news)
    payload = sftp.render(pub)
    out["newspaper_render_payload"] = timed(lambda: sftp.render(pub))
    out["newspaper_files_for_text_pdf_photos_manifest"] = timed(lambda: drop.files_for(payload, pub.key))
    out["newspaper_send_total_files_for_plus_sftp"] = timed(lambda: sftp.send(payload, pub.key))
    return out


def partner_summary(servers: Servers) -> dict:
    """What the partners hold after the latency runs (a check that the photos really travel)."""
    wx = servers.wechat
    return {
        "webhook_items": len(servers.receiver.items),
        "wechat_articles": len(wx.published),
        "wechat_cover_uploads": len(wx.materials) - 1,
        "wechat_body_images_uploaded": len(wx.images),
        "sftp_files": len(servers.sftp.names()),
        "sftp_pdf_proofs": sum(1 for n in servers.sftp.names() if n.endswith(".pdf")),
        "sftp_photos": sum(1 for n in servers.sftp.names() if ".photo-" in n),
        "ftp_files": len(servers.ftp.names()),
        "weibo_posts": len(servers.weibo.live_posts()),
        "weibo_posts_with_picture": sum(1 for p in servers.weibo.posts.values() if p.get("pic")),
    }


# --- reliability -----------------------------------------------------------------------------


def reliability_run(args, people, assets, video, env, workdir, rng) -> dict:
    from rongmei.distribution import services
    from rongmei.distribution.models import Publication

    chief = people["chief"]
    home = workdir / "partners-faulty"
    with Servers(home, fault_rate=args.fault_rate, seed=args.seed, client_timeout=0.3, first_id=1_000_000) as servers:
        channels = configure_channels(chief, servers, RELIABILITY_ADAPTERS, timeout=0.5)
        print("  channels: " + ", ".join(f"{c.code}→{RELIABILITY_ADAPTERS[c.code]}" for c in channels))
        n_stories = math.ceil(args.publications / len(channels))
        t = time.perf_counter()
        stories = [make_story(people, assets, n, "可靠性", video=video) for n in range(1, n_stories + 1)]
        print(f"  {n_stories} stories (six photos and the video each) × {len(channels)} channels = "
              f"{n_stories * len(channels)} publications (stories made in {time.perf_counter() - t:.0f} s)")  # fmt: skip
        env = {
            **env,
            "BENCH_RETRY_BASE": str(args.retry_base),
            "BENCH_RETRY_CAP": str(args.retry_cap),
            "BENCH_MAX_ATTEMPTS": str(args.max_attempts),
            "BENCH_WEBHOOK_TIMEOUT": "0.3",
        }
        argv = worker_argv(args.reliability_interval, wrapper=True)
        print(f"  worker: {shown(argv)}  (retry delay {args.retry_base:g} s·2^(n-1) ≤ {args.retry_cap:g} s, "
              f"MAX_ATTEMPTS {args.max_attempts}, webhook timeout 0.3 s, "
              f"FTP/WeChat/Weibo/Douyin/Kuaishou timeout 0.5 s)")  # fmt: skip
        worker = Worker(argv, env, workdir / "worker-reliability.log")
        started = time.perf_counter()
        ids = [s.pk for s in stories]
        try:
            for story in stories:
                services.publish(actor=chief, story=story, channels=channels)
            last_print = time.perf_counter()
            while True:
                states = Counter(Publication.objects.filter(story_id__in=ids).values_list("state", flat=True))
                open_ = sum(n for s, n in states.items() if s not in ("published", "dead"))
                now = time.perf_counter()
                if open_ == 0 or now - started > args.reliability_timeout or not worker.alive():
                    break
                if now - last_print > 15:
                    print(f"  … {now - started:.0f} s: {dict(states)}")
                    last_print = now
                time.sleep(0.2)
        finally:
            worker.stop()
        seconds = time.perf_counter() - started
        if not worker.alive() and open_ and seconds < args.reliability_timeout:
            print(f"  the worker stopped:\n{worker.tail()}")
        return count_outcome(stories, channels, servers, seconds, args)


def _sent_text(kind: str, payload: dict) -> str | None:
    """What the adapter posted for a publication (from the payload it recorded): Weibo's status,
    Douyin's text, Kuaishou's caption."""
    if not payload:
        return None
    if kind == "weibo":
        return payload.get("status")
    content = payload.get("content") or {}
    return content.get("text") or content.get("caption") or payload.get("headline")


def _platform_posts(kind: str, server) -> tuple[dict[str, list[str]], set[str]]:
    """Every post the contract server has ever made, by its text, and the ids still up."""
    if kind == "weibo":
        made, live = {k: v["status"] for k, v in server.posts.items()}, set(server.live_posts())
    elif kind == "douyin":
        made, live = {k: v.get("text", "") for k, v in server.items.items()}, set(server.live_items())
    else:
        made, live = {k: v["caption"] for k, v in server.photos.items()}, set(server.live_photos())
    by_text: dict[str, list[str]] = defaultdict(list)
    for post_id, text in made.items():
        by_text[text].append(post_id)
    return by_text, live


def count_outcome(stories, channels, servers: Servers, seconds: float, args) -> dict:
    """Per channel: lost (not PUBLISHED, or PUBLISHED with nothing at the partner) and
    duplicates, judged from what the partner servers hold."""
    from django.urls import reverse

    from rongmei.distribution.models import Publication

    pubs = list(Publication.objects.filter(story__in=stories).select_related("channel"))
    kind_of = {c.code: RELIABILITY_ADAPTERS[c.code] for c in channels}
    code_of_id = {c.pk: c.code for c in channels}
    states = Counter(p.state for p in pubs)
    lost: dict[str, set[int]] = defaultdict(set)  # channel -> publication ids
    missing: dict[str, set[int]] = defaultdict(set)
    dead_but_posted: dict[str, set[int]] = defaultdict(set)
    duplicates: dict[str, list[str]] = defaultdict(list)
    for p in pubs:
        if p.state != "published":
            lost[p.channel.code].add(p.pk)

    def gone(p) -> None:
        missing[p.channel.code].add(p.pk)
        lost[p.channel.code].add(p.pk)

    # webhook: one item per key at the receiver; a (story, version, channel) under one key only
    r = servers.receiver
    for p in pubs:
        if kind_of[p.channel.code] == "webhook":
            if p.state == "published" and p.key not in r.items:
                gone(p)
            if p.state != "published" and p.key in r.items:
                dead_but_posted[p.channel.code].add(p.pk)
    for item, keys in r.keys_by_item.items():
        if len(keys) > 1:
            duplicates[item[2]].append(f"webhook {item}: {len(keys)} keys")
    for key, bodies in r.bodies.items():
        if len(bodies) > 1:
            duplicates[code_of_id.get(int(key.rsplit("-", 1)[1]), "?")].append(f"webhook {key}: {len(bodies)} different bodies")
    redeliveries = sum(n - 1 for n in r.deliveries.values() if n > 1)

    # FTP and SFTP: a manifest per key, every file it lists present with its SHA-256
    drops = {"ftp": servers.ftp.home, "sftp": servers.sftp.home}
    manifests: dict[str, dict] = {}
    incomplete = []
    by_story_channel = defaultdict(set)
    for kind, root in drops.items():
        for path in root.rglob("*.manifest.json"):
            document = json.loads(path.read_text())
            manifests[document["key"]] = document
            by_story_channel[(document.get("story_id"), document.get("version"), document.get("channel"))].add(document["key"])
            for f in document["files"]:
                target = path.parent / f["name"]
                if not target.is_file() or hashlib.sha256(target.read_bytes()).hexdigest() != f["sha256"]:
                    incomplete.append(f"{kind}:{f['name']}")
    for item, keys in by_story_channel.items():
        if len(keys) > 1:
            duplicates[item[2]].append(f"drop {item}: {len(keys)} keys")
    for p in pubs:
        if kind_of[p.channel.code] in drops:
            if p.state == "published" and p.key not in manifests:
                gone(p)
            if p.state != "published" and p.key in manifests:
                dead_but_posted[p.channel.code].add(p.pk)
    part_files = [p.name for root in drops.values() for p in root.rglob("*.part")]

    # WeChat: published articles per story, by the "read the original" link (or the title)
    wx = servers.wechat
    path_to_story = {reverse("portal:story", args=[s.pk]): s.pk for s in stories}
    articles_by_story = defaultdict(list)
    for item in wx.published.values():
        article = item["articles"][0]
        link = article.get("content_source_url", "")
        story_id = next((sid for path, sid in path_to_story.items() if link.endswith(path)), None)
        if story_id is None:
            story_id = next((s.pk for s in stories if s.current_version.headline.startswith(article.get("title", "\0")[:20])), None)
        if item["article_id"] not in wx.deleted:
            articles_by_story[story_id].append(item["article_id"])
    for p in pubs:
        if kind_of[p.channel.code] != "wechat":
            continue
        n = len(articles_by_story.get(p.story_id, []))
        if n > 1:
            duplicates[p.channel.code].append(f"wechat story {p.story_id}: {n} articles")
        if p.state == "published" and n == 0:
            gone(p)
        if p.state != "published" and n:
            dead_but_posted[p.channel.code].add(p.pk)

    # Weibo, Douyin, Kuaishou: the posts the contract server made, matched by the text we sent
    # (every story's differs); the receipt must be a post still up.
    unmatched_posts = {}
    for kind in PLATFORM_KINDS:
        if kind not in kind_of.values():
            continue
        by_text, live = _platform_posts(kind, servers.platform(kind))
        texts = set()
        for p in pubs:
            if kind_of[p.channel.code] != kind:
                continue
            text = _sent_text(kind, p.payload)
            texts.add(text)
            posts = by_text.get(text, []) if text else []
            if len(posts) > 1:
                duplicates[p.channel.code].append(f"{kind} story {p.story_id}: {len(posts)} posts")
            if p.state == "published" and (p.external_id not in live or p.external_id not in posts):
                gone(p)
            if p.state != "published" and posts:
                dead_but_posted[p.channel.code].add(p.pk)
        unmatched_posts[kind] = sum(len(ids) for text, ids in by_text.items() if text not in texts)

    attempts = [p.attempts for p in pubs]
    per_channel = {}
    for c in channels:
        mine = [p for p in pubs if p.channel_id == c.pk]
        errors = Counter(p.last_error for p in mine if p.state != "published")
        per_channel[c.code] = {
            "adapter": kind_of[c.code],
            "publications": len(mine),
            "published": sum(1 for p in mine if p.state == "published"),
            "lost": len(lost[c.code]),
            "lost_not_published": sum(1 for p in mine if p.state != "published"),
            "lost_missing_at_partner": len(missing[c.code]),
            "dead_but_posted": len(dead_but_posted[c.code]),
            "duplicates": len(duplicates[c.code]),
            "attempts_mean": round(statistics.fmean(p.attempts for p in mine), 2) if mine else 0,
            "attempts_max": max((p.attempts for p in mine), default=0),
            "why_not_published": dict(errors.most_common(3)),
        }
    all_lost = set().union(*lost.values()) if lost else set()
    all_duplicates = [d for ds in duplicates.values() for d in ds]
    faults = {
        "webhook": {"calls": r.calls, **dict(r.faults_applied)},
        "wechat": {"calls": servers.wechat_faults.calls, **dict(servers.wechat_faults.applied)},
        "ftp": {"sessions": servers.ftp.sessions, **dict(servers.ftp.faults_applied)},
        "sftp": "none",
    }
    for kind, f in servers.platform_faults.items():
        faults[kind] = {"calls": f.calls, **dict(f.applied), "by_path": {path: dict(c) for path, c in sorted(f.by_path.items())}}
    return {
        "publications": len(pubs),
        "channels": len(channels),
        "channel_adapters": {c.code: kind_of[c.code] for c in channels},
        "stories": len(stories),
        "fault_rate": args.fault_rate,
        "seconds": round(seconds, 1),
        "states": dict(states),
        "per_channel": per_channel,
        "lost": len(all_lost),
        "lost_not_published": sum(1 for p in pubs if p.state != "published"),
        "lost_missing_at_partner": len(set().union(*missing.values())) if missing else 0,
        "dead_but_posted": sum(len(v) for v in dead_but_posted.values()),
        "duplicates": len(all_duplicates),
        "duplicate_examples": all_duplicates[:10],
        "webhook_redeliveries_absorbed_by_key": redeliveries,
        "faults": faults,
        "incomplete_drop_files": len(incomplete),
        "leftover_part_files": len(part_files),
        "wechat_orphan_drafts": len(wx.drafts),
        "platform_posts_matching_no_publication": unmatched_posts,
        "attempts": {
            "mean": round(statistics.fmean(attempts), 2) if attempts else 0,
            "max": max(attempts) if attempts else 0,
            f"over_{PRODUCTION_MAX_ATTEMPTS}": sum(1 for a in attempts if a > PRODUCTION_MAX_ATTEMPTS),
            f"over_{PRODUCTION_MAX_ATTEMPTS}_by_channel": dict(
                Counter(p.channel.code for p in pubs if p.attempts > PRODUCTION_MAX_ATTEMPTS).most_common()
            ),
        },
        "max_attempts": args.max_attempts,
    }


# --- report ----------------------------------------------------------------------------------


def machine() -> dict:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    import sqlite3

    import django

    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "load_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def print_latency(res: dict) -> None:
    f = res
    print(f"  {f['stories']} stories, {f['publications']} publications, failed stories: {f['failed_stories']}")
    print(
        f"  latency p50 {f['p50']:.3f} s   p95 {f['p95']:.3f} s   max {f['max']:.3f} s   (publish() call p50 {f['publish_call_p50'] * 1000:.0f} ms)"
    )
    b = f["breakdown"]
    if b.get("per_story_mean"):
        m, p = b["per_story_mean"], b["per_story_p95"]
        print(f"  per story, mean (p95): worker pickup wait {m['pickup_wait']:.3f} ({p['pickup_wait']:.3f}) s, "
              f"tasks running {m['tasks_run']:.3f} ({p['tasks_run']:.3f}) s, rest {m['other']:.3f} ({p['other']:.3f}) s")  # fmt: skip
        print(f"  {'channel':<16}{'task p50':>10}{'p95':>8}{'prepare':>10}{'send':>8}{'finish':>8}   (ms, medians)")
        for code, c in b["per_channel_median"].items():
            print(f"  {code:<16}{c['task'] * 1000:>10.0f}{b['per_channel_p95_task'][code] * 1000:>8.0f}"
                  f"{c['prepare'] * 1000:>10.0f}{c['send'] * 1000:>8.0f}{c['finish'] * 1000:>8.0f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=200, help="stories in the latency part (200)")
    parser.add_argument("--publications", type=int, default=1000, help="publications in the reliability part (1000)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 stories, 100 publications")
    parser.add_argument("--only", choices=("latency", "reliability"), help="run one part")
    parser.add_argument("--interval", type=float, default=RUN_SH_INTERVAL,
                        help=f"db_worker --interval of the main latency run ({RUN_SH_INTERVAL:g}, as scripts/run.sh)")  # fmt: skip
    parser.add_argument("--compare-interval", type=float, default=0.05, help="a second latency run with this --interval (0: none)")
    parser.add_argument("--compare-stories", type=int, default=50, help="stories of the second run (50)")
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument(
        "--max-attempts", type=int, default=PRODUCTION_MAX_ATTEMPTS, help="MAX_ATTEMPTS in the reliability worker (default: production's)"
    )
    parser.add_argument("--retry-base", type=float, default=0.05)
    parser.add_argument("--retry-cap", type=float, default=1.0)
    parser.add_argument("--reliability-interval", type=float, default=0.05)
    parser.add_argument("--reliability-timeout", type=float, default=420, help="seconds to wait for the reliability part")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the JSON results (bench/results/publishing.json)")
    args = parser.parse_args()
    if args.quick:
        args.stories, args.publications = 20, 100
        args.compare_stories = min(args.compare_stories, 10)
    compare_stories = args.compare_stories
    command = " ".join([".venv/bin/python", "bench/publishing.py", *sys.argv[1:]])
    rng = random.Random(args.seed)  # noqa: S311
    begun = time.perf_counter()

    workdir = Path(tempfile.mkdtemp(prefix="rongmei-bench-publishing-"))
    env = setup_django(workdir)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, load {info['load_at_start'][0]:.2f} at start; "
          f"Python {info['python']}, Django {info['django']}, SQLite {info['sqlite']}")  # fmt: skip
    print(f"command: {command}")
    print(f"database: SQLite (WAL) in {workdir}; task queue: django-tasks database backend; cache: local memory")

    from rongmei.testing.personas import make_newsroom

    people = make_newsroom()
    chief = people["chief"]
    t = time.perf_counter()
    assets, media_info = upload_photos(people["photographer"], make_photos(workdir))
    print(f"photos: 6 JPEGs 3000×2000 uploaded once, {media_info['renditions']} renditions "
          f"({', '.join(media_info['rendition_kinds'])}) made once in {media_info['seconds']:.1f} s; "
          f"the same six assets are attached to every story ({time.perf_counter() - t:.0f} s)")  # fmt: skip
    video = None
    if args.only in (None, "reliability"):
        t = time.perf_counter()
        video, media_info["video"] = upload_video(people["photographer"], make_video(workdir))
        v = media_info["video"]
        print(f"video: a {v['duration']} s clip ({v['video_bytes'] // 1024} KB) uploaded once, its renditions made once in "
              f"{v['seconds']:.1f} s: " + ", ".join(f"{k} {r['size']} {r['bytes'] // 1024} KB" for k, r in v["renditions"].items())
              + f"; attached to every reliability story ({time.perf_counter() - t:.0f} s)")  # fmt: skip

    results: dict = {
        "command": command,
        "machine": info,
        "channel_adapters": {"latency": LATENCY_ADAPTERS, "reliability": RELIABILITY_ADAPTERS},
        "media": media_info,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    missed: list[str] = []

    if args.only in (None, "latency"):
        print("\n== 1. latency: a text story with six photos to every channel ==")
        with Servers(workdir / "partners") as servers:
            channels = configure_channels(chief, servers, LATENCY_ADAPTERS)
            stand_ins = [c.code for c in channels if c.code in STAND_INS]
            native = [c for c in channels if c.code not in STAND_INS]
            print(f"channels: {len(channels)} = {len(native)} with their own delivery + {len(stand_ins)} partner webhooks; "
                  + ", ".join(f"{c.code}→{LATENCY_ADAPTERS[c.code]}" for c in channels))  # fmt: skip
            print(f"  {', '.join(stand_ins)}: partner webhooks, NOT their native adapters: those publish a video and "
                  "refuse a story without one, and this story is text and photos (video excluded)")  # fmt: skip
            if len(channels) < MIN_CHANNELS:
                missed.append(f"only {len(channels)} channels (target: ≥ {MIN_CHANNELS})")
            t = time.perf_counter()
            runs_plan = [("run.sh", args.interval, args.stories)]
            if args.compare_interval and args.compare_interval != args.interval:
                runs_plan.append((f"interval {args.compare_interval:g}", args.compare_interval, compare_stories))
            pools = {}
            for label, _interval, n in runs_plan:
                pools[label] = [make_story(people, assets, k, "第") for k in range(1, n + 1)]
            warm = {label: [make_story(people, assets, k, "预热") for k in (1, 2)] for label, _i, _n in runs_plan}
            print(f"stories: {sum(len(v) + 2 for v in pools.values())} written, photos attached, signed off "
                  f"(incl. 2 warm-up stories per run, not measured) in {time.perf_counter() - t:.0f} s")  # fmt: skip
            latency = []
            for label, interval, _n in runs_plan:
                print(f"\n-- {label}: db_worker --interval {'(default, 1 s)' if interval is None else f'{interval:g}'} --")
                res = latency_run(
                    label, pools[label], channels, chief, env, worker_argv(interval),
                    1.0 if interval is None else interval, workdir, warm[label], rng,
                )  # fmt: skip
                print_latency(res)
                latency.append(res)
            probe_story = pools[runs_plan[0][0]][0]
            timings = suspects(probe_story, servers, channels)
            received = partner_summary(servers)
            print(f"\n  the partners received: {received}")
            print("  direct timings (medians of 3, in the bench process): "
                  + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))  # fmt: skip
        main_run = latency[0]
        results["latency"] = {
            "runs": latency,
            "suspects": timings,
            "received": received,
            "channels": len(channels),
            "channels_own_delivery": [c.code for c in native],
            "channels_partner_webhook_stand_ins": stand_ins,
            "target_p95_seconds": TARGET_P95_SECONDS,
        }
        if main_run["failed_stories"]:
            missed.append(f"latency: {main_run['failed_stories']} stories did not complete")
        if main_run["p95"] > TARGET_P95_SECONDS:
            missed.append(f"latency: p95 {main_run['p95']:.3f} s > {TARGET_P95_SECONDS} s ({main_run['label']})")

    if args.only in (None, "reliability"):
        print(f"\n== 2. reliability: {args.publications} publications, {args.fault_rate:.0%} of calls failing transiently ==")
        rel = reliability_run(args, people, assets, video, env, workdir, rng)
        results["reliability"] = rel
        print(f"  finished in {rel['seconds']:.0f} s; states: {rel['states']}")
        print("  faults applied: " + ", ".join(f"{k} {({n: v for n, v in f.items() if n != 'by_path'} if isinstance(f, dict) else f)}"
                                             for k, f in rel["faults"].items()))  # fmt: skip
        for kind, path in POST_PATHS.items():
            f = rel["faults"].get(kind, {}).get("by_path", {})
            post, listing = f.get(path, {}), f.get(LIST_PATHS[kind], {})
            print(f"  {kind} post calls ({path}): {post.get('calls', 0)}, answer lost {post.get('drop_after', 0)}× after posting "
                  f"(drop_after) and {post.get('timeout', 0) + post.get('drop', 0)}× with nothing posted (timeout, drop), "
                  f"500 {post.get('500', 0)}×; look-ups ({LIST_PATHS[kind]}): {listing.get('calls', 0)} calls, "
                  f"{sum(v for n, v in listing.items() if n != 'calls')} failed")  # fmt: skip
        print(f"  attempts per publication: mean {rel['attempts']['mean']}, max {rel['attempts']['max']}, "
              f"more than production's {PRODUCTION_MAX_ATTEMPTS}: {rel['attempts'][f'over_{PRODUCTION_MAX_ATTEMPTS}']} "
              f"{rel['attempts'][f'over_{PRODUCTION_MAX_ATTEMPTS}_by_channel']} (MAX_ATTEMPTS here {rel['max_attempts']})")  # fmt: skip
        print(f"  webhook re-deliveries after lost answers, absorbed by the Idempotency-Key: {rel['webhook_redeliveries_absorbed_by_key']}; "
              f"WeChat drafts left behind: {rel['wechat_orphan_drafts']}; .part files left: {rel['leftover_part_files']}; "
              f"platform posts matching no publication: {rel['platform_posts_matching_no_publication']}")  # fmt: skip
        print(f"  {'channel':<16}{'adapter':<9}{'pubs':>5}{'publ.':>6}{'LOST':>6}{'(not publ.':>11}{'missing)':>9}"
              f"{'DUPL.':>7}{'dead but posted':>17}{'attempts mean/max':>19}")  # fmt: skip
        for code, c in rel["per_channel"].items():
            print(f"  {code:<16}{c['adapter']:<9}{c['publications']:>5}{c['published']:>6}{c['lost']:>6}"
                  f"{c['lost_not_published']:>11}{c['lost_missing_at_partner']:>9}{c['duplicates']:>7}{c['dead_but_posted']:>17}"
                  f"{c['attempts_mean']:>13.2f} / {c['attempts_max']:<3}")  # fmt: skip
        print(f"  DUPLICATES: {rel['duplicates']}" + (f"  e.g. {rel['duplicate_examples'][:3]}" if rel["duplicates"] else ""))
        print(f"  LOST: {rel['lost']}  (not published: {rel['lost_not_published']}, missing at the partner: "
              f"{rel['lost_missing_at_partner']}; not published although the post/item is at the partner: {rel['dead_but_posted']})")  # fmt: skip
        for code, c in rel["per_channel"].items():
            if c["why_not_published"]:
                print(f"  why not published on {code}: {c['why_not_published']}")
        if rel["lost"] or rel["duplicates"]:
            bad = {
                k: f"{v['lost']} lost, {v['duplicates']} duplicates" for k, v in rel["per_channel"].items() if v["lost"] or v["duplicates"]
            }
            missed.append(f"reliability: {rel['duplicates']} duplicates, {rel['lost']} lost ({bad})")

    total = time.perf_counter() - begun
    results["seconds"] = round(total, 1)
    results["machine"]["load_at_end"] = os.getloadavg()
    results["missed"] = missed
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"\nrun time {total:.0f} s; results in {args.output}")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"kept {workdir}")
    if missed:
        print("TARGETS MISSED:\n  " + "\n  ".join(missed))
        sys.exit(1)
    print("targets met")


if __name__ == "__main__":
    main()
