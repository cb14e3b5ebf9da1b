"""The live notification socket (ws/notifications/) through the real ASGI application.

pytest-asyncio is not needed: each test drives its coroutine with asgiref's async_to_sync, and
database work inside it goes through database_sync_to_async, as in a running server.
"""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from rongmei.asgi import application
from rongmei.core.models import Notification
from rongmei.core.notify import notify

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


def session_cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def communicator(*headers) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, *headers])


def test_a_logged_in_person_receives_the_notification_pushed_after_commit(reporter, editor):
    cookie = session_cookie_for(reporter)

    async def scenario():
        ws = communicator((b"cookie", cookie))
        connected, _ = await ws.connect()
        assert connected
        await database_sync_to_async(notify)([reporter], kind="assignment", text="新派单：铜山湖夏南牛节", url="/newsroom/assignments/1/")
        message = await ws.receive_json_from(timeout=5)
        assert message == {"kind": "assignment", "text": "新派单：铜山湖夏南牛节", "url": "/newsroom/assignments/1/"}
        # Someone else's notification does not arrive here.
        await database_sync_to_async(notify)([editor], kind="review", text="等待初审", url="/newsroom/stories/1/")
        assert await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()

    async_to_sync(scenario)()
    assert Notification.objects.filter(recipient=reporter).count() == 1


def test_nothing_is_pushed_when_the_transaction_rolls_back(reporter):
    cookie = session_cookie_for(reporter)

    def notify_then_fail():
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            notify([reporter], kind="assignment", text="不会送达", url="")
            raise RuntimeError("rolled back")

    async def scenario():
        ws = communicator((b"cookie", cookie))
        connected, _ = await ws.connect()
        assert connected
        await database_sync_to_async(notify_then_fail)()
        assert await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()

    async_to_sync(scenario)()
    assert not Notification.objects.exists()


def test_an_anonymous_connection_is_closed(db):
    async def scenario():
        ws = communicator()
        connected, code = await ws.connect()
        assert not connected
        assert code == 4401

    async_to_sync(scenario)()


def test_a_connection_from_another_site_is_refused(reporter):
    cookie = session_cookie_for(reporter)

    async def scenario():
        ws = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie)])
        connected, _ = await ws.connect()
        assert not connected

    async_to_sync(scenario)()
