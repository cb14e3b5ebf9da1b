"""Chat rooms (聊天室): persistent rooms with members, e.g. a volunteer team — the write path.

An open room is read by anyone; a logged-in app user who writes in it becomes a member. A
members-only room is read and written by its members only: they join with the room's invitation
code, or staff add them. Members have a role (owner, moderator, member); the owner and moderators
see the invitation code on the room page to pass it on. Moderation of messages is the same as
for comments and topic posts (rongmei.community.moderation); the room's ``premoderated`` field
is its policy.

Delivery: the room page asks GET /api/v1/public/chatrooms/<id>/messages?after=<last id> every few
seconds. When a message becomes visible (accepted as published, or approved by a moderator),
``_announce(message)`` is called once, after the transaction commits: the hook for realtime
delivery (a WebSocket fan-out may subscribe there later). For now it does nothing.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from rongmei.community import moderation
from rongmei.community.models import BODY_MAX, ChatMessage, ChatRoom, RoomMember
from rongmei.community.moderation import S, check_rate, clean_line, record_rate, writer
from rongmei.core import audit, safety
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.fans.models import Fan

PAGE = 50
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class RoomNotFound(DomainError):
    status = 404

    def __init__(self) -> None:
        super().__init__(_("There is no such chat room, or it is closed."), field="room", code="not_found")


class MembersOnly(NotAllowed):
    def __init__(self) -> None:
        super().__init__(_("Only the room's members can read and write here. Join with the invitation code."), code="members_only")


def _announce(message: ChatMessage) -> None:
    """The hook for realtime delivery: called once per message when it becomes visible to the room
    (published at once, or approved later), after the database transaction has committed. Polling
    clients find it anyway; a WebSocket fan-out can be plugged in here. Does nothing for now."""
    return None


def room(room_id) -> ChatRoom:
    try:
        pk = int(room_id)
    except (TypeError, ValueError):
        raise RoomNotFound() from None
    found = ChatRoom.objects.filter(pk=pk, active=True).first() if 0 < pk < 2**63 else None
    if found is None:
        raise RoomNotFound()
    return found


def membership(chat_room: ChatRoom, fan: Fan | None) -> RoomMember | None:
    if fan is None:
        return None
    return RoomMember.objects.filter(room=chat_room, fan=fan).first()


def can_read(chat_room: ChatRoom, fan: Fan | None) -> bool:
    return not chat_room.members_only or membership(chat_room, fan) is not None


def readable(room_id, fan: Fan | None) -> ChatRoom:
    """The room if ``fan`` may read it: RoomNotFound (404) or MembersOnly (403)."""
    chat_room = room(room_id)
    if not can_read(chat_room, fan):
        raise MembersOnly()
    return chat_room


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _i in range(8))


# --- staff ---------------------------------------------------------------------------------------


@transaction.atomic
def create_room(
    *, actor, name: str, description: str = "", access: str = ChatRoom.Access.OPEN, premoderated: bool = False, owner: Fan | None = None
) -> ChatRoom:
    moderation.check_moderator(actor)
    name = clean_line(name, field="name", most=40, required=_("Give the room a name."))
    description = clean_line(description, field="description", most=500)
    if access not in ChatRoom.Access.values:
        raise DomainError(_("Choose who may take part."), field="access")
    chat_room = ChatRoom.objects.create(
        name=name,
        description=description,
        access=access,
        premoderated=bool(premoderated),
        invite_code=new_invite_code() if access == ChatRoom.Access.MEMBERS else "",
        created_by=actor,
    )
    audit.record(
        "chatroom.create",
        actor=actor,
        subject=chat_room,
        summary=_("Opened the chat room “%(room)s”") % {"room": name},
        to_state=access,
        data={"premoderated": chat_room.premoderated},
    )
    if owner is not None:
        add_member(actor=actor, chat_room=chat_room, fan=owner, role=RoomMember.Role.OWNER)
    return chat_room


@transaction.atomic
def add_member(*, actor, chat_room: ChatRoom, fan: Fan, role: str = RoomMember.Role.MEMBER) -> RoomMember:
    """Staff add an app user to a room, or change their role."""
    moderation.check_moderator(actor)
    if role not in RoomMember.Role.values:
        raise DomainError(_("Choose a role."), field="role")
    member, created = RoomMember.objects.get_or_create(room=chat_room, fan=fan, defaults={"role": role})
    before = "" if created else member.role
    if not created and member.role != role:
        member.role = role
        member.save(update_fields=["role"])
    audit.record(
        "chatroom.member",
        actor=actor,
        subject=chat_room,
        summary=_("%(fan)s in the chat room “%(room)s”: %(role)s")
        % {"fan": fan.display_name, "room": chat_room.name, "role": member.get_role_display()},
        from_state=before,
        to_state=role,
        data={"fan": fan.pk},
    )
    return member


# --- app users -----------------------------------------------------------------------------------


def join(*, fan, room_id, code: str = "") -> RoomMember:
    """Join an open room, or a members-only room with its invitation code."""
    fan = writer(fan)
    chat_room = room(room_id)
    existing = membership(chat_room, fan)
    if existing is not None:
        return existing
    now = check_rate(fan, "join")
    if chat_room.members_only:
        code = (code if isinstance(code, str) else "").strip().upper()
        if not code or not chat_room.invite_code or not constant_time_compare(code, chat_room.invite_code.upper()):
            record_rate(fan, "join", now)  # wrong guesses count: the code cannot be tried out
            raise DomainError(_("This invitation code is not right. Ask the room's owner for it."), field="code", code="wrong_code")
    try:
        with transaction.atomic():
            member = RoomMember.objects.create(room=chat_room, fan=fan)
    except IntegrityError:
        member = RoomMember.objects.get(room=chat_room, fan=fan)
    record_rate(fan, "join", now)
    return member


def leave(*, fan, room_id) -> None:
    fan = writer(fan)
    chat_room = room(room_id)
    member = membership(chat_room, fan)
    if member is None:
        raise StateConflict(_("You are not a member of this room."))
    if member.role == RoomMember.Role.OWNER:
        raise StateConflict(_("The room's owner cannot leave it; ask the newsroom to hand the room over first."))
    member.delete()


def post_message(*, fan, room_id, body: str, ip: str | None = None) -> ChatMessage:
    """A message in a room. Open rooms: the writer becomes a member. Members-only rooms: members
    only (MembersOnly, 403). Pending when the room is pre-moderated, a word hits or the author's
    standing holds it; then ``_announce`` is called only once a moderator approves it."""
    from rongmei.community.services import _address, _strip_controls

    fan = writer(fan)
    chat_room = room(room_id)
    member = membership(chat_room, fan)
    if member is None and chat_room.members_only:
        raise MembersOnly()
    text = _strip_controls(body if isinstance(body, str) else "").strip()
    if not text:
        raise DomainError(_("Write something before sending."), field="text", code="required")
    if len(text) > BODY_MAX:
        raise DomainError(
            _("A message may have at most %(n)s characters (now %(len)s).") % {"n": BODY_MAX, "len": len(text)},
            field="text",
            code="too_long",
        )
    now = check_rate(fan, "message")
    hits = safety.scan(text)
    with transaction.atomic():
        if member is None:
            RoomMember.objects.get_or_create(room=chat_room, fan=fan)
        message = ChatMessage.objects.create(
            room=chat_room,
            fan=fan,
            body=text,
            status=moderation.initial_state(fan=fan, premoderated=chat_room.premoderated, hits=hits),
            hits=[h.as_dict() for h in hits],
            flagged=bool(hits),
            ip_address=_address(ip),
            created_at=timezone.now(),
        )
        if message.status == S.APPROVED:
            transaction.on_commit(lambda: _announce(message))
    record_rate(fan, "message", now)
    return message


def messages_after(chat_room: ChatRoom, *, fan: Fan | None, after: int = 0, limit: int = PAGE) -> list[ChatMessage]:
    """The room's messages ``fan`` sees (published and not hidden, and their own), oldest first:
    those after the id ``after``, or the latest ``limit`` when ``after`` is 0."""
    visible = Q(status=S.APPROVED, hidden=False)
    if fan is not None:
        visible |= Q(fan=fan)
    qs = ChatMessage.objects.filter(visible, room=chat_room).select_related("fan")
    if after:
        return list(qs.filter(pk__gt=after).order_by("id")[:limit])
    return list(reversed(qs.order_by("-id")[:limit]))


def gone_ids(chat_room: ChatRoom, *, fan: Fan | None, limit: int = 100) -> list[int]:
    """Recent messages no longer shown to others (removed, or hidden by reports): a polling page
    takes them away. The fan's own stay (they see the state)."""
    qs = ChatMessage.objects.filter(room=chat_room).filter(Q(status=S.REMOVED) | Q(hidden=True))
    if fan is not None:
        qs = qs.exclude(fan=fan)
    return list(qs.order_by("-id").values_list("pk", flat=True)[:limit])
