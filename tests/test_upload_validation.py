"""Every upload entry point refuses a disguised file with a clear message, never a 500
(docs/security.md "Uploads"): a page or script named .jpg, a picture cut off half-way, a
picture whose header promises more pixels than we decode (a decompression bomb), a zip bomb
where spreadsheets are taken, a binary where text is expected.

Each entry point is fed through the function its views, API and forms all call (one write path);
the 问政 form is also driven over HTTP, as a citizen's phone sends it.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rongmei.core.exceptions import DomainError
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan

pytestmark = pytest.mark.usefixtures("english")


def _jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature and header that promises width x height pixels, and one tiny block
    of data: a few hundred bytes that would decode to gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024)) + chunk(b"IEND", b"")


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

DISGUISED_PICTURES = {
    "html named .jpg": ("photo.jpg", HTML, "image/jpeg"),
    "html behind a JPEG's first bytes": ("photo.jpg", b"\xff\xd8\xff\xe0" + HTML, "image/jpeg"),
    "a JPEG cut off half-way": ("photo.jpg", _jpeg((400, 300))[:400], "image/jpeg"),
    "64 megapixels in a tiny PNG": ("photo.png", _png_header_only(8000, 8000), "image/png"),
    "ten gigapixels in a tiny PNG (bomb)": ("photo.png", _png_header_only(100_000, 100_000), "image/png"),
    "a script named .png": ("photo.png", b"#!/bin/sh\nrm -rf /\n", "image/png"),
}


def _upload(name, data, ctype):
    return SimpleUploadedFile(name, data, content_type=ctype)


def _refused(call) -> str:
    """The message of the refusal (DomainError, a form's error, the media library's BadFile)."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - which kind is checked just below
        call()
    exc = caught.value
    from django.core.exceptions import ValidationError

    from rongmei.media.probe import BadFile

    assert isinstance(exc, DomainError | ValidationError | BadFile), repr(exc)
    message = getattr(exc, "message", None) or " ".join(getattr(exc, "messages", [])) or str(exc)
    assert message and "Traceback" not in message
    return str(message)


# --- pictures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("disguise", DISGUISED_PICTURES)
def test_community_pictures_and_covers_refuse_a_disguised_picture(disguise, settings):
    """Topic posts, chat pictures and topic covers (rongmei.community.topics.check_picture)."""
    from rongmei.community.topics import check_picture

    message = _refused(lambda: check_picture(_upload(*DISGUISED_PICTURES[disguise]), n=1))
    assert "Picture 1" in message and ("not a picture we can show" in message or "too many pixels" in message)


@pytest.mark.parametrize("disguise", DISGUISED_PICTURES)
def test_practice_activity_and_case_photos_refuse_a_disguised_picture(disguise):
    """Activity photos and a case's photo (rongmei.practice.photos.clean_upload)."""
    from rongmei.practice.photos import clean_upload

    message = _refused(lambda: clean_upload(_upload(*DISGUISED_PICTURES[disguise]), n=2, field="photos"))
    assert "Picture 2" in message


@pytest.mark.parametrize("disguise", DISGUISED_PICTURES)
def test_wenzheng_attachments_refuse_a_disguised_picture(disguise):
    """问政 questions, follow-ups, information given and units' replies (check_uploads)."""
    from rongmei.inquiries.services import check_uploads

    message = _refused(lambda: check_uploads([_upload(*DISGUISED_PICTURES[disguise])]))
    assert "photo." in message and ("not a file we can take" in message or "not a picture" in message or "too many pixels" in message)


@pytest.mark.parametrize("disguise", DISGUISED_PICTURES)
def test_a_deputys_photo_refuses_a_disguised_picture(disguise, db):
    from rongmei.civic.forms import CouncilMemberForm

    form = CouncilMemberForm(data={}, files={"photo": _upload(*DISGUISED_PICTURES[disguise])})
    assert not form.is_valid()
    assert form.errors["photo"]  # Django's ImageField or our check: either names the photo's fault


@pytest.mark.parametrize("disguise", DISGUISED_PICTURES)
def test_the_media_library_refuses_a_disguised_picture(disguise, tmp_path):
    """Chunked uploads are judged on the assembled file (rongmei.media.probe.judge)."""
    from rongmei.media import probe

    name, data, _ctype = DISGUISED_PICTURES[disguise]
    path = tmp_path / name
    path.write_bytes(data)
    try:
        judged = probe.judge(str(path))
    except probe.ProbeUnavailable:
        pytest.skip("ffprobe is not installed")
    except probe.BadFile as exc:
        assert str(exc.args[0] if exc.args else exc)
        return
    # Taken: then it really is a picture that decodes, within the pixels we take.
    assert judged.kind == "image" and disguise == "64 megapixels in a tiny PNG", judged


def test_a_partners_contribution_refuses_a_page_named_as_a_picture():
    """Contributions are judged by content as the media library will judge them on adoption."""
    from rongmei.media.probe import sniff

    assert sniff(HTML[:64]) is None
    assert sniff(b"#!/bin/sh\nrm -rf /\n") is None
    assert sniff(_jpeg()[:64]) is not None


# --- spreadsheets ---------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    """An .xlsx-shaped zip of a few hundred KB that unpacks to more than 100 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (101 * 1024 * 1024))
    return buffer.getvalue()


DISGUISED_SHEETS = {
    "a zip bomb named .xlsx": ("data.xlsx", _zip_bomb()),
    "html named .xlsx": ("data.xlsx", HTML),
    "a picture named .csv": ("data.csv", _jpeg()),
    "an old .xls": ("data.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
    "too large": ("data.csv", b"a,b\n" + b"1,2\n" * (2 * 1024 * 1024)),
}


@pytest.mark.parametrize("disguise", DISGUISED_SHEETS)
@pytest.mark.parametrize("importer", ["partners posts", "dashboard channel figures"])
def test_spreadsheet_imports_refuse_a_disguised_or_oversize_file(disguise, importer):
    """Partners' posts and the dashboard's channel figures (rongmei.core.tables.read_table; 问政's
    import reads through it too)."""
    name, data = DISGUISED_SHEETS[disguise]
    if importer == "partners posts":
        from rongmei.partners.imports import read_table as read

        call = lambda: read(_upload(name, data, "application/octet-stream"))  # noqa: E731
    else:
        from rongmei.core import tables
        from rongmei.dashboard.channel_import import COLUMNS, REQUIRED

        call = lambda: tables.read_table(_upload(name, data, "application/octet-stream"), COLUMNS, REQUIRED)  # noqa: E731
    message = _refused(call)
    assert "file" in message.lower() or "workbook" in message.lower()


# --- text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [_jpeg(), b"\0\x01\x02" * 1000, b"WEBVTT\n\n" + b"x" * (3 * 1024 * 1024)])
def test_subtitles_refuse_a_binary_or_oversize_file(data):
    from rongmei.media import subtitles

    def call():
        if len(data) > subtitles.MAX_BYTES:
            raise DomainError("too large")  # the form's own size check, in front of decode
        subtitles.to_webvtt(subtitles.decode(data))

    assert _refused(call)


# --- over HTTP ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("disguise", DISGUISED_PICTURES)
def test_the_wenzheng_form_shows_a_disguised_photo_as_an_error_not_a_500(client, settings, disguise):
    from rongmei.inquiries.models import Inquiry, Kind

    settings.RONGMEI_INQUIRIES = {"FAN_GAP": 0, "FAN_DAY": (86400, 1000), "ADDRESS_HOUR": (3600, 1000)}
    fan = Fan.objects.create(phone="+8613500135001")
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    form = {
        "kind": Kind.COMPLAINT,
        "title": "幸福路小区门口污水横流无人管",
        "body": "幸福路小区南门的下水道堵了一个多月，污水流到路上，住户出行很不方便，请尽快处理。",
        "location": "泌水街道",
        "visibility": "public",
        "files": [_upload(*DISGUISED_PICTURES[disguise])],
    }
    response = client.post("/wenzheng/ask/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "photo." in page and ("not a file we can take" in page or "not a picture" in page or "too many pixels" in page)
    assert not Inquiry.objects.exists()
