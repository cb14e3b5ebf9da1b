"""The RTMP ingest end to end: the shipped deploy/nginx.conf run by the real nginx with Debian's RTMP
module, the app's callbacks on a live server, a generated ffmpeg stream pushed over RTMP, and the
HLS ladder served by nginx as files."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from django.utils import timezone

from rongmei.core.exceptions import NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.live import ingest, relay, services
from rongmei.live.models import LiveRoom
from rongmei.live.tests._video import make_video, needs_ffmpeg, video_height, wait_until
from rongmei.testing.ingest import get, push, rtmp_ingest
from rongmei.testing.ingest import require as require_ingest

pytestmark = needs_ffmpeg

State = LiveRoom.State


@pytest.fixture
def ingest_server(live_server, settings):
    """nginx from deploy/nginx.conf (paths and ports put in), its callbacks to the live server."""
    require_ingest()
    with rtmp_ingest(live_server.url) as server:
        settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "ROOT": server.live_root, "SEGMENT_SECONDS": 2}
        yield server


def _listed(playlist: Path) -> bool:
    try:
        return ".ts" in playlist.read_text()
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_pushed_stream_becomes_an_hls_ladder_served_by_nginx_within_two_segments(ingest_server, operator, tmp_path):
    room = services.create_room(actor=operator, title="第十五届中国牛业发展大会", scheduled_at=timezone.now() + dt.timedelta(minutes=5))
    hls = ingest.hls_dir(room.pk)
    seconds = ingest.segment_seconds()

    started = time.monotonic()
    encoder = push(f"{ingest_server.rtmp}/{room.stream_key}", seconds=7)
    went_live = wait_until(lambda: LiveRoom.objects.filter(pk=room.pk, state=State.LIVE).exists(), timeout=10, step=0.02)
    accepted = time.monotonic() - started
    ready = wait_until(
        lambda: (hls / "index.m3u8").exists() and _listed(hls / "720p" / "index.m3u8") and _listed(hls / "360p" / "index.m3u8"),
        timeout=15,
        step=0.02,
    )
    first_playable = time.monotonic() - started
    print(
        f"\ntime to the first playable segment (720p and 360p), from the push start: {first_playable:.2f} s"
        f" (segments of {seconds} s; the publish was accepted after {accepted:.2f} s)"
    )
    assert went_live
    assert ready, f"no HLS after 15 s; transcoder log: {(ingest.run_dir() / f'{room.pk}.log').read_text()!r}"
    assert first_playable <= 2 * seconds + 1.0, f"{first_playable:.2f} s is more than two segment durations (+1 s margin)"

    room.refresh_from_db()
    assert room.state == State.LIVE and room.publisher_address == "127.0.0.1"

    # nginx serves the ladder as files, with the player's headers.
    status, headers, master = get(f"{ingest_server.http}/hls/{room.pk}/index.m3u8")
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert headers["Access-Control-Allow-Origin"] == "*" and "max-age=1" in headers["Cache-Control"]
    assert b"720p/index.m3u8" in master and b"360p/index.m3u8" in master and b"RESOLUTION=1280x720" in master
    for rung, height in (("720p", 720), ("360p", 360)):
        status, _, playlist = get(f"{ingest_server.http}/hls/{room.pk}/{rung}/index.m3u8")
        assert status == 200
        segment = next(line for line in playlist.decode().splitlines() if line.endswith(".ts"))
        status, headers, data = get(f"{ingest_server.http}/hls/{room.pk}/{rung}/{segment}")
        assert status == 200 and headers["Content-Type"] == "video/mp2t" and data
        (tmp_path / f"{rung}.ts").write_bytes(data)
        assert video_height(tmp_path / f"{rung}.ts") == height
    assert ingest.hls_url(room).endswith(f"/{room.pk}/index.m3u8")

    # The secret key is in no file name, no playlist.
    live_root = ingest_server.prefix / "var" / "live"
    for path in live_root.rglob("*"):
        assert room.stream_key not in str(path)
        if path.suffix == ".m3u8":
            assert room.stream_key not in path.read_text()

    # The encoder stops: publish-done ends the room; the recording is kept for the replay.
    assert encoder.wait(timeout=20) == 0, encoder.stderr.read()
    assert wait_until(lambda: LiveRoom.objects.get(pk=room.pk).state == State.ENDED, timeout=10)
    assert wait_until(lambda: ingest.running(room.pk) is None, timeout=10)
    assert "#EXT-X-ENDLIST" in (hls / "720p" / "index.m3u8").read_text()
    recordings = list(ingest.rec_dir(room.pk).glob("*.mkv"))
    assert len(recordings) == 1 and recordings[0].stat().st_size > 0


@pytest.mark.django_db(transaction=True)
def test_an_unknown_key_is_refused_and_makes_no_hls(ingest_server, operator):
    room = services.create_room(actor=operator, title="泌阳曲艺大赛", scheduled_at=timezone.now())
    encoder = push(f"{ingest_server.rtmp}/lk_not_a_key", seconds=2)
    assert encoder.wait(timeout=20) != 0
    assert not any((ingest_server.prefix / "var" / "live" / "hls").iterdir())
    room.refresh_from_db()
    assert room.state == State.SCHEDULED


@pytest.fixture
def live_root(settings, tmp_path):
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "ROOT": tmp_path / "live", "RECONNECT_GRACE_SECONDS": 600}
    yield tmp_path / "live"
    for info_file in (tmp_path / "live" / "run").glob("*.json"):
        ingest.stop_transcoder(int(info_file.stem))
    # The transcoders' watcher threads end with them: none may outlive its test and act on the
    # next test's room of the same number (its on_exit ends "room 5", whichever that is then).
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("live-transcoder-"):
            thread.join(15)


@pytest.mark.django_db(transaction=True)
def test_a_pull_relay_of_a_file_goes_live_with_its_first_segment_and_stopping_ends_it(live_root, operator, tmp_path):
    source = make_video(tmp_path / "demo.mp4", 20)
    room = services.create_room(
        actor=operator, title="拉流直播测试", scheduled_at=timezone.now(), ingest="pull", pull_url=f"file://{source}"
    )
    services.start_relay(actor=operator, room=room)
    assert relay.status(room) == "running"
    with pytest.raises(StateConflict):
        services.start_relay(actor=operator, room=room)
    assert wait_until(lambda: LiveRoom.objects.get(pk=room.pk).state == State.LIVE, timeout=15)
    assert ingest.is_playing(room.pk)
    master = (ingest.hls_dir(room.pk) / "index.m3u8").read_text()
    assert "720p/index.m3u8" in master and "360p/index.m3u8" in master

    room = services.stop_relay(actor=operator, room=room)
    assert wait_until(lambda: LiveRoom.objects.get(pk=room.pk).state == State.ENDED, timeout=10)
    assert relay.status(LiveRoom.objects.get(pk=room.pk)) == "stopped"
    assert list(ingest.rec_dir(room.pk).glob("*.mkv"))


@pytest.mark.django_db(transaction=True)
def test_a_relay_ends_the_room_when_its_source_ends_and_a_dead_one_is_noticed(live_root, operator, tmp_path, english):
    source = make_video(tmp_path / "short.mp4", 3)
    room = services.create_room(
        actor=operator, title="短片直播测试", scheduled_at=timezone.now(), ingest="pull", pull_url=f"file://{source}"
    )
    services.start_relay(actor=operator, room=room)
    assert wait_until(lambda: LiveRoom.objects.get(pk=room.pk).state == State.ENDED, timeout=20)
    assert AuditLog.objects.filter(subject_id=str(room.pk), action="live.end", summary__contains="source").exists()

    # A relay whose process vanished (its web process went away) while the room is live.
    other = services.create_room(
        actor=operator, title="失联的拉流", scheduled_at=timezone.now(), ingest="pull", pull_url="rtmp://192.0.2.1/x"
    )
    services.relay_live(room_id=other.pk)
    (ingest.run_dir() / f"{other.pk}.json").write_text(json.dumps({"pid": 2**22 - 3, "kind": "pull", "started": time.time() - 60}))
    assert relay.status(LiveRoom.objects.get(pk=other.pk)) == "dead"
    assert relay.check_relays() == 1
    assert LiveRoom.objects.get(pk=other.pk).state == State.ENDED


@pytest.mark.django_db
def test_pull_relays_are_for_pull_rooms_and_managers(live_root, operator, reporter):
    room = services.create_room(actor=operator, title="推流直播", scheduled_at=timezone.now())
    with pytest.raises(StateConflict):
        services.start_relay(actor=operator, room=room)
    with pytest.raises(NotAllowed):
        services.start_relay(actor=reporter, room=room)


def test_push_address_and_hls_url(settings):
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "RTMP_URL": "rtmp://live.example.cn/live/", "HLS_BASE_URL": "/hls/"}
    room = LiveRoom(pk=12, stream_key="lk_secret")
    address = ingest.push_url(room)
    assert (address.server, address.key, address.full) == (
        "rtmp://live.example.cn/live",
        "lk_secret",
        "rtmp://live.example.cn/live/lk_secret",
    )
    assert ingest.hls_url(room) == "/hls/12/index.m3u8"
    assert relay.source_for_ffmpeg("file:///srv/demo.mp4") == ("/srv/demo.mp4", True)
    assert relay.source_for_ffmpeg("srt://10.0.0.2:9000") == ("srt://10.0.0.2:9000", False)
