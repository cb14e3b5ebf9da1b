import io
import os
import subprocess

import pytest
from PIL import Image

from rongmei.core.models import AuditLog
from rongmei.media import render, services
from rongmei.media.models import Rendition

from .conftest import ffprobe, jpeg_bytes, render_all, upload


def path_of(rendition) -> str:
    return rendition.file.path


def test_image_renditions_have_their_sizes_and_no_exif_or_gps(reporter):
    asset = upload(reporter, jpeg_bytes((2000, 1000), gps=True), "gps.jpg")
    assert asset.metadata["has_gps"] is True
    made = render_all(asset)
    assert {k: r.status for k, r in made.items()} == dict.fromkeys(services.RENDITIONS_BY_KIND["image"], "done")
    expected = {
        "web_1280_webp": (1280, 640, "WEBP"),
        "web_1280_jpg": (1280, 640, "JPEG"),
        "thumb_320": (320, 160, "JPEG"),
        "wechat_cover_235": (900, 383, "JPEG"),
        "wechat_cover_1x1": (300, 300, "JPEG"),
    }
    for kind, (w, h, fmt) in expected.items():
        r = made[kind]
        assert (r.width, r.height, r.progress, r.attempts) == (w, h, 100, 1)
        with Image.open(path_of(r)) as im:
            assert (im.width, im.height, im.format) == (w, h, fmt)
            assert not im.getexif(), kind
            assert "exif" not in im.info and "xmp" not in im.info
    # The original is untouched: it still has its GPS.
    with Image.open(asset.original.path) as im:
        assert im.getexif().get_ifd(0x8825)


def test_a_small_image_is_not_enlarged(reporter):
    made = render_all(upload(reporter, jpeg_bytes((200, 100)), "s.jpg"))
    assert (made["web_1280_jpg"].width, made["thumb_320"].width) == (200, 200)


def test_the_covers_are_cropped_around_the_focal_point_and_remade_when_it_moves(reporter, editor):
    # Left half red, right half blue: a focal point on the right gives a blue square cover.
    im = Image.new("RGB", (1200, 400), (255, 0, 0))
    im.paste((0, 0, 255), (600, 0, 1200, 400))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    asset = upload(reporter, buf.getvalue(), "two.png")
    made = render_all(asset)
    with Image.open(path_of(made["wechat_cover_1x1"])) as cover:
        assert cover.getpixel((30, 150))[0] > 200 and cover.getpixel((270, 150))[2] > 200  # centred: half and half
    services.set_focal_point(actor=editor, asset=asset, x=0.95, y=0.5)
    statuses = dict(Rendition.objects.filter(asset=asset).values_list("kind", "status"))
    assert statuses["wechat_cover_1x1"] == statuses["wechat_cover_235"] == "pending"
    assert statuses["thumb_320"] == "done"
    made = render_all(asset)
    with Image.open(path_of(made["wechat_cover_1x1"])) as cover:
        assert cover.getpixel((150, 150))[2] > 200 and cover.getpixel((150, 150))[0] < 50
    assert made["wechat_cover_1x1"].attempts == 2
    assert AuditLog.objects.filter(action="media.focal_point").exists()


def test_crop_box_keeps_inside_the_picture():
    assert render.crop_box(1000, 500, 1, 0.0, 0.5) == (0, 0, 500, 500)
    assert render.crop_box(1000, 500, 1, 1.0, 0.5) == (500, 0, 1000, 500)
    assert render.crop_box(900, 900, 900 / 383, 0.5, 0.0) == (0, 0, 900, 383)


def test_video_renditions_poster_mp4_hls_and_vertical_cut(reporter, video_bytes, settings):
    asset = upload(reporter, video_bytes, "clip.mp4")
    # A 360-high source: the ladder is not scaled up.
    assert sorted(asset.renditions.values_list("kind", flat=True)) == sorted(["poster", "mp4", "hls_360", "vertical_916"])
    made = render_all(asset)
    assert {r.status for r in made.values()} == {"done"}, {k: (r.error, r.error_detail) for k, r in made.items()}
    with Image.open(path_of(made["poster"])) as poster:
        assert poster.size == (640, 360)
    mp4 = ffprobe(path_of(made["mp4"]))
    video = next(s for s in mp4["streams"] if s["codec_type"] == "video")
    audio = next(s for s in mp4["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"], audio["codec_name"]) == ("h264", 640, 360, "aac")
    vertical = next(s for s in ffprobe(path_of(made["vertical_916"]))["streams"] if s["codec_type"] == "video")
    assert (vertical["width"], vertical["height"]) == (202, 360)
    assert (made["vertical_916"].width, made["vertical_916"].height) == (202, 360)
    playlist = path_of(made["hls_360"])
    assert "#EXT-X-ENDLIST" in open(playlist).read()
    assert any(name.endswith(".ts") for name in os.listdir(os.path.dirname(playlist)))
    master = open(os.path.join(settings.MEDIA_ROOT, services.hls_master_name(asset))).read()
    assert "RESOLUTION=640x360" in master and "../hls_360/index.m3u8" in master
    hls = next(s for s in ffprobe(playlist)["streams"] if s["codec_type"] == "video")
    assert hls["height"] == 360


def test_the_ladder_offers_720_and_1080_only_when_the_source_has_them(reporter, video_bytes):
    asset = upload(reporter, video_bytes, "clip.mp4")
    asset.metadata = {**asset.metadata, "width": 1920, "height": 1080}
    assert [k for k in services.wanted_renditions(asset) if k.startswith("hls")] == ["hls_360", "hls_720", "hls_1080"]
    asset.metadata = {**asset.metadata, "width": 1280, "height": 720}
    assert [k for k in services.wanted_renditions(asset) if k.startswith("hls")] == ["hls_360", "hls_720"]


def test_audio_is_loudness_normalized_to_aac_and_mp3(reporter, mp3_bytes):
    asset = upload(reporter, mp3_bytes, "tone.mp3")
    made = render_all(asset)
    assert {r.status for r in made.values()} == {"done"}, {k: r.error_detail for k, r in made.items()}
    aac = ffprobe(path_of(made["audio_aac"]))
    assert aac["streams"][0]["codec_name"] == "aac"
    assert ffprobe(path_of(made["audio_mp3"]))["streams"][0]["codec_name"] == "mp3"
    # Integrated loudness near the -16 LUFS target (a 2 s tone measures a little off).
    out = subprocess.run(  # noqa: S603
        ["ffmpeg", "-hide_banner", "-nostats", "-i", path_of(made["audio_mp3"]), "-af", "ebur128", "-f", "null", "-"],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=30,
    ).stderr
    integrated = float(out.rsplit("I:", 1)[1].split("LUFS")[0])
    assert -19 <= integrated <= -13


def test_a_corrupt_source_fails_with_a_reason_and_a_retry_works(reporter, editor, video_bytes):
    asset = upload(reporter, video_bytes, "clip.mp4")
    mp4 = asset.renditions.get(kind="mp4")
    original = asset.original.path
    with open(original, "rb") as f:
        good = f.read()
    with open(original, "wb") as f:
        f.write(good[:5000])  # the disk lost most of it after the upload
    assert services.run_rendition(mp4.pk) == "failed"
    mp4.refresh_from_db()
    assert mp4.status == "failed" and mp4.attempts == 1
    assert "ffmpeg failed" in mp4.error
    assert mp4.error_detail  # ffmpeg's own last lines
    assert AuditLog.objects.filter(action="media.rendition_failed").exists()
    with open(original, "wb") as f:
        f.write(good)
    services.retry_rendition(actor=editor, rendition=mp4)
    mp4.refresh_from_db()
    assert (mp4.status, mp4.error) == ("pending", "")
    assert services.run_rendition(mp4.pk) == "done"
    mp4.refresh_from_db()
    assert (mp4.status, mp4.progress, mp4.attempts) == ("done", 100, 2)


def test_a_timeout_stops_ffmpeg_and_says_so(reporter, video_bytes, settings, tmp_path):
    asset = upload(reporter, video_bytes, "clip.mp4")
    hanging = tmp_path / "ffmpeg-that-hangs"
    hanging.write_text("#!/bin/sh\necho 'stuck on frame 1' >&2\nexec sleep 30\n")
    hanging.chmod(0o755)
    settings.RONGMEI_FFMPEG_BIN = str(hanging)
    settings.RONGMEI_FFMPEG_TIMEOUT = 1
    mp4 = asset.renditions.get(kind="mp4")
    assert services.run_rendition(mp4.pk) == "failed"
    mp4.refresh_from_db()
    assert "longer than 1 seconds" in mp4.error
    assert "stuck on frame 1" in mp4.error_detail


def test_progress_is_read_from_ffmpeg(tmp_path, media_dir):
    seen = []
    out = tmp_path / "o.mp4"
    render.run_ffmpeg(
        ["-i", str(media_dir / "clip.mp4"), "-c:v", "libx264", "-preset", "ultrafast", "-an", str(out)],
        duration=2.0,
        progress=seen.append,
    )
    assert out.exists()
    assert all(0 <= p <= 99 for p in seen)


def test_a_running_rendition_is_not_claimed_twice(reporter):
    asset = upload(reporter, jpeg_bytes((100, 100)), "a.jpg")
    r = asset.renditions.first()
    Rendition.objects.filter(pk=r.pk).update(status="running")
    assert services.run_rendition(r.pk) == "skipped"
    with pytest.raises(Exception):  # noqa: B017, PT011
        services.retry_rendition(actor=reporter, rendition=Rendition.objects.get(pk=r.pk))


def test_the_task_runs_the_rendition(reporter):
    from rongmei.media.tasks import make_rendition

    asset = upload(reporter, jpeg_bytes((100, 100)), "a.jpg")
    r = asset.renditions.get(kind="thumb_320")
    assert make_rendition.call(r.pk) == "done"


def test_a_rendition_whose_worker_vanished_is_made_again_then_failed_after_three_attempts(reporter, editor, settings):
    import datetime as dt

    from django.utils import timezone

    from rongmei.core.models import AuditLog
    from rongmei.media.tasks import housekeeping

    settings.RONGMEI_TASK_LEASE_SECONDS = 60
    asset = upload(reporter, jpeg_bytes((100, 100)), "a.jpg")
    r = asset.renditions.get(kind="thumb_320")
    # A worker claimed it (attempt 1) and died: its row has not been touched for 61 s.
    Rendition.objects.filter(pk=r.pk).update(status="running", attempts=1, updated_at=timezone.now() - dt.timedelta(seconds=61))
    assert services.is_stale(Rendition.objects.get(pk=r.pk))
    # One touched 59 s ago still has its worker.
    other = asset.renditions.exclude(pk=r.pk).first()
    if other is not None:
        Rendition.objects.filter(pk=other.pk).update(status="running", attempts=1, updated_at=timezone.now() - dt.timedelta(seconds=59))
    assert housekeeping.call() == {"uploads_purged": 0, "renditions_requeued": 1, "renditions_failed": 0}
    r.refresh_from_db()
    assert r.status == "pending" and r.attempts == 1
    assert AuditLog.objects.filter(action="media.rendition_requeued").count() == 1
    if other is not None:
        assert Rendition.objects.get(pk=other.pk).status == "running"
    assert services.run_rendition(r.pk) == "done"
    r.refresh_from_db()
    assert r.attempts == 2

    # The third attempt's worker dies too: no fourth by itself; failed, with the reason, and retried by hand.
    Rendition.objects.filter(pk=r.pk).update(status="running", attempts=3, updated_at=timezone.now() - dt.timedelta(hours=3))
    assert housekeeping.call()["renditions_failed"] == 1
    r.refresh_from_db()
    assert r.status == "failed" and "3" in r.error
    services.retry_rendition(actor=editor, rendition=r)
    assert services.run_rendition(r.pk) == "done"
