"""The live chat socket end to end: a real uvicorn in a thread, real WebSocket clients, the
database behind. Protocol in docs/live.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import struct

import pytest
from django.test import Client
from django.utils import timezone

from rongmei.core.models import AuditLog, SensitiveWord, WordCategory
from rongmei.fans.models import Fan
from rongmei.live import services
from rongmei.live.chat import hub as hubs
from rongmei.live.models import ChatMessage, ChatSanction, LiveRoom
from rongmei.testing.live import ChatClient, asgi_server, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_chat(settings, english):
    settings.RONGMEI_LIVE = {**getattr(settings, "RONGMEI_LIVE", {}), "CHAT_BATCH_MS": 30, "CHAT_STATS_SECONDS": 0.2}


@pytest.fixture
def server():
    with asgi_server() as s:
        yield s


@pytest.fixture
def room(operator):
    return services.create_room(actor=operator, title="第十五届中国牛业大会", scheduled_at=timezone.now())


@pytest.fixture
def clients():
    made = []

    def make(url, cookie=""):
        c = ChatClient(url, cookie)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def fan(phone: str, *, days_old: int = 30, nickname: str = "") -> Fan:
    f = Fan.objects.create(phone=phone, nickname=nickname)
    Fan.objects.filter(pk=f.pk).update(created_at=timezone.now() - dt.timedelta(days=days_old))
    f.refresh_from_db()
    return f


@pytest.fixture
def host_cookie(operator):
    client = Client()
    client.force_login(operator)
    return session_cookie(client=client)


def test_a_frame_is_what_a_websocket_client_reads():
    for size in (0, 125, 126, 65535, 65536, 70000):
        payload = ("弹" * size).encode()[:size]
        framed = hubs.frame(payload)
        assert framed[0] == 0x81
        if size < 126:
            assert framed[1] == size and framed[2:] == payload
        elif size < 65536:
            assert framed[1] == 126 and struct.unpack("!H", framed[2:4])[0] == size and framed[4:] == payload
        else:
            assert framed[1] == 127 and struct.unpack("!Q", framed[2:10])[0] == size and framed[10:] == payload


def test_viewers_read_fans_write_and_everyone_sees_it_once(server, room, clients):
    viewer = clients(server.ws(room.pk))
    assert viewer.hello["role"] == "viewer" and viewer.hello["state"] == "scheduled"
    assert viewer.next("history")["m"] == []
    viewer.say("我也想说")
    assert viewer.next("error")["code"] == "login"

    alice = fan("+8613800000001", nickname="泌阳老王")
    writer = clients(server.ws(room.pk), session_cookie(fan=alice))
    assert writer.hello["role"] == "fan" and writer.hello["me"] == {"fan": alice.pk, "name": "泌阳老王"}
    writer.say("夏南牛加油！", "x1")
    ack = writer.next("ack")
    assert ack["c"] == "x1" and ack["status"] == "visible"
    [seen] = viewer.messages()
    assert seen["id"] == ack["id"] and seen["b"] == "夏南牛加油！" and seen["n"] == "泌阳老王" and seen["f"] == alice.pk
    assert seen["k"] == "chat"
    [mine] = writer.messages()
    assert mine["id"] == ack["id"]
    stored = ChatMessage.objects.get(pk=ack["id"])
    assert (stored.room_id, stored.fan_id, stored.status) == (room.pk, alice.pk, "visible")
    assert not [f for f in viewer.quiet(0.3) if f.get("t") == "batch" and f.get("m")]


def test_a_reconnecting_viewer_resumes_after_its_last_message(server, room, clients):
    alice = fan("+8613800000002")
    writer = clients(server.ws(room.pk), session_cookie(fan=alice))
    writer.next("history")
    for i in range(3):
        writer.say(f"第{i}条", f"c{i}")
        writer.next("ack")
    first = clients(server.ws(room.pk))
    history = first.next("history")["m"]
    assert [m["b"] for m in history] == ["第0条", "第1条", "第2条"]
    last_seen = history[0]["id"]
    resumed = clients(server.ws(room.pk, after=last_seen))
    assert [m["b"] for m in resumed.next("history")["m"]] == ["第1条", "第2条"]


def test_a_ban_disconnects_the_fan_and_their_messages_vanish_for_everyone(server, room, clients, host_cookie, operator):
    bad = fan("+8613800000003", nickname="捣乱者")
    good = fan("+8613800000004", nickname="好邻居")
    troll = clients(server.ws(room.pk), session_cookie(fan=bad))
    neighbour = clients(server.ws(room.pk), session_cookie(fan=good))
    host = clients(server.ws(room.pk), host_cookie)
    assert host.hello["role"] == "host"
    troll.say("广告广告", "a")
    bad_id = troll.next("ack")["id"]
    neighbour.say("好看", "b")
    good_id = neighbour.next("ack")["id"]
    assert {m["id"] for m in neighbour.messages(count=2)} == {bad_id, good_id}

    host.send(t="ban", fan=bad.pk, reason="发广告")
    removed = neighbour.event("remove")
    assert removed["ids"] == [bad_id]
    assert troll.next("error")["code"] == "banned"
    from websockets.exceptions import ConnectionClosed

    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(10):
            troll.ws.recv(timeout=2)
    assert closed.value.rcvd.code == 4003
    assert ChatMessage.objects.get(pk=bad_id).status == "removed"
    assert ChatMessage.objects.get(pk=good_id).status == "visible"
    assert ChatSanction.objects.filter(room=room, fan=bad, kind="ban").exists()
    assert AuditLog.objects.filter(action="live.chat.ban", actor=operator).exists()

    again = clients(server.ws(room.pk), session_cookie(fan=bad))
    assert [m["id"] for m in again.next("history")["m"]] == [good_id]
    assert again.next("error")["code"] == "banned"


def test_a_muted_fan_is_told_how_long_and_others_still_talk(server, room, clients, host_cookie):
    loud = fan("+8613800000005")
    other = fan("+8613800000015")
    talker = clients(server.ws(room.pk), session_cookie(fan=loud))
    neighbour = clients(server.ws(room.pk), session_cookie(fan=other))
    host = clients(server.ws(room.pk), host_cookie)
    host.send(t="mute", fan=loud.pk, minutes=10, c="m1")
    assert host.next("done") == {"t": "done", "c": "m1", "cmd": "mute"}
    talker.say("我还能说吗")
    muted = talker.next("error")
    assert muted["code"] == "muted" and "minutes" in muted["msg"]
    neighbour.say("我能说", "n")
    assert neighbour.next("ack")["status"] == "visible"
    assert not ChatMessage.objects.filter(fan=loud).exists()
    host.send(t="mute", fan=loud.pk, minutes=0, c="m2")
    assert host.next("error")["c"] == "m2"


def test_pre_moderated_rooms_show_a_message_only_after_a_host_approves(server, room, clients, host_cookie):
    LiveRoom.objects.filter(pk=room.pk).update(chat_premoderated=True)
    someone = fan("+8613800000006")
    viewer = clients(server.ws(room.pk))
    host = clients(server.ws(room.pk), host_cookie)
    sender = clients(server.ws(room.pk), session_cookie(fan=someone))
    sender.say("请问几点开始？", "q")
    ack = sender.next("ack")
    assert ack["status"] == "pending"
    pending = host.next("pending")["m"]
    assert [m["id"] for m in pending] == [ack["id"]]
    assert not [f for f in viewer.quiet(0.3) if f.get("t") == "batch" and f.get("m")]
    host.send(t="approve", id=ack["id"])
    [shown] = viewer.messages()
    assert shown["id"] == ack["id"]
    assert host.next("decided")["ids"] == [ack["id"]]


def test_a_sensitive_word_holds_the_message_for_the_hosts(server, room, clients, host_cookie):
    category = WordCategory.objects.create(name="测试", severity="flag")
    SensitiveWord.objects.create(category=category, word="违禁词")
    from rongmei.core import safety

    safety.lists_changed()
    someone = fan("+8613800000007")
    host = clients(server.ws(room.pk), host_cookie)
    sender = clients(server.ws(room.pk), session_cookie(fan=someone))
    sender.say("这里有个违禁词", "s")
    ack = sender.next("ack")
    assert ack["status"] == "pending"
    assert host.next("pending")["m"][0]["id"] == ack["id"]
    assert ChatMessage.objects.get(pk=ack["id"]).hits[0]["word"] == "违禁词"


def test_slow_mode_rate_limits_and_the_new_account_gate(server, room, clients, operator):
    from rongmei.live.chat import moderation

    newcomer = fan("+8613800000008", days_old=0)
    regular = fan("+8613800000009")
    moderation.set_mode(actor=operator, room_id=room.pk, gate_hours=24, slow=30)
    new = clients(server.ws(room.pk), session_cookie(fan=newcomer))
    assert new.hello["mode"] == {"open": True, "slow": 30, "premod": False, "gate_hours": 24}
    new.say("我是新来的")
    assert new.next("error")["code"] == "gate"
    old = clients(server.ws(room.pk), session_cookie(fan=regular))
    old.say("第一条", "1")
    assert old.next("ack")["status"] == "visible"
    old.say("第二条", "2")
    slow = old.next("error")
    assert slow["code"] == "slow" and slow["c"] == "2"

    moderation.set_mode(actor=operator, room_id=room.pk, gate_hours=0, slow=0)
    old.event("mode")
    for i in range(8):
        old.say(f"刷屏{i}", f"r{i}")
    answers = []
    while len(answers) < 8:
        answers.append(old.next("ack" if len([a for a in answers if a == "ack"]) < 4 else "error"))
        answers[-1] = "ack" if answers[-1]["t"] == "ack" else answers[-1]["code"]
    # five in ten seconds: the first message and four of these
    assert answers.count("ack") == 4 and answers.count("rate") == 4


def test_hosts_pin_highlight_and_remove_and_viewers_may_not(server, room, clients, host_cookie):
    someone = fan("+8613800000010")
    viewer = clients(server.ws(room.pk), session_cookie(fan=someone))
    host = clients(server.ws(room.pk), host_cookie)
    viewer.send(t="pin", b="我来置顶")
    assert viewer.next("error")["code"] == "forbidden"
    host.send(t="pin", b="直播将于八点开始")
    assert viewer.event("pin")["b"] == "直播将于八点开始"
    assert LiveRoom.objects.get(pk=room.pk).pinned_text == "直播将于八点开始"
    host.say("欢迎各位", "h")
    ack = host.next("ack")
    [from_host] = viewer.messages()
    assert from_host["k"] == "host" and from_host["id"] == ack["id"]
    host.send(t="highlight", id=ack["id"])
    assert viewer.event("highlight")["id"] == ack["id"]
    host.send(t="remove", id=ack["id"])
    assert viewer.event("remove")["ids"] == [ack["id"]]
    host.send(t="remove", id=999999)
    assert host.next("error")["code"] == "not_found"
    late = clients(server.ws(room.pk))
    assert late.hello["pinned"] == "直播将于八点开始"


def test_likes_and_viewers_are_counted_and_told(server, room, clients):
    a = clients(server.ws(room.pk))
    b = clients(server.ws(room.pk))
    a.send(t="like", n=3)
    b.send(t="like", n=500)  # at most 20 at a time
    stats = None
    for _ in range(20):
        stats = a.event("stats")
        if stats["likes"] == 23:
            break
    assert stats["likes"] == 23 and stats["viewers"] == 2 and stats["views"] == 2
    stored = LiveRoom.objects.get(pk=room.pk)
    assert (stored.likes, stored.views_total, stored.viewers_peak) == (23, 2, 2)


def test_the_room_state_reaches_the_viewers(server, room, clients):
    viewer = clients(server.ws(room.pk))
    services.authorize_publish(key=room.stream_key)
    assert viewer.event("state")["state"] == "live"


def test_bad_input_gets_an_answer_not_a_crash(server, room, clients):
    someone = fan("+8613800000011")
    c = clients(server.ws(room.pk), session_cookie(fan=someone))
    c.ws.send("not json")
    assert c.next("error")["code"] == "bad"
    c.ws.send(json.dumps({"t": "say", "b": "x" * 300}))
    assert c.next("error")["code"] == "too_long"
    c.ws.send(json.dumps({"t": "say", "b": "\x00\x01  "}))
    assert c.next("error")["code"] == "empty"
    c.ws.send(json.dumps({"t": "say", "b": ["list"]}))
    assert c.next("error")["code"] == "empty"
    c.ws.send("{" * 5000)
    assert c.next("error")["code"] == "bad"
    c.send(t="like", n="many")
    c.say("还在", "ok")
    assert c.next("ack")["c"] == "ok"


def test_an_unknown_room_or_path_is_refused(server, clients):
    from websockets.exceptions import ConnectionClosed

    with pytest.raises((ConnectionClosed, Exception)):
        clients(server.ws(987654))


def test_the_chat_speaks_chinese_by_default(server, room, clients, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    c = clients(server.ws(room.pk), "django_language=zh-hans")
    c.say("你好")
    assert c.next("error")["msg"] == "登录后才能参与聊天。"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: the cross-process path needs Redis")
def test_two_processes_share_a_room_through_redis(settings, room, clients):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    someone = fan("+8613800000012")
    with asgi_server() as one, asgi_server() as two:
        listener = clients(two.ws(room.pk))
        writer = clients(one.ws(room.pk), session_cookie(fan=someone))
        writer.say("跨进程", "x")
        ack = writer.next("ack")
        [seen] = listener.messages()
        assert seen["id"] == ack["id"]
        stats = listener.event("stats")
        for _ in range(20):
            if stats["viewers"] == 2:
                break
            stats = listener.event("stats")
        assert stats["viewers"] == 2


def test_the_chat_is_kept_for_the_replay_with_its_second_in_the_stream(room, client):
    started = timezone.now() - dt.timedelta(minutes=5)
    LiveRoom.objects.filter(pk=room.pk).update(state="replay", started_at=started)
    someone = fan("+8613800000013")
    shown = ChatMessage.objects.create(room=room, fan=someone, name="甲", body="开始了", created_at=started + dt.timedelta(seconds=90))
    ChatMessage.objects.create(room=room, fan=someone, name="甲", body="被删了", status="removed", created_at=started)
    answer = client.get(f"/live/{room.pk}/chat.json").json()
    assert [(m["id"], m["b"], m["s"]) for m in answer["items"]] == [(shown.pk, "开始了", 90.0)]
    assert client.get(f"/live/{room.pk}/chat.json?after={shown.pk}").json()["items"] == []
    assert client.get(f"/live/{room.pk}/chat.json?after=x").status_code == 200
    assert client.get("/live/999999/chat.json").status_code == 404


def test_the_recent_messages_in_memory_answer_like_the_database_or_not_at_all(monkeypatch):
    recent = hubs.Recent(size=3)
    assert recent.history(0) is None  # not loaded yet
    recent.add([{"id": 9, "b": "早到的"}])  # published before the load finished
    recent.load([{"id": 5, "b": "a"}, {"id": 7, "b": "b"}])
    assert recent.covered_from == 0  # fewer than the size: that is everything shown
    assert [m["id"] for m in recent.history(0)["m"]] == [5, 7, 9]
    recent.note(json.dumps({"t": "batch", "m": [{"id": 11, "b": "c"}], "ev": [{"e": "highlight", "id": 9}]}).encode())
    assert [m["id"] for m in recent.history(0)["m"]] == [7, 9, 11] and recent.covered_from == 7
    assert recent.messages[9]["h"] is True
    recent.note(json.dumps({"t": "batch", "m": [], "ev": [{"e": "remove", "ids": [9]}]}).encode())
    assert [m["id"] for m in recent.history(0)["m"]] == [7, 11]
    # A resume: only once the memory has watched longer than the removal look-back.
    assert recent.history(7) is None
    monkeypatch.setattr(recent, "loaded_at", recent.loaded_at - 3600)
    assert recent.history(7) == {"m": [{"id": 11, "b": "c"}], "removed": []}
    assert recent.history(9)["removed"] == [9]
    assert recent.history(3) is None  # from before what memory covers: the database answers
    recent.note(b"not json")
