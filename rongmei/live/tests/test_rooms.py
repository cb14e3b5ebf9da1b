"""Live rooms: who may create them, the stream key, and the state machine driven by the RTMP ingest's callbacks."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.live import services
from rongmei.live.models import LiveRoom

pytestmark = pytest.mark.django_db

State = LiveRoom.State


@pytest.fixture(autouse=True)
def _english(english):
    """Messages are compared by their English msgids."""


@pytest.fixture
def room(operator):
    return services.create_room(actor=operator, title="第十五届中国牛业发展大会", scheduled_at=timezone.now() + dt.timedelta(hours=1))


def test_operators_create_rooms_and_reporters_may_not(operator, reporter):
    room = services.create_room(actor=operator, title="泌阳曲艺大赛", scheduled_at=timezone.now())
    assert room.state == State.SCHEDULED and room.stream_key.startswith("lk_")
    with pytest.raises(NotAllowed):
        services.create_room(actor=reporter, title="泌阳曲艺大赛", scheduled_at=timezone.now())


def test_bad_input_is_refused_with_the_field_named(operator):
    with pytest.raises(DomainError) as e:
        services.create_room(actor=operator, title=" ", scheduled_at=timezone.now())
    assert e.value.field == "title"
    with pytest.raises(DomainError) as e:
        services.create_room(actor=operator, title="拉流直播", scheduled_at=timezone.now(), ingest="pull", pull_url="ftp://x")
    assert e.value.field == "pull_url"


def test_publishing_with_the_key_takes_the_room_live_and_stopping_ends_it(room):
    live = services.authorize_publish(key=room.stream_key, address="10.0.0.8")
    assert live.state == State.LIVE and live.started_at and live.publisher_address == "10.0.0.8"
    ended = services.publish_done(key=room.stream_key)
    assert ended.state == State.ENDED and ended.ended_at
    lines = AuditLog.objects.filter(subject_type="live.liveroom", subject_id=str(room.pk)).values_list("action", "to_state")
    assert list(lines) == [("live.create", "scheduled"), ("live.start", "live"), ("live.end", "ended")]


def test_an_encoder_that_drops_may_come_back_within_the_grace_but_not_after(room):
    services.authorize_publish(key=room.stream_key)
    ended = services.publish_done(key=room.stream_key)
    back = services.authorize_publish(key=room.stream_key, now=ended.ended_at + dt.timedelta(minutes=5))
    assert back.state == State.LIVE and back.started_at == ended.started_at
    ended = services.publish_done(key=room.stream_key)
    with pytest.raises(StateConflict):
        services.authorize_publish(key=room.stream_key, now=ended.ended_at + services.reconnect_grace() + dt.timedelta(seconds=1))


def test_an_unknown_or_replaced_key_is_refused(room, operator):
    with pytest.raises(NotAllowed):
        services.authorize_publish(key="lk_nonsense")
    old = room.stream_key
    services.rotate_key(actor=operator, room=room)
    with pytest.raises(NotAllowed):
        services.authorize_publish(key=old)


def test_the_replay_follows_the_end_only(room, operator):
    with pytest.raises(StateConflict):
        services.publish_replay(actor=operator, room=room, asset=None)
    services.authorize_publish(key=room.stream_key)
    services.end_room(actor=operator, room=room)
    assert services.publish_replay(actor=operator, room=room, asset=None).state == State.REPLAY


def test_the_ingest_callbacks_redirect_to_the_transcoder_to_allow_and_403_to_refuse(client, room, monkeypatch):
    from rongmei.live import ingest

    started = []
    monkeypatch.setattr(ingest, "start_push_transcoder", lambda r: started.append(r.pk) or f"rtmp://127.0.0.1:40000/in/{r.pk}")
    url = reverse("live:rtmp_publish")
    assert client.post(url, {"app": "live", "name": "lk_wrong", "addr": "10.0.0.8"}).status_code == 403
    assert started == []
    answer = client.post(url, {"app": "live", "name": room.stream_key, "addr": "10.0.0.8"})
    assert answer.status_code == 302 and answer["Location"] == f"rtmp://127.0.0.1:40000/in/{room.pk}"
    assert room.stream_key not in answer["Location"] and started == [room.pk]
    assert LiveRoom.objects.get(pk=room.pk).state == State.LIVE
    assert client.post(reverse("live:rtmp_publish_done"), {"app": "live", "name": room.stream_key}).status_code == 200
    assert LiveRoom.objects.get(pk=room.pk).state == State.ENDED


def test_a_transcoder_that_cannot_start_refuses_the_encoder(client, room, monkeypatch):
    from rongmei.live import ingest

    def broken(r):
        raise OSError("ffmpeg missing")

    monkeypatch.setattr(ingest, "start_push_transcoder", broken)
    assert client.post(reverse("live:rtmp_publish"), {"name": room.stream_key}).status_code == 503


def test_only_the_ingest_may_call_back(client, room):
    response = client.post(reverse("live:rtmp_publish"), {"name": room.stream_key}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert LiveRoom.objects.get(pk=room.pk).state == State.SCHEDULED
    assert client.get(reverse("live:rtmp_publish")).status_code == 405


@pytest.mark.parametrize("step", ["rotate_key", "end_room", "publish_replay"])
def test_only_managers_change_a_room(room, reporter, unit_staff, step):
    for outsider in (reporter, unit_staff):
        kwargs = {"actor": outsider, "room": room}
        if step == "publish_replay":
            kwargs["asset"] = None
        with pytest.raises(NotAllowed):
            getattr(services, step)(**kwargs)
    assert LiveRoom.objects.get(pk=room.pk).stream_key == room.stream_key
    assert not AuditLog.objects.filter(subject_type="live.liveroom", actor__in=[reporter, unit_staff]).exists()


def test_housekeeping_builds_the_replays_that_a_lost_task_never_built(room, operator, monkeypatch, settings):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from rongmei.live import replay

    built = []
    monkeypatch.setattr(replay, "build_replay", lambda room_id, ended_at="": built.append(room_id) or "asset 1")
    monkeypatch.setattr(replay, "recordings", lambda room_id: ["rec.mkv"])
    services.authorize_publish(key=room.stream_key)
    services.publish_done(key=room.stream_key)
    call_command("live_housekeeping", verbosity=0)
    assert built == []  # within the grace the encoder may still come back
    LiveRoom.objects.filter(pk=room.pk).update(ended_at=timezone.now() - dt.timedelta(hours=1))
    call_command("live_housekeeping", verbosity=0)
    assert built == [room.pk]


def test_an_operator_ends_an_event_whose_encoder_dropped_and_the_replay_is_built_at_once(room, operator, reporter, monkeypatch):
    from rongmei.live import services as live_services

    scheduled = []
    monkeypatch.setattr(live_services, "_schedule_replay", lambda r, after: scheduled.append((r.pk, after)))
    services.authorize_publish(key=room.stream_key)
    services.publish_done(key=room.stream_key)
    assert scheduled == [(room.pk, services.reconnect_grace())]
    services.end_room(actor=operator, room=room)
    assert scheduled[-1] == (room.pk, None) and LiveRoom.objects.get(pk=room.pk).state == State.ENDED
    assert AuditLog.objects.filter(action="live.end", actor=operator).exists()
    with pytest.raises(NotAllowed):
        services.end_room(actor=reporter, room=room)


def test_only_managers_moderate_a_rooms_chat_and_each_action_is_audited(room, operator, reporter, citizen):
    from rongmei.live.chat import moderation

    for act in (
        lambda who: moderation.pin(actor=who, room_id=room.pk, text="公告"),
        lambda who: moderation.mute(actor=who, room_id=room.pk, fan_id=citizen.pk, minutes=5),
        lambda who: moderation.ban(actor=who, room_id=room.pk, fan_id=citizen.pk),
        lambda who: moderation.set_mode(actor=who, room_id=room.pk, slow=10),
    ):
        with pytest.raises(NotAllowed):
            act(reporter)
        act(operator)
    actions = set(AuditLog.objects.filter(actor=operator).values_list("action", flat=True))
    assert {"live.chat.pin", "live.chat.mute", "live.chat.ban", "live.chat.mode"} <= actions
    assert not AuditLog.objects.filter(actor=reporter).exists()
