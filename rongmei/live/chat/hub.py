"""The chat fan-out of one process: rooms, their sockets, and a batch every ~100 ms.

Why not a Channels consumer with ``group_send`` per message (bench/live_chat measures it as the
baseline): every message then costs work per socket in the channel layer, a database clean-up
with a thread switch before each one, and a send awaited per viewer. Here:

* a room's accepted messages wait in its outbox and are written to the database together, once
  per interval (``RONGMEI_LIVE["CHAT_BATCH_MS"]``, 100), in one transaction on the chat's own
  database threads, never in the event loop;
* each batch is encoded to JSON once, by the process that wrote it, and published once on the
  room's channel (``rongmei.live.chat.bus``): with Redis every process holds ONE subscription per
  room it serves, not one per socket; without, the process hands it to itself;
* the receiving process frames that JSON as a WebSocket message once and writes the same bytes
  to every socket of the room (uvicorn's transport, no await per viewer). A viewer whose unsent
  data passes ``CHAT_MAX_BUFFER`` is too slow to keep: it is disconnected and resumes from its
  last message id when it reconnects.

Quick checks that need no database (login, length, the room open, mute and ban, the new-account
gate, slow mode, per-user limits) run in the event loop when a message arrives; the sensitive-word
scan and pre-moderation run with the write. Counters (likes, views, the peak) are written every
few seconds; the number of viewers online is each process's socket count, refreshed in Redis
with a time-to-live (a dead process's viewers drop out) or simply counted in the embedded setup.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import struct
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rongmei.core.input import strip_controls
from rongmei.core.ratelimit import wait_words
from rongmei.live.chat import bus, store

log = logging.getLogger(__name__)

BODY_MAX = 200
COMMAND_MAX = 4096
# Per app user, per process: (window seconds, most messages).
FAN_LIMITS = ((10, 5), (60, 20))
# Likes per socket: at most this many in ten seconds (a finger on the button, not a script).
LIKES_PER_10S = 100
# Messages waiting to be written when the database is away: beyond this, new ones are refused.
OUTBOX_MAX = 5000


def conf(name: str, default):
    return getattr(settings, "RONGMEI_LIVE", {}).get(name, default)


def now_ms() -> int:
    return int(time.time() * 1000)


def dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def frame(payload: bytes) -> bytes:
    """One unmasked, final WebSocket text frame (what a server sends, RFC 6455 §5.2). A connection
    that negotiated permessage-deflate may still receive uncompressed messages (RFC 7692 §6)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


# --- the database threads -------------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
# Tests put their database connection into these threads (see rongmei/live/tests/conftest.py).
THREAD_INITIALIZER = None


def _executor_for_db() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(
            max_workers=conf("CHAT_DB_THREADS", 2), thread_name_prefix="live-chat-db", initializer=THREAD_INITIALIZER
        )
    return _executor


def reset_executor(*, wait: bool = False) -> None:
    """Let the database threads go (new ones start on the next call). ``wait``: until the work
    they are doing is finished (tests: before the next test uses the shared connection)."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=wait, cancel_futures=True)
        _executor = None


async def run_db(fn, *args, lang: str | None = None, **kwargs):
    def call():
        store.fresh_connection()
        if lang:
            with translation.override(lang):
                return fn(*args, **kwargs)
        return fn(*args, **kwargs)

    return await asyncio.get_running_loop().run_in_executor(_executor_for_db(), call)


# --- one socket -----------------------------------------------------------------------------------


class Conn:
    """A viewer's socket. Under uvicorn the bytes go straight to its transport; under another ASGI
    server a writer task awaits ``send`` for each message, in order."""

    __slots__ = ("send", "transport", "ident", "lang", "ready", "backlog", "closed", "queue", "writer", "likes", "key")

    def __init__(self, send, ident: store.Identity, lang: str) -> None:
        self.send = send
        self.ident = ident
        self.lang = lang
        self.ready = False
        self.backlog: list[tuple[bytes, bytes]] = []
        self.closed = False
        self.likes: collections.deque = collections.deque()
        self.key = uuid.uuid4().hex[:8]
        proto = getattr(send, "__self__", None)
        transport = getattr(proto, "transport", None)
        fast = type(proto).__module__.startswith("uvicorn.protocols.websockets.") and hasattr(transport, "write")
        self.transport = transport if fast and conf("CHAT_DIRECT_WRITE", True) else None
        self.queue: asyncio.Queue | None = None
        self.writer: asyncio.Task | None = None
        if self.transport is None:
            self.queue = asyncio.Queue()
            self.writer = asyncio.get_running_loop().create_task(self._write_loop())

    async def _write_loop(self) -> None:
        while True:
            payload = await self.queue.get()
            if payload is None:
                return
            try:
                await self.send({"type": "websocket.send", "text": payload.decode()})
            except Exception:
                self.closed = True
                return

    def push(self, payload: bytes, framed: bytes) -> None:
        """A room's frame: kept until the socket has its history, then written."""
        if self.closed:
            return
        if not self.ready:
            self.backlog.append((payload, framed))
            return
        self._write(payload, framed)

    def _write(self, payload: bytes, framed: bytes) -> None:
        transport = self.transport
        if transport is None:
            self.queue.put_nowait(payload)
            return
        if transport.is_closing():
            self.closed = True
            return
        if transport.get_write_buffer_size() > conf("CHAT_MAX_BUFFER", 1 << 20):
            # Too slow to keep up: let it go; it resumes from its last message on reconnecting.
            self.closed = True
            transport.abort()
            return
        transport.write(framed)

    def send_json(self, obj) -> None:
        payload = dumps(obj)
        self._write(payload, frame(payload))

    def go_live(self) -> None:
        """History sent: what arrived meanwhile follows, then everything as it comes."""
        for payload, framed in self.backlog:
            self._write(payload, framed)
        self.backlog = []
        self.ready = True

    def error(self, code: str, message: str, client_id: str = "") -> None:
        self.send_json({"t": "error", "c": client_id, "code": code, "msg": message})

    async def close(self, code: int) -> None:
        if self.writer is not None:
            self.queue.put_nowait(None)
            try:
                await asyncio.wait_for(self.writer, 2)
            except (TimeoutError, asyncio.CancelledError, Exception):
                log.debug("live chat: writer did not finish before the close")
        self.closed = True
        try:
            await self.send({"type": "websocket.close", "code": code})
        except Exception:
            log.debug("live chat: the socket was gone before its close")

    def stop(self) -> None:
        self.closed = True
        if self.writer is not None and not self.writer.done():
            self.queue.put_nowait(None)


# --- one room in this process ---------------------------------------------------------------------


class Recent:
    """A room's latest shown messages as its channel brought them, so a connecting viewer gets its
    history from memory, not from the database: when a stream starts, thousands arrive within a
    minute. ``covered_from``: every shown message with an id at or above it is here (None until
    loaded). Resumes from further back, and hosts (who also need the held messages), go to the
    database."""

    def __init__(self, size: int = store.HISTORY_DEFAULT) -> None:
        self.size = size
        self.messages: dict[int, dict] = {}
        self.covered_from: int | None = None
        self.loaded_at = 0.0
        self.removed: collections.deque = collections.deque(maxlen=1000)  # (time, id)

    def load(self, rows: list[dict]) -> None:
        for m in rows:
            self.messages.setdefault(m["id"], m)
        self.covered_from = rows[0]["id"] if len(rows) >= self.size else 0
        self.loaded_at = time.time()
        self._trim()

    def add(self, messages: list[dict]) -> None:
        for m in messages:
            if isinstance(m, dict) and isinstance(m.get("id"), int):
                self.messages[m["id"]] = m
        self._trim()

    def _trim(self) -> None:
        if len(self.messages) > self.size:
            keep = sorted(self.messages)[-self.size :]
            self.messages = {i: self.messages[i] for i in keep}
            if self.covered_from is not None:
                self.covered_from = max(self.covered_from, keep[0])

    def remove(self, ids) -> None:
        now = time.time()
        for i in ids:
            self.messages.pop(i, None)
            self.removed.append((now, i))

    def highlight(self, message_id) -> None:
        if message_id in self.messages:
            self.messages[message_id] = {**self.messages[message_id], "h": True}

    def history(self, after: int) -> dict | None:
        """What store.history would answer a viewer, or None when memory cannot tell."""
        if self.covered_from is None:
            return None
        now = time.time()
        if after:
            lookback = store.REMOVED_LOOKBACK.total_seconds()
            # A resume must learn what was removed meanwhile: only if we have watched long enough.
            if after + 1 < self.covered_from or now - self.loaded_at < lookback:
                return None
            rows = [self.messages[i] for i in sorted(self.messages) if i > after]
            return {"m": rows, "removed": [i for t, i in self.removed if i <= after and now - t < lookback]}
        return {"m": [self.messages[i] for i in sorted(self.messages)][-self.size :]}

    def note(self, public: bytes) -> None:
        """Keep up with a batch the channel brought (parsed once per process per batch)."""
        try:
            batch = json.loads(public)
        except ValueError:
            return
        if not isinstance(batch, dict):
            return
        if batch.get("m"):
            self.add(batch["m"])
        for ev in batch.get("ev") or []:
            if not isinstance(ev, dict):
                continue
            if ev.get("e") == "remove":
                self.remove([i for i in ev.get("ids") or [] if isinstance(i, int)])
            elif ev.get("e") == "highlight":
                self.highlight(ev.get("id"))


class Room:
    def __init__(self, hub: Hub, info: store.RoomInfo) -> None:
        self.hub = hub
        self.id = info.room_id
        self.info = info
        self.conns: set[Conn] = set()
        self.hosts: set[Conn] = set()
        self.outbox: list[store.Draft] = []
        self.new_likes = 0
        self.new_views = 0
        self.stats = (info.likes, info.views, 0)
        self.said: dict[int, collections.deque] = {}
        self.task: asyncio.Task | None = None
        self.recent = Recent()

    # sockets
    def add(self, conn: Conn) -> None:
        self.conns.add(conn)
        if conn.ident.is_host:
            self.hosts.add(conn)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, conn: Conn) -> None:
        self.conns.discard(conn)
        self.hosts.discard(conn)

    # the clock of the room
    async def _run(self) -> None:
        interval = conf("CHAT_BATCH_MS", 100) / 1000
        stats_every = conf("CHAT_STATS_SECONDS", 2.0)
        loop = asyncio.get_running_loop()
        next_stats = loop.time()
        idle_since = None
        while True:
            await asyncio.sleep(interval)
            try:
                if self.outbox:
                    await self._flush()
                if loop.time() >= next_stats:
                    next_stats = loop.time() + stats_every
                    await self._stats()
            except Exception:
                log.exception("live chat: room %s tick failed", self.id)
            if self.conns or self.outbox:
                idle_since = None
            elif idle_since is None:
                idle_since = loop.time()
            elif loop.time() - idle_since > max(stats_every * 2, 1):
                await self._stats()
                self.hub.forget(self)
                return

    async def _flush(self) -> None:
        drafts, self.outbox = self.outbox, []
        try:
            written = await run_db(store.persist, drafts, premod=self.info.premod)
        except Exception:
            log.exception("live chat: writing %s messages of room %s failed; retrying", len(drafts), self.id)
            self.outbox[:0] = drafts
            await asyncio.sleep(1)
            return
        visible, pending, late = [], [], []
        for draft, wire, status in written:
            if draft.fan_id and self.sanction(draft.fan_id)[0] == "ban":
                late.append(wire["id"])
                continue
            (visible if status == "visible" else pending).append(wire)
        # Noted here before anyone is told: a viewer connecting right after a writer's ack must
        # find the message in this process's history, not only once Redis has brought the batch
        # back (the batch then repeats it, and clients drop what they have seen by id).
        self.recent.add(visible)
        for draft, wire, status in written:
            if wire["id"] in late:
                continue
            conn = draft.conn
            if conn is not None and not conn.closed:
                conn.send_json({"t": "ack", "c": draft.client_id, "id": wire["id"], "status": status})
        if late:
            await run_db(store.remove_now, late)
        if visible or pending:
            internal = {"pending": pending} if pending else None
            public = {"t": "batch", "m": visible, "ev": []} if visible else None
            await self.hub.publish(self.id, bus.encode(internal, public))

    async def _stats(self) -> None:
        likes, views = self.new_likes, self.new_views
        self.new_likes = self.new_views = 0
        viewers = await self.hub.viewers(self.id, len(self.conns))
        try:
            total_likes, total_views, state = await run_db(store.flush_counters, self.id, likes=likes, views=views, viewers=viewers)
        except Exception:
            log.exception("live chat: counters of room %s not written", self.id)
            self.new_likes += likes
            self.new_views += views
            return
        events = []
        if (total_likes, total_views, viewers) != self.stats:
            self.stats = (total_likes, total_views, viewers)
            events.append({"e": "stats", "viewers": viewers, "likes": total_likes, "views": total_views})
        if state and state != self.info.state:
            self.info.state = state
            events.append({"e": "state", "state": state})
        if events:
            # Every process computes the same totals: each tells its own sockets.
            self.broadcast(dumps({"t": "batch", "m": [], "ev": events}))

    # what arrives on the room's channel
    def broadcast(self, payload: bytes) -> None:
        """The same framed bytes to every socket of the room. The common case (uvicorn, history
        sent, buffer small) is inlined: this loop is the whole cost of a big room."""
        framed = frame(payload)
        limit = conf("CHAT_MAX_BUFFER", 1 << 20)
        for conn in self.conns:
            transport = conn.transport
            if (
                transport is not None
                and conn.ready
                and not conn.closed
                and not transport.is_closing()  # uvloop raises on a write to a closed transport
                and transport.get_write_buffer_size() <= limit
            ):
                try:
                    transport.write(framed)
                except Exception:  # one broken socket must not stop the others' delivery
                    conn.closed = True
            else:
                conn.push(payload, framed)

    def to_hosts(self, obj) -> None:
        if not self.hosts:
            return
        payload = dumps(obj)
        framed = frame(payload)
        for conn in self.hosts:
            conn.push(payload, framed)

    def apply(self, internal: dict) -> None:
        sanction = internal.get("sanction")
        if isinstance(sanction, dict) and isinstance(sanction.get("fan"), int):
            fan = sanction["fan"]
            kind = sanction.get("kind")
            if kind == "ban" or self.info.sanctions.get(fan, ("",))[0] != "ban":
                self.info.sanctions[fan] = (kind, sanction.get("until"))
            if kind == "ban":
                for conn in [c for c in self.conns if c.ident.fan_id == fan]:
                    self.kick(conn)
        lift = internal.get("lift")
        if isinstance(lift, int):
            self.info.sanctions.pop(lift, None)
        mode = internal.get("mode")
        if isinstance(mode, dict):
            self.info.open = bool(mode.get("open", self.info.open))
            self.info.slow = int(mode.get("slow", self.info.slow) or 0)
            self.info.premod = bool(mode.get("premod", self.info.premod))
            self.info.gate_hours = int(mode.get("gate_hours", self.info.gate_hours) or 0)
        if "pinned" in internal:
            self.info.pinned = str(internal.get("pinned") or "")
        if internal.get("pending"):
            self.to_hosts({"t": "pending", "m": internal["pending"]})
        if internal.get("decided"):
            self.to_hosts({"t": "decided", "ids": internal["decided"]})

    def kick(self, conn: Conn) -> None:
        with translation.override(conn.lang):
            conn.error("banned", _("You have been banned from this room's chat."))
        conn.closed = True
        self.discard(conn)
        asyncio.get_running_loop().create_task(conn.close(4003))

    # the checks a message passes before it waits for the batch
    def sanction(self, fan_id: int) -> tuple[str, float | None]:
        kind, until = self.info.sanctions.get(fan_id, ("", None))
        if kind and until is not None and until <= time.time():
            self.info.sanctions.pop(fan_id, None)
            return "", None
        return kind, until

    def check_say(self, conn: Conn, body: str) -> tuple[str, str] | None:
        """(code, message) when the message may not go out, else None."""
        ident = conn.ident
        if not ident.fan_id and not ident.is_host:
            return "login", _("Log in to join the chat.")
        if not body:
            return "empty", _("Write something first.")
        if len(body) > BODY_MAX:
            return "too_long", _("A chat message may have at most %(n)s characters.") % {"n": BODY_MAX}
        if len(self.outbox) >= OUTBOX_MAX:
            return "busy", _("The chat is busy; please try again in a moment.")
        if ident.is_host:
            return None
        info = self.info
        if not info.open:
            return "closed", _("The chat of this room is closed.")
        kind, until = self.sanction(ident.fan_id)
        if kind == "ban":
            return "banned", _("You have been banned from this room's chat.")
        now = time.time()
        if kind == "mute":
            return "muted", _("You are muted in this room for %(wait)s.") % {"wait": wait_words((until or now) - now)}
        if info.gate_hours and now - ident.fan_since < info.gate_hours * 3600:
            wait = ident.fan_since + info.gate_hours * 3600 - now
            return "gate", _("New accounts may chat here in %(wait)s.") % {"wait": wait_words(wait)}
        said = self.said.setdefault(ident.fan_id, collections.deque(maxlen=max(n for _w, n in FAN_LIMITS)))
        if info.slow and said and now - said[-1] < info.slow:
            return "slow", _("Slow mode: one message every %(n)s seconds; wait %(wait)s.") % {
                "n": info.slow,
                "wait": wait_words(info.slow - (now - said[-1])),
            }
        for window, most in FAN_LIMITS:
            inside = [t for t in said if now - t < window]
            if len(inside) >= most:
                return "rate", _("Too many messages; wait %(wait)s.") % {"wait": wait_words(window - (now - inside[-most]))}
        said.append(now)
        return None

    def say(self, conn: Conn, body, client_id) -> None:
        body = strip_controls(body if isinstance(body, str) else "").strip()
        client_id = client_id[:40] if isinstance(client_id, str) else ""
        with translation.override(conn.lang):
            refused = self.check_say(conn, body)
        if refused:
            conn.error(refused[0], refused[1], client_id)
            if refused[0] == "banned":
                self.kick(conn)
            return
        ident = conn.ident
        name = (_("Host") + " " + ident.user_name) if ident.is_host else ident.fan_name
        self.outbox.append(
            store.Draft(
                room_id=self.id,
                body=body,
                name=name,
                fan_id=None if ident.is_host else ident.fan_id,
                user_id=ident.user_id,
                client_id=client_id,
                at=timezone.now(),
                conn=conn,
            )
        )

    def like(self, conn: Conn, n) -> None:
        try:
            n = max(1, min(20, int(n)))
        except (TypeError, ValueError):
            n = 1
        now = time.monotonic()
        while conn.likes and now - conn.likes[0][0] > 10:
            conn.likes.popleft()
        if sum(k for _t, k in conn.likes) + n > LIKES_PER_10S:
            return
        conn.likes.append((now, n))
        self.new_likes += n


# --- the process's hub ----------------------------------------------------------------------------


class Hub:
    """All rooms this process serves, and its link to the others (Redis) or to itself."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.rooms: dict[int, Room] = {}
        self._opening: dict[int, asyncio.Future] = {}
        self.process_id = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.redis_url = bus.redis_url()
        self._redis = None
        self._pubsub = None
        self._listener: asyncio.Task | None = None
        self._lost = False  # the Redis subscription broke and is not back yet
        self._channels: dict[str, int] = {}
        if not self.redis_url:
            bus.register_local_hub(self, loop)

    async def open_room(self, room_id: int) -> Room | None:
        room = self.rooms.get(room_id)
        if room is not None:
            return room
        pending = self._opening.get(room_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future = self.loop.create_future()
        self._opening[room_id] = future
        try:
            info = await run_db(store.room_info, room_id)
            room = Room(self, info) if info is not None else None
            if room is not None:
                self.rooms[room_id] = room
                await self._subscribe(room_id)
                # After subscribing: what is published from now on is noted as well.
                room.recent.load((await run_db(store.history, room_id))["m"])
            future.set_result(room)
            return room
        except BaseException as e:
            future.set_exception(e)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
            raise
        finally:
            self._opening.pop(room_id, None)

    def forget(self, room: Room) -> None:
        if self.rooms.get(room.id) is room and not room.conns:
            del self.rooms[room.id]
            if self._pubsub is not None:
                self.loop.create_task(self._unsubscribe(room.id))

    # delivery: what a publish brings to this process
    def deliver(self, room_id: int, data: bytes) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        internal, public = bus.decode(data)
        if internal:
            room.apply(internal)
        if public:
            room.recent.note(public)
            room.broadcast(public)

    async def publish(self, room_id: int, data: bytes) -> None:
        if not self.redis_url:
            self.deliver(room_id, data)
            return
        try:
            await self._client().publish(bus.channel(room_id), data)
        except Exception:
            log.exception("live chat: Redis publish failed; delivering to this process only")
            self.deliver(room_id, data)

    async def viewers(self, room_id: int, local: int) -> int:
        if not self.redis_url:
            return local
        key = f"{bus.channel(room_id)}:viewers"
        now = time.time()
        stale = 3 * conf("CHAT_STATS_SECONDS", 2.0)
        try:
            client = self._client()
            await client.hset(key, self.process_id, f"{local}:{now:.0f}")
            await client.expire(key, int(stale) + 5)
            total = 0
            for field, value in (await client.hgetall(key)).items():
                count, _sep, at = value.decode().partition(":")
                if now - float(at or 0) <= stale:
                    total += int(count or 0)
                elif field.decode() != self.process_id:
                    await client.hdel(key, field)
            return max(total, local)
        except Exception:
            return local

    # Redis
    def _client(self):
        if self._redis is None:
            import redis.asyncio as aioredis

            self._redis = aioredis.Redis.from_url(self.redis_url)
        return self._redis

    async def _subscribe(self, room_id: int) -> None:
        if not self.redis_url:
            return
        name = bus.channel(room_id)
        self._channels[name] = room_id
        if self._lost:
            # The listener is subscribing every room again (and catching them up) as soon as
            # Redis answers: a subscription of this room alone would make it skip the others.
            if self._listener is None or self._listener.done():
                self._listener = self.loop.create_task(self._listen())
            return
        if self._pubsub is None:
            self._pubsub = self._client().pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(name)
        if self._listener is None or self._listener.done():
            self._listener = self.loop.create_task(self._listen())

    async def _unsubscribe(self, room_id: int) -> None:
        name = bus.channel(room_id)
        if room_id in self.rooms:
            return
        self._channels.pop(name, None)
        try:
            await self._pubsub.unsubscribe(name)
        except Exception:
            log.warning("live chat: unsubscribing %s failed", name)

    async def _listen(self) -> None:
        """One subscription per process: every room's channel on it. If Redis goes away, keep
        trying to subscribe again; once back, each room's recent lines are read from the database
        and its sockets brought up to date (lines they lack, and removals they missed), so what
        other processes published meanwhile is not missing."""
        while True:
            try:
                if self._lost or self._pubsub is None or not self._pubsub.subscribed:
                    if not self._channels:
                        self._lost = False
                        return
                    self._pubsub = self._client().pubsub(ignore_subscribe_messages=True)
                    await self._pubsub.subscribe(*self._channels)
                    if self._lost:
                        self._lost = False
                        log.warning("live chat: Redis subscription back for %s rooms", len(self._channels))
                        await self._catch_up()
                async for message in self._pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
                    room_id = self._channels.get(channel)
                    if room_id is not None:
                        self.deliver(room_id, message["data"])
                if not self._channels:
                    return
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                raise
            except Exception:
                if not self._lost:
                    log.warning("live chat: Redis subscription lost; subscribing again until it answers")
                self._lost = True
                with contextlib.suppress(Exception):
                    await self._pubsub.aclose()
                self._pubsub = None
                await asyncio.sleep(1)

    async def _catch_up(self) -> None:
        for room in list(self.rooms.values()):
            try:
                rows = (await run_db(store.history, room.id))["m"]
            except Exception:
                log.warning("live chat: room %s could not catch up after Redis came back", room.id)
                continue
            fresh = {m["id"] for m in rows}
            oldest = min(fresh, default=None)
            gone = [i for i in room.recent.messages if i not in fresh and oldest is not None and i >= oldest]
            recent = Recent(room.recent.size)
            recent.load(rows)
            recent.removed = room.recent.removed
            room.recent = recent
            room.recent.remove(gone)
            events = [{"e": "remove", "ids": gone}] if gone else []
            if rows or events:
                room.broadcast(dumps({"t": "batch", "m": rows, "ev": events}))


_hubs: dict[int, Hub] = {}


def get_hub() -> Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or hub.loop is not loop:
        hub = _hubs[id(loop)] = Hub(loop)
    return hub


def drop_hub(loop) -> None:
    hub = _hubs.pop(id(loop), None)
    if hub is not None:
        bus.unregister_local_hub(hub)
