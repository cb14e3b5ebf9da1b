"""Local partner servers for bench/publishing.py, with faults drawn at random at a given rate.

Built on the tests' real servers (rongmei/distribution/tests/receiver.py and servers/*.py), which
this module does not change; it adds the faults the benchmark needs and the tests' servers lack:

  BenchReceiver     the tests' webhook Receiver (signature check, one item per Idempotency-Key)
                    with a handler that fails ``failure_rate`` of calls, each with one of
                      500          HTTP 500, nothing stored
                      timeout      no answer until the client gave up, nothing stored
                      drop         connection closed without an answer, nothing stored
                      drop_after   LOST ANSWER: the item is stored, then the connection is closed
                      timeout_after LOST ANSWER: the item is stored, the answer comes too late
                    It also records which keys arrived for which (story, channel) and the digest
                    of every body a key arrived with, for counting duplicates.
  RandomFaults      a stand-in for the ``faults`` list of WechatServer and of the Weibo, Douyin and
                    Kuaishou contract servers (servers/contract.py; the tests consume a list, one
                    fault per API call, token calls excepted): each call draws a fault at the rate
                    from "500", "timeout", "drop", "drop_after" (the servers' own fault kinds:
                    "timeout" and "drop" do nothing, "drop_after" does the call and loses its
                    answer). To the client all three but "500" look alike: no answer came.
  BenchFtpServer    the tests' pyftpdlib FtpServer whose sessions (one adapter call = one FTP
                    session) fail at the rate with: refuse (421 at connect), drop (connection
                    closed at the first STOR), timeout (no answer to the first STOR; closed later),
                    drop_after (LOST ANSWER: the manifest's rename is done, its "250" never sent).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler

from rongmei.distribution.adapters.webhook import KEY_HEADER, SIGNATURE_HEADER, verify
from rongmei.distribution.tests.receiver import Receiver
from rongmei.distribution.tests.servers.ftp import FtpServer

WEBHOOK_FAULTS = ("500", "timeout", "drop", "drop_after", "timeout_after")
WECHAT_FAULTS = ("500", "timeout", "drop", "drop_after")
FTP_FAULTS = ("refuse", "drop", "timeout", "drop_after")


class BenchReceiver(Receiver):
    """The tests' Receiver with more fault kinds and per-key bookkeeping. ``client_timeout``: the
    webhook adapter's timeout in the worker (a "timeout" answers after it, never before)."""

    def __init__(self, secret: str, *, failure_rate: float = 0.0, seed: int = 7, client_timeout: float = 0.3) -> None:
        super().__init__(secret)
        self.failure_rate = failure_rate
        self.rng = random.Random(seed)  # noqa: S311 - fault draws, not crypto
        self.client_timeout = client_timeout
        self.faults_applied: Counter = Counter()
        self.calls = 0
        self.bodies: dict[str, set[str]] = defaultdict(set)  # key -> digests of the bodies stored under it
        self.keys_by_item: dict[tuple, set[str]] = defaultdict(set)  # (story, version, channel) -> keys
        self.lost_answers: Counter = Counter()  # key -> stored but the answer never reached us
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                self._handle("POST")

            def do_DELETE(self):  # noqa: N802
                self._handle("DELETE")

            def _handle(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.calls += 1
                    mode = None
                    if receiver.rng.random() < receiver.failure_rate:
                        mode = receiver.rng.choice(WEBHOOK_FAULTS)
                        receiver.faults_applied[mode] += 1
                if mode == "500":
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if mode == "timeout":
                    time.sleep(receiver.client_timeout + 0.5)
                    return
                if mode == "drop":
                    self._drop()
                    return
                if not verify(receiver.secret, body, self.headers.get(SIGNATURE_HEADER, "")):
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                key = self.headers[KEY_HEADER]
                with receiver.lock:
                    if method == "POST":
                        document = json.loads(body)
                        receiver.deliveries[key] += 1
                        receiver.items.setdefault(key, document)  # one item per key, as a partner honouring the key does
                        receiver.bodies[key].add(hashlib.sha256(body).hexdigest())
                        receiver.keys_by_item[(document.get("story_id"), document.get("version"), document.get("channel"))].add(key)
                        if mode in ("drop_after", "timeout_after"):
                            receiver.lost_answers[key] += 1
                    else:
                        receiver.deletes[key] += 1
                        receiver.items.pop(key, None)
                if mode == "drop_after":
                    self._drop()
                    return
                if mode == "timeout_after":
                    time.sleep(receiver.client_timeout + 0.5)
                    return
                answer = json.dumps({"id": f"item-{key}", "url": f"https://partner.example/{key}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _drop(self) -> None:
                self.close_connection = True
                self.connection.close()

        self.server.RequestHandlerClass = Handler


class RandomFaults:
    """Put in place of a contract server's ``faults``: the server asks ``faults.pop(0) if faults
    else None`` once per API call (token calls excepted); this answers a random fault at the rate.
    With ``server`` (a servers/contract.py ContractServer, which records the request just before
    asking, under the same lock) the calls and faults are also counted per path."""

    def __init__(self, rate: float, seed: int = 11, kinds=WECHAT_FAULTS, server=None) -> None:
        self.rate = rate
        self.kinds = tuple(kinds)
        self.rng = random.Random(seed)  # noqa: S311
        self.applied: Counter = Counter()
        self.calls = 0
        self.server = server
        self.by_path: dict[str, Counter] = defaultdict(Counter)

    def __bool__(self) -> bool:
        return True

    def pop(self, _index: int = 0):
        self.calls += 1  # under the server's lock
        kind = None
        if self.rate and self.rng.random() < self.rate:
            kind = self.rng.choice(self.kinds)
            self.applied[kind] += 1
        if self.server is not None and self.server.requests:
            counts = self.by_path[self.server.requests[-1].path]
            counts["calls"] += 1
            if kind:
                counts[kind] += 1
        return kind

    def __contains__(self, item) -> bool:
        return False


class BenchFtpServer(FtpServer):
    """The tests' FTP server; ``failure_rate`` of sessions fail (see the module docstring)."""

    def __init__(self, home, *, failure_rate: float = 0.0, seed: int = 13, hang_seconds: float = 2.0) -> None:
        super().__init__(home)
        self.failure_rate = failure_rate
        self.rng = random.Random(seed)  # noqa: S311
        self.sessions = 0
        self.faults_applied: Counter = Counter()
        self.lost_answers: list[str] = []
        box = self
        base = self.server.handler

        class Handler(base):
            def handle(self):
                box.sessions += 1
                self._bench_fault = None
                self._bench_swallow = False
                if box.failure_rate and box.rng.random() < box.failure_rate:
                    self._bench_fault = box.rng.choice(FTP_FAULTS)
                    box.faults_applied[self._bench_fault] += 1
                if self._bench_fault == "refuse":
                    self.respond("421 Service not available, closing control connection.")
                    self.close_when_done()
                    return
                super().handle()

            def process_command(self, cmd, *args, **kwargs):
                fault = getattr(self, "_bench_fault", None)
                if cmd == "STOR" and fault == "drop":
                    self._bench_fault = None
                    self.close()
                    return
                if cmd == "STOR" and fault == "timeout":
                    self._bench_fault = None
                    self.ioloop.call_later(hang_seconds, self.close)
                    return
                if cmd == "RNTO" and fault == "drop_after" and str(args[0] if args else "").endswith(".manifest.json"):
                    self._bench_fault = None
                    self._bench_swallow = True
                    box.lost_answers.append(str(args[0]))
                super().process_command(cmd, *args, **kwargs)

            def respond(self, resp, *args, **kwargs):
                if getattr(self, "_bench_swallow", False):
                    self._bench_swallow = False
                    self._last_response = ""
                    self.close()  # the rename is done; its answer is lost
                    return
                super().respond(resp, *args, **kwargs)

        Handler.authorizer = base.authorizer
        self.server.handler = Handler
