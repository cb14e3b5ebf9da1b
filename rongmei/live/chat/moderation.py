"""What the hosts of a live room do to its chat: pin an announcement, highlight or remove a
message, approve or reject held ones, mute or ban an app user (a ban also removes their recent
messages from every viewer's screen), and set the room's mode (open, slow mode, pre-moderation,
the new-account gate).

The one write path for these, used by the chat socket (a host's commands) and by any page or API.
Each checks that the actor may manage live rooms, writes the audit log in the same transaction,
and after the commit tells every chat process (rongmei.live.chat.bus).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError
from rongmei.core.input import clean_text
from rongmei.fans.models import Fan
from rongmei.live import services
from rongmei.live.chat import bus
from rongmei.live.chat.store import as_wire
from rongmei.live.models import ChatMessage, ChatSanction, LiveRoom

M = ChatMessage.Status
# A ban removes what the user wrote in the room in this long before it.
BAN_REMOVES = dt.timedelta(hours=24)
MUTE_MINUTES_MAX = 7 * 24 * 60
SLOW_MAX = 600
GATE_HOURS_MAX = 24 * 30


def _room(actor, room_id: int) -> LiveRoom:
    services._require_manager(actor)
    room = LiveRoom.objects.select_for_update().filter(pk=room_id).first()
    if room is None:
        raise DomainError(_("No such live room."), code="not_found")
    return room


def _message(room: LiveRoom, message_id) -> ChatMessage:
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        pk = 0
    message = ChatMessage.objects.select_for_update().filter(room=room, pk=pk).first()
    if message is None:
        raise DomainError(_("That message is not in this room (any more)."), field="id", code="not_found")
    return message


def _fan(fan_id) -> Fan:
    try:
        pk = int(fan_id)
    except (TypeError, ValueError):
        pk = 0
    fan = Fan.objects.filter(pk=pk).first()
    if fan is None:
        raise DomainError(_("No such app user."), field="fan", code="not_found")
    return fan


def _batch(events: list[dict] | None = None, messages: list[dict] | None = None) -> dict:
    return {"t": "batch", "m": messages or [], "ev": events or []}


@transaction.atomic
def pin(*, actor, room_id: int, text: str) -> str:
    room = _room(actor, room_id)
    text = clean_text(text, field="b", label=_("Announcement"), max_len=200, required=False)
    room.pinned_text = text
    room.save(update_fields=["pinned_text"])
    audit.record(
        "live.chat.pin", actor=actor, subject=room, summary=_("Pinned: %(t)s") % {"t": text} if text else _("Announcement unpinned")
    )
    bus.publish_on_commit(room.pk, {"pinned": text}, _batch([{"e": "pin", "b": text}]))
    return text


@transaction.atomic
def highlight(*, actor, room_id: int, message_id) -> ChatMessage:
    room = _room(actor, room_id)
    message = _message(room, message_id)
    if message.status != M.VISIBLE:
        raise DomainError(_("Only a shown message can be highlighted."), field="id", code="state")
    message.highlighted = True
    message.save(update_fields=["highlighted"])
    audit.record("live.chat.highlight", actor=actor, subject=room, summary=_("Highlighted: %(t)s") % {"t": message.body[:40]})
    bus.publish_on_commit(room.pk, None, _batch([{"e": "highlight", "id": message.pk}]))
    return message


@transaction.atomic
def remove(*, actor, room_id: int, message_id) -> ChatMessage:
    room = _room(actor, room_id)
    message = _message(room, message_id)
    if message.status == M.REMOVED:
        return message
    message.status = M.REMOVED
    message.moderated_by = actor
    message.moderated_at = timezone.now()
    message.save(update_fields=["status", "moderated_by", "moderated_at"])
    audit.record("live.chat.remove", actor=actor, subject=room, summary=_("Removed: %(t)s") % {"t": message.body[:40]})
    bus.publish_on_commit(room.pk, {"decided": [message.pk]}, _batch([{"e": "remove", "ids": [message.pk]}]))
    return message


@transaction.atomic
def decide(*, actor, room_id: int, message_id, approve: bool) -> ChatMessage:
    """A held message is shown to everyone (approve) or never (reject)."""
    room = _room(actor, room_id)
    message = _message(room, message_id)
    if message.status != M.PENDING:
        raise DomainError(_("That message has already been decided."), field="id", code="state")
    message.status = M.VISIBLE if approve else M.REJECTED
    message.moderated_by = actor
    message.moderated_at = timezone.now()
    message.save(update_fields=["status", "moderated_by", "moderated_at"])
    audit.record(
        "live.chat.approve" if approve else "live.chat.reject",
        actor=actor,
        subject=room,
        summary=(_("Approved: %(t)s") if approve else _("Rejected: %(t)s")) % {"t": message.body[:40]},
    )
    public = _batch(messages=[as_wire(message)]) if approve else None
    bus.publish_on_commit(room.pk, {"decided": [message.pk]}, public)
    return message


def _sanction(room: LiveRoom, fan: Fan, kind: str, until, reason: str, actor) -> ChatSanction:
    sanction, _created = ChatSanction.objects.update_or_create(
        room=room, fan=fan, kind=kind, defaults={"until": until, "reason": reason, "created_by": actor, "created_at": timezone.now()}
    )
    return sanction


@transaction.atomic
def mute(*, actor, room_id: int, fan_id, minutes, reason: str = "") -> ChatSanction:
    room = _room(actor, room_id)
    fan = _fan(fan_id)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MUTE_MINUTES_MAX:
        raise DomainError(_("Mute for 1 minute to 7 days."), field="minutes")
    reason = clean_text(reason, field="reason", label=_("Reason"), max_len=200, required=False)
    until = timezone.now() + dt.timedelta(minutes=minutes)
    sanction = _sanction(room, fan, ChatSanction.Kind.MUTE, until, reason, actor)
    audit.record(
        "live.chat.mute",
        actor=actor,
        subject=room,
        summary=_("Muted %(name)s for %(n)s minutes") % {"name": fan.display_name, "n": minutes},
        data={"fan": fan.pk, "reason": reason},
    )
    bus.publish_on_commit(room.pk, {"sanction": {"fan": fan.pk, "kind": "mute", "until": until.timestamp()}})
    return sanction


@transaction.atomic
def ban(*, actor, room_id: int, fan_id, reason: str = "") -> list[int]:
    """Banned from the room's chat for the event: disconnected, and what they wrote in the last
    day removed from every screen. Returns the removed message ids."""
    room = _room(actor, room_id)
    fan = _fan(fan_id)
    reason = clean_text(reason, field="reason", label=_("Reason"), max_len=200, required=False)
    _sanction(room, fan, ChatSanction.Kind.BAN, None, reason, actor)
    now = timezone.now()
    recent = ChatMessage.objects.filter(
        room=room, fan=fan, created_at__gte=now - BAN_REMOVES, status__in=[M.VISIBLE, M.PENDING]
    ).values_list("pk", flat=True)
    ids = list(recent)
    ChatMessage.objects.filter(pk__in=ids).update(status=M.REMOVED, moderated_by=actor, moderated_at=now)
    audit.record(
        "live.chat.ban",
        actor=actor,
        subject=room,
        summary=_("Banned %(name)s; %(n)s messages removed") % {"name": fan.display_name, "n": len(ids)},
        data={"fan": fan.pk, "reason": reason, "removed": ids},
    )
    bus.publish_on_commit(
        room.pk,
        {"sanction": {"fan": fan.pk, "kind": "ban", "until": None}, "decided": ids},
        _batch([{"e": "remove", "ids": ids}]) if ids else None,
    )
    return ids


@transaction.atomic
def lift(*, actor, room_id: int, fan_id) -> int:
    """Mute and ban lifted."""
    room = _room(actor, room_id)
    fan = _fan(fan_id)
    count, _detail = ChatSanction.objects.filter(room=room, fan=fan).delete()
    audit.record("live.chat.lift", actor=actor, subject=room, summary=_("Lifted the sanctions on %(name)s") % {"name": fan.display_name})
    bus.publish_on_commit(room.pk, {"lift": fan.pk})
    return count


def _int_in(value, low: int, high: int, *, field: str, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(message, field=field) from None
    if not low <= number <= high:
        raise DomainError(message, field=field)
    return number


@transaction.atomic
def set_mode(*, actor, room_id: int, open: bool | None = None, slow=None, premod: bool | None = None, gate_hours=None) -> dict:
    room = _room(actor, room_id)
    if open is not None:
        room.chat_open = bool(open)
    if slow is not None:
        room.chat_slow_seconds = _int_in(slow, 0, SLOW_MAX, field="slow", message=_("Slow mode is 0 (off) to 600 seconds."))
    if premod is not None:
        room.chat_premoderated = bool(premod)
    if gate_hours is not None:
        room.chat_min_account_hours = _int_in(
            gate_hours, 0, GATE_HOURS_MAX, field="gate_hours", message=_("The new-account gate is 0 (off) to 720 hours.")
        )
    room.save(update_fields=["chat_open", "chat_slow_seconds", "chat_premoderated", "chat_min_account_hours"])
    mode = {
        "open": room.chat_open,
        "slow": room.chat_slow_seconds,
        "premod": room.chat_premoderated,
        "gate_hours": room.chat_min_account_hours,
    }
    audit.record("live.chat.mode", actor=actor, subject=room, summary=_("Chat settings changed"), data=mode)
    bus.publish_on_commit(room.pk, {"mode": mode}, _batch([{"e": "mode", **mode}]))
    return mode
