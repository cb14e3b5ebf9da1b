"""After the end: the replay made from the recording through the media library's import path,
and clips cut from it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rongmei.core.exceptions import DomainError, StateConflict
from rongmei.live import ingest, replay, services, tasks
from rongmei.live.models import LiveRoom
from rongmei.live.tests._video import duration, make_video, needs_ffmpeg
from rongmei.media.models import Asset

pytestmark = [needs_ffmpeg, pytest.mark.django_db]

State = LiveRoom.State


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


@pytest.fixture
def live_root(settings, tmp_path):
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "ROOT": tmp_path / "live"}
    return tmp_path / "live"


@pytest.fixture
def ended_room(live_root, operator):
    """A room that was live and ended, with a recording of two stream sessions (a reconnect)."""
    room = services.create_room(actor=operator, title="泌阳曲艺大赛", scheduled_at=timezone.now())
    services.authorize_publish(key=room.stream_key)
    make_video(ingest.rec_dir(room.pk) / "20261126-100000.mkv", 4, size="640x360")
    make_video(ingest.rec_dir(room.pk) / "20261126-100500.mkv", 3, size="640x360")
    return services.end_room(actor=operator, room=room)


def test_the_recording_becomes_a_media_asset_and_the_rooms_replay(ended_room, django_capture_on_commit_callbacks):
    assert replay.build_replay(ended_room.pk).startswith("asset ")
    room = LiveRoom.objects.get(pk=ended_room.pk)
    assert room.state == State.REPLAY
    asset = room.replay_asset
    assert asset.kind == Asset.Kind.VIDEO and asset.mime == "video/mp4" and "泌阳曲艺大赛" in asset.title
    assert abs(asset.metadata["duration"] - 7) <= 1  # both sessions, one after the other
    assert asset.renditions.filter(kind="poster").exists()  # the media library makes its renditions
    assert replay.build_replay(ended_room.pk) == "not ended"  # once
    assert replay.recordings(room.pk) == []  # the asset holds the recording now


def test_the_replay_waits_for_the_reconnect_grace_unless_an_operator_ended_it(
    live_root, operator, django_capture_on_commit_callbacks, monkeypatch
):
    scheduled = []
    monkeypatch.setattr(tasks, "schedule_replay", lambda room_id, ended_at, after: scheduled.append((room_id, ended_at, after)))
    room = services.create_room(actor=operator, title="牛业大会", scheduled_at=timezone.now())
    services.authorize_publish(key=room.stream_key)
    with django_capture_on_commit_callbacks(execute=True):
        ended = services.publish_done(key=room.stream_key)
    assert scheduled == [(room.pk, ended.ended_at.isoformat(), services.reconnect_grace())]
    # The encoder came back and left again: the first run finds another end time and does nothing.
    services.authorize_publish(key=room.stream_key)
    services.publish_done(key=room.stream_key)
    assert replay.build_replay(room.pk, ended.ended_at.isoformat()) == "ended again later"

    scheduled.clear()
    other = services.create_room(actor=operator, title="曲艺大赛", scheduled_at=timezone.now())
    services.authorize_publish(key=other.stream_key)
    with django_capture_on_commit_callbacks(execute=True):
        services.end_room(actor=operator, room=other)
    assert [(pk, after) for pk, _at, after in scheduled] == [(other.pk, None)]  # at once
    assert tasks.build_replay.call(other.pk, "") == "no recording"


def test_a_clip_becomes_a_new_asset_of_the_asked_length(ended_room, operator, django_capture_on_commit_callbacks):
    replay.build_replay(ended_room.pk)
    room = LiveRoom.objects.get(pk=ended_room.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.request_clip(actor=operator, room=room, start="00:01", end="0:04") == (1, 4)
    assert callbacks  # the cut is enqueued as a task
    assert replay.make_clip(room.pk, 1, 4, operator.pk).startswith("asset ")
    clip = replay.clips(room)[0]
    assert clip.title == "Clip: 泌阳曲艺大赛 00:01–00:04" and clip.uploaded_by == operator
    assert abs(clip.metadata["duration"] - 3) <= 1
    from django.core.files.storage import default_storage

    assert abs(duration(default_storage.path(clip.original.name)) - 3) <= 1


def test_clips_can_be_cut_from_the_recording_before_the_replay_exists(ended_room, operator):
    assert replay.make_clip(ended_room.pk, 5, 6, operator.pk).startswith("asset ")  # in the second session
    assert abs(replay.clips(ended_room)[0].metadata["duration"] - 1) <= 1


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        ("1:00", "0:30", "end", "after the start"),
        ("abc", "0:30", "start", "minutes:seconds"),
        ("0:00", "31:00", "end", "at most 30 minutes"),
        ("0:00", "0:59", "end", "only 00:07 long"),
        ("0:70", "1:00", "start", "59"),
    ],
)
def test_clip_times_are_checked_in_words(ended_room, operator, start, end, field, words):
    with pytest.raises(DomainError) as e:
        services.request_clip(actor=operator, room=ended_room, start=start, end=end)
    assert e.value.field == field and words in e.value.message


def test_no_clip_without_a_recording(live_root, operator):
    room = services.create_room(actor=operator, title="尚未开始", scheduled_at=timezone.now())
    with pytest.raises(StateConflict):
        services.request_clip(actor=operator, room=room, start="0:00", end="0:10")


def test_clock_times():
    assert services.parse_clock("12:30", field="start") == 750
    assert services.parse_clock("1:02:03", field="start") == 3723
    assert services.parse_clock("45", field="start") == 45
    assert services.parse_clock("12：30", field="start") == 750  # a full-width colon
    assert services.format_clock(930) == "15:30" and services.format_clock(3723) == "1:02:03"


def test_a_replay_is_built_once_however_many_runs_were_enqueued(operator, monkeypatch):
    from django.utils import timezone

    from rongmei.live import replay, services
    from rongmei.live.models import LiveRoom

    room = services.create_room(actor=operator, title="重复", scheduled_at=timezone.now())
    services.authorize_publish(key=room.stream_key)
    services.publish_done(key=room.stream_key)
    builds = []
    monkeypatch.setattr(replay, "_build_replay", lambda r: builds.append(r.pk) or "asset 9")
    assert replay.build_replay(room.pk) == "asset 9"
    assert replay.build_replay(room.pk) == "already being built"
    assert builds == [room.pk] and LiveRoom.objects.get(pk=room.pk).state == "ended"
