"""Chat rooms (聊天室): membership, messages, polling, the page and the API."""

import pytest
from django.test import Client

from rongmei.community import chat, moderation
from rongmei.community.models import ChatMessage, RoomMember
from rongmei.community.tests.conftest import log_in_fan
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.models import AuditLog
from rongmei.fans.services import Throttled

S = ChatMessage.Status


def test_staff_open_rooms_fans_cannot(operator, fan, reporter):
    room = chat.create_room(actor=operator, name="志愿者服务队", access="members", owner=fan)
    assert room.members_only and len(room.invite_code) == 8
    assert RoomMember.objects.get(room=room, fan=fan).role == RoomMember.Role.OWNER
    assert AuditLog.objects.filter(action="chatroom.create").exists() and AuditLog.objects.filter(action="chatroom.member").exists()
    with pytest.raises(NotAllowed):
        chat.create_room(actor=reporter, name="不行")
    with pytest.raises(DomainError) as exc:
        chat.create_room(actor=operator, name=" ")
    assert exc.value.field == "name"


def test_a_members_only_room_is_closed_to_non_members(team_room, fan, other_fan, operator):
    with pytest.raises(chat.MembersOnly):
        chat.readable(team_room.pk, other_fan)
    with pytest.raises(chat.MembersOnly):
        chat.post_message(fan=other_fan, room_id=team_room.pk, body="我能说话吗")
    with pytest.raises(DomainError) as exc:
        chat.join(fan=other_fan, room_id=team_room.pk, code="WRONG")
    assert exc.value.code == "wrong_code"
    member = chat.join(fan=other_fan, room_id=team_room.pk, code=team_room.invite_code.lower())
    assert member.role == RoomMember.Role.MEMBER
    assert chat.post_message(fan=other_fan, room_id=team_room.pk, body="报到").status == S.APPROVED
    chat.leave(fan=other_fan, room_id=team_room.pk)
    with pytest.raises(chat.MembersOnly):
        chat.readable(team_room.pk, other_fan)
    with pytest.raises(StateConflict):
        chat.leave(fan=fan, room_id=team_room.pk)  # the owner stays
    third = type(fan).objects.create(phone="+8613800000009")
    chat.add_member(actor=operator, chat_room=team_room, fan=third)
    assert chat.readable(team_room.pk, third) == team_room


def test_wrong_codes_are_rate_limited(team_room, other_fan):
    for _i in range(10):
        with pytest.raises(DomainError):
            chat.join(fan=other_fan, room_id=team_room.pk, code="NOPE")
    with pytest.raises(Throttled):
        chat.join(fan=other_fan, room_id=team_room.pk, code=team_room.invite_code)


def test_writing_in_an_open_room_joins_it_and_messages_come_in_order(
    open_room, fan, other_fan, monkeypatch, django_capture_on_commit_callbacks
):
    announced = []
    monkeypatch.setattr(chat, "_announce", announced.append)
    with django_capture_on_commit_callbacks(execute=True):
        first = chat.post_message(fan=fan, room_id=open_room.pk, body="大家好")
        second = chat.post_message(fan=other_fan, room_id=open_room.pk, body="你好")
    assert announced == [first, second]
    assert RoomMember.objects.filter(room=open_room).count() == 2
    assert chat.messages_after(open_room, fan=None) == [first, second]
    assert chat.messages_after(open_room, fan=None, after=first.pk) == [second]
    with pytest.raises(DomainError) as exc:
        chat.post_message(fan=fan, room_id=open_room.pk, body="牛" * 501)
    assert exc.value.code == "too_long"
    with pytest.raises(chat.RoomNotFound):
        chat.post_message(fan=fan, room_id=999999, body="有人吗")


def test_a_premoderated_message_is_announced_only_once_approved(
    open_room, fan, other_fan, operator, monkeypatch, django_capture_on_commit_callbacks
):
    moderation.set_place_policy(actor=operator, place=open_room, premoderated=True)
    announced = []
    monkeypatch.setattr(chat, "_announce", announced.append)
    with django_capture_on_commit_callbacks(execute=True):
        message = chat.post_message(fan=fan, room_id=open_room.pk, body="等审核")
    assert announced == [] and chat.messages_after(open_room, fan=other_fan) == []
    assert chat.messages_after(open_room, fan=fan) == [message]  # its author sees it
    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(actor=operator, item=message)
    assert [m.pk for m in announced] == [message.pk]
    assert chat.messages_after(open_room, fan=other_fan) == [message]


def test_removed_messages_are_listed_as_gone(open_room, fan, other_fan, operator):
    message = chat.post_message(fan=fan, room_id=open_room.pk, body="广告")
    moderation.remove(actor=operator, item=message, reason="广告")
    assert chat.gone_ids(open_room, fan=other_fan) == [message.pk]
    assert chat.gone_ids(open_room, fan=fan) == []


def test_chat_messages_are_rate_limited(open_room, fan):
    for i in range(20):
        chat.post_message(fan=fan, room_id=open_room.pk, body=f"第{i}条")
    with pytest.raises(Throttled):
        chat.post_message(fan=fan, room_id=open_room.pk, body="太快了")


# --- page -----------------------------------------------------------------------------------------


def test_the_room_pages(client, open_room, team_room, fan, other_fan):
    chat.post_message(fan=fan, room_id=team_room.pk, body="队内通知")
    listing = client.get("/huati/chat/").content.decode()
    assert "铜山湖闲聊" in listing and "志愿者服务队" not in listing
    closed = client.get(f"/huati/chat/{team_room.pk}/")
    assert closed.status_code == 403 and "队内通知" not in closed.content.decode()
    member = log_in_fan(Client(), fan)
    page = member.get(f"/huati/chat/{team_room.pk}/").content.decode()
    assert "队内通知" in page and team_room.invite_code in page  # the owner sees the code to pass on
    outsider = log_in_fan(Client(), other_fan)
    wrong = outsider.post(f"/huati/chat/{team_room.pk}/", {"action": "join", "code": "NOPE"})
    assert wrong.status_code == 400 and 'data-code="wrong_code"' in wrong.content.decode()
    assert outsider.post(f"/huati/chat/{team_room.pk}/", {"action": "join", "code": team_room.invite_code}).status_code == 302
    assert outsider.post(f"/huati/chat/{team_room.pk}/", {"action": "send", "text": "收到"}).status_code == 302
    assert "收到" in member.get(f"/huati/chat/{team_room.pk}/").content.decode()
    empty = outsider.post(f"/huati/chat/{team_room.pk}/", {"action": "send", "text": "   "})
    assert empty.status_code == 400
    assert client.get("/huati/chat/999999/").status_code == 404
    assert client.post(f"/huati/chat/{open_room.pk}/", {"action": "send", "text": "匿名"}).status_code == 302  # to login


# --- API ------------------------------------------------------------------------------------------


def test_the_chat_api_polls_and_sends(client, open_room, team_room, fan, other_fan, operator):
    first = chat.post_message(fan=fan, room_id=open_room.pk, body="一")
    url = f"/api/v1/public/chatrooms/{open_room.pk}/messages"
    data = client.get(url).json()
    assert [m["text"] for m in data["items"]] == ["一"] and data["last_id"] == first.pk and data["gone"] == []
    assert client.get(url, {"after": first.pk}).json()["items"] == []
    assert client.get(f"/api/v1/public/chatrooms/{team_room.pk}/messages").status_code == 403
    assert client.post(url, {"text": "匿名"}, content_type="application/json").status_code == 401
    log_in_fan(client, other_fan)
    sent = client.post(url, {"text": "二"}, content_type="application/json")
    assert sent.status_code == 201 and sent.json()["mine"] is True
    assert [m["text"] for m in client.get(url, {"after": first.pk}).json()["items"]] == ["二"]
    moderation.remove(actor=operator, item=first, reason="无关")
    assert client.get(url, {"after": sent.json()["id"]}).json()["gone"] == [first.pk]
    join = client.post(f"/api/v1/public/chatrooms/{team_room.pk}/join", {"code": team_room.invite_code}, content_type="application/json")
    assert join.status_code == 200 and join.json()["member"] is True
    rooms = client.get("/api/v1/public/chatrooms").json()
    assert {r["name"] for r in rooms} == {"铜山湖闲聊", "志愿者服务队"}
    assert client.post(f"/api/v1/public/chatrooms/{team_room.pk}/leave").status_code == 200
    assert client.get(url, {"after": -1}).status_code == 422
    like = client.post("/api/v1/public/likes", {"kind": "message", "id": 2**62}, content_type="application/json")
    assert like.status_code == 404
