"""Carrying a room's news to every chat process: one message per change, published on a per-room
channel. With REDIS_URL it is Redis pub/sub (each process subscribes once per room it serves, not
once per socket); without, the embedded setup's single process hands it to its own hub.

A message is ``<internal JSON>\\n<public JSON>``: the first part tells the hubs what changed (a
sanction, the room's mode, the pinned text, messages awaiting review), the second, if any, is
the frame every viewer gets, encoded once by whoever published it.
"""

from __future__ import annotations

import json
import logging
import re
import threading

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

_local = threading.local()
_hub_lock = threading.Lock()
_local_hub = None  # (hub, loop) of this process, when a chat hub runs here without Redis


def redis_url() -> str | None:
    return getattr(settings, "REDIS_URL", None)


def channel(room_id: int) -> str:
    """Pub/sub channels ignore Redis's database numbers: the number goes into the name, so two
    sites (or two test workers) on one Redis do not hear each other."""
    url = redis_url() or ""
    db = re.search(r"/(\d+)$", url.split("?")[0])
    prefix = getattr(settings, "RONGMEI_LIVE", {}).get("CHAT_CHANNEL_PREFIX", "rongmei")
    return f"{prefix}:{db.group(1) if db else '0'}:live:{room_id}"


def encode(internal: dict | None, public: dict | None) -> bytes:
    head = json.dumps(internal or {}, ensure_ascii=False, separators=(",", ":")).encode()
    body = json.dumps(public, ensure_ascii=False, separators=(",", ":")).encode() if public else b""
    return head + b"\n" + body


def decode(data: bytes) -> tuple[dict, bytes]:
    head, _, body = data.partition(b"\n")
    try:
        internal = json.loads(head) if head else {}
    except ValueError:
        internal = {}
    return internal if isinstance(internal, dict) else {}, body


def register_local_hub(hub, loop) -> None:
    global _local_hub
    with _hub_lock:
        _local_hub = (hub, loop)


def unregister_local_hub(hub) -> None:
    global _local_hub
    with _hub_lock:
        if _local_hub is not None and _local_hub[0] is hub:
            _local_hub = None


def _sync_redis():
    client = getattr(_local, "redis", None)
    if client is None:
        import redis

        client = _local.redis = redis.Redis.from_url(redis_url())
    return client


def publish(room_id: int, internal: dict | None = None, public: dict | None = None) -> None:
    """Publish now (from synchronous code: services, views, tasks)."""
    data = encode(internal, public)
    if redis_url():
        try:
            _sync_redis().publish(channel(room_id), data)
        except Exception:  # the change is in the database: viewers catch up when they reconnect
            log.exception("live chat: publishing to Redis failed for room %s", room_id)
        return
    with _hub_lock:
        target = _local_hub
    if target is not None:
        hub, loop = target
        try:
            loop.call_soon_threadsafe(hub.deliver, room_id, data)
        except RuntimeError:  # the loop has closed
            pass


def publish_on_commit(room_id: int, internal: dict | None = None, public: dict | None = None) -> None:
    transaction.on_commit(lambda: publish(room_id, internal, public))
