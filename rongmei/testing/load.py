"""Clients that load a running site the way its people do, for the cluster's fault tests
(tests/cluster) and bench/mixed_load.py: citizens asking 问政 questions through the public form,
readers on published pages, fans chatting in a live room. Each keeps a record of what the site
acknowledged, so a test can count what landed against what was promised.

Plain sockets and http.client, no Django: they talk to the site from outside, through nginx.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RETRYABLE = {502, 503, 504}


@dataclass
class Answer:
    status: int  # 0: no answer (connection refused or cut)
    headers: dict
    body: bytes
    seconds: float
    error: str = ""


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
    source: str | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request on a new connection (from ``source``, an address of 127.0.0.0/8, so that
    nginx and the rate limits see many citizens' addresses, not one)."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        headers: dict[str, str] = {}
        for k, v in r.getheaders():  # several Set-Cookie headers: all kept, joined by "; "
            k = k.lower()
            headers[k] = f"{headers[k]}; {v}" if k in headers and k == "set-cookie" else v
        return Answer(r.status, headers, data, time.monotonic() - started)
    except (OSError, http.client.HTTPException) as e:
        return Answer(0, {}, b"", time.monotonic() - started, error=f"{type(e).__name__}: {e}")
    finally:
        conn.close()


@dataclass
class Question:
    title: str
    body: str
    attempts: list[tuple[int, str]] = field(default_factory=list)  # (status, what)
    receipt: str = ""  # the site's receipt number once acknowledged
    landed_earlier: bool = False  # a retry was refused with "just now": an earlier try landed
    latencies: list[float] = field(default_factory=list)
    started: list[float] = field(default_factory=list)  # time.monotonic() at each POST


class Citizen:
    """An app user with a session (as after the SMS login) who asks through /wenzheng/ask/."""

    def __init__(self, host: str, port: int, session_cookie: str, source: str) -> None:
        self.host, self.port, self.cookie, self.source = host, port, session_cookie, source

    def ask(self, q: Question, *, give_up_after: float = 60.0) -> Question:
        """Ask until the site acknowledges (a receipt), retrying what failed on the way (no answer,
        502/503/504) as a person would. A 429 "you sent a question just now" after a failed try
        means that try landed (the answer was lost on the way back)."""
        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline:
            form = request(self.host, self.port, "GET", "/wenzheng/ask/", headers={"Cookie": self.cookie}, source=self.source)
            if form.status != 200:
                q.attempts.append((form.status, f"form: {form.error or form.body[:80]!r}"))
                time.sleep(0.5)
                continue
            token = CSRF_INPUT.search(form.body.decode("utf-8", "replace"))
            csrf_cookie = re.search(r"csrftoken=([^;]+)", form.headers.get("set-cookie", ""))
            cookie = self.cookie + (f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else "")
            payload = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": html.unescape(token.group(1)) if token else "",
                    "kind": "consult",
                    "title": q.title,
                    "body": q.body,
                    "location": "泌阳县花园街道",
                    "visibility": "public",
                }
            ).encode()
            posted = request(
                self.host,
                self.port,
                "POST",
                "/wenzheng/ask/",
                body=payload,
                headers={
                    "Cookie": cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"http://{self.host}:{self.port}/wenzheng/ask/",
                    "Origin": f"http://{self.host}:{self.port}",
                },
                source=self.source,
            )
            q.latencies.append(posted.seconds)
            q.started.append(time.monotonic() - posted.seconds)
            location = posted.headers.get("location", "")
            if posted.status == 302 and "/wenzheng/sent/" in location:
                q.attempts.append((302, "receipt"))
                q.receipt = location.rstrip("/").rsplit("/", 1)[-1]
                return q
            if posted.status == 429 and q.attempts:
                q.attempts.append((429, "throttled after an unanswered try"))
                q.landed_earlier = True
                return q
            q.attempts.append((posted.status, posted.error or posted.body[:200].decode("utf-8", "replace")))
            if posted.status not in (0, *RETRYABLE):
                return q  # refused for a reason a retry does not change: the test says which
            time.sleep(0.3)
        return q


class Readers:
    """Threads reading the given paths in turn (published pages, the app's home), counting
    answers by status and keeping latencies."""

    def __init__(self, host: str, port: int, paths: list[str], *, threads: int = 4, pause: float = 0.0) -> None:
        self.host, self.port, self.paths, self.pause = host, port, paths, pause
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self.started: list[float] = []  # time.monotonic() at each request, beside latencies
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, i: int) -> None:
        n = i
        while not self.stop.is_set():
            path = self.paths[n % len(self.paths)]
            n += 1
            a = request(self.host, self.port, "GET", path, headers={"Accept-Encoding": "gzip"}, timeout=10)
            with self.lock:
                self.statuses[a.status] = self.statuses.get(a.status, 0) + 1
                self.latencies.append(a.seconds)
                self.started.append(time.monotonic() - a.seconds)
            if self.pause:
                self.stop.wait(self.pause)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(15)


class ChatFan:
    """A fan in a live room: says numbered lines, keeps what was acknowledged and everything
    seen, and when the socket drops reconnects with ?after=<the last id seen> (as static/live/chat.js
    does), re-saying what was never acknowledged."""

    def __init__(self, ws_base: str, room_id: int, cookie: str = "", name: str = "") -> None:
        self.ws_base, self.room_id, self.cookie, self.name = ws_base, room_id, cookie, name
        self.acked: dict[str, int] = {}  # client id → message id
        self.unacked: dict[str, str] = {}  # client id → text
        self.seen: dict[int, str] = {}  # message id → text
        self.reconnects = 0
        self.errors: list[str] = []
        self.ws = None
        self.lock = threading.Lock()

    def url(self) -> str:
        last = max(self.seen, default=0)
        return f"{self.ws_base}/ws/live/{self.room_id}/" + (f"?after={last}" if last else "")

    def connect(self, timeout: float = 60.0) -> None:
        from websockets.sync.client import connect

        deadline = time.monotonic() + timeout
        while True:
            try:
                self.ws = connect(  # legacy: a connection kept open across calls, closed by close()
                    self.url(),
                    additional_headers={"Cookie": self.cookie} if self.cookie else {},
                    origin="http://127.0.0.1",
                    open_timeout=5,
                    legacy=True,
                )
                return
            except Exception as e:  # refused while the ASGI process restarts, 1013 while the database does
                if time.monotonic() > deadline:
                    raise
                self.errors.append(f"connect: {type(e).__name__}")
                time.sleep(0.5)

    def _take(self, frame: dict) -> None:
        t = frame.get("t")
        if t in ("history", "batch"):
            for m in frame.get("m") or []:
                self.seen[m["id"]] = m.get("b", "")
            for ev in frame.get("ev") or []:
                if ev.get("e") == "remove":
                    for i in ev.get("ids") or []:
                        self.seen.pop(i, None)
        elif t == "ack":
            c = frame.get("c")
            with self.lock:
                if c in self.unacked:
                    self.unacked.pop(c)
                    self.acked[c] = frame["id"]

    def pump(self, seconds: float) -> None:
        """Read for ``seconds``, reconnecting (and re-saying what was never acknowledged) when
        the socket drops."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.ws is None:
                self.reconnects += 1
                self.connect()
                with self.lock:
                    pending = dict(self.unacked)
                for c, text in pending.items():
                    self._send(c, text)
            try:
                raw = self.ws.recv(timeout=max(0.01, min(0.5, deadline - time.monotonic())))
            except TimeoutError:
                continue
            except Exception:
                self._drop()
                continue
            self._take(json.loads(raw))

    def _drop(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        self.ws = None

    def _send(self, c: str, text: str) -> None:
        try:
            self.ws.send(json.dumps({"t": "say", "b": text, "c": c}, ensure_ascii=False))
        except Exception:
            self._drop()

    def say(self, c: str, text: str) -> None:
        with self.lock:
            self.unacked[c] = text
        if self.ws is not None:
            self._send(c, text)

    def close(self) -> None:
        if self.ws is not None:
            self._drop()


def fans_code(count: int, first: int, *, phone_prefix: str = "139", nickname: str = "测试") -> str:
    """Code for rongmei.cluster.Cluster.python: ``count`` app users registered a month ago (past
    any new-account gate), each with a session as after the SMS login; its result is
    [[fan id, "sessionid=…"], …], the Cookie header of each."""
    return f"""
import datetime as dt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from rongmei.fans.auth import SESSION_KEY
from rongmei.fans.models import Fan
result = []
for i in range({count}):
    fan = Fan.objects.create(phone="+86{phone_prefix}%08d" % ({first} + i), nickname="{nickname}%d" % ({first} + i))
    Fan.objects.filter(pk=fan.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    s = SessionStore()
    s[SESSION_KEY] = fan.pk
    s.create()
    result.append([fan.pk, settings.SESSION_COOKIE_NAME + "=" + s.session_key])
"""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
