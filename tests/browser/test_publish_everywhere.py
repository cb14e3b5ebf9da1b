"""Collect once, generate many, publish everywhere — and take it back with one action.

A reporter uploads a photo gallery and a one-minute video to a story in the browser (chunked,
with progress bars); the task worker makes the renditions; the story is signed off once; the
chief editor publishes it on every channel from its publishing page and watches the publication
board; each channel receives its own version, with its own rendition, from real local servers:
the website and app (our portal, its RSS and ninjs feeds), a signed webhook (the government
website), SFTP (the newspaper: print text, PDF proof and photos), FTP (radio script; TV rundown
and MP4), and the WeChat and Douyin contract servers. One retraction takes it off all of them.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from rongmei.accounts.middleware import POLICY_CACHE_KEY
from rongmei.accounts.models import Role, RoleSecurityPolicy
from rongmei.distribution import services as distribution
from rongmei.distribution.adapters import wechat
from rongmei.distribution.adapters.progress import Progress
from rongmei.distribution.models import Channel, Publication
from rongmei.distribution.tests.receiver import Receiver
from rongmei.distribution.tests.servers.douyin import DouyinServer
from rongmei.distribution.tests.servers.ftp import FtpServer
from rongmei.distribution.tests.servers.sftp import SftpServer
from rongmei.distribution.tests.servers.wechat import APPID, WechatServer
from rongmei.media.models import Asset, Rendition
from rongmei.media.tests.conftest import jpeg_bytes
from rongmei.newsroom import services as newsroom
from rongmei.newsroom.models import Story
from tests.browser.conftest import run_task_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADLINE = "泌阳县第十五届中国牛业发展大会开幕"
INTRO = "11月26日，第十五届中国牛业发展大会在泌阳县开幕，来自全国28个省区的1200名代表参加会议。"
BODY = (
    "<p>大会为期3天，设置主论坛和8个分论坛。全县夏南牛存栏量达到35.5万头，同比增长15%。</p>"
    "<p>县畜牧局负责人介绍，全县已建成标准化养殖场126个，带动2万户群众增收。</p>"
)
SECRET = "partner-secret-0123456789abcdef"  # noqa: S105
PHOTOS = [("开幕式.jpg", (200, 40, 40)), ("展区.jpg", (40, 160, 60)), ("夏南牛.jpg", (40, 60, 200))]


@pytest.fixture(scope="module")
def minute_video(tmp_path_factory) -> bytes:
    """A one-minute 640×360 video with sound, small enough to upload in a test."""
    path = tmp_path_factory.mktemp("video") / "minute.mp4"
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "ffmpeg", "-hide_banner", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=duration=60:size=640x360:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=60",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "38", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path.read_bytes()


@pytest.fixture
def servers(tmp_path, monkeypatch):
    from rongmei.distribution.adapters import webhook

    monkeypatch.setattr(webhook, "TIMEOUT_SECONDS", 2)
    wechat.forget_tokens()
    with (
        Receiver(SECRET) as receiver,
        SftpServer(tmp_path / "sftp") as sftpd,
        FtpServer(tmp_path / "ftp") as ftpd,
        WechatServer() as wx,
        DouyinServer() as douyin,
    ):
        yield {"receiver": receiver, "sftp": sftpd, "ftp": ftpd, "wechat": wx, "douyin": douyin}
    wechat.forget_tokens()


def configure(chief, servers) -> list[Channel]:
    # A transactional test before this one may have flushed the channels migration 0002 made.
    for order, (code, name) in enumerate(importlib.import_module("rongmei.distribution.migrations.0002_channels").CHANNELS):
        Channel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    ch = {c.code: c for c in Channel.objects.all()}
    distribution.configure_channel(
        actor=chief, channel=ch["gov_site"], adapter="webhook", settings={"url": servers["receiver"].url, "secret": SECRET}
    )
    distribution.configure_channel(actor=chief, channel=ch["newspaper"], adapter="sftp", settings=servers["sftp"].settings())
    distribution.configure_channel(actor=chief, channel=ch["radio"], adapter="ftp", settings=servers["ftp"].settings())
    distribution.configure_channel(actor=chief, channel=ch["tv"], adapter="ftp", settings=servers["ftp"].settings())
    distribution.configure_channel(actor=chief, channel=ch["wechat_oa"], adapter="wechat", settings=servers["wechat"].settings())
    distribution.configure_channel(actor=chief, channel=ch["douyin"], adapter="douyin", settings=servers["douyin"].settings())
    return [ch[c] for c in ("website", "app", "gov_site", "newspaper", "radio", "tv", "wechat_oa", "douyin")]


def test_one_story_reaches_every_channel_with_its_own_rendition_and_one_retraction_takes_it_back(
    log_in, new_context, live_server, settings, tmp_path, servers, minute_video, reporter, editor, column_lead, chief, team
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.RONGMEI_MEDIA_CHUNK_BYTES = 256 * 1024
    RoleSecurityPolicy.objects.update_or_create(role=Role.CHIEF_EDITOR, defaults={"require_two_factor": True})
    cache.delete(POLICY_CACHE_KEY)
    device = TOTPDevice.objects.create(user=chief, name="手机", confirmed=True)
    channels = configure(chief, servers)
    story = newsroom.create_story(actor=reporter, team=team, headline=HEADLINE, intro=INTRO, body=BODY, keywords=["泌阳", "夏南牛"])

    # 1. The reporter uploads three photos and a one-minute video to the story, with progress.
    page = log_in(reporter)
    page.goto(reverse("media:upload") + f"?story={story.pk}")
    progress_seen = []
    page.expose_function("sawProgress", lambda value: progress_seen.append(value))
    page.locator("#file-input").set_input_files(
        [{"name": "牛业大会.mp4", "mimeType": "video/mp4", "buffer": minute_video}]
        + [{"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes((1600, 1000), color=color)} for name, color in PHOTOS]
    )
    items = page.locator("#upload-list .upload-item")
    expect(items).to_have_count(4)
    # The video goes up in several chunks: its bar shows a value between 0 and 100 on the way.
    items.nth(0).locator("progress").evaluate("p => new MutationObserver(() => window.sawProgress(p.value)).observe(p, {attributes: true})")
    for n in range(4):
        expect(items.nth(n)).to_have_class(re.compile(r"\bdone\b"), timeout=60_000)
    assert items.nth(0).locator("progress").evaluate("p => p.value") == 100
    assert story.assets.count() == 4
    video = Asset.objects.get(kind="video")
    assert video.original.open("rb").read() == minute_video
    assert 59 <= (video.duration or 0) <= 61

    # 2. The worker makes the renditions (web sizes, WeChat covers, MP4, HLS, poster, 9:16 cut).
    run_task_worker()
    done = {(r.asset.kind, r.kind) for r in Rendition.objects.filter(status=Rendition.Status.DONE).select_related("asset")}
    for kind in ("web_1280_jpg", "wechat_cover_235"):
        assert ("image", kind) in done
    for kind in ("mp4", "poster", "hls_360", "vertical_916"):
        assert ("video", kind) in done, Rendition.objects.filter(kind=kind).values("status", "error")

    # 3. Signed off once (the review chain in the browser is test_newsroom_chain's).
    newsroom.submit_story(actor=reporter, story=story)
    for reviewer in (editor, column_lead, chief):
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    assert story.state == Story.State.APPROVED

    # 4. The chief editor publishes it everywhere with one action, then watches the board.
    chief_page = log_in(chief, totp_device=device)
    chief_page.goto(reverse("distribution:story", args=[story.pk]))
    for channel in channels:
        chief_page.locator(f"input[name=channels][value='{channel.pk}']").check()
    chief_page.locator(f"form[action='{reverse('distribution:story', args=[story.pk])}'] button.btn-primary").click()
    expect(chief_page.locator(".msg.success")).to_be_visible()
    chief_page.goto(reverse("distribution:board"))
    row = chief_page.locator("#publication-board tr", has_text=HEADLINE)
    expect(row.locator(".badge.state-pending")).to_have_count(len(channels))
    run_task_worker()
    # The board refreshes itself (htmx, every few seconds): every channel turns published.
    # (and the story's own state badge with them)
    expect(row.locator(".badge.state-published")).to_have_count(len(channels) + 1, timeout=15_000)
    pubs = {p.channel.code: p for p in Publication.objects.filter(story=story).select_related("channel")}
    assert {p.state for p in pubs.values()} == {Publication.State.PUBLISHED}, {c: p.last_error for c, p in pubs.items()}
    rendition = {(r.asset.kind, r.kind): r for r in Rendition.objects.select_related("asset")}

    # Website and app: the public page with the gallery and the video, the feeds.
    public = new_context().new_page()
    public.goto(reverse("portal:story", args=[story.pk]))
    expect(public.locator("h1")).to_have_text(HEADLINE)
    expect(public.locator(".gallery img")).to_have_count(3)
    expect(public.locator("video.article-video source[type='video/mp4']")).to_have_attribute("src", re.compile(r"^/news/media/\d+/mp4/"))
    assert (
        public.evaluate(
            "src => fetch(src).then(r => r.status)", public.locator("video.article-video source[type='video/mp4']").get_attribute("src")
        )
        == 200
    )
    assert pubs["app"].url == reverse("portal:story", args=[story.pk])
    client_page = new_context().request
    rss = client_page.get(f"{live_server.url}/feeds/{team.slug}/rss.xml").text()
    assert HEADLINE in [i.findtext("title") for i in ET.fromstring(rss).iter("item")]  # noqa: S314 - our own feed
    ninjs = client_page.get(f"{live_server.url}/feeds/ninjs.json").json()
    (item,) = [i for i in ninjs["items"] if i["headlines"][0]["value"] == HEADLINE]
    assert len([a for a in item["associations"].values() if a["type"] == "picture"]) == 3
    assert item["associations"]["video"]["mimetype"] == "video/mp4"

    # Webhook (government website): its structured fields, signed.
    gov = servers["receiver"].items[pubs["gov_site"].key]
    assert gov["content"]["title"] == HEADLINE and gov["content"]["index_number"]
    assert servers["receiver"].bad_signatures == 0

    # SFTP (newspaper): print text, the PDF proof and the photos, manifest last.
    sftp_home = servers["sftp"].home
    key = pubs["newspaper"].key
    assert (sftp_home / f"{key}.txt").read_text(encoding="utf-8").startswith(f"主题：{HEADLINE}")
    assert (sftp_home / f"{key}.pdf").read_bytes().startswith(b"%PDF")
    assert (sftp_home / f"{key}.photo-1.jpg").read_bytes() == rendition_bytes(story, "image", "web_1280_jpg")
    manifest = json.loads((sftp_home / f"{key}.manifest.json").read_text(encoding="utf-8"))
    assert {f["name"] for f in manifest["files"]} >= {f"{key}.txt", f"{key}.pdf", f"{key}.photo-1.jpg"}

    # FTP: the radio script (spoken numbers, reading time) and the TV rundown with its MP4.
    ftp_home = servers["ftp"].home
    script = (ftp_home / f"{pubs['radio'].key}.radio.txt").read_text(encoding="utf-8")
    assert "时长：约" in script and "一千二百" in script  # "1200" written for speech
    assert (ftp_home / f"{pubs['tv'].key}.tv.txt").read_text(encoding="utf-8").startswith(HEADLINE)
    assert (ftp_home / f"{pubs['tv'].key}.mp4").read_bytes() == rendition["video", "mp4"].file.open("rb").read()

    # WeChat: the cover from the 2.35:1 rendition, the photos uploaded into the article.
    wx = servers["wechat"]
    ((article,),) = [p["articles"] for p in wx.published.values()]
    assert article["title"] == HEADLINE and len(article["digest"]) <= 120
    assert wx.materials[article["thumb_media_id"]] == rendition_bytes(story, "image", "wechat_cover_235")
    assert len(wx.images) == 3 and article["content"].count("mmbiz.qpic.cn") == 3
    assert pubs["wechat_oa"].url.startswith("https://mp.weixin.qq.com/")

    # Douyin: the 9:16 cut, with the caption and its hashtags.
    douyin = servers["douyin"]
    (item,) = douyin.items.values()
    assert douyin.videos[item["video_id"]] == rendition["video", "vertical_916"].file.open("rb").read()
    assert "#泌阳" in item["text"] and pubs["douyin"].external_id in douyin.items

    # 5. One retraction, with a reason, takes it off every channel.
    chief_page.goto(reverse("distribution:story", args=[story.pk]))
    chief_page.once("dialog", lambda dialog: dialog.accept())
    chief_page.locator("#id_reason").fill("数据有误，撤回核实")
    chief_page.locator("button.btn-danger").click()
    expect(chief_page.locator(".msg.success")).to_be_visible()
    run_task_worker()
    pubs = {p.channel.code: p for p in Publication.objects.filter(story=story).select_related("channel")}
    assert {p.state for p in pubs.values()} == {Publication.State.RETRACTED}, {c: p.last_error for c, p in pubs.items()}
    chief_page.goto(reverse("distribution:board"))
    expect(chief_page.locator("#publication-board tr", has_text=HEADLINE).locator(".badge.state-retracted")).to_have_count(
        len(channels) + 1  # every channel, and the story's own state
    )

    assert public.goto(reverse("portal:story", args=[story.pk])).status == 404
    assert client_page.get(f"{live_server.url}{public_video_src(story)}").status == 404
    assert HEADLINE not in client_page.get(f"{live_server.url}/feeds/{team.slug}/rss.xml").text()
    assert not [
        i for i in client_page.get(f"{live_server.url}/feeds/ninjs.json").json()["items"] if HEADLINE in json.dumps(i, ensure_ascii=False)
    ]
    assert servers["receiver"].deletes[pubs["gov_site"].key] == 1
    assert servers["sftp"].names() == [f"{pubs['newspaper'].key}.retracted.json"]
    assert sorted(servers["ftp"].names()) == sorted(f"{pubs[c].key}.retracted.json" for c in ("radio", "tv"))
    assert wx.deleted == [pubs["wechat_oa"].external_id]
    assert douyin.deleted == [pubs["douyin"].external_id] and not douyin.live_items()
    Progress(f"wechat:{APPID}", pubs["wechat_oa"].key).clear()


def rendition_bytes(story, asset_kind: str, kind: str) -> bytes:
    """The rendition of the story's first asset of that kind."""
    link = story.story_assets.filter(asset__kind=asset_kind).order_by("order", "id").select_related("asset").first()
    return link.asset.renditions.get(kind=kind).file.open("rb").read()


def public_video_src(story) -> str:
    video = story.assets.get(kind="video")
    mp4 = video.renditions.get(kind="mp4")
    return reverse("portal:media", args=[video.pk, mp4.rel_path])
