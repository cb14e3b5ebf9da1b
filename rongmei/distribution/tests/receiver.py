"""A real webhook receiver on 127.0.0.1 (random port) for the tests: verifies the signature,
stores one item per idempotency key, and can be told to fail transiently."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from rongmei.distribution.adapters.webhook import KEY_HEADER, SIGNATURE_HEADER, verify


class Receiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.items: dict[str, dict] = {}
        self.deliveries: Counter = Counter()
        self.deletes: Counter = Counter()
        self.bad_signatures = 0
        self.fail_next: list[str] = []  # "500", "timeout", "drop", "hold" (no answer until release is set)
        self.held = threading.Event()
        self.release = threading.Event()
        self.failure_rate = 0.0
        self.rng = random.Random(7)  # noqa: S311
        self.lock = threading.Lock()
        self.headers_seen: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _fail(self) -> bool:
                with receiver.lock:
                    mode = receiver.fail_next.pop(0) if receiver.fail_next else None
                    if mode is None and receiver.rng.random() < receiver.failure_rate:
                        mode = receiver.rng.choice(["500", "timeout", "drop"])
                if mode == "500":
                    self.send_response(500)
                    self.end_headers()
                elif mode == "timeout":
                    time.sleep(1.0)
                    return True
                elif mode == "drop":
                    self.close_connection = True
                    self.connection.close()
                elif mode == "hold":  # the sender waits on us (the fault tests kill it meanwhile)
                    receiver.held.set()
                    receiver.release.wait(120)
                    self.close_connection = True
                return mode is not None

            def _handle(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self._fail():
                    return
                if not verify(receiver.secret, body, self.headers.get(SIGNATURE_HEADER, "")):
                    receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                key = self.headers[KEY_HEADER]
                with receiver.lock:
                    receiver.headers_seen.append(dict(self.headers))
                    if method == "POST":
                        receiver.deliveries[key] += 1
                        receiver.items.setdefault(key, json.loads(body))
                    else:
                        receiver.deletes[key] += 1
                        receiver.items.pop(key, None)
                answer = json.dumps({"id": f"item-{key}", "url": f"https://partner.example/{key}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_POST(self):
                self._handle("POST")

            def do_DELETE(self):
                self._handle("DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
