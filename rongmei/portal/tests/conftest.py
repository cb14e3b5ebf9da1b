"""Shared pieces of the public site's tests: the three reviewers, English messages on request,
and live stories with media (renditions written to MEDIA_ROOT as the media pipeline would)."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from PIL import Image

from rongmei.newsroom import services as newsroom

BODY = "<p>泌阳县铜山湖景区今年接待游客同比增长两成，夏南牛养殖户在湖畔开起了农家乐。</p>"


def jpeg_bytes(size=(640, 360), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def write_rendition(asset_id: int, rel_path: str, data: bytes) -> Path:
    path = Path(settings.MEDIA_ROOT) / "renditions" / str(asset_id) / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def signed_off(reporter, team, reviewers, *, headline: str, keywords=(), intro: str = "", body: str = BODY):
    story = newsroom.create_story(actor=reporter, team=team, headline=headline, intro=intro, body=body, keywords=list(keywords))
    newsroom.submit_story(actor=reporter, story=story)
    for reviewer in reviewers:
        newsroom.approve(actor=reviewer, story=story)
    story.refresh_from_db()
    return story


def publish(story, reviewers):
    from rongmei.distribution import services as distribution
    from rongmei.distribution.models import Channel

    (pub,) = distribution.publish(actor=reviewers[-1], story=story, channels=[Channel.objects.get(code="website")])
    distribution.send(pub)
    story.refresh_from_db()
    return story


def add_photo(story, user, *, title: str = "红叶", caption: str = "盘古山红叶", order: int = 0, thumb: bool = False):
    from rongmei.distribution.tests.test_versions_support import attach

    kinds = {"web_1280_jpg": "web_1280_jpg/web_1280_jpg.jpg"}
    asset = attach(story, user, "image", title, kinds, caption=caption, order=order)
    write_rendition(asset.pk, "web_1280_jpg/web_1280_jpg.jpg", jpeg_bytes())
    if thumb:
        from rongmei.media.models import Rendition

        Rendition.objects.filter(asset=asset, kind="thumb_320").update(
            status=Rendition.Status.DONE, file=f"renditions/{asset.pk}/thumb_320/thumb_320.jpg", error=""
        )
        write_rendition(asset.pk, "thumb_320/thumb_320.jpg", jpeg_bytes((320, 180)))
    return asset


VIDEO_FILES = {
    "mp4": "mp4/video.mp4",
    "poster": "poster/poster.jpg",
    "hls_720": "hls_720/index.m3u8",
    "vertical_916": "vertical_916/vertical.mp4",
}


def add_video(story, user, *, kinds=("mp4", "poster", "hls_720", "vertical_916"), title: str = "视频"):
    from rongmei.distribution.tests.test_versions_support import attach

    asset = attach(story, user, "video", title, {k: VIDEO_FILES[k] for k in kinds})
    for kind in kinds:
        write_rendition(asset.pk, VIDEO_FILES[kind], b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    if any(k.startswith("hls_") for k in kinds):
        write_rendition(asset.pk, "hls/master.m3u8", b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1800000\n../hls_720/index.m3u8\n")
        write_rendition(asset.pk, "hls_720/seg_00000.ts", b"G" + bytes(187))
    return asset


def add_audio(story, user, *, kinds=("audio_mp3",), title: str = "广播"):
    from rongmei.distribution.tests.test_versions_support import attach

    files = {"audio_mp3": "audio_mp3/audio.mp3", "audio_aac": "audio_aac/audio.m4a"}
    asset = attach(story, user, "audio", title, {k: files[k] for k in kinds})
    for kind in kinds:
        write_rendition(asset.pk, files[kind], b"ID3" + bytes(500))
    return asset


def live_story(reporter, team, reviewers, *, headline: str, keywords=(), photo: bool = False, video=None, audio: bool = False, **kw):
    """Signed off, media attached (their renditions made), then published on the website."""
    story = signed_off(reporter, team, reviewers, headline=headline, keywords=keywords, **kw)
    if photo:
        add_photo(story, reporter)
    if video:
        add_video(story, reporter, kinds=video)
    if audio:
        add_audio(story, reporter)
    return publish(story, reviewers)
