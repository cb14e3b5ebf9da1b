import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.media import services, subtitles
from rongmei.media.models import Rendition, Subtitle

from .conftest import ffmpeg, png_bytes, upload

SRT = """1
00:00:00,000 --> 00:00:01,000
铜山湖的早晨

2
00:00:01,000 --> 00:00:02,000
夏南牛节开幕
"""


def test_srt_becomes_webvtt_and_gbk_is_read():
    source, vtt, cues = subtitles.to_webvtt(subtitles.decode(SRT.encode("gb18030")))
    assert (source, cues) == ("srt", 2)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n铜山湖的早晨")


def test_webvtt_is_kept_and_notes_dropped():
    text = "WEBVTT\n\nNOTE made by hand\n\n00:01.000 --> 00:02.500 align:start\n你好\n"
    source, vtt, cues = subtitles.to_webvtt(text)
    assert (source, cues) == ("vtt", 1)
    assert "00:00:01.000 --> 00:00:02.500 align:start\n你好" in vtt


@pytest.mark.parametrize(
    "text",
    ["just words", "1\n00:00:02,000 --> 00:00:01,000\nbackwards\n", "1\n00:00:xx --> 00:00:01,000\nbad\n", "WEBVTT\n\n"],
)
def test_bad_subtitles_are_refused_with_a_reason(text):
    with pytest.raises(DomainError):
        subtitles.to_webvtt(text)


def test_subtitles_are_burned_into_the_vertical_cut_when_asked(reporter, editor, outsider, video_bytes, tmp_path):
    asset = upload(reporter, video_bytes, "clip.mp4")
    vertical = asset.renditions.get(kind="vertical_916")
    plain_track = services.add_subtitles(actor=editor, asset=asset, data=SRT.encode(), label="中文")
    assert Rendition.objects.get(pk=vertical.pk).status == "pending"
    assert services.run_rendition(vertical.pk) == "done"
    vertical.refresh_from_db()
    frame_plain = tmp_path / "plain.png"
    ffmpeg("-ss", "0.5", "-i", vertical.file.path, "-frames:v", "1", str(frame_plain))
    with pytest.raises(NotAllowed):
        services.set_burn_in(actor=outsider, track=plain_track, burn_in=True)
    services.set_burn_in(actor=editor, track=plain_track, burn_in=True)
    assert Rendition.objects.get(pk=vertical.pk).status == "pending"
    assert services.run_rendition(vertical.pk) == "done", Rendition.objects.get(pk=vertical.pk).error_detail
    vertical.refresh_from_db()
    frame_burned = tmp_path / "burned.png"
    ffmpeg("-ss", "0.5", "-i", vertical.file.path, "-frames:v", "1", str(frame_burned))
    with Image.open(frame_plain) as a, Image.open(frame_burned) as b:
        w, h = a.size
        # The bottom band (where the subtitle sits) differs; the top does not.
        band = (0, int(h * 0.7), w, h)
        diff_bottom = sum(abs(x - y) for x, y in zip(a.crop(band).tobytes(), b.crop(band).tobytes(), strict=True))
        diff_top = sum(abs(x - y) for x, y in zip(a.crop((0, 0, w, h // 4)).tobytes(), b.crop((0, 0, w, h // 4)).tobytes(), strict=True))
        assert diff_bottom > 10 * max(diff_top, 1)
    # Only one track is burned in at a time.
    second = services.add_subtitles(actor=editor, asset=asset, data=SRT.encode(), language="en", burn_in=True)
    assert list(Subtitle.objects.filter(burn_in=True)) == [second]
    services.remove_subtitles(actor=editor, track=second)
    assert Rendition.objects.get(pk=vertical.pk).status == "pending"


def test_subtitles_belong_to_videos(reporter):
    image = upload(reporter, png_bytes(), "a.png")
    with pytest.raises(DomainError):
        services.add_subtitles(actor=reporter, asset=image, data=SRT.encode())


def test_subtitles_through_the_page_and_the_api(reporter, editor, video_bytes):
    from rongmei.accounts import services as account_services

    asset = upload(reporter, video_bytes, "clip.mp4")
    client = Client()
    client.force_login(editor)
    r = client.post(
        reverse("media:subtitle_add", args=[asset.pk]), {"file": SimpleUploadedFile("a.srt", SRT.encode()), "language": "zh-hans"}
    )
    assert r.status_code == 302
    track = Subtitle.objects.get()
    page = client.get(reverse("media:asset", args=[asset.pk])).content.decode()
    assert track.rel_path in page
    r = client.get(reverse("media:file", args=[asset.pk, track.rel_path]))
    assert r["Content-Type"].startswith("text/vtt") and b"WEBVTT" in b"".join(r.streaming_content)
    r = client.post(reverse("media:subtitle_add", args=[asset.pk]), {"file": SimpleUploadedFile("a.srt", b"nonsense"), "language": "zh"})
    assert r.status_code == 400
    client.post(reverse("media:subtitle_change", args=[asset.pk, track.pk]), {"burn_in": "1"})
    assert Subtitle.objects.get().burn_in is True
    _t, raw = account_services.create_token(actor=editor, name="t")
    headers = {"Authorization": f"Bearer {raw}"}
    api = Client()
    r = api.post(
        f"/api/v1/media/assets/{asset.pk}/subtitles", {"content": SRT, "language": "en"}, content_type="application/json", headers=headers
    )
    assert r.status_code == 201 and r.json()["cues"] == 2
    r = api.post(f"/api/v1/media/assets/{asset.pk}/subtitles", {"content": "garbage"}, content_type="application/json", headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_subtitles"
    detail = api.get(f"/api/v1/media/assets/{asset.pk}", headers=headers).json()
    assert len(detail["subtitles"]) == 2
    sid = detail["subtitles"][1]["id"]
    r = api.patch(f"/api/v1/media/assets/{asset.pk}/subtitles/{sid}", {"burn_in": True}, content_type="application/json", headers=headers)
    assert r.json()["burn_in"] is True
    assert api.delete(f"/api/v1/media/assets/{asset.pk}/subtitles/{sid}", headers=headers).status_code == 204
    client.post(reverse("media:subtitle_change", args=[asset.pk, track.pk]), {"action": "remove"})
    assert not Subtitle.objects.exists()
