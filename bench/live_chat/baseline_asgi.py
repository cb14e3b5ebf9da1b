"""The baseline of bench/live_chat: the plain Channels design, one ``group_send`` per message.

The same work in the path as the real chat (the session cookie read for who is writing, the
sensitive-word scan, the message written to the database) and the same frames on the wire, so the
Go client measures both alike; only the fan-out differs. Never served by Rongmei itself.
"""

from __future__ import annotations

import json
import os
import time
from functools import partial

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
django_asgi_app = get_asgi_application()

from channels.db import database_sync_to_async  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from rongmei.core import safety  # noqa: E402
from rongmei.live.chat import store  # noqa: E402
from rongmei.live.models import ChatMessage  # noqa: E402

# The same compact JSON as the real chat (the load client matches its frames' first bytes).
dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def _write(room_id: int, ident: store.Identity, body: str) -> dict:
    hits = safety.scan(body)
    message = ChatMessage.objects.create(
        room_id=room_id,
        fan_id=ident.fan_id,
        name=ident.fan_name,
        body=body,
        status="pending" if hits else "visible",
        hits=[h.as_dict() for h in hits],
        created_at=timezone.now(),
    )
    return store.as_wire(message)


class BaselineChat(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        self.group = f"baseline-{self.room_id}"
        cookie = ""
        for key, value in self.scope.get("headers", []):
            if key == b"cookie":
                cookie = value.decode("latin-1")
        self.ident = await database_sync_to_async(store.authenticate)(cookie) if cookie else store.ANONYMOUS
        self.said: list[float] = []
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        try:
            command = json.loads(text_data or "")
        except ValueError:
            return
        if command.get("t") != "say" or not self.ident.fan_id:
            return
        body = str(command.get("b") or "").strip()[:200]
        now = time.time()
        self.said = [t for t in self.said if now - t < 10]
        if not body or len(self.said) >= 5:
            await self.send(dumps({"t": "error", "c": command.get("c", ""), "code": "rate"}))
            return
        self.said.append(now)
        wire = await database_sync_to_async(_write)(self.room_id, self.ident, body)
        await self.send(dumps({"t": "ack", "c": command.get("c", ""), "id": wire["id"], "status": "visible"}))
        payload = dumps({"t": "batch", "m": [wire], "ev": []})
        await self.channel_layer.group_send(self.group, {"type": "chat.message", "payload": payload})

    async def chat_message(self, event):
        await self.send(event["payload"])


application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter([path("ws/live/<int:room_id>/", BaselineChat.as_asgi())])}
)
