"""ASGI entry point: WebSockets (/ws/) and, in the embedded setup, ordinary HTTP too.

In the scaled setup nginx sends /ws/ here and everything else to the WSGI processes. In the
embedded one, rongmei.portal.edge answers published pages and micro-cached public API calls
before Django is reached (what nginx does when scaled).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from rongmei.core.consumers import NotificationConsumer  # noqa: E402
from rongmei.live.chat.app import live_chat  # noqa: E402
from rongmei.portal.edge import Edge  # noqa: E402

websocket_urlpatterns = [path("ws/notifications/", NotificationConsumer.as_asgi())]
channels_websockets = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


async def websockets(scope, receive, send):
    """The live chat (/ws/live/<room>/) is a plain ASGI application built for big rooms
    (rongmei.live.chat.hub); the other sockets are Channels consumers."""
    if scope["path"].startswith("/ws/live/"):
        return await live_chat(scope, receive, send)
    return await channels_websockets(scope, receive, send)


application = Edge(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AllowedHostsOriginValidator(websockets),
        }
    )
)
