"""A real uvicorn serving rongmei.asgi in a thread of the test process, for the live chat's tests
and browser tests: the chat socket needs an ASGI server, and pytest-django's live server speaks
WSGI only.

The server's threads use the test's database: with the in-memory SQLite of the default test run,
the test's own connection is shared with them (as Django's LiveServerThread does); with PostgreSQL
they open their own, which is why the fixture needs ``transactional_db`` (committed rows).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections

from rongmei.live.chat import hub as hubs


@dataclass
class Server:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def ws(self, room_id: int, *, after: int = 0) -> str:
        query = f"?after={after}" if after else ""
        return f"ws://{self.host}:{self.port}/ws/live/{room_id}/{query}"


@contextlib.contextmanager
def asgi_server(*, redis_url: str | None = None) -> Iterator[Server]:
    conn = connections["default"]
    shared = conn.vendor == "sqlite" and conn.is_in_memory_db()
    if shared:
        conn.inc_thread_sharing()

        def initializer():
            connections["default"] = conn

        hubs.THREAD_INITIALIZER = initializer
    hubs.reset_executor()
    config = uvicorn.Config(
        "rongmei.asgi:application", host="127.0.0.1", port=0, lifespan="off", log_level="warning", loop="asyncio", ws="auto"
    )
    server = uvicorn.Server(config)
    loops: list = []

    def run():
        loop = asyncio.new_event_loop()
        loops.append(loop)
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(10)
        for loop in loops:
            hubs.drop_hub(loop)
        # A database call still running on a chat thread would use the shared connection while
        # the next test does: wait for it.
        hubs.reset_executor(wait=True)
        hubs.THREAD_INITIALIZER = None
        if shared:
            conn.dec_thread_sharing()


def session_cookie(*, fan=None, client=None) -> str:
    """A Cookie header for an app user's session (as after the SMS login), or the session of a
    logged-in Django test client (staff)."""
    if client is not None:
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    session = SessionStore()
    session["fan_id"] = fan.pk
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class ChatClient:
    """A synchronous WebSocket client speaking the live chat protocol, for tests."""

    def __init__(self, url: str, cookie: str = "") -> None:
        from websockets.sync.client import connect

        headers = {"Cookie": cookie} if cookie else {}
        self.ws = connect(url, additional_headers=headers, origin="http://127.0.0.1", open_timeout=10, legacy=True)
        self.frames: list[dict] = []
        self.hello = self.next("hello")

    def send(self, **command) -> None:
        self.ws.send(json.dumps(command, ensure_ascii=False))

    def say(self, text: str, client_id: str = "c1") -> None:
        self.send(t="say", b=text, c=client_id)

    def _read(self, timeout: float) -> dict | None:
        try:
            return json.loads(self.ws.recv(timeout=timeout))
        except TimeoutError:
            return None

    def next(self, t: str, *, timeout: float = 5.0, where=None) -> dict:
        """The next frame of type ``t`` (and matching ``where``), reading past others."""
        for i, f in enumerate(self.frames):
            if f.get("t") == t and (where is None or where(f)):
                return self.frames.pop(i)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            f = self._read(max(0.01, deadline - time.monotonic()))
            if f is None:
                break
            if f.get("t") == t and (where is None or where(f)):
                return f
            self.frames.append(f)
        raise AssertionError(f"no {t!r} frame within {timeout}s; got {self.frames[-5:]}")

    def messages(self, *, timeout: float = 5.0, count: int = 1) -> list[dict]:
        """Messages from the next batches until ``count`` have come."""
        got: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(got) < count:
            batch = self.next("batch", timeout=max(0.01, deadline - time.monotonic()), where=lambda f: f.get("m"))
            got.extend(batch["m"])
        return got

    def event(self, e: str, *, timeout: float = 5.0) -> dict:
        batch = self.next("batch", timeout=timeout, where=lambda f: any(ev.get("e") == e for ev in f.get("ev", [])))
        return next(ev for ev in batch["ev"] if ev.get("e") == e)

    def quiet(self, seconds: float = 0.5) -> list[dict]:
        """Everything that arrives within ``seconds`` (to show that something did NOT come)."""
        deadline = time.monotonic() + seconds
        got = []
        while time.monotonic() < deadline:
            f = self._read(max(0.01, deadline - time.monotonic()))
            if f is not None:
                got.append(f)
        self.frames.extend(got)
        return got

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
