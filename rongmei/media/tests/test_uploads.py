import io
import os

import pytest

from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.core.models import AuditLog
from rongmei.media import services
from rongmei.media.models import Asset, StoryAsset, UploadSession
from rongmei.testing.factories import draft_story

from .conftest import jpeg_bytes, png_bytes, upload


class Dropping(io.BytesIO):
    """A request body whose connection drops after `keep` bytes."""

    def __init__(self, data: bytes, keep: int):
        super().__init__(data[:keep])


def uploads_dir_is_empty(settings) -> bool:
    path = os.path.join(settings.MEDIA_ROOT, "uploads")
    return not os.path.isdir(path) or os.listdir(path) == []


def test_an_upload_resumes_after_a_dropped_connection(reporter, settings):
    data = jpeg_bytes((320, 240))
    session = services.start_upload(actor=reporter, file_name="铜山湖.jpg", size=len(data))
    half = len(data) // 2
    # The first chunk arrives whole, the second is cut off after 100 bytes.
    services.append_chunk(actor=reporter, session_id=session.pk, offset=0, stream=io.BytesIO(data[:half]), length=half)
    services.append_chunk(actor=reporter, session_id=session.pk, offset=half, stream=Dropping(data[half:], 100), length=len(data) - half)
    # The client, not knowing, sends from the wrong place: refused with the server's offset.
    with pytest.raises(services.OffsetMismatch) as e:
        services.append_chunk(actor=reporter, session_id=session.pk, offset=half, stream=io.BytesIO(data[half:]), length=len(data) - half)
    assert e.value.offset == half + 100
    assert e.value.status == 409
    resume = e.value.offset
    services.append_chunk(actor=reporter, session_id=session.pk, offset=resume, stream=io.BytesIO(data[resume:]), length=len(data) - resume)
    asset = services.finish_upload(actor=reporter, session_id=session.pk)
    assert asset.kind == "image" and asset.original_name == "铜山湖.jpg" and asset.title == "铜山湖"
    with asset.original.open("rb") as f:
        assert f.read() == data  # the original, byte for byte
    assert asset.size == len(data)
    assert not UploadSession.objects.exists()
    assert uploads_dir_is_empty(settings)
    assert AuditLog.objects.filter(action="media.upload", subject_id=str(asset.pk)).exists()
    assert sorted(asset.renditions.values_list("kind", flat=True)) == sorted(services.RENDITIONS_BY_KIND["image"])


def test_finishing_an_incomplete_upload_is_refused(reporter):
    session = services.start_upload(actor=reporter, file_name="a.jpg", size=1000)
    with pytest.raises(DomainError) as e:
        services.finish_upload(actor=reporter, session_id=session.pk)
    assert e.value.status == 409


def test_a_chunk_past_the_declared_size_is_refused(reporter):
    session = services.start_upload(actor=reporter, file_name="a.jpg", size=10)
    with pytest.raises(DomainError):
        services.append_chunk(actor=reporter, session_id=session.pk, offset=0, stream=io.BytesIO(b"x" * 20), length=20)


def test_a_file_over_the_limit_is_refused_up_front(reporter, settings):
    settings.RONGMEI_MEDIA_MAX_BYTES = 1000
    with pytest.raises(DomainError) as e:
        services.start_upload(actor=reporter, file_name="big.mp4", size=1001)
    assert e.value.code == "too_large"
    assert not UploadSession.objects.exists()


def test_a_per_kind_limit_applies_once_the_type_is_known(reporter, settings):
    settings.RONGMEI_MEDIA_MAX_BYTES = {"default": 10_000_000, "image": 100}
    with pytest.raises(DomainError) as e:
        upload(reporter, png_bytes(), "a.png")
    assert e.value.code == "too_large"
    assert not Asset.objects.exists()
    assert uploads_dir_is_empty(settings)


def test_a_corrupt_file_is_refused_and_nothing_is_kept(reporter, settings):
    data = jpeg_bytes((800, 600))
    with pytest.raises(DomainError) as e:
        upload(reporter, data[: len(data) // 2], "cut.jpg")
    assert e.value.code == "bad_file"
    assert not Asset.objects.exists() and not UploadSession.objects.exists()
    assert uploads_dir_is_empty(settings)
    assert not os.path.exists(os.path.join(settings.MEDIA_ROOT, "assets"))


def test_someone_elses_upload_session_cannot_be_written(reporter, reporter2):
    session = services.start_upload(actor=reporter, file_name="a.jpg", size=10)
    with pytest.raises(DomainError) as e:
        services.append_chunk(actor=reporter2, session_id=session.pk, offset=0, stream=io.BytesIO(b"x" * 10), length=10)
    assert e.value.code == "not_found"


def test_only_newsroom_staff_may_upload(reporter, photographer, operator, django_user_model):
    from rongmei.testing.personas import make_user

    guest = make_user("guest", "访客", "")
    with pytest.raises(NotAllowed):
        services.start_upload(actor=guest, file_name="a.jpg", size=10)
    for person in (reporter, photographer, operator):
        assert services.start_upload(actor=person, file_name="a.jpg", size=10)


def test_the_people_who_may_edit_a_story_attach_assets_to_it(reporter, editor, outsider, other_lead, team):
    story = draft_story(reporter, team)
    asset = upload(editor, png_bytes(), "a.png")
    link = services.attach(actor=reporter, asset=asset, story=story, caption="图说")
    assert (link.order, link.caption) == (1, "图说")
    with pytest.raises(DomainError):
        services.attach(actor=editor, asset=asset, story=story)  # already there
    for person in (outsider, other_lead):
        with pytest.raises(NotAllowed):
            services.attach(actor=person, asset=upload(person, png_bytes(), "b.png"), story=story)
    services.detach(actor=editor, asset=asset, story=story)
    assert not StoryAsset.objects.exists()


def test_an_upload_for_a_story_lands_in_it_and_outsiders_cannot(reporter, outsider, team):
    story = draft_story(reporter, team)
    asset = upload(reporter, png_bytes(), "a.png", story=story)
    assert list(asset.stories.all()) == [story]
    with pytest.raises(NotAllowed):
        services.start_upload(actor=outsider, file_name="a.png", size=10, story=story)


def test_tags_are_cleaned_and_searchable(reporter, editor, outsider):
    from rongmei.media import selectors

    asset = upload(reporter, png_bytes(), "a.png")
    services.update_asset(actor=editor, asset=asset, tags=["夏南牛", " 铜山湖 ", "夏南牛", "a|b"], title="铜山湖的夏天")
    asset.refresh_from_db()
    assert asset.tags == ["夏南牛", "铜山湖", "a b"]
    assert list(selectors.assets(tag="铜山湖")) == [asset]
    assert list(selectors.assets(query="夏天")) == [asset]
    assert list(selectors.assets(query="夏南")) == [asset]
    assert list(selectors.assets(kind="video")) == []
    with pytest.raises(NotAllowed):
        services.update_asset(actor=outsider, asset=asset, tags=["x"])


def test_expired_uploads_are_purged(reporter, settings):
    import datetime as dt

    from django.utils import timezone

    session = services.start_upload(actor=reporter, file_name="a.jpg", size=10)
    UploadSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.purge_expired_uploads() == 1
    assert uploads_dir_is_empty(settings)


def test_when_ffprobe_cannot_run_the_upload_is_kept_to_finish_later(reporter, settings, video_bytes):
    from rongmei.media import probe

    session = services.start_upload(actor=reporter, file_name="clip.mp4", size=len(video_bytes))
    services.append_chunk(actor=reporter, session_id=session.pk, offset=0, stream=io.BytesIO(video_bytes), length=len(video_bytes))
    settings.RONGMEI_FFPROBE_BIN = "/nonexistent/ffprobe"
    with pytest.raises(probe.ProbeUnavailable) as e:
        services.finish_upload(actor=reporter, session_id=session.pk)
    assert e.value.status == 503
    assert UploadSession.objects.filter(pk=session.pk).exists()
    settings.RONGMEI_FFPROBE_BIN = "ffprobe"
    assert services.finish_upload(actor=reporter, session_id=session.pk).kind == "video"


def test_a_second_writer_on_the_same_upload_waits_its_turn(reporter):
    import fcntl

    session = services.start_upload(actor=reporter, file_name="a.jpg", size=10)
    with open(session.temp_path, "r+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(DomainError) as e:
            services.append_chunk(actor=reporter, session_id=session.pk, offset=0, stream=io.BytesIO(b"x" * 10), length=10)
        assert (e.value.status, e.value.code) == (409, "busy")
    services.append_chunk(actor=reporter, session_id=session.pk, offset=0, stream=io.BytesIO(b"x" * 10), length=10)
    assert UploadSession.objects.get().received == 10
