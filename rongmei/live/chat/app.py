"""The chat socket at /ws/live/<room>/ as a plain ASGI application (not a Channels consumer: see
rongmei.live.chat.hub for why). The protocol is in docs/live.md.

A connection: who it is (the session cookie: an app user may send, a host may also moderate),
the room (404 close for none), registered with the room first and only then given its history,
so nothing published in between is missed (the client drops ids it already has). Then each frame
it sends is a command.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.live.chat import hub as hubs
from rongmei.live.chat import moderation, store

log = logging.getLogger(__name__)

PATH = re.compile(r"^/ws/live/(\d{1,12})/$")
HOST_COMMANDS = ("pin", "unpin", "highlight", "remove", "mute", "ban", "lift", "approve", "reject", "mode")


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _language(cookie_header: str) -> str:
    from http.cookies import CookieError, SimpleCookie

    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        pass
    chosen = jar.get(settings.LANGUAGE_COOKIE_NAME)
    codes = {code for code, _name in settings.LANGUAGES}
    if chosen and chosen.value in codes:
        return chosen.value
    return translation.get_language() or settings.LANGUAGE_CODE


def _after(scope) -> int:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after") or ["0"]
    try:
        return max(0, min(int(values[0]), 10**12))
    except ValueError:
        return 0


def _actor(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user_id)


def _host_command(user_id: int, room_id: int, command: dict):
    actor = _actor(user_id)
    t = command.get("t")
    if t == "pin":
        return moderation.pin(actor=actor, room_id=room_id, text=str(command.get("b") or ""))
    if t == "unpin":
        return moderation.pin(actor=actor, room_id=room_id, text="")
    if t == "highlight":
        return moderation.highlight(actor=actor, room_id=room_id, message_id=command.get("id"))
    if t == "remove":
        return moderation.remove(actor=actor, room_id=room_id, message_id=command.get("id"))
    if t in ("approve", "reject"):
        return moderation.decide(actor=actor, room_id=room_id, message_id=command.get("id"), approve=t == "approve")
    if t == "mute":
        return moderation.mute(
            actor=actor, room_id=room_id, fan_id=command.get("fan"), minutes=command.get("minutes"), reason=str(command.get("reason") or "")
        )
    if t == "ban":
        return moderation.ban(actor=actor, room_id=room_id, fan_id=command.get("fan"), reason=str(command.get("reason") or ""))
    if t == "lift":
        return moderation.lift(actor=actor, room_id=room_id, fan_id=command.get("fan"))
    if t == "mode":
        return moderation.set_mode(
            actor=actor,
            room_id=room_id,
            open=command.get("open") if isinstance(command.get("open"), bool) else None,
            slow=command.get("slow"),
            premod=command.get("premod") if isinstance(command.get("premod"), bool) else None,
            gate_hours=command.get("gate_hours"),
        )
    return None


async def live_chat(scope, receive, send) -> None:
    event = await receive()
    if event.get("type") != "websocket.connect":
        return
    match = PATH.match(scope.get("path", ""))
    if not match:
        await send({"type": "websocket.close", "code": 4404})
        return
    room_id = int(match.group(1))
    after = _after(scope)
    cookie = _header(scope, b"cookie")
    lang = _language(cookie)
    hub = hubs.get_hub()
    try:
        ident = await hubs.run_db(store.authenticate, cookie) if cookie else store.ANONYMOUS
        room = await hub.open_room(room_id)
    except Exception:
        # The database is away: refuse for now (1013 "try again later"); the client retries.
        log.exception("live chat: could not open room %s", room_id)
        await send({"type": "websocket.close", "code": 1013})
        return
    if room is None:
        await send({"type": "websocket.close", "code": 4404})
        return
    await send({"type": "websocket.accept"})
    conn = hubs.Conn(send, ident, lang)
    room.add(conn)
    if not after:
        room.new_views += 1
    try:
        try:
            past = None if ident.is_host else room.recent.history(after)
            if past is None:
                past = await hubs.run_db(store.history, room_id, after=after, hosts=ident.is_host)
        except Exception:
            log.exception("live chat: history of room %s failed", room_id)
            past = {"m": []}
        info = room.info
        likes, views, viewers = room.stats
        conn.send_json(
            {
                "t": "hello",
                "room": room_id,
                "role": ident.role,
                "me": {"fan": ident.fan_id, "name": ident.fan_name} if ident.fan_id else None,
                "state": info.state,
                "mode": info.mode(),
                "pinned": info.pinned,
                "viewers": max(viewers, len(room.conns)),
                "likes": likes,
                "views": views,
            }
        )
        conn.send_json({"t": "history", "m": past["m"]})
        if past.get("removed"):
            conn.send_json({"t": "batch", "m": [], "ev": [{"e": "remove", "ids": past["removed"]}]})
        if past.get("pending"):
            conn.send_json({"t": "pending", "m": past["pending"]})
        conn.go_live()
        if ident.fan_id and room.sanction(ident.fan_id)[0] == "ban":
            room.kick(conn)
            return
        while True:
            event = await receive()
            kind = event.get("type")
            if kind == "websocket.disconnect":
                break
            if kind != "websocket.receive" or conn.closed:
                continue
            text = event.get("text")
            if text is None:
                text = (event.get("bytes") or b"").decode("utf-8", "replace")
            await _command(room, conn, text)
    finally:
        room.discard(conn)
        conn.stop()


async def _command(room: hubs.Room, conn: hubs.Conn, text: str) -> None:
    if len(text) > hubs.COMMAND_MAX:
        with translation.override(conn.lang):
            conn.error("bad", _("That message is too long."))
        return
    try:
        command = json.loads(text)
    except ValueError:
        command = None
    if not isinstance(command, dict) or not isinstance(command.get("t"), str):
        with translation.override(conn.lang):
            conn.error("bad", _("The chat did not understand that."))
        return
    t = command["t"]
    if t == "say":
        room.say(conn, command.get("b"), command.get("c"))
    elif t == "like":
        room.like(conn, command.get("n", 1))
    elif t == "ping":
        conn.send_json({"t": "pong"})
    elif t in HOST_COMMANDS:
        if not conn.ident.is_host:
            with translation.override(conn.lang):
                conn.error("forbidden", _("Only the room's hosts may do that."))
            return
        try:
            await hubs.run_db(_host_command, conn.ident.user_id, room.id, command, lang=conn.lang)
            conn.send_json({"t": "done", "c": str(command.get("c") or "")[:40], "cmd": t})
        except DomainError as e:
            conn.error(e.code if e.code != "invalid" else "bad", e.message, str(command.get("c") or "")[:40])
        except Exception:
            log.exception("live chat: host command %s failed in room %s", t, room.id)
            with translation.override(conn.lang):
                conn.error("failed", _("That did not work; please try again."))
    else:
        with translation.override(conn.lang):
            conn.error("bad", _("The chat did not understand that."))
