"""Typical cases (先进典型): the staff's list and form at /practice/manage/cases/ (who may, what is
refused and kept, the story link, the photo stored without its metadata) and the public pages
(only published cases, their photo, the practice center's page)."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from rongmei.core.audit import AuditLog
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.practice import cases
from rongmei.practice.models import TypicalCase
from rongmei.practice.tests.test_manage_views import login
from rongmei.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg_with_exif(name="case.jpg", size=(64, 48)) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:20 09:30:00"  # DateTime
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _form(**overrides) -> dict:
    data = {"title": "王志愿：十年修好三百台家电", "summary": "退休电工王志愿加入便民服务队十年，义务为孤寡老人修家电。", "position": "0"}
    data.update(overrides)
    return data


@pytest.fixture
def story(reporter, team, reviewers):
    return factories.published_story(reporter, team, reviewers, headline="退休电工的“修理铺”")


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["manage_cases", "manage_case_new"])
def test_only_practice_staff_open_the_case_pages(client, reporter, operator, chief, name):
    url = reverse(f"practice:{name}")
    assert client.get(url).status_code == 302  # to the login page
    assert login(client, reporter).get(url).status_code == 403
    assert login(client, operator).get(url).status_code == 200
    assert login(client, chief).get(url).status_code == 200


def test_the_service_refuses_anyone_but_the_staff(reporter):
    with pytest.raises(NotAllowed):
        cases.save_case(actor=reporter, title="标题", summary="这是一段足够长的事迹介绍。")
    assert not TypicalCase.objects.exists()


# --- the staff's form ---------------------------------------------------------------------------


def test_an_operator_adds_a_case_with_a_volunteer_a_story_link_and_a_photo(client, operator, practice, story):
    login(client, operator)
    data = _form(
        volunteer=practice["volunteer"].pk, team=practice["team"].pk, story=f"https://www.example.cn/news/{story.pk}/", published="on"
    )
    response = client.post(reverse("practice:manage_case_new"), {**data, "photo": jpeg_with_exif()})
    case = TypicalCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("practice:manage_case", args=[case.pk])
    assert case.volunteer == practice["volunteer"] and case.team == practice["team"] and case.story_id == story.pk
    assert case.published and case.created_by == operator
    with Image.open(case.photo.path) as stored:
        assert stored.format == "JPEG" and stored.size == (64, 48)
        assert not stored.getexif()  # the camera's metadata is gone
    assert AuditLog.objects.filter(action="practice.case_create", subject_id=str(case.pk)).exists()
    # The edit page shows the link to the story.
    assert reverse("portal:story", args=[story.pk]) in client.get(reverse("practice:manage_case", args=[case.pk])).content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"summary": "太短"}, "summary", "Summary must have at least 10 characters."),
        ({"story": "第三篇"}, "story", "Give the article's number or the address of its page on our site (…/news/123/)."),
        ({"story": "999999"}, "story", "Article 999999 is not published on our site."),
        ({"position": "1000"}, "position", "Ensure this value is less than or equal to 999."),
    ],
)
def test_refused_input_comes_back_with_what_was_typed_and_saves_nothing(client, operator, overrides, field, message):
    login(client, operator)
    response = client.post(reverse("practice:manage_case_new"), _form(**overrides))
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    if field != "summary":
        assert "退休电工王志愿加入便民服务队十年" in response.content.decode()  # the summary is kept
    assert not TypicalCase.objects.exists()


def test_a_story_not_yet_published_cannot_be_named(operator, reporter, team, reviewers):
    draft = factories.signed_off_story(reporter, team, reviewers, headline="还没发布")
    with pytest.raises(DomainError) as refused:
        cases.save_case(actor=operator, title="一个案例", summary="这是一段足够长的事迹介绍。", story=str(draft.pk))
    assert refused.value.field == "story"


def test_a_file_that_is_no_picture_is_refused_on_the_photo_field(client, operator):
    login(client, operator)
    fake = SimpleUploadedFile("case.jpg", b"not a picture at all", content_type="image/jpeg")
    response = client.post(reverse("practice:manage_case_new"), {**_form(), "photo": fake})
    assert response.status_code == 400 and response.context["form"].errors["photo"]
    assert not TypicalCase.objects.exists()


def test_replacing_and_removing_the_photo_removes_the_old_files(client, operator, django_capture_on_commit_callbacks):
    case = cases.save_case(actor=operator, title="一个案例", summary="这是一段足够长的事迹介绍。", photo=jpeg_with_exif())
    first = case.photo.path
    login(client, operator)
    url = reverse("practice:manage_case", args=[case.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**_form(), "photo": jpeg_with_exif("new.jpg", (80, 60))}).status_code == 302
    case.refresh_from_db()
    second = case.photo.path
    assert second != first and not os.path.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**_form(), "remove_photo": "on"}).status_code == 302
    case.refresh_from_db()
    assert not case.photo and not os.path.exists(second)
    assert AuditLog.objects.filter(action="practice.case_change", subject_id=str(case.pk)).count() == 2


def test_the_story_number_is_read_from_a_number_or_an_address():
    assert cases.story_number("") is None
    assert cases.story_number(" 42 ") == 42
    assert cases.story_number("https://www.biyang.gov.cn/news/42/") == 42
    assert cases.story_number("/news/42/?from=wx#top") == 42
    with pytest.raises(DomainError):
        cases.story_number("https://www.biyang.gov.cn/column/wenming/")


# --- the public ---------------------------------------------------------------------------------


def test_the_public_sees_only_published_cases_in_the_staff_order(client, operator, practice):
    hidden = cases.save_case(actor=operator, title="尚未公开的案例", summary="这是一段足够长的事迹介绍。", photo=jpeg_with_exif())
    second = cases.save_case(actor=operator, title="第二位的案例", summary="这是一段足够长的事迹介绍。", position=2, published=True)
    first = cases.save_case(
        actor=operator,
        title="第一位的案例",
        summary="这是一段足够长的事迹介绍。",
        position=1,
        published=True,
        team=practice["team"],
        photo=jpeg_with_exif(),
    )
    listing = client.get(reverse("practice:cases")).content.decode()
    assert listing.index("第一位的案例") < listing.index("第二位的案例") and "尚未公开的案例" not in listing
    home = client.get(reverse("practice:home")).content.decode()
    assert 'id="practice-cases"' in home and "第一位的案例" in home and "尚未公开的案例" not in home
    assert client.get(reverse("practice:case", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("practice:case_photo", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("practice:case", args=[second.pk])).status_code == 200
    assert client.get(reverse("practice:case_photo", args=[second.pk])).status_code == 404  # it has no photo
    response = client.get(reverse("practice:case_photo", args=[first.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=3600"
    page = client.get(reverse("practice:case", args=[first.pk])).content.decode()
    assert practice["team"].name in page and reverse("practice:case_photo", args=[first.pk]) in page
    # The staff see an unpublished case's photo, privately.
    login(client, operator)
    response = client.get(reverse("practice:case_photo", args=[hidden.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_digits_that_are_not_ascii_are_refused_not_a_500(client, operator):
    with pytest.raises(DomainError):
        cases.story_number("²")
    login(client, operator)
    response = client.post(reverse("practice:manage_case_new"), _form(story="①②"))
    assert response.status_code == 400 and response.context["form"].errors["story"]


def test_a_volunteer_suspended_since_stays_on_the_case_but_is_not_named_to_the_public(client, operator, practice):
    from rongmei.practice.models import Volunteer

    volunteer = practice["volunteer"]
    case = cases.save_case(actor=operator, title="一个案例", summary="这是一段足够长的事迹介绍。", volunteer=volunteer, published=True)
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.SUSPENDED)
    assert volunteer.real_name not in client.get(reverse("practice:case", args=[case.pk])).content.decode()
    assert volunteer.real_name not in client.get(reverse("practice:cases")).content.decode()
    # Saving an unrelated change keeps the volunteer; naming a suspended one anew is refused.
    login(client, operator)
    data = _form(title="改过的标题", volunteer=volunteer.pk, published="on")
    assert client.post(reverse("practice:manage_case", args=[case.pk]), data).status_code == 302
    case.refresh_from_db()
    assert case.title == "改过的标题" and case.volunteer_id == volunteer.pk
    with pytest.raises(DomainError):
        cases.save_case(
            actor=operator, title="另一个案例", summary="这是一段足够长的事迹介绍。", volunteer=Volunteer.objects.get(pk=volunteer.pk)
        )


def test_a_save_that_fails_after_the_photo_is_written_leaves_no_file(operator, settings, monkeypatch):
    from pathlib import Path

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(cases.audit, "record", broken)
    with pytest.raises(RuntimeError):
        cases.save_case(actor=operator, title="一个案例", summary="这是一段足够长的事迹介绍。", photo=jpeg_with_exif())
    assert not TypicalCase.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
