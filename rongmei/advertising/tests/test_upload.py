"""Operations staff upload the client's banner picture on the campaign page
(rongmei.advertising.services.add_creative_upload over rongmei.media.services.ingest_upload): the
file becomes an image Asset of the library with its renditions enqueued, the creative is added;
a file that is not a picture, a bad link, a full or non-draft campaign store nothing; the
newsroom's own upload stays closed to operations staff."""

from __future__ import annotations

import io
import os
import wave

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rongmei.advertising import services
from rongmei.advertising.models import Creative
from rongmei.advertising.tests import test_services as shared
from rongmei.advertising.tests.test_services import in_review, make_campaign
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.media import services as media
from rongmei.media.models import Asset, Rendition
from rongmei.testing.personas import login_with_second_factor

pytestmark = pytest.mark.django_db

picture = shared.picture


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """The rendition ids handed to the task queue (after the commit, as in production)."""
    seen: list[int] = []
    monkeypatch.setattr(media, "_enqueue", seen.append)
    return seen


def png_bytes(size=(728, 90)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(size=(640, 100)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (20, 130, 40)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def wav_bytes() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000)
    return buf.getvalue()


def stored_files() -> list[str]:
    """Every file under the library's originals and the upload temp folder."""
    found = []
    for folder in ("assets", "uploads"):
        for root, _dirs, files in os.walk(os.path.join(settings.MEDIA_ROOT, folder)):
            found += [os.path.join(root, f) for f in files]
    return found


def add_url(campaign) -> str:
    return reverse("ops:campaign_creative_add", args=[campaign.pk])


def post(client, campaign, *, data: bytes | None = None, name: str = "banner.png", **fields):
    form = {"link": "/column/news/", "alt_text": "夏南牛肉年货节", **fields}
    if data is not None:
        form["file"] = SimpleUploadedFile(name, data, content_type="image/png")
    return client.post(add_url(campaign), form)


# --- the page ----------------------------------------------------------------------------------------------


def test_the_add_creative_form_takes_a_file(client, sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    page = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="file"' in page and 'accept="image/*"' in page


def test_operations_staff_upload_a_png_on_the_campaign_page(client, sales, ad_client, banner, enqueued, django_capture_on_commit_callbacks):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, campaign, data=png_bytes(), name="夏南牛横幅.png")
    assert response.status_code == 302 and response["Location"] == reverse("ops:campaign", args=[campaign.pk])

    creative = Creative.objects.get(campaign=campaign)
    asset = creative.asset
    assert (creative.link, creative.alt_text) == ("/column/news/", "夏南牛肉年货节")
    assert asset.kind == Asset.Kind.IMAGE and asset.mime == "image/png" and asset.uploaded_by == sales
    assert asset.original_name == "夏南牛横幅.png" and asset.metadata["width"] == 728
    assert os.path.exists(asset.original.path)
    # The renditions of any library picture, planned and enqueued once the transaction committed.
    renditions = list(Rendition.objects.filter(asset=asset).order_by("id"))
    assert [r.kind for r in renditions] == media.RENDITIONS_BY_KIND[Asset.Kind.IMAGE]
    assert sorted(enqueued) == [r.pk for r in renditions]
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"media.upload", "advertising.add_creative"} <= actions
    assert not [f for f in stored_files() if f.endswith(".part")]

    # Before the worker made the thumbnail: a placeholder, never a broken <img> nor a 500.
    page = client.get(reverse("ops:campaign", args=[campaign.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "thumb-pending" in html and "Processing" in html
    picture_url = reverse("ops:campaign_picture", args=[asset.pk])
    assert picture_url not in html
    assert client.get(picture_url).status_code == 404

    # Once it is made, the page shows it.
    thumb = Rendition.objects.get(asset=asset, kind="thumb_320")
    assert media.run_rendition(thumb.pk) == "done"
    html = client.get(reverse("ops:campaign", args=[campaign.pk])).content.decode()
    assert picture_url in html
    image = client.get(picture_url)
    assert image.status_code == 200 and b"".join(image.streaming_content)


def test_a_jpeg_through_the_service(sales, ad_client, banner, enqueued, django_capture_on_commit_callbacks):
    campaign = make_campaign(sales, ad_client, banner)
    with django_capture_on_commit_callbacks(execute=True):
        creative = services.add_creative_upload(
            actor=sales,
            campaign=campaign,
            uploaded=SimpleUploadedFile("banner.jpg", jpeg_bytes(), content_type="image/jpeg"),
            link="https://example.com/niurou",
            alt_text="夏南牛肉",
        )
    assert creative.asset.kind == Asset.Kind.IMAGE and creative.asset.mime == "image/jpeg"
    assert creative.asset.title == "夏南牛肉"
    assert len(enqueued) == len(media.RENDITIONS_BY_KIND[Asset.Kind.IMAGE])


# --- refused: nothing stored ----------------------------------------------------------------------------


def test_a_text_file_disguised_as_png_is_refused_and_leaves_nothing(client, sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    response = post(client, campaign, data=b"this is not a picture at all\n" * 10, name="banner.png", alt_text="我写的文字")
    assert response.status_code == 400
    html = response.content.decode()
    assert "This type of file is not supported." in html
    assert "我写的文字" in html and 'value="/column/news/"' in html  # what was typed stays
    assert not Asset.objects.exists() and not Creative.objects.exists()
    assert stored_files() == []


def test_a_file_that_is_not_a_picture_is_refused_before_it_is_stored(sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    with pytest.raises(DomainError) as refused:
        services.add_creative_upload(
            actor=sales,
            campaign=campaign,
            uploaded=SimpleUploadedFile("banner.png", wav_bytes(), content_type="image/png"),
            link="/column/news/",
            alt_text="夏南牛肉",
        )
    assert refused.value.field == "file" and refused.value.code == "wrong_kind"
    assert refused.value.message == "The file is not a picture: upload a JPEG, PNG, GIF or WebP image."
    assert not Asset.objects.exists() and not Creative.objects.exists()
    assert stored_files() == []


def test_a_bad_link_uploads_nothing(client, sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    response = post(client, campaign, data=png_bytes(), link="javascript:alert(1)")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The link must be a page of this site" in html and "javascript:alert(1)" in html and "夏南牛肉年货节" in html
    assert not Asset.objects.exists() and not Creative.objects.exists()
    assert stored_files() == []


def test_a_too_large_file_gets_the_media_librarys_message(client, settings, sales, ad_client, banner):
    settings.RONGMEI_MEDIA_MAX_BYTES = {"default": 10_000_000, "image": 100}
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    response = post(client, campaign, data=png_bytes())
    assert response.status_code == 400
    assert "The file is too large: at most 100 B." in response.content.decode()
    assert not Asset.objects.exists() and stored_files() == []


def test_exactly_one_picture_a_library_one_or_a_file(client, sales, ad_client, banner, picture):
    campaign = make_campaign(sales, ad_client, banner)
    client.force_login(sales)
    both = post(client, campaign, data=png_bytes(), asset=picture.pk)
    assert both.status_code == 400
    assert "Choose a picture of the media library or upload one, not both." in both.content.decode()
    neither = post(client, campaign)
    assert neither.status_code == 400
    assert "Choose a picture from the media library or upload the picture&#x27;s file." in neither.content.decode()
    assert Asset.objects.count() == 1 and not Creative.objects.exists()


def test_a_campaign_out_of_draft_takes_no_upload(sales, ad_client, banner, picture):
    campaign = in_review(sales, ad_client, banner, picture)
    with pytest.raises(StateConflict):
        services.add_creative_upload(
            actor=sales,
            campaign=campaign,
            uploaded=SimpleUploadedFile("banner.png", png_bytes()),
            link="/column/news/",
            alt_text="夏南牛肉",
        )
    assert list(Asset.objects.all()) == [picture] and stored_files() == []


def test_a_refusal_after_the_file_was_stored_removes_it_again(monkeypatch, sales, ad_client, banner):
    campaign = make_campaign(sales, ad_client, banner)

    def refuse(**kwargs):
        raise DomainError("refused")

    monkeypatch.setattr(services, "add_creative", refuse)
    with pytest.raises(DomainError):
        services.add_creative_upload(
            actor=sales,
            campaign=campaign,
            uploaded=SimpleUploadedFile("banner.png", png_bytes()),
            link="/column/news/",
            alt_text="夏南牛肉",
        )
    assert not Asset.objects.exists() and not Rendition.objects.exists() and stored_files() == []
    assert not AuditLog.objects.filter(action="media.upload").exists()


# --- who may --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reporter", "chief"])
def test_a_reporter_or_the_chief_editor_cannot_upload(request, client, persona, sales, ad_client, banner):
    person = request.getfixturevalue(persona)
    campaign = make_campaign(sales, ad_client, banner)
    login_with_second_factor(client, person)  # the chief editor has two factors set up
    assert post(client, campaign, data=png_bytes()).status_code == 403
    with pytest.raises(NotAllowed):
        services.add_creative_upload(
            actor=person,
            campaign=campaign,
            uploaded=SimpleUploadedFile("banner.png", png_bytes()),
            link="/column/news/",
            alt_text="夏南牛肉",
        )
    assert not Asset.objects.exists() and not Creative.objects.exists() and stored_files() == []


def test_the_newsroom_upload_still_refuses_operations_staff(sales, reporter):
    with pytest.raises(NotAllowed):
        media.upload_file(actor=sales, uploaded=SimpleUploadedFile("banner.png", png_bytes()))
    assert not Asset.objects.exists()
    asset = media.upload_file(actor=reporter, uploaded=SimpleUploadedFile("banner.png", png_bytes()))
    assert asset.kind == Asset.Kind.IMAGE and asset.uploaded_by == reporter
