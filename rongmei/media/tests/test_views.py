import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rongmei.media import services
from rongmei.media.models import Asset, Rendition, StoryAsset
from rongmei.testing.factories import draft_story

from .conftest import jpeg_bytes, png_bytes, render_all, upload


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_library_page_query_count_does_not_grow_with_assets(reporter, editor, django_assert_num_queries):
    client = login(editor)
    url = reverse("media:library")
    for i in range(2):
        render_all(upload(reporter, png_bytes((40, 30)), f"{i}.png"))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(4):
        asset = upload(editor, png_bytes((40, 30)), f"more{i}.png")
        services.update_asset(actor=editor, asset=asset, tags=["风景", f"t{i}"])
        render_all(asset)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="asset-tile"') == 6
    assert "thumb_320" in response.content.decode()


def test_the_library_searches_and_filters(reporter, editor):
    a = upload(reporter, png_bytes(), "lake.png", title="铜山湖晨光")
    upload(reporter, jpeg_bytes((50, 50)), "cow.jpg", title="夏南牛")
    services.update_asset(actor=editor, asset=a, tags=["风景"])
    client = login(editor)
    page = client.get(reverse("media:library"), {"q": "铜山湖"}).content.decode()
    assert "铜山湖晨光" in page and "夏南牛" not in page
    page = client.get(reverse("media:library"), {"tag": "风景", "kind": "image"}).content.decode()
    assert "铜山湖晨光" in page and "夏南牛" not in page
    assert client.get(reverse("media:library"), {"kind": "nonsense"}).status_code == 200


def test_the_media_pages_are_for_staff_only(reporter, db):
    from rongmei.accounts.models import User
    from rongmei.testing.personas import make_user

    asset = upload(reporter, png_bytes(), "a.png")
    assert Client().get(reverse("media:library")).status_code == 302
    citizen = make_user("citizen2", "市民", "reporter")
    User.objects.filter(pk=citizen.pk).update(role="app_user")
    for url in (reverse("media:library"), reverse("media:asset", args=[asset.pk]), reverse("media:original", args=[asset.pk])):
        assert login(citizen).get(url).status_code == 403


def test_the_plain_upload_form_works_without_javascript(reporter, settings):
    client = login(reporter)
    page = client.get(reverse("media:upload")).content.decode()
    assert 'id="uploader"' in page and "upload.js" in page and 'enctype="multipart/form-data"' in page
    r = client.post(reverse("media:upload"), {"file": SimpleUploadedFile("x.jpg", jpeg_bytes((60, 40))), "title": "图"})
    asset = Asset.objects.get()
    assert r.status_code == 302 and r.url == reverse("media:asset", args=[asset.pk])
    r = client.post(reverse("media:upload"), {"file": SimpleUploadedFile("x.jpg", b"not an image at all"), "title": "坏"})
    assert r.status_code == 400
    assert "not supported" in r.content.decode()
    assert Asset.objects.count() == 1


def test_an_upload_page_for_a_story_attaches_the_file(reporter, team):
    story = draft_story(reporter, team)
    client = login(reporter)
    assert story.headline in client.get(reverse("media:upload"), {"story": story.pk}).content.decode()
    client.post(reverse("media:upload"), {"file": SimpleUploadedFile("x.png", png_bytes()), "story": story.pk})
    assert StoryAsset.objects.get().story == story


def test_the_asset_page_shows_metadata_renditions_and_their_errors(reporter, editor):
    asset = upload(reporter, jpeg_bytes((300, 200), gps=True), "gps.jpg")
    render_all(asset)
    Rendition.objects.filter(asset=asset, kind="thumb_320").update(status="failed", error="磁盘已满", error_detail="No space left")
    page = login(editor).get(reverse("media:asset", args=[asset.pk])).content.decode()
    assert "300 × 200" in page and "Canon" in page
    assert "磁盘已满" in page and "No space left" in page
    assert 'id="focal-image"' in page and 'id="focal-form"' in page
    assert reverse("media:rendition_retry", args=[asset.pk, asset.renditions.get(kind="thumb_320").pk]) in page


def test_focal_point_tags_retry_and_attach_from_the_asset_page(reporter, editor, outsider, team):
    asset = upload(reporter, jpeg_bytes((300, 200)), "a.jpg")
    render_all(asset)
    story = draft_story(reporter, team)
    client = login(editor)
    assert client.post(reverse("media:asset_focal", args=[asset.pk]), {"x": "0.25", "y": "0.75"}).status_code == 302
    asset.refresh_from_db()
    assert (asset.focal_x, asset.focal_y) == (0.25, 0.75)
    assert client.post(reverse("media:asset_focal", args=[asset.pk]), {"x": "2", "y": "0"}).status_code == 400
    r = client.post(reverse("media:asset_edit", args=[asset.pk]), {"title": "新标题", "tags": "夏南牛，铜山湖 风景"})
    assert r.status_code == 302
    asset.refresh_from_db()
    assert asset.tags == ["夏南牛", "铜山湖", "风景"]
    rendition = asset.renditions.get(kind="thumb_320")
    client.post(reverse("media:rendition_retry", args=[asset.pk, rendition.pk]))
    rendition.refresh_from_db()
    assert rendition.status == "pending"
    r = client.post(reverse("media:asset_attach", args=[asset.pk]), {"story": story.pk, "caption": "图说"})
    assert r.status_code == 302 and StoryAsset.objects.get().caption == "图说"
    # Someone who may not edit: the forms are refused.
    other = login(outsider)
    assert other.post(reverse("media:asset_focal", args=[asset.pk]), {"x": "0.5", "y": "0.5"}).status_code == 403
    assert other.post(reverse("media:asset_attach", args=[asset.pk]), {"story": story.pk}).status_code == 400


def test_files_are_served_to_staff_and_paths_stay_inside(reporter, editor):
    asset = upload(reporter, jpeg_bytes((300, 200)), "原图.jpg")
    made = render_all(asset)
    client = login(editor)
    r = client.get(reverse("media:original", args=[asset.pk]))
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    r = client.get(reverse("media:file", args=[asset.pk, made["web_1280_webp"].rel_path]))
    assert (r.status_code, r["Content-Type"], r["X-Content-Type-Options"]) == (200, "image/webp", "nosniff")
    assert client.get(f"/newsroom/media/{asset.pk}/files/../../../settings.py").status_code == 404
    assert client.get(f"/newsroom/media/{asset.pk}/files/nope.jpg").status_code == 404


def test_a_video_page_plays_hls_or_mp4_with_the_poster(reporter, editor, video_bytes):
    asset = upload(reporter, video_bytes, "clip.mp4")
    render_all(asset)
    page = login(editor).get(reverse("media:asset", args=[asset.pk])).content.decode()
    assert "hls/master.m3u8" in page and 'type="video/mp4"' in page and "poster=" in page
    r = login(editor).get(reverse("media:file", args=[asset.pk, "hls/master.m3u8"]))
    assert r["Content-Type"] == "application/vnd.apple.mpegurl"
    segment = asset.renditions.get(kind="hls_360").file.path
    first = sorted(n for n in os.listdir(os.path.dirname(segment)) if n.endswith(".ts"))[0]
    r = login(editor).get(reverse("media:file", args=[asset.pk, f"hls_360/{first}"]))
    assert r["Content-Type"] == "video/mp2t"


def test_the_admin_shows_assets_read_only(reporter, db):
    from rongmei.newsroom.tests.test_views_common import as_user
    from rongmei.testing.personas import make_user

    asset = upload(reporter, png_bytes(), "a.png")
    admin = make_user("root", "管理员", "admin", is_staff=True, is_superuser=True)
    client = as_user(admin)  # through the two-factor step the admin role needs
    assert client.get(reverse("admin:media_asset_changelist")).status_code == 200
    assert client.get(reverse("admin:media_asset_change", args=[asset.pk])).status_code == 200
    assert client.get(reverse("admin:media_asset_add")).status_code == 403
