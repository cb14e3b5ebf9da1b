"""A contract server for the Weibo open platform, in a thread on 127.0.0.1.

It answers the calls of adapters/weibo.py in the documented shapes (see that module for the
document URLs): /2/statuses/share.json (form, or multipart with one "pic"), /2/statuses/destroy.json
and /oauth2/access_token (grant_type=refresh_token). Errors come as Weibo sends them, an HTTP 4xx
with {"error", "error_code", "request"}: an expired token → 21327, an unknown one → 21332. share.json
checks what the document asks of ``status``: at most 140 characters (a Latin character counting
half) → else 20012; no "#话题#" and a link under the safe domain → else 10017 (the code for these
two is not confirmed); the same text as a post still up → 20019; a picture must be JPEG/PNG/GIF
(20005) under 5 MB (20006). destroy.json of a post it does not have → 20101. GET
/2/statuses/user_timeline.json (?count 1–100, page from 1, trim_user; the token in the header
"Authorization: OAuth2 <token>" or the query): the posts not deleted, newest first, {created_at
("Wed Nov 25 10:00:00 +0800 2026"), id, idstr, mid, text, user}. "busy" answers 10009, "rate"
10023 (HTTP 403). ``reject_tokens`` makes every token invalid; ``post_by_hand(status)`` puts a
post on the account as if posted elsewhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time

from rongmei.distribution.tests.servers.contract import ContractServer, Request

ACCESS, APP_KEY, APP_SECRET = "2.00weibo-first-access-token", "3703387386", "weibo-app-secret-0123"  # noqa: S105
SAFE_DOMAIN = "news.example.cn"
SITE = f"https://{SAFE_DOMAIN}"
UID = "5012345678"


def _length(text: str) -> int:
    return math.ceil(sum(0.5 if ord(ch) < 128 else 1 for ch in text))


class WeiboServer(ContractServer):
    TOKEN_PATHS = frozenset({"/oauth2/access_token"})

    def __init__(self) -> None:
        super().__init__()
        self.access_tokens = {ACCESS}
        self.expired: set[str] = set()
        self.current_access = ACCESS
        self.refresh_token = ""
        self.reject_tokens = False
        self.posts: dict[str, dict] = {}
        self.deleted: list[str] = []

    def settings(self, **extra) -> dict:
        return {"adapter": "weibo", "access_token": ACCESS, "site_url": SITE, "base_url": self.base_url, "timeout": 0.5, **extra}

    def live_posts(self) -> list[str]:
        return [p for p in self.posts if p not in self.deleted]

    def expire_access_token(self) -> None:
        self.access_tokens.discard(self.current_access)
        self.expired.add(self.current_access)

    def _error(self, status: int, code: int, error: str, path: str) -> tuple[int, dict]:
        return status, {"error": error, "error_code": code, "request": path}

    def fault_answer(self, fault: str) -> tuple[int, dict]:
        if fault == "busy":
            return 400, {"error": "Too many pending tasks, system is busy!", "error_code": 10009, "request": ""}
        return 403, {"error": "User requests out of rate limit!", "error_code": 10023, "request": ""}

    def handle(self, request: Request) -> tuple[int, dict]:
        path, form = request.path, request.form()
        if path == "/oauth2/access_token":
            return self._refresh(form, path)
        token = form.get("access_token", "")
        if request.method == "GET":
            header = request.headers.get("authorization", "")
            token = header[len("OAuth2 ") :] if header.startswith("OAuth2 ") else request.query.get("access_token", "")
        if self.reject_tokens or token not in self.access_tokens:
            if token in self.expired and not self.reject_tokens:
                return self._error(400, 21327, "expired_token", path)
            return self._error(400, 21332, "invalid_access_token", path)
        if path == "/2/statuses/user_timeline.json" and request.method == "GET":
            return self._timeline(request.query, path)
        if path == "/2/statuses/share.json" and request.method == "POST":
            return self._share(form, path)
        if path == "/2/statuses/destroy.json":
            post_id = form.get("id", "")
            if post_id not in self.posts or post_id in self.deleted:
                return self._error(400, 20101, "Target weibo does not exist!", path)
            self.deleted.append(post_id)
            return 200, {"id": int(post_id), "idstr": post_id, "text": self.posts[post_id]["status"], "deleted": "1"}
        return self._error(404, 10020, "Request api not found!", path)

    def _share(self, form: dict, path: str) -> tuple[int, dict]:
        status = form.get("status", "")
        if not status:
            return self._error(400, 20008, "Content is null!", path)
        if _length(status) > 140:
            return self._error(400, 20012, "Text too long, please input text less than 140 characters!", path)
        if re.search(r"#[^#\s][^#]*#", status) or not re.search(rf"https?://{re.escape(SAFE_DOMAIN)}(/|$)", status):
            return self._error(400, 10017, "Parameter (status)'s value invalid: a safe-domain link and no topic", path)
        if any(p["status"] == status for pid, p in self.posts.items() if pid not in self.deleted):
            return self._error(400, 20019, "Repeat content!", path)
        pic = form.get("pic")
        if pic is not None:
            data = pic[1] if isinstance(pic, tuple) else b""
            if not data.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8")):
                return self._error(400, 20005, "Unsupported image type, only suport JPG, GIF, PNG!", path)
            if len(data) >= 5 * 1024 * 1024:
                return self._error(400, 20006, "Image size too large.", path)
        post_id = self.post_by_hand(status, pic=pic[1] if isinstance(pic, tuple) else None)
        return 200, self._status(post_id)

    def post_by_hand(self, status: str, *, pic: bytes | None = None, at: float | None = None) -> str:
        post_id = str(4_900_000_000_000_000 + next(self.ids))
        self.posts[post_id] = {"status": status, "pic": pic, "created": int(time.time() if at is None else at)}
        return post_id

    def _status(self, post_id: str, *, trim_user: bool = False) -> dict:
        post = self.posts[post_id]
        created = dt.datetime.fromtimestamp(post["created"], dt.timezone(dt.timedelta(hours=8)))
        return {
            "created_at": created.strftime("%a %b %d %H:%M:%S %z %Y"),
            "id": int(post_id),
            "idstr": post_id,
            "mid": post_id,
            "text": post["status"],
            "user": UID if trim_user else {"id": int(UID), "idstr": UID, "screen_name": "泌阳融媒"},
        }

    def _timeline(self, query: dict, path: str) -> tuple[int, dict]:
        try:
            count, page = int(query.get("count") or 20), int(query.get("page") or 1)
        except ValueError:
            return self._error(400, 10008, "Param error, see doc for more info.", path)
        if not 1 <= count <= 100 or page < 1:
            return self._error(400, 10008, "Param error, see doc for more info.", path)
        live = sorted(self.live_posts(), key=lambda p: (self.posts[p]["created"], int(p)), reverse=True)
        shown = live[(page - 1) * count : page * count]
        trim = query.get("trim_user") == "1"
        return 200, {"statuses": [self._status(p, trim_user=trim) for p in shown], "total_number": len(live), "next_cursor": 0}

    def _refresh(self, form: dict, path: str) -> tuple[int, dict]:
        if form.get("client_id") != APP_KEY or form.get("client_secret") != APP_SECRET:
            return self._error(400, 21324, "invalid_client", path)
        if form.get("grant_type") != "refresh_token" or not self.refresh_token or form.get("refresh_token") != self.refresh_token:
            return self._error(400, 21325, "invalid_grant", path)
        self.current_access = f"2.00weibo-access-{next(self.ids)}"
        self.access_tokens.add(self.current_access)
        return 200, {"access_token": self.current_access, "expires_in": 157679999, "uid": UID, "refresh_token": self.refresh_token}
