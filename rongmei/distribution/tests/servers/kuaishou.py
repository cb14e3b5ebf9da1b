"""A contract server for the Kuaishou open platform, in a thread on 127.0.0.1.

It answers the calls of adapters/kuaishou.py in the documented shapes (see that module for the
document URLs): GET /oauth2/refresh_token (a NEW refresh token each time; the old one is then
refused with 100200113), /openapi/photo/start_upload (→ upload_token and endpoint, which is this
same server), the upload host's /api/upload (binary body), /api/upload/fragment (?fragment_id
from 0), /api/upload/complete (?fragment_count; a missing fragment is refused), and
/openapi/photo/publish (multipart caption + cover image; the upload must be complete → else
120002; an upload token publishes once → else 120003) and /openapi/photo/delete (?photo_id →
120001 when unknown) and GET /openapi/photo/list (?cursor&count, count 1–200: the photos not
deleted, newest first, {photo_id, caption, cover, play_url, create_time in milliseconds,
like_count, comment_count, view_count, pending}; without cursor the newest, else those older than
the photo named by cursor). Open-API calls need app_id and access_token in the query: an expired
token → 100200108, an unknown one → 100200102. "busy" answers result 100200500, "rate" HTTP 429.
``reject_tokens`` makes every access token invalid; ``post_by_hand(caption)`` puts a photo on the
account as if published elsewhere.
"""

from __future__ import annotations

import time

from rongmei.distribution.tests.servers.contract import ContractServer, Request

APP_ID, APP_SECRET = "ks684828620219089813", "ks-app-secret-0123456789"  # noqa: S105
FIRST_ACCESS, FIRST_REFRESH = "ChFvYXV0aC5hY2Nlc3NUb2tlbh-first", "ChJvYXV0aC5yZWZyZXNoVG9rZW4-first"  # noqa: S105


def _error(code: int, message: str) -> tuple[int, dict]:
    return 200, {"result": code, "error_msg": message}


class KuaishouServer(ContractServer):
    TOKEN_PATHS = frozenset({"/oauth2/refresh_token"})

    def __init__(self) -> None:
        super().__init__()
        self.access_tokens = {FIRST_ACCESS}
        self.expired: set[str] = set()
        self.current_access = FIRST_ACCESS
        self.refresh_token = FIRST_REFRESH
        self.reject_tokens = False
        self.uploads: dict[str, dict] = {}  # upload_token -> {"whole", "fragments", "complete", "published"}
        self.photos: dict[str, dict] = {}
        self.deleted: list[str] = []

    def settings(self, **extra) -> dict:
        return {
            "adapter": "kuaishou",
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "access_token": FIRST_ACCESS,
            "refresh_token": FIRST_REFRESH,
            "base_url": self.base_url,
            "upload_scheme": "http",
            "timeout": 0.5,
            **extra,
        }

    def live_photos(self) -> list[str]:
        return [p for p in self.photos if p not in self.deleted]

    def expire_access_token(self) -> None:
        self.access_tokens.discard(self.current_access)
        self.expired.add(self.current_access)

    def fault_answer(self, fault: str) -> tuple[int, dict]:
        if fault == "busy":
            return _error(100200500, "服务内部错误")
        return 429, {"result": 400002, "error_msg": "api限速"}

    # --- the API ---------------------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, dict]:
        path, query = request.path, request.query
        if path == "/oauth2/refresh_token":
            return self._refresh(query)
        if path.startswith("/api/upload"):
            return self._upload(path, query, request.body)
        if not path.startswith("/openapi/"):
            return 404, {"result": 0, "error_msg": "unknown path"}
        if query.get("app_id") != APP_ID:
            return _error(100200101, "无效的client")
        token = query.get("access_token", "")
        if self.reject_tokens or token not in self.access_tokens:
            if token in self.expired and not self.reject_tokens:
                return _error(100200108, "access_token过期")
            return _error(100200102, "请求被拒绝")
        if path == "/openapi/photo/start_upload":
            upload_token = f"upload-token-{next(self.ids)}"
            self.uploads[upload_token] = {"whole": None, "fragments": {}, "complete": False, "published": False}
            return 200, {"result": 1, "upload_token": upload_token, "endpoint": f"127.0.0.1:{self.port}"}
        if path == "/openapi/photo/publish":
            upload = self.uploads.get(query.get("upload_token", ""))
            if upload is None or not upload["complete"]:
                return _error(120002, "视频未上传成功")
            if upload["published"]:
                return _error(120003, "视频发布失败")
            form = request.form()
            cover = form.get("cover")
            if not isinstance(cover, tuple) or not cover[1] or not form.get("caption"):
                return _error(100400, "参数错误")
            upload["published"] = True
            photo_id = self.post_by_hand(form["caption"], cover=cover[1], video=upload["video"])
            info = {
                "photo_id": photo_id,
                "caption": form["caption"],
                "cover": "https://p1.a.yximgs.com/x.jpg",
                "play_url": "",
                "pending": False,
            }
            return 200, {"result": 1, "video_info": info}
        if path == "/openapi/photo/list" and request.method == "GET":
            return self._list(query)
        if path == "/openapi/photo/delete":
            photo_id = query.get("photo_id", "")
            if photo_id not in self.photos or photo_id in self.deleted:
                return _error(120001, "视频不存在")
            self.deleted.append(photo_id)
            return 200, {"result": 1}
        return 404, {"result": 0, "error_msg": "unknown path"}

    def post_by_hand(self, caption: str, *, cover: bytes = b"", video: bytes = b"", at: float | None = None) -> str:
        photo_id = f"3x{next(self.ids):05d}photo"
        created = int((time.time() if at is None else at) * 1000)
        self.photos[photo_id] = {"caption": caption, "cover": cover, "video": video, "create_time": created}
        return photo_id

    def _list(self, query: dict) -> tuple[int, dict]:
        try:
            count = int(query.get("count") or 20)
        except ValueError:
            return _error(100400, "参数错误")
        if not 1 <= count <= 200:
            return _error(100400, "参数错误")
        live = sorted(self.live_photos(), key=lambda p: (self.photos[p]["create_time"], p), reverse=True)
        cursor = query.get("cursor")
        if cursor:
            if cursor not in live:
                return _error(100400, "参数错误")
            live = live[live.index(cursor) + 1 :]
        listed = [
            {
                "photo_id": p,
                "caption": self.photos[p]["caption"],
                "cover": "https://p1.a.yximgs.com/x.jpg",
                "play_url": "",
                "create_time": self.photos[p]["create_time"],
                "like_count": 0,
                "comment_count": 0,
                "view_count": 0,
                "pending": False,
            }
            for p in live[:count]
        ]
        return 200, {"result": 1, "video_list": listed}

    def _upload(self, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        upload = self.uploads.get(query.get("upload_token", ""))
        if upload is None or upload["complete"]:
            return _error(100400, "upload_token 无效")
        if path == "/api/upload":
            upload["video"], upload["complete"] = body, True
        elif path == "/api/upload/fragment":
            upload["fragments"][int(query["fragment_id"])] = body
        elif path == "/api/upload/complete":
            count = int(query.get("fragment_count", 0))
            if sorted(upload["fragments"]) != list(range(count)):
                return _error(100400, "分片不完整")
            upload["video"] = b"".join(upload["fragments"][n] for n in range(count))
            upload["complete"] = True
        else:
            return 404, {"result": 0, "error_msg": "unknown path"}
        return 200, {"result": 1}

    def _refresh(self, query: dict) -> tuple[int, dict]:
        if query.get("app_id") != APP_ID or query.get("app_secret") != APP_SECRET:
            return _error(100200101, "无效的client")
        if query.get("grant_type") != "refresh_token" or query.get("refresh_token") != self.refresh_token:
            return _error(100200113, "refresh_token过期")
        self.current_access = f"access-{next(self.ids)}"
        self.access_tokens.add(self.current_access)
        self.refresh_token = f"refresh-{next(self.ids)}"
        return 200, {
            "result": 1,
            "access_token": self.current_access,
            "expires_in": 172800,
            "refresh_token": self.refresh_token,
            "refresh_token_expires_in": 15552000,
            "scopes": ["user_info", "user_video_publish", "user_video_delete"],
        }
