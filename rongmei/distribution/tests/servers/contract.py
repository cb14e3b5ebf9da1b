"""What the platform contract servers share (douyin.py, kuaishou.py, weibo.py): a
ThreadingHTTPServer in a thread on 127.0.0.1, the record of every request, and injected faults.

``faults`` (consumed one per API call, in order, the GET listings of the account's posts
included; the token endpoints in ``TOKEN_PATHS`` take none): None (no fault), "500", "timeout" (no answer until the client gave up; nothing done),
"drop" (connection closed before anything was done), "drop_after" (done, then the connection
closed: a lost answer), "busy" and "rate" (the platform's own answers, see ``fault_answer``),
"expire" (the current access token expires now; the call then goes on and is refused for it).

Also here, for the adapter tests: ``attach_video`` and ``attach_picture`` make real Asset and
Rendition rows pointing at small files under MEDIA_ROOT.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections import Counter
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.conf import settings

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def form(self) -> dict:
        """The fields of a form or multipart body: text as str, files as (filename, bytes)."""
        ctype = self.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + self.body)
            out = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                data = part.get_payload(decode=True)
                out[name] = (part.get_filename(), data) if part.get_filename() else data.decode()
            return out
        if ctype.startswith("application/x-www-form-urlencoded"):
            return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}
        if ctype.startswith("application/json"):
            return json.loads(self.body or b"{}")
        return {}


class ContractServer:
    TOKEN_PATHS: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.faults: list[str | None] = []
        self.calls: Counter = Counter()
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.ids = itertools.count(1)
        box = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status: int, document: dict) -> None:
                raw = json.dumps(document, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(raw)

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = Request(method, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body)
                with box.lock:
                    box.calls[parts.path] += 1
                    box.requests.append(request)
                    fault = box.faults.pop(0) if box.faults and parts.path not in box.TOKEN_PATHS else None
                if fault == "timeout":
                    box.release.wait(5)
                    self.close_connection = True
                    return
                if fault == "drop":
                    self.close_connection = True
                    return
                if fault == "500":
                    return self._answer(500, {"message": "internal error"})
                if fault in ("busy", "rate"):
                    return self._answer(*box.fault_answer(fault))
                with box.lock:
                    if fault == "expire":
                        box.expire_access_token()
                    status, document = box.handle(request)
                if fault == "drop_after":
                    self.close_connection = True
                    return
                return self._answer(status, document)

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- for subclasses --------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, dict]:  # pragma: no cover - subclasses
        raise NotImplementedError

    def fault_answer(self, fault: str) -> tuple[int, dict]:  # pragma: no cover - subclasses
        raise NotImplementedError

    def expire_access_token(self) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# --- media for the tests ----------------------------------------------------------------------


def _write(rel: str, data: bytes) -> None:
    path = Path(settings.MEDIA_ROOT) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def video_bytes(size: int) -> bytes:
    """Something shaped like an MP4 (the contract servers do not decode video)."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + bytes(i * 7 % 251 for i in range(size - len(head)))


def attach_video(story, user, *, size: int = 40_000, vertical: bool = True, poster: bytes | None = None, duration: float = 12.0):
    """A video asset on the story with a finished vertical cut (``size`` bytes) and poster frame."""
    from rongmei.media.models import Asset, Rendition, StoryAsset

    asset = Asset.objects.create(
        kind="video",
        original="assets/2026/11/clip.mp4",
        original_name="clip.mp4",
        sha256="0" * 64,
        size=size,
        mime="video/mp4",
        title="大会视频",
        metadata={"duration": duration, "width": 1920, "height": 1080},
        uploaded_by=user,
    )
    StoryAsset.objects.create(story=story, asset=asset, order=0, added_by=user)
    data = video_bytes(size)
    if vertical:
        _write(f"renditions/{asset.pk}/vertical.mp4", data)
        Rendition.objects.create(
            asset=asset, kind="vertical_916", file=f"renditions/{asset.pk}/vertical.mp4", status="done", width=1080, height=1920, size=size
        )
    picture = PNG if poster is None else poster
    _write(f"renditions/{asset.pk}/poster.jpg", picture)
    Rendition.objects.create(
        asset=asset, kind="poster", file=f"renditions/{asset.pk}/poster.jpg", status="done", width=1920, height=1080, size=len(picture)
    )
    return asset, data


def attach_picture(story, user, data: bytes = PNG, *, order: int = 1):
    from rongmei.media.models import Asset, Rendition, StoryAsset

    asset = Asset.objects.create(
        kind="image",
        original="assets/2026/11/photo.jpg",
        original_name="photo.jpg",
        sha256="1" * 64,
        size=len(data),
        mime="image/jpeg",
        title="开幕式",
        uploaded_by=user,
    )
    StoryAsset.objects.create(story=story, asset=asset, order=order, caption="大会开幕式现场", added_by=user)
    _write(f"renditions/{asset.pk}/web_1280.jpg", data)
    Rendition.objects.create(
        asset=asset, kind="web_1280_jpg", file=f"renditions/{asset.pk}/web_1280.jpg", status="done", width=1280, height=720, size=len(data)
    )
    return asset
