"""A contract server for the Douyin open platform, in a thread on 127.0.0.1.

It answers the calls of adapters/douyin.py in the documented shapes (see that module for the
document URLs): /oauth/refresh_token/ and /oauth/renew_refresh_token/ (form bodies, answers under
"data"), upload_video (multipart "video"), init_video_part_upload, upload_video_part
(?upload_id&part_number from 1, multipart "video"), complete_video_part_upload (the parts joined
in order; a gap is refused), create_video (JSON; video_id must be one it issued → else 2190007;
text at most 1,000 characters), video_list (GET ?open_id&cursor&count, count 1–20: the account's
videos not deleted, newest first, {item_id, title (the text sent), create_time (whole seconds),
share_url, video_status, is_top, cover}, with cursor and has_more; the limit of 20 is ours, not
confirmed) and the older /video/delete/ (?open_id&access_token, JSON item_id).
The /api/douyin/v1/ calls need the header access-token and the query open_id: an expired token →
extra.error_code 28001008, an unknown one → 28001003, another user's open_id → 28001015; the
older delete answers 2190008 / 2190002 under data. "busy" answers 28001005, "rate" 28003018.
``reject_tokens`` makes every access token invalid; ``refresh_expired`` refuses the refresh
token with 10010. ``post_by_hand(text)`` puts a video on the account as if posted elsewhere.
"""

from __future__ import annotations

import time

from rongmei.distribution.tests.servers.contract import ContractServer, Request

CLIENT_KEY, OPEN_ID = "awk0123456789abcd", "open-id-0001"
FIRST_ACCESS, FIRST_REFRESH = "act.first-access-token", "rft.first-refresh-token"  # noqa: S105

API = "/api/douyin/v1/video/"


def _ok(data: dict) -> tuple[int, dict]:
    return 200, {"data": {**data, "error_code": 0, "description": ""}, "extra": {"error_code": 0, "description": "", "logid": "x"}}


def _data_error(code: int, description: str) -> tuple[int, dict]:
    return 200, {"data": {"error_code": code, "description": description}, "extra": {"error_code": 0, "description": ""}}


def _gateway_error(code: int, description: str) -> tuple[int, dict]:
    return 200, {"data": {}, "extra": {"error_code": code, "description": description, "sub_error_code": 0, "now": int(time.time())}}


class DouyinServer(ContractServer):
    TOKEN_PATHS = frozenset({"/oauth/refresh_token/", "/oauth/renew_refresh_token/"})

    def __init__(self) -> None:
        super().__init__()
        self.access_tokens = {FIRST_ACCESS}
        self.expired: set[str] = set()
        self.current_access = FIRST_ACCESS
        self.refresh_token = FIRST_REFRESH
        self.reject_tokens = False
        self.refresh_expired = False
        self.videos: dict[str, bytes] = {}
        self.uploads: dict[str, dict[int, bytes]] = {}
        self.items: dict[str, dict] = {}
        self.deleted: list[str] = []

    def settings(self, **extra) -> dict:
        return {
            "adapter": "douyin",
            "client_key": CLIENT_KEY,
            "open_id": OPEN_ID,
            "access_token": FIRST_ACCESS,
            "refresh_token": FIRST_REFRESH,
            "base_url": self.base_url,
            "timeout": 0.5,
            **extra,
        }

    def live_items(self) -> list[str]:
        return [i for i in self.items if i not in self.deleted]

    def expire_access_token(self) -> None:
        self.access_tokens.discard(self.current_access)
        self.expired.add(self.current_access)

    def fault_answer(self, fault: str) -> tuple[int, dict]:
        if fault == "busy":
            return _gateway_error(28001005, "系统繁忙，此时请开发者稍候再试")
        return _gateway_error(28003018, "请求频率过高")

    # --- the API ---------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, dict]:
        path = request.path
        if path == "/oauth/refresh_token/":
            return self._refresh(request.form())
        if path == "/oauth/renew_refresh_token/":
            return self._renew(request.form())
        if path == "/video/delete/":
            token = request.query.get("access_token", "")
            if self.reject_tokens or token not in self.access_tokens:
                return _data_error(2190008, "access_token过期") if token in self.expired else _data_error(2190002, "access_token无效")
            return self._delete(request)
        if not path.startswith(API):
            return 404, {"message": "unknown path"}
        token = request.headers.get("access-token", "")
        if self.reject_tokens or token not in self.access_tokens:
            if token in self.expired and not self.reject_tokens:
                return _gateway_error(28001008, "access_token过期,请刷新或重新授权")
            return _gateway_error(28001003, "access_token无效")
        if request.query.get("open_id") != OPEN_ID:
            return _gateway_error(28001015, "请求参数 access_token 和 openId不匹配")
        name = path[len(API) :]
        if name == "upload_video/":
            video = request.form().get("video")
            if not isinstance(video, tuple) or not video[1]:
                return _data_error(2100005, "参数不合法")
            return self._new_video(video[1])
        if name == "init_video_part_upload/":
            upload_id = f"upload-{next(self.ids)}"
            self.uploads[upload_id] = {}
            return _ok({"upload_id": upload_id})
        if name == "upload_video_part/":
            parts = self.uploads.get(request.query.get("upload_id", ""))
            video = request.form().get("video")
            if parts is None or not isinstance(video, tuple):
                return _data_error(2100005, "参数不合法")
            parts[int(request.query["part_number"])] = video[1]
            return _ok({})
        if name == "complete_video_part_upload/":
            parts = self.uploads.pop(request.query.get("upload_id", ""), None)
            if not parts or sorted(parts) != list(range(1, len(parts) + 1)):
                return _data_error(2100005, "分片不完整")
            return self._new_video(b"".join(parts[n] for n in sorted(parts)))
        if name == "create_video/":
            body = request.form()
            if body.get("video_id") not in self.videos:
                return _data_error(2190007, "无效的视频文件 ID")
            if not body.get("text") or len(body["text"]) > 1000:
                return _data_error(2100005, "参数不合法")
            return _ok({"item_id": self.post_by_hand(body["text"], body)})
        if name == "video_list/" and request.method == "GET":
            return self._list(request.query)
        return 404, {"message": "unknown path"}

    def post_by_hand(self, text: str, body: dict | None = None, *, at: float | None = None) -> str:
        item_id = f"@9Vw{next(self.ids):04d}item"
        self.items[item_id] = {**(body or {"text": text}), "create_time": int(time.time() if at is None else at)}
        return item_id

    def _list(self, query: dict) -> tuple[int, dict]:
        try:
            cursor, count = int(query.get("cursor") or 0), int(query.get("count") or 0)
        except ValueError:
            return _data_error(2100005, "参数不合法")
        if cursor < 0 or not 1 <= count <= 20:
            return _data_error(2100005, "参数不合法")
        live = sorted(self.live_items(), key=lambda i: (self.items[i]["create_time"], i), reverse=True)
        page = live[cursor : cursor + count]
        listed = [
            {
                "item_id": i,
                "title": self.items[i].get("text", ""),
                "create_time": self.items[i]["create_time"],
                "share_url": f"https://www.iesdouyin.com/share/video/{i}/",
                "video_status": 1,
                "is_top": False,
                "is_reviewed": True,
                "cover": "https://p3-sign.douyinpic.com/cover.jpeg",
                "statistics": {"digg_count": 0, "comment_count": 0, "play_count": 0, "share_count": 0},
            }
            for i in page
        ]
        return _ok({"list": listed, "cursor": cursor + len(page), "has_more": cursor + len(page) < len(live)})

    def _new_video(self, data: bytes) -> tuple[int, dict]:
        video_id = f"v0200f{next(self.ids):04d}"
        self.videos[video_id] = data
        return _ok({"video": {"video_id": video_id, "width": 1080, "height": 1920}})

    def _delete(self, request: Request) -> tuple[int, dict]:
        item_id = request.form().get("item_id")
        if request.query.get("open_id") != OPEN_ID or item_id not in self.items or item_id in self.deleted:
            return _data_error(2100005, "参数不合法")
        self.deleted.append(item_id)
        return _ok({})

    def _refresh(self, form: dict) -> tuple[int, dict]:
        if form.get("client_key") != CLIENT_KEY:
            return 200, {"data": {"error_code": 10013, "description": "client_key 或者 client_secret 报错"}, "message": "error"}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token or self.refresh_expired:
            return 200, {"data": {"error_code": 10010, "description": "refresh_token 过期"}, "message": "error"}
        self.current_access = f"act.access-{next(self.ids)}"
        self.access_tokens.add(self.current_access)
        data = {
            "access_token": self.current_access,
            "expires_in": 1296000,
            "open_id": OPEN_ID,
            "refresh_token": self.refresh_token,
            "refresh_expires_in": 2592000,
            "scope": "video.create.bind",
            "error_code": 0,
            "description": "",
        }
        return 200, {"data": data, "message": "success"}

    def _renew(self, form: dict) -> tuple[int, dict]:
        if form.get("client_key") != CLIENT_KEY or form.get("refresh_token") != self.refresh_token or self.refresh_expired:
            return 200, {"data": {"error_code": 10010, "description": "refresh_token 过期"}, "message": "error"}
        self.refresh_token = f"rft.renewed-{next(self.ids)}"
        return 200, {
            "data": {"refresh_token": self.refresh_token, "expires_in": 2592000, "error_code": 0, "description": ""},
            "message": "success",
        }
