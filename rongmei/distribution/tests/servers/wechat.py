"""A contract server for the WeChat Official Account API, in a thread on 127.0.0.1.

It implements the endpoints the adapter uses to the documented request and answer shapes
(see adapters/wechat.py for the document URLs): /cgi-bin/stable_token, material/add_material
(type=image, multipart "media"), media/uploadimg, draft/add, freepublish/submit, freepublish/get,
freepublish/batchget, freepublish/delete. Every call but stable_token must carry a valid access_token (40001 unknown,
42001 expired). draft/add checks the article fields (title, content < 20000 characters → 45002,
a thumb_media_id the server issued → 40007); a published draft leaves the draft box like on
WeChat (a second submit of it → 40007).

``faults`` (consumed one per API call, in order): "500", "timeout" (no answer until the client
gave up), "drop" (connection closed without an answer), "drop_after" (the call is done, then
the connection is closed: a lost answer), "busy" (errcode -1), "rate" (45009), "expire" (the
current token expires now → 42001). ``reject_tokens`` makes every token invalid (40001).
``publishing_polls``: how many freepublish/get calls answer "publishing" before "published".
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APPID, SECRET = "wx0123456789abcdef", "app-secret-0123456789abcdef0123"  # noqa: S105


def _multipart_media(content_type: str, body: bytes) -> tuple[str, bytes] | None:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "media":
            return part.get_filename() or "", part.get_payload(decode=True)
    return None


class WechatServer:
    def __init__(self) -> None:
        self.faults: list[str] = []
        self.reject_tokens = False
        self.publishing_polls = 0
        self.calls: Counter = Counter()
        self.token_requests: list[dict] = []
        self.materials: dict[str, bytes] = {}
        self.images: list[bytes] = []
        self.drafts: dict[str, list[dict]] = {}
        self.published: dict[str, dict] = {}  # publish_id -> {"article_id", "articles", "polls"}
        self.deleted: list[str] = []
        self.valid_tokens: set[str] = set()
        self.current_token = ""
        self.lock = threading.Lock()
        self.release = threading.Event()
        self._ids = itertools.count(1)
        box = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status: int, document: dict | None = None) -> None:
                raw = json.dumps(document or {}, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = parts.path
                with box.lock:
                    box.calls[path] += 1
                if path == "/cgi-bin/stable_token":
                    return self._answer(200, box.stable_token(json.loads(body)))
                with box.lock:
                    fault = box.faults.pop(0) if box.faults else None
                    token = query.get("access_token", "")
                    if fault == "expire":
                        box.valid_tokens.discard(box.current_token)
                if fault == "500":
                    return self._answer(500, {})
                if fault == "timeout":
                    box.release.wait(5)
                    return None
                if fault == "drop":
                    self.close_connection = True
                    return None
                if fault in ("busy", "rate"):
                    code = -1 if fault == "busy" else 45009
                    return self._answer(200, {"errcode": code, "errmsg": "system error" if code == -1 else "api freq out of limit"})
                with box.lock:
                    if box.reject_tokens or token not in box.valid_tokens:
                        expired = token and token.startswith("token-") and not box.reject_tokens
                        code, msg = (42001, "access_token expired") if expired else (40001, "invalid credential")
                        return self._answer(200, {"errcode": code, "errmsg": msg})
                    answer = box.handle(path, query, self.headers.get("Content-Type", ""), body)
                if fault == "drop_after":
                    self.close_connection = True
                    return None
                return self._answer(200, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- the API ---------------------------------------------------------------------------

    def stable_token(self, request: dict) -> dict:
        with self.lock:
            self.token_requests.append({k: v for k, v in request.items() if k != "secret"})
            if request.get("grant_type") != "client_credential" or request.get("appid") != APPID:
                return {"errcode": 40013, "errmsg": "invalid appid"}
            if request.get("secret") != SECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            if request.get("force_refresh") or self.current_token not in self.valid_tokens:
                self.valid_tokens.discard(self.current_token)
                self.current_token = f"token-{next(self._ids)}"
                self.valid_tokens.add(self.current_token)
            return {"access_token": self.current_token, "expires_in": 7200}

    def handle(self, path: str, query: dict, content_type: str, body: bytes) -> dict:
        if path == "/cgi-bin/material/add_material":
            media = _multipart_media(content_type, body)
            if query.get("type") != "image" or not media or not media[1]:
                return {"errcode": 40004, "errmsg": "invalid media type"}
            media_id = f"material-{next(self._ids)}"
            self.materials[media_id] = media[1]
            return {"media_id": media_id, "url": f"http://mmbiz.qpic.cn/mmbiz_png/{media_id}/0"}
        if path == "/cgi-bin/media/uploadimg":
            media = _multipart_media(content_type, body)
            if not media or not media[1]:
                return {"errcode": 40005, "errmsg": "invalid file type"}
            self.images.append(media[1])
            return {"url": f"http://mmbiz.qpic.cn/mmbiz_jpg/image-{next(self._ids)}/0"}
        request = json.loads(body or b"{}")
        if path == "/cgi-bin/draft/add":
            articles = request.get("articles") or []
            for article in articles:
                if not article.get("title") or "content" not in article:
                    return {"errcode": 44003, "errmsg": "empty news data"}
                if len(article["content"]) >= 20000:
                    return {"errcode": 45002, "errmsg": "content size out of limit"}
                if article.get("thumb_media_id") not in self.materials:
                    return {"errcode": 40007, "errmsg": "invalid media_id"}
                if len(article.get("digest", "")) > 120:
                    return {"errcode": 45004, "errmsg": "description size out of limit"}
            media_id = f"draft-{next(self._ids)}"
            self.drafts[media_id] = articles
            return {"media_id": media_id}
        if path == "/cgi-bin/freepublish/submit":
            articles = self.drafts.pop(request.get("media_id"), None)
            if articles is None:
                return {"errcode": 40007, "errmsg": "invalid media_id"}
            publish_id = str(next(self._ids) + 2247483647)
            self.published[publish_id] = {"article_id": f"article-{publish_id}", "articles": articles, "polls": self.publishing_polls}
            return {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": next(self._ids)}
        if path == "/cgi-bin/freepublish/get":
            item = self.published.get(str(request.get("publish_id")))
            if item is None:
                return {"errcode": 40007, "errmsg": "invalid media_id"}
            if item["polls"] > 0:
                item["polls"] -= 1
                return {"publish_id": request["publish_id"], "publish_status": 1}
            status = 5 if item["article_id"] in self.deleted else 0
            return {
                "publish_id": request["publish_id"],
                "publish_status": status,
                "article_id": item["article_id"],
                "article_detail": {
                    "count": len(item["articles"]),
                    "item": [
                        {"idx": i + 1, "article_url": f"https://mp.weixin.qq.com/s/{item['article_id']}-{i}"}
                        for i in range(len(item["articles"]))
                    ],
                },
                "fail_idx": [],
            }
        if path == "/cgi-bin/freepublish/batchget":
            count = int(request.get("count") or 0)
            if not 1 <= count <= 20:
                return {"errcode": 40097, "errmsg": "invalid args"}
            records = [p for p in reversed(self.published.values()) if p["article_id"] not in self.deleted]
            offset = int(request.get("offset") or 0)
            page = records[offset : offset + count]
            return {
                "total_count": len(records),
                "item_count": len(page),
                "item": [
                    {
                        "article_id": p["article_id"],
                        "content": {
                            "news_item": [
                                {
                                    "title": a.get("title"),
                                    "thumb_media_id": a.get("thumb_media_id"),
                                    "url": f"https://mp.weixin.qq.com/s/{p['article_id']}-{i}",
                                    **({} if request.get("no_content") else {"content": a.get("content")}),
                                }
                                for i, a in enumerate(p["articles"])
                            ]
                        },
                        "update_time": 0,
                    }
                    for p in page
                ],
            }
        if path == "/cgi-bin/freepublish/delete":
            if not any(p["article_id"] == request.get("article_id") for p in self.published.values()):
                return {"errcode": 40007, "errmsg": "invalid media_id"}
            self.deleted.append(request["article_id"])
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 40066, "errmsg": "invalid url"}

    def live_articles(self) -> list[str]:
        return [p["article_id"] for p in self.published.values() if p["article_id"] not in self.deleted]

    def settings(self, **extra) -> dict:
        return {
            "adapter": "wechat",
            "appid": APPID,
            "secret": SECRET,
            "base_url": self.base_url,
            "timeout": 0.5,
            "poll_interval": 0,
            **extra,
        }

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
