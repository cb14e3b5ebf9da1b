"""WebSocket consumer that pushes a person's newsroom notifications to their open pages."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rongmei.core.notify import user_group


@database_sync_to_async
def _needs_second_factor(user, session) -> bool:
    from rongmei.accounts.middleware import roles_requiring_two_factor

    return user.role in roles_requiring_two_factor() and not (session and session.get("otp_device_id"))


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        # The HTTP middleware keeps unverified 2FA roles out of every page; sockets must too.
        if await _needs_second_factor(user, self.scope.get("session")):
            await self.close(code=4403)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notify(self, event):
        await self.send_json({"kind": event["kind"], "text": event["text"], "url": event["url"]})
