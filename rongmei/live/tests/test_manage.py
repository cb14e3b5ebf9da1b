"""The staff console of live rooms: who may open it, and its forms."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.live import ingest, replay, services
from rongmei.live.models import LiveRoom
from rongmei.live.tests._video import make_video, needs_ffmpeg
from rongmei.newsroom.tests.test_views_common import login

pytestmark = pytest.mark.django_db

State = LiveRoom.State


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


@pytest.fixture
def live_root(settings, tmp_path):
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "ROOT": tmp_path / "live", "RTMP_URL": "rtmp://live.example.cn/live"}
    return tmp_path / "live"


@pytest.fixture
def room(live_root, operator):
    return services.create_room(actor=operator, title="第十五届中国牛业发展大会", scheduled_at=timezone.now())


def test_only_managers_open_the_console(client, room, operator, chief, reporter, editor):
    url = reverse("live:manage", args=[room.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    for person in (reporter, editor):
        login(client, person)
        assert client.get(url).status_code == 403
        assert client.get(reverse("live:manage_list")).status_code == 403
        assert client.post(reverse("live:manage_rotate", args=[room.pk])).status_code == 403
    for person in (operator, chief):
        login(client, person)
        assert client.get(url).status_code == 200
    list_page = client.get(reverse("live:manage_list")).content.decode()
    assert room.title in list_page and url in list_page


def test_the_console_shows_the_push_address_and_makes_a_new_key(client, room, operator):
    login(client, operator)
    page = client.get(reverse("live:manage", args=[room.pk])).content.decode()
    assert "rtmp://live.example.cn/live" in page and room.stream_key in page and ingest.hls_url(room) in page
    old = room.stream_key
    response = client.post(reverse("live:manage_rotate", args=[room.pk]), follow=True)
    room.refresh_from_db()
    assert room.stream_key != old and room.stream_key in response.content.decode()
    assert client.get(reverse("live:manage_rotate", args=[room.pk])).status_code == 405


def test_ending_the_event_from_the_console(client, room, operator, django_capture_on_commit_callbacks):
    login(client, operator)
    assert "End the event" not in client.get(reverse("live:manage", args=[room.pk])).content.decode()
    services.authorize_publish(key=room.stream_key)
    assert "End the event" in client.get(reverse("live:manage", args=[room.pk])).content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("live:manage_end", args=[room.pk]))
    assert LiveRoom.objects.get(pk=room.pk).state == State.ENDED and callbacks  # the replay is enqueued
    # Again (the encoder had dropped, or a double click): the replay is asked for again, no error.
    response = client.post(reverse("live:manage_end", args=[room.pk]), follow=True)
    assert response.status_code == 200 and "cannot be done now" not in response.content.decode()
    # A room that never went live cannot be ended: a message, not a 500.
    other = services.create_room(actor=operator, title="未开播", scheduled_at=timezone.now())
    response = client.post(reverse("live:manage_end", args=[other.pk]), follow=True)
    assert response.status_code == 200 and "cannot be done now" in response.content.decode()


def test_a_pull_room_shows_its_relay(client, live_root, operator):
    room = services.create_room(actor=operator, title="拉流", scheduled_at=timezone.now(), ingest="pull", pull_url="srt://10.0.0.2:9000")
    login(client, operator)
    page = client.get(reverse("live:manage", args=[room.pk])).content.decode()
    assert "srt://10.0.0.2:9000" in page and "Start the relay" in page and room.stream_key not in page


@needs_ffmpeg
def test_the_clip_form_keeps_what_was_typed_and_says_why(client, room, operator, django_capture_on_commit_callbacks):
    login(client, operator)
    services.authorize_publish(key=room.stream_key)
    services.end_room(actor=operator, room=room)
    url = reverse("live:manage_clip", args=[room.pk])
    # No recording yet: the form is refused with a reason.
    response = client.post(url, {"start": "0:01", "end": "0:02"})
    assert response.status_code == 400 and "no recording" in response.content.decode()

    make_video(ingest.rec_dir(room.pk) / "20261126-100000.mkv", 3)
    response = client.post(url, {"start": "0:02", "end": "0:01"})
    page = response.content.decode()
    assert response.status_code == 400 and "The end must come after the start." in page
    assert 'value="0:02"' in page and 'value="0:01"' in page
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"start": "0:00", "end": "0:02"})
    assert response.status_code == 302 and len(callbacks) == 1
    assert "1 clip is being cut." in client.get(reverse("live:manage", args=[room.pk])).content.decode()

    # The replay is made, the clip is cut: both are linked from the console.
    replay.build_replay(room.pk)
    replay.make_clip(room.pk, 0, 2, operator.pk)
    room.refresh_from_db()
    page = client.get(reverse("live:manage", args=[room.pk])).content.decode()
    assert reverse("media:asset", args=[room.replay_asset_id]) in page and "Replay: 第十五届中国牛业发展大会" in page
    assert "Clip: 第十五届中国牛业发展大会 00:00–00:02" in page and "being cut" not in page
