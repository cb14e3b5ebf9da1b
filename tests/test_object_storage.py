"""Uploaded files in an S3-compatible bucket (rongmei/core/storage.py, docs/deployment.md), against
moto's S3 server started by the test process: files Django stores go to the bucket and come back
through the views that check who may read them; the media library works on local copies and
mirrors what it makes; a machine without a file fetches it; a bucket that does not answer is a
clear 503 and loses nothing; backup and restore carry the bucket's objects exactly."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from rongmei.core import backup, storage
from rongmei.core.exceptions import DomainError
from rongmei.fans.auth import SESSION_KEY
from rongmei.inquiries import services as inquiries
from rongmei.inquiries.models import Inquiry
from rongmei.inquiries.tests.public_flow import BODY, TITLE, photo
from rongmei.media import services as media
from rongmei.media.models import Asset, Rendition, StoryAsset
from rongmei.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def jpeg(size=(1600, 900), color=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def upload(user, data: bytes, name: str) -> Asset:
    session = media.start_upload(actor=user, file_name=name, size=len(data))
    media.append_chunk(actor=user, session_id=session.pk, offset=0, stream=io.BytesIO(data), length=len(data))
    return media.finish_upload(actor=user, session_id=session.pk)


def login_fan(client, fan):
    session = client.session
    session[SESSION_KEY] = fan.pk
    session.save()
    return client


def local_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    found = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
    return {name for name in found if not name.startswith(storage.FETCHING + "/")}  # fetches' locks


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def bucket_down(settings, s3_bucket):
    """The same bucket settings pointing at a port where nothing answers."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = s3_bucket.backend(connect_timeout=1)
    backend["OPTIONS"]["endpoint_url"] = f"http://127.0.0.1:{port}"
    settings.STORAGES = {**settings.STORAGES, "default": backend}
    return s3_bucket


# --- files Django stores ---------------------------------------------------------------------------


def test_a_question_photo_is_kept_in_the_bucket_and_read_through_the_views_that_check_access(
    client, s3_bucket, settings, citizen, other_citizen, editor, unit, unit_staff
):
    picture = photo("路灯.jpg")
    data = picture.read()
    picture.seek(0)
    login_fan(client, citizen)
    response = client.post(
        "/wenzheng/ask/",
        {"kind": "complaint", "title": TITLE, "body": BODY, "location": "泌水街道", "visibility": "private", "files": [picture]},
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    attachment = inquiry.attachments.get()
    # In the bucket under the name Django gave it; nothing of it on this machine's disk.
    assert s3_bucket.contents() == {attachment.file.name: data}
    assert not local_files(settings)

    # The author reads it; another citizen does not.
    mine = reverse("wenzheng:attachment", args=[inquiry.receipt, attachment.pk])
    response = client.get(mine)
    assert response.status_code == 200 and body(response) == data and response["Content-Type"] == "image/jpeg"
    login_fan(client, other_citizen)
    assert client.get(mine).status_code == 404

    # The desk opens it from the question's page: the link is ours, never the bucket's address.
    client.force_login(editor)
    page = client.get(reverse("desk:detail", args=[inquiry.pk])).content.decode()
    desk_url = reverse("desk:attachment", args=[inquiry.pk, attachment.pk])
    assert desk_url in page and s3_bucket.server.endpoint not in page and '="/media/' not in page
    response = client.get(desk_url)
    assert response.status_code == 200 and body(response) == data and "no-store" in response["Cache-Control"]

    # The unit it was forwarded to opens it; before that it could not.
    unit_url = reverse("units:attachment", args=[inquiry.pk, attachment.pk])
    client.force_login(unit_staff)
    assert client.get(unit_url).status_code in (403, 404)
    inquiries.forward(actor=editor, inquiry=inquiry, unit=unit)
    assert unit_url in client.get(reverse("units:detail", args=[inquiry.pk])).content.decode()
    response = client.get(unit_url)
    assert response.status_code == 200 and body(response) == data


def test_pictures_shown_to_the_public_come_from_the_bucket_through_our_addresses(client, s3_bucket, settings):
    from django.core.files.base import ContentFile

    from rongmei.community.models import Topic
    from rongmei.live.models import LiveRoom

    topic = Topic(slug="xianan-niu", name="泌阳夏南牛")
    topic.cover.save("cover.jpg", ContentFile(jpeg((600, 300))), save=True)
    room = LiveRoom.objects.create(title="夏南牛文化节开幕式", scheduled_at=timezone.now())
    room.cover.save("room.jpg", ContentFile(jpeg((640, 360), color=(9, 9, 9))), save=True)
    assert set(s3_bucket.keys()) == {topic.cover.name, room.cover.name} and not local_files(settings)

    page = client.get(reverse("huati:topic", args=[topic.slug])).content.decode()
    cover_url = reverse("huati:topic_cover", args=[topic.slug])
    assert f'src="{cover_url}"' in page and s3_bucket.server.endpoint not in page
    response = client.get(cover_url)
    assert response.status_code == 200 and body(response) == s3_bucket.read(topic.cover.name)
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    Topic.objects.filter(pk=topic.pk).update(active=False)
    assert client.get(cover_url).status_code == 404

    response = client.get(reverse("live:poster", args=[room.pk]))
    assert response.status_code == 200 and body(response) == s3_bucket.read(room.cover.name)


def test_the_objects_are_private(s3_bucket, citizen):
    inquiry = inquiries.submit(fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo()])
    key = inquiry.attachments.get().file.name
    grants = s3_bucket.server.client().get_object_acl(Bucket=s3_bucket.name, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"].get("Type") == "CanonicalUser" for g in grants)  # the owner; no AllUsers grant


def test_a_prefix_keeps_one_countys_files_apart_in_a_shared_bucket(s3_bucket, settings, citizen):
    settings.STORAGES = {**settings.STORAGES, "default": s3_bucket.backend(prefix="biyang/")}
    inquiry = inquiries.submit(fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo()])
    name = inquiry.attachments.get().file.name
    assert s3_bucket.keys() == {f"biyang/{name}"}
    assert storage.listing() == {name: len(s3_bucket.read(f"biyang/{name}"))}


def test_with_the_bucket_down_a_question_with_a_photo_is_refused_with_503_and_nothing_half_kept(client, bucket_down, citizen):
    client.raise_request_exception = False  # the site's own 500/503 page, as a reader gets it
    login_fan(client, citizen)
    response = client.post(
        "/wenzheng/ask/",
        {"kind": "complaint", "title": TITLE, "body": BODY, "location": "泌水街道", "visibility": "public", "files": [photo()]},
    )
    assert response.status_code == 503 and response["Retry-After"]
    assert "file storage cannot be reached" in response.content.decode()
    assert not Inquiry.objects.exists()  # no question without its photo: the citizen sends it again


def test_no_address_of_the_bucket_is_ever_handed_out(s3_bucket, citizen):
    inquiry = inquiries.submit(fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo()])
    attachment = inquiry.attachments.get()
    # The admin's file widgets print .url: an unserved /media/ path, as on disk; no signed link.
    assert attachment.file.url == f"/media/{attachment.file.name}"
    assert s3_bucket.server.endpoint not in attachment.file.url and "Signature" not in attachment.file.url


def test_an_erased_citizens_photos_leave_the_bucket_even_when_it_was_away(s3_bucket, settings, citizen, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from rongmei.core.models import PendingFileDeletion
    from rongmei.inquiries import privacy

    inquiry = inquiries.submit(
        fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo(), photo("b.jpg")]
    )
    names = {a.file.name for a in inquiry.attachments.all()}
    assert names <= s3_bucket.keys()
    working = settings.STORAGES["default"]
    down = s3_bucket.backend(connect_timeout=1)
    down["OPTIONS"]["endpoint_url"] = "http://127.0.0.1:9"
    settings.STORAGES = {**settings.STORAGES, "default": down}
    with django_capture_on_commit_callbacks(execute=True):
        privacy.anonymise(Inquiry.objects.get(), timezone.now())
    assert not inquiry.attachments.exists()
    assert set(PendingFileDeletion.objects.values_list("name", flat=True)) == names  # both noted, neither lost
    assert names <= s3_bucket.keys()

    settings.STORAGES = {**settings.STORAGES, "default": working}
    out = io.StringIO()
    call_command("media_housekeeping", stdout=out)
    assert "2 files deleted that could not be before, 0 still waiting" in out.getvalue()
    assert not PendingFileDeletion.objects.exists() and not (names & s3_bucket.keys())


# --- the media library ---------------------------------------------------------------------------


def test_the_library_mirrors_originals_and_renditions_and_another_machine_fetches_them(client, s3_bucket, settings, reporter):
    data = jpeg()
    asset = upload(reporter, data, "铜山湖.jpg")
    assert s3_bucket.read(asset.original.name) == data
    for rendition in asset.renditions.all():
        assert media.run_rendition(rendition.pk) == "done"
    made = {r.kind: r for r in Rendition.objects.filter(asset=asset)}
    assert made and all(r.status == Rendition.Status.DONE for r in made.values())
    # Every file made here is in the bucket, byte for byte, under the same name.
    here = {name: Path(settings.MEDIA_ROOT, name).read_bytes() for name in local_files(settings)}
    assert {k: v for k, v in s3_bucket.contents().items()} == here

    # Another web machine: an empty MEDIA_ROOT. The staff's file view fetches the rendition.
    shutil.rmtree(settings.MEDIA_ROOT)
    client.force_login(reporter)
    thumb = made["thumb_320"]
    response = client.get(reverse("media:file", args=[asset.pk, thumb.rel_path]))
    assert response.status_code == 200 and body(response) == here[thumb.file.name]
    assert local_files(settings) == {thumb.file.name}  # kept as this machine's copy
    original = client.get(reverse("media:original", args=[asset.pk]))
    assert original.status_code == 200 and body(original) == data
    assert client.get(reverse("media:file", args=[asset.pk, "../../assets/x.jpg"])).status_code == 404

    # Another worker: the original is fetched, the rendition made again and mirrored again.
    shutil.rmtree(settings.MEDIA_ROOT)
    cover = made["wechat_cover_1x1"]
    Rendition.objects.filter(pk=cover.pk).update(status=Rendition.Status.PENDING)
    assert media.run_rendition(cover.pk) == "done"
    cover.refresh_from_db()
    assert cover.attempts == 2 and s3_bucket.read(cover.file.name) == Path(settings.MEDIA_ROOT, cover.file.name).read_bytes()


def test_a_copy_older_than_the_rendition_is_fetched_again_and_a_current_one_is_not(client, s3_bucket, settings, reporter, editor):
    asset = upload(reporter, jpeg(), "泌水河.jpg")
    thumb = asset.renditions.get(kind="thumb_320")
    media.run_rendition(thumb.pk)
    thumb.refresh_from_db()
    local = Path(settings.MEDIA_ROOT, thumb.file.name)
    made = local.read_bytes()
    url = reverse("media:file", args=[asset.pk, thumb.rel_path])
    client.force_login(reporter)

    # This machine made it: its copy is served, the bucket is not asked again.
    s3_bucket.put(thumb.file.name, b"not what this machine made")
    assert body(client.get(url)) == made
    s3_bucket.put(thumb.file.name, made)

    # Another machine holds the copy it fetched before the rendition was made again.
    local.write_bytes(b"an older cut")
    old = thumb.updated_at.timestamp() - 60
    os.utime(local, (old, old))
    assert body(client.get(url)) == made and local.read_bytes() == made
    assert local.stat().st_mtime >= thumb.updated_at.timestamp() - 1  # the copy is current now


def test_housekeeping_drops_old_local_copies_the_bucket_holds_once_a_day(s3_bucket, settings, reporter):
    from django.core.management import call_command

    asset = upload(reporter, jpeg(), "旧照片.jpg")
    original = Path(settings.MEDIA_ROOT, asset.original.name)
    only_here = Path(settings.MEDIA_ROOT, "renditions", str(asset.pk), "thumb_320", "not-mirrored.jpg")
    only_here.parent.mkdir(parents=True)
    only_here.write_bytes(b"the bucket lacks this")
    under_way = Path(settings.MEDIA_ROOT, "uploads", "x.part")
    under_way.parent.mkdir(parents=True, exist_ok=True)
    under_way.write_bytes(b"half")
    old = original.stat().st_mtime - 20 * 86400
    for path in (original, only_here):
        os.utime(path, (old, old))

    out = io.StringIO()
    call_command("media_housekeeping", stdout=out)
    assert "1 local copies older than 14 days removed" in out.getvalue()
    assert not original.exists() and only_here.exists() and under_way.exists()
    assert storage.local_file(asset.original.name) == str(original.resolve()) and original.exists()  # fetched again on use
    out = io.StringIO()
    call_command("media_housekeeping", stdout=out)
    assert "local copies" not in out.getvalue()  # once a day


def test_many_requests_for_a_file_this_machine_lacks_fetch_it_once(s3_bucket, settings, reporter, monkeypatch):
    import threading

    from rongmei.core import storage as store_module

    asset = upload(reporter, jpeg(), "人多.jpg")
    shutil.rmtree(settings.MEDIA_ROOT)
    fetches = []
    real = store_module._fetch

    def counted(*args):
        fetches.append(1)
        return real(*args)

    monkeypatch.setattr(store_module, "_fetch", counted)
    got = []
    threads = [threading.Thread(target=lambda: got.append(storage.local_file(asset.original.name))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1 and Path(got[0]).read_bytes() == s3_bucket.read(asset.original.name)
    assert len(fetches) == 1


def test_a_published_storys_picture_is_served_on_a_machine_that_never_had_it(client, s3_bucket, settings, reporter, team, reviewers):
    asset = upload(reporter, jpeg(), "夏南牛.jpg")
    for rendition in asset.renditions.all():
        media.run_rendition(rendition.pk)
    story = factories.published_story(reporter, team, reviewers, headline="夏南牛节开幕")
    StoryAsset.objects.create(story=story, asset=asset, added_by=reporter)
    web = Rendition.objects.get(asset=asset, kind="web_1280_jpg")
    shutil.rmtree(settings.MEDIA_ROOT)
    response = client.get(reverse("portal:media", args=[asset.pk, web.rel_path]))
    assert response.status_code == 200 and body(response) == s3_bucket.read(web.file.name)
    assert client.get(reverse("portal:media", args=[asset.pk, "web_1280_jpg/none.jpg"])).status_code == 404


def test_the_hls_master_is_made_from_the_database_where_it_is_served(client, s3_bucket, settings, reporter, team, reviewers):
    asset = upload(reporter, jpeg(), "直播回放.jpg")
    story = factories.published_story(reporter, team, reviewers, headline="夏南牛节直播回放")
    StoryAsset.objects.create(story=story, asset=asset, added_by=reporter)
    url = reverse("portal:media", args=[asset.pk, "hls/master.m3u8"])
    assert client.get(url).status_code == 404  # no rung made yet
    for kind, height in (("hls_360", 360), ("hls_720", 720)):
        Rendition.objects.update_or_create(
            asset=asset,
            kind=kind,
            defaults={
                "status": Rendition.Status.DONE,
                "file": f"renditions/{asset.pk}/{kind}/index.m3u8",
                "width": height * 16 // 9,
                "height": height,
            },
        )
    # The bucket holds a master written when only the first rung was done (two workers raced).
    s3_bucket.put(f"renditions/{asset.pk}/hls/master.m3u8", b"#EXTM3U\n../hls_360/index.m3u8\n")
    shutil.rmtree(settings.MEDIA_ROOT)
    master = body(client.get(url)).decode()
    assert "../hls_360/index.m3u8" in master and "../hls_720/index.m3u8" in master and "RESOLUTION=1280x720" in master


def test_housekeeping_removes_this_machines_orphan_upload_parts(settings, reporter):
    from rongmei.media.models import UploadSession

    data = jpeg()
    kept = media.start_upload(actor=reporter, file_name="保留.jpg", size=len(data))
    media.append_chunk(actor=reporter, session_id=kept.pk, offset=0, stream=io.BytesIO(data[:100]), length=100)
    kept.refresh_from_db()
    orphan = Path(media.upload_dir(), "0123456789abcdef.part")  # its session removed by another machine
    orphan.write_bytes(b"left behind")
    fresh_orphan = Path(media.upload_dir(), "fedcba9876543210.part")
    fresh_orphan.write_bytes(b"an upload another process is starting")
    old = orphan.stat().st_mtime - (media.UPLOAD_HOURS + 2) * 3600
    for path in (orphan, Path(kept.temp_path)):
        os.utime(path, (old, old))
    assert media.purge_expired_uploads() == 1
    assert not orphan.exists() and fresh_orphan.exists() and Path(kept.temp_path).exists()
    assert UploadSession.objects.filter(pk=kept.pk).exists()


def test_a_folder_made_again_leaves_no_stale_objects(s3_bucket, settings):
    folder = Path(settings.MEDIA_ROOT, "renditions", "7", "hls_360")
    folder.mkdir(parents=True)
    for n in range(3):
        (folder / f"seg_{n:05d}.ts").write_bytes(bytes([n]) * 100)
    assert storage.mirror_tree("renditions/7/hls_360") == 3
    (folder / "seg_00002.ts").unlink()
    (folder / "seg_00001.ts").write_bytes(b"again")
    assert storage.mirror_tree("renditions/7/hls_360") == 2
    assert s3_bucket.contents() == {"renditions/7/hls_360/seg_00000.ts": b"\x00" * 100, "renditions/7/hls_360/seg_00001.ts": b"again"}


def test_with_the_bucket_down_a_finished_upload_stays_and_finishes_later(s3_bucket, settings, reporter):
    data = jpeg(color=(200, 60, 20))
    session = media.start_upload(actor=reporter, file_name="会场.jpg", size=len(data))
    media.append_chunk(actor=reporter, session_id=session.pk, offset=0, stream=io.BytesIO(data), length=len(data))
    working = settings.STORAGES["default"]
    down = s3_bucket.backend(connect_timeout=1)
    down["OPTIONS"]["endpoint_url"] = "http://127.0.0.1:9"  # discard: nothing answers
    settings.STORAGES = {**settings.STORAGES, "default": down}
    with pytest.raises(storage.StorageUnavailable) as refused:
        media.finish_upload(actor=reporter, session_id=session.pk)
    assert refused.value.status == 503 and "could not be reached" in refused.value.message
    assert not Asset.objects.exists()
    session.refresh_from_db()
    assert Path(session.temp_path).read_bytes() == data  # nothing of the upload is lost

    settings.STORAGES = {**settings.STORAGES, "default": working}
    asset = media.finish_upload(actor=reporter, session_id=session.pk)
    assert s3_bucket.read(asset.original.name) == data


def test_a_rendition_that_cannot_be_mirrored_fails_with_the_reason_and_a_retry_works(s3_bucket, settings, reporter, editor):
    asset = upload(reporter, jpeg(), "桥.jpg")
    thumb = asset.renditions.get(kind="thumb_320")
    working = settings.STORAGES["default"]
    down = s3_bucket.backend(connect_timeout=1)
    down["OPTIONS"]["endpoint_url"] = "http://127.0.0.1:9"
    settings.STORAGES = {**settings.STORAGES, "default": down}
    assert media.run_rendition(thumb.pk) == "failed"
    thumb.refresh_from_db()
    assert thumb.status == Rendition.Status.FAILED and "could not be reached" in thumb.error

    settings.STORAGES = {**settings.STORAGES, "default": working}
    media.retry_rendition(actor=editor, rendition=thumb)
    assert media.run_rendition(thumb.pk) == "done"
    thumb.refresh_from_db()
    assert s3_bucket.read(thumb.file.name) == Path(settings.MEDIA_ROOT, thumb.file.name).read_bytes()


# --- backup and restore ----------------------------------------------------------------------------


def bucket_state(bucket) -> dict[str, str]:
    """Every object with its SHA-256 (a folder marker, a key ending in "/", is no file)."""
    return {key: hashlib.sha256(data).hexdigest() for key, data in bucket.contents().items() if not key.endswith("/")}


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_carry_the_buckets_objects_exactly(s3_bucket, settings, tmp_path, reporter, citizen):
    inquiry = inquiries.submit(fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo()])
    asset = upload(reporter, jpeg(), "泌阳.jpg")
    for rendition in asset.renditions.all():
        media.run_rendition(rendition.pk)
    # A file only this machine has (an upload under way): kept too.
    Path(settings.MEDIA_ROOT, "uploads").mkdir(parents=True, exist_ok=True)
    Path(settings.MEDIA_ROOT, "uploads", "abc.part").write_bytes(b"half an upload")
    s3_bucket.put("renditions/", b"")  # a folder marker some S3 tools make
    before = bucket_state(s3_bucket)
    assert inquiry.attachments.get().file.name in before and asset.original.name in before

    archive = tmp_path / "site.tar"
    summary = backup.backup(archive)
    assert summary.files == len(before) + 1 + len(list(Path(settings.RONGMEI["PAGES_ROOT"]).rglob("*.html")))
    assert backup.read_manifest(archive)["media_store"] == "s3"

    # Later: an object removed, one changed, one added; this machine's disk lost.
    s3_bucket.delete(asset.original.name)
    s3_bucket.put(inquiry.attachments.get().file.name, b"changed")
    s3_bucket.put("stray/later.txt", b"after the backup")
    shutil.rmtree(settings.MEDIA_ROOT)
    assert bucket_state(s3_bucket) != before

    backup.restore(archive)
    assert bucket_state(s3_bucket) == before
    # This machine's disk gets back its upload under way, and no copy of the bucket's files: an
    # old or erased one could otherwise be served or carried into the bucket by a later backup.
    assert local_files(settings) == {"uploads/abc.part"}
    assert Path(settings.MEDIA_ROOT, "uploads", "abc.part").read_bytes() == b"half an upload"


@pytest.mark.django_db(transaction=True)
def test_a_one_machine_sites_backup_restores_into_a_bucket(s3_server, settings, tmp_path, citizen):
    inquiry = inquiries.submit(fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo()])
    name = inquiry.attachments.get().file.name
    data = Path(settings.MEDIA_ROOT, name).read_bytes()
    archive = tmp_path / "disk.tar"
    backup.backup(archive)
    assert backup.read_manifest(archive)["media_store"] == "disk"

    bucket = s3_server.new_bucket()
    try:
        settings.STORAGES = {**settings.STORAGES, "default": bucket.backend()}
        backup.restore(archive)
        assert bucket.read(name) == data
        assert not Path(settings.MEDIA_ROOT, name).exists()  # the bucket holds it now, not the disk
        attachment = Inquiry.objects.get().attachments.get()
        assert storage.read_stored(attachment.file.name) == data
    finally:
        bucket.drop()


@pytest.mark.django_db(transaction=True)
def test_a_restore_with_the_bucket_down_changes_nothing(s3_bucket, settings, tmp_path, citizen):
    inquiries.submit(fan=citizen, kind="complaint", title=TITLE, body=BODY, location="泌水街道", uploads=[photo()])
    archive = tmp_path / "site.tar"
    backup.backup(archive)
    Inquiry.objects.update(title="备份之后改过的标题，足够长的标题")
    down = s3_bucket.backend(connect_timeout=1)
    down["OPTIONS"]["endpoint_url"] = "http://127.0.0.1:9"
    settings.STORAGES = {**settings.STORAGES, "default": down}
    with pytest.raises(DomainError, match="could not be reached"):
        backup.restore(archive)
    assert Inquiry.objects.get().title == "备份之后改过的标题，足够长的标题"
