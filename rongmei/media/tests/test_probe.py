import io
import zipfile

import pytest

from rongmei.media import probe

from .conftest import jpeg_bytes, png_bytes


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_png_named_mp4_is_judged_an_image(tmp_path):
    judged = probe.judge(write(tmp_path, "clip.mp4", png_bytes()))
    assert (judged.kind, judged.mime, judged.extension) == ("image", "image/png", "png")
    assert judged.metadata["width"] == 400


def test_a_text_file_named_jpg_is_refused(tmp_path):
    with pytest.raises(probe.BadFile) as e:
        probe.judge(write(tmp_path, "photo.jpg", "这不是图片\n".encode() * 50))
    assert "not supported" in e.value.message


def test_a_truncated_jpeg_is_refused(tmp_path):
    data = jpeg_bytes((800, 600))
    with pytest.raises(probe.BadFile) as e:
        probe.judge(write(tmp_path, "cut.jpg", data[: len(data) // 2]))
    assert "damaged or incomplete" in e.value.message


def test_a_jpeg_reports_exif_and_gps_without_keeping_coordinates(tmp_path):
    judged = probe.judge(write(tmp_path, "gps.jpg", jpeg_bytes(gps=True)))
    assert judged.metadata["has_gps"] is True
    assert judged.metadata["exif"]["make"] == "Canon"
    assert "113" not in str(judged.metadata)


def test_a_video_is_judged_with_its_streams(tmp_path, video_bytes):
    judged = probe.judge(write(tmp_path, "x.bin", video_bytes))
    assert judged.kind == "video"
    meta = judged.metadata
    assert (meta["width"], meta["height"], meta["video_codec"], meta["audio_codec"]) == (640, 360, "h264", "aac")
    assert 1.9 <= meta["duration"] <= 2.2


def test_a_truncated_mp4_is_refused(tmp_path, video_bytes):
    with pytest.raises(probe.BadFile):
        probe.judge(write(tmp_path, "cut.mp4", video_bytes[: len(video_bytes) * 2 // 3]))


def test_an_mp3_is_audio(tmp_path, mp3_bytes):
    judged = probe.judge(write(tmp_path, "tone", mp3_bytes))
    assert (judged.kind, judged.mime) == ("audio", "audio/mpeg")


def test_a_wav_cut_short_is_refused(tmp_path, media_dir):
    data = (media_dir / "tone.wav").read_bytes()
    assert probe.judge(write(tmp_path, "ok.wav", data)).kind == "audio"
    with pytest.raises(probe.BadFile):
        probe.judge(write(tmp_path, "cut.wav", data[:2000]))


def test_pdf_and_word_documents_are_accepted_and_a_cut_pdf_is_not(tmp_path):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert probe.judge(write(tmp_path, "a.pdf", pdf)).mime == "application/pdf"
    with pytest.raises(probe.BadFile):
        probe.judge(write(tmp_path, "b.pdf", pdf[:20]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    judged = probe.judge(write(tmp_path, "c.docx", buf.getvalue()))
    assert judged.extension == "docx"


def test_a_plain_zip_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(probe.BadFile):
        probe.judge(write(tmp_path, "c.docx", buf.getvalue()))


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(probe.BadFile):
        probe.judge(write(tmp_path, "e.jpg", b""))


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_loosened_pillow(tmp_path):
    import weasyprint  # noqa: F401 - importing it sets ImageFile.LOAD_TRUNCATED_IMAGES = True
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    test_a_truncated_jpeg_is_refused(tmp_path)
