"""Activity photos: who may upload and delete (the practice center's staff; the anonymous log in,
newsroom staff get 403); what is stored (an upright JPEG within 2048×2048, without the camera's
EXIF and its GPS position; transparency on white; a GIF's first frame); an upload is all or
nothing (one bad file, thirteen files, a full activity or a cancelled one store nothing); the
photo's public address serves it only once the activity is public, with a day's cache."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.practice import photos, services
from rongmei.practice.models import Activity, ActivityPhoto
from rongmei.practice.tests.test_manage_views import login, messages_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

RED, BLUE = (220, 0, 0), (0, 0, 220)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def jpeg(name="photo.jpg", size=(40, 30), color=RED, **save) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", **save)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def phone_photo() -> SimpleUploadedFile:
    """200×100, red on the left, blue on the right, as a phone held upright writes it: EXIF
    orientation 6 (turn 90° clockwise to show) and the GPS position of the place."""
    image = Image.new("RGB", (200, 100), BLUE)
    image.paste(RED, (0, 0, 100, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (32.0, 43.0, 28.2)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (113.0, 19.0, 35.4)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return SimpleUploadedFile("IMG_0001.jpg", out.getvalue(), content_type="image/jpeg")


def make_activity(operator, practice, *, publish=False) -> Activity:
    start = timezone.now() + dt.timedelta(days=2)
    activity = services.create_activity(
        actor=operator,
        title="敬老院义务理发",
        description="为敬老院老人理发、剪指甲",
        site=practice["station"],
        team=practice["team"],
        address="花园社区敬老院",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=10,
    )
    return services.publish_activity(actor=operator, activity=activity) if publish else activity


@pytest.fixture
def activity(operator, practice):
    return make_activity(operator, practice)


@pytest.fixture
def published(operator, practice):
    return make_activity(operator, practice, publish=True)


def upload_url(activity) -> str:
    return reverse("practice:manage_activity_photos", args=[activity.pk])


def opened(photo: ActivityPhoto) -> Image.Image:
    with photo.image.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


# --- who may ------------------------------------------------------------------------------------


def test_the_anonymous_are_sent_to_log_in(client, activity, media):
    response = client.post(upload_url(activity), {"photos": [jpeg()]})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not ActivityPhoto.objects.exists() and not stored_files(media)


def test_a_reporter_may_not_upload_or_delete(client, reporter, operator, activity, media):
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[jpeg()])[0]
    login(client, reporter)
    assert client.post(upload_url(activity), {"photos": [jpeg()]}).status_code == 403
    assert client.post(reverse("practice:manage_photo_delete", args=[photo.pk])).status_code == 403
    assert list(ActivityPhoto.objects.all()) == [photo] and len(stored_files(media)) == 1
    with pytest.raises(NotAllowed):
        photos.add_photos(actor=reporter, activity=activity, uploads=[jpeg()])


def test_an_operator_uploads_photos_with_a_caption(client, operator, activity, media):
    login(client, operator)
    response = client.post(upload_url(activity), {"photos": [jpeg("a.jpg"), jpeg("b.png")], "caption": " 志愿者为老人理发 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("practice:manage_activity", args=[activity.pk]) + "#photos"
    added = photos.activity_photos(activity)
    assert [(p.caption, p.uploaded_by, p.width, p.height) for p in added] == [("志愿者为老人理发", operator, 40, 30)] * 2
    assert all(p.image.name.startswith("practice/activities/") and p.image.name.endswith(".jpg") for p in added)
    assert len(stored_files(media)) == 2
    assert "2 photos added." in messages_of(client.get(response["Location"]))
    log = AuditLog.objects.get(action="practice.photos_add")
    assert log.actor == operator and log.subject_id == str(activity.pk) and log.data["photos"] == [p.pk for p in added]


def test_an_upload_without_files_is_a_message(client, operator, activity):
    response = login(client, operator).post(upload_url(activity), {"caption": "x"}, follow=True)
    assert "Choose at least one photo to upload." in messages_of(response)


# --- what is stored -------------------------------------------------------------------------------


def test_a_phone_photo_is_stored_upright_without_exif_or_gps(operator, activity):
    original = phone_photo()
    with Image.open(io.BytesIO(original.read())) as check:  # the test picture does carry them
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo) and check.getexif()[ExifTags.Base.Orientation] == 6
    original.seek(0)
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[original])[0]
    raw = photo.image.open("rb").read()
    photo.image.close()
    image = opened(photo)
    assert image.format == "JPEG"
    assert (image.width, image.height) == (photo.width, photo.height) == (100, 200)
    assert dict(image.getexif()) == {} and "exif" not in image.info
    assert b"Exif" not in raw and b"PhoneMaker" not in raw
    # Turned 90° clockwise: the left (red) half is now on top.
    top, bottom = image.getpixel((50, 20)), image.getpixel((50, 180))
    assert top[0] > 180 and top[2] < 60
    assert bottom[2] > 180 and bottom[0] < 60


def test_a_big_png_with_transparency_is_fitted_within_2048_on_white(operator, activity):
    out = io.BytesIO()
    Image.new("RGBA", (3000, 1500), (0, 0, 0, 0)).save(out, format="PNG")
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[SimpleUploadedFile("big.png", out.getvalue())])[0]
    image = opened(photo)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert (image.width, image.height) == (photo.width, photo.height) == (2048, 1024)
    assert all(channel > 245 for channel in image.getpixel((1000, 500)))


def test_a_gif_keeps_its_first_frame(operator, activity):
    frames = [Image.new("P", (60, 40), 0), Image.new("P", (60, 40), 1)]
    for frame in frames:
        frame.putpalette([220, 0, 0, 0, 0, 220] + [0] * 762)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[SimpleUploadedFile("a.gif", out.getvalue())])[0]
    red = opened(photo).getpixel((30, 20))
    assert red[0] > 180 and red[2] < 60


# --- all or nothing -----------------------------------------------------------------------------------


def test_one_bad_file_refuses_the_whole_upload(client, operator, activity, media):
    login(client, operator)
    files = [jpeg("1.jpg"), SimpleUploadedFile("2.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg"), jpeg("3.jpg")]
    response = client.post(upload_url(activity), {"photos": files, "caption": "合影"}, follow=True)
    assert response.status_code == 200
    assert "Picture 2 is not a picture we can show; send a JPEG, PNG, GIF or WebP file." in messages_of(response)
    assert not ActivityPhoto.objects.exists() and not stored_files(media)
    assert not AuditLog.objects.filter(action="practice.photos_add").exists()


def test_a_truncated_jpeg_is_refused_by_its_number(operator, activity):
    import weasyprint  # noqa: F401 - as in the running site once a certificate was made: it turns
    from PIL import ImageFile  # Pillow's process-wide LOAD_TRUNCATED_IMAGES on

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    data = jpeg(size=(300, 200)).read()
    with pytest.raises(DomainError, match="Picture 2 ") as refused:
        photos.add_photos(actor=operator, activity=activity, uploads=[jpeg(), SimpleUploadedFile("cut.jpg", data[: len(data) // 2])])
    assert getattr(refused.value, "field", None) == "photos"
    assert not ActivityPhoto.objects.exists()


def test_thirteen_files_at_once_are_refused(client, operator, activity, media):
    login(client, operator)
    response = client.post(upload_url(activity), {"photos": [jpeg(f"{i}.jpg") for i in range(13)]}, follow=True)
    assert "Upload at most 12 photos at a time (you chose 13)." in messages_of(response)
    assert not ActivityPhoto.objects.exists() and not stored_files(media)


def test_an_activity_takes_at_most_60_photos(operator, activity):
    ActivityPhoto.objects.bulk_create(
        ActivityPhoto(activity=activity, image=f"practice/activities/x{i}.jpg", uploaded_by=operator) for i in range(59)
    )
    with pytest.raises(DomainError, match="at most 60 photos; it has 59, so add at most 1 more"):
        photos.add_photos(actor=operator, activity=activity, uploads=[jpeg(), jpeg()])
    assert ActivityPhoto.objects.count() == 59
    photos.add_photos(actor=operator, activity=activity, uploads=[jpeg()])
    assert ActivityPhoto.objects.count() == 60


def test_a_cancelled_activity_takes_no_photos(client, operator, activity, media):
    Activity.objects.filter(pk=activity.pk).update(state=Activity.State.CANCELLED)
    activity.refresh_from_db()
    with pytest.raises(StateConflict):
        photos.add_photos(actor=operator, activity=activity, uploads=[jpeg()])
    response = login(client, operator).post(upload_url(activity), {"photos": [jpeg()]}, follow=True)
    assert "The activity was cancelled; it takes no photos." in messages_of(response)
    assert not ActivityPhoto.objects.exists() and not stored_files(media)


# --- the photo's address ---------------------------------------------------------------------------


def test_a_draft_activitys_photo_is_404_to_the_public_and_shown_to_the_staff(client, operator, reporter, activity):
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[jpeg()])[0]
    url = reverse("practice:photo", args=[photo.pk])
    assert client.get(url).status_code == 404
    assert login(client, reporter).get(url).status_code == 404
    response = login(client, operator).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "public" not in response["Cache-Control"]


def test_a_published_activitys_photo_is_served_with_a_days_cache(client, operator, published):
    photo = photos.add_photos(actor=operator, activity=published, uploads=[jpeg()])[0]
    response = client.get(reverse("practice:photo", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=86400"
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xff\xd8\xff"
    assert client.post(reverse("practice:photo", args=[photo.pk])).status_code == 405


def test_a_missing_file_or_photo_is_404(client, operator, published):
    photo = photos.add_photos(actor=operator, activity=published, uploads=[jpeg()])[0]
    photo.image.storage.delete(photo.image.name)
    assert client.get(reverse("practice:photo", args=[photo.pk])).status_code == 404
    assert client.get(reverse("practice:photo", args=[photo.pk + 100])).status_code == 404


# --- delete --------------------------------------------------------------------------------------------


def test_delete_removes_the_row_and_the_file(client, operator, activity, media, django_capture_on_commit_callbacks):
    kept, gone = photos.add_photos(actor=operator, activity=activity, uploads=[jpeg(), jpeg()])
    login(client, operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("practice:manage_photo_delete", args=[gone.pk]), follow=True)
    assert "The photo was deleted." in messages_of(response)
    assert list(ActivityPhoto.objects.all()) == [kept]
    assert [p.name for p in stored_files(media)] == [kept.image.name.rsplit("/", 1)[-1]]
    assert AuditLog.objects.filter(action="practice.photo_delete", subject_id=str(activity.pk)).exists()
    response = client.post(reverse("practice:manage_photo_delete", args=[gone.pk]))
    assert response.status_code == 404


def test_the_file_stays_when_the_deletion_rolls_back(operator, activity, media, django_capture_on_commit_callbacks):
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[jpeg()])[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        photos.delete_photo(actor=operator, photo=photo)
    assert len(callbacks) == 1 and len(stored_files(media)) == 1  # deleted only once committed


# --- the includes ---------------------------------------------------------------------------------------


def test_the_staff_include_lists_thumbnails_and_the_upload_form(rf, operator, activity):
    photo = photos.add_photos(actor=operator, activity=activity, uploads=[jpeg()], caption="合影")[0]
    html = render_to_string(
        "practice/manage/_photos.html", {"activity": activity, "photos": photos.activity_photos(activity)}, request=rf.get("/")
    )
    src = reverse("practice:photo", args=[photo.pk])
    assert f'src="{src}"' in html and 'loading="lazy"' in html and 'width="40" height="30"' in html and "合影" in html
    assert reverse("practice:manage_photo_delete", args=[photo.pk]) in html
    assert 'name="photos"' in html and "multiple" in html and 'accept="image/*"' in html and 'enctype="multipart/form-data"' in html


def test_the_public_include_shows_a_gallery_or_nothing(operator, published, django_assert_num_queries):
    assert render_to_string("practice/public/_photos.html", {"photos": []}).strip() == ""
    photos.add_photos(actor=operator, activity=published, uploads=[jpeg(), jpeg()], caption="合影")
    with django_assert_num_queries(1):
        html = render_to_string("practice/public/_photos.html", {"photos": photos.activity_photos(published)})
    assert 'id="practice-photos"' in html and "<figcaption>合影</figcaption>" in html and 'loading="lazy"' in html
