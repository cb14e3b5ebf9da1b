"""Kuaishou (快手): the 9:16 cut uploaded, then published with caption and cover; retraction deletes it.

HAS ONLY MET THE LOCAL CONTRACT SERVER (tests/servers/kuaishou.py), NEVER KUAISHOU ITSELF. It
follows the public documents of the Kuaishou open platform (read 2026-11; the pages at
https://open.kuaishou.com/platform/openApi render in the browser, so what we read is the public
copy of the same documents at https://apifox.com/apidoc/project-462993, "快手 API"):
  发起上传        POST /openapi/photo/start_upload?app_id&access_token → {result: 1, upload_token, endpoint}
  上传视频 A.1    POST http(s)://{endpoint}/api/upload?upload_token, the file as the binary body
  分片上传 B.1    POST http(s)://{endpoint}/api/upload/fragment?upload_token&fragment_id (from 0)
  完成分片 B.3    POST http(s)://{endpoint}/api/upload/complete?upload_token&fragment_count
  发布视频        POST /openapi/photo/publish?app_id&access_token&upload_token, multipart
                  "caption" and "cover" (an image file) → {result: 1, video_info: {photo_id, ...}}
  删除视频        POST /openapi/photo/delete?app_id&access_token&photo_id → {result: 1}
  查询用户视频列表 GET /openapi/photo/list?app_id&access_token&cursor&count (scope user_video_info)
                  → {result: 1, video_list: [{photo_id, caption, cover, play_url, create_time,
                  like_count, comment_count, view_count, pending}]}; the first page without cursor,
                  then cursor = the photo_id with the smallest create_time of the page before;
                  count 20 by default, at most 200 (https://apifox.com/apidoc/project-462993/api-7075082)
  refreshToken    GET /oauth2/refresh_token?app_id&app_secret&refresh_token&grant_type=refresh_token
                  → {result: 1, access_token, expires_in, refresh_token, refresh_token_expires_in}
                  (access token 48 hours; a NEW refresh token each time, the old one stops working)
  错误码          https://apifox.com/apidoc/project-462993/doc-355272 (100200108 access_token 过期,
                  100200113 refresh_token 过期, 100200500 服务内部错误, 120002 视频未上传成功, …)
NOT CONFIRMED here: whether the upload host answers on https (the documents' examples write
http://{endpoint}; we use https unless ``upload_scheme`` says otherwise); the whole-file limit
(10 MB, from public SDKs) and the fragment size (4 MB here); the rate-limit answer of the content
API (we treat HTTP 429 and result 400002, the live API's "api 限速", as rate limits); the public
page address of a photo (the receipt has none). About photo/list: the unit of create_time
(milliseconds in the SDKs we read; seconds are accepted too), that the list is newest first (we
stop at a page older than our first publish), that ``caption`` comes back exactly as published,
that a photo still being processed (pending) is listed at once, and that the scope
user_video_info is granted with user_video_publish (without it the look-up is refused and a
person is asked, as before).

Steps of a send, each recorded in progress.Progress: start_upload → upload_token and endpoint;
the video (whole, or fragment by fragment, the fragments done remembered so a retry continues;
after a lost answer to the whole upload or to the completion a new upload is started, since the
token may be used up), streamed from disk in 1 MB blocks; publish → photo_id. publish has no
idempotency key and is guarded by oauth_http.OnePost: after a lost answer the next attempt looks
the photo up in photo/list instead of publishing again: the photo whose caption is exactly ours,
created no earlier than our first publish call (stored in the progress, less a minute for clocks)
and not already another publication's receipt; the oldest such photo is the receipt. At most
LIST_PAGES pages of LIST_COUNT. Not found: a TransientError and a second look at the next
attempt; not there either, the lost call made no photo and publish is called once more
(OnePost). The list refused for good: a PermanentError asks a person to check the account; the
list failing for now is a TransientError and the attempt after looks again.
Errors: result 100200500, 400002, HTTP 5xx/429, timeouts, drops → TransientError; 100200108
(token expired) and 100200102 (request refused, e.g. a revoked token) → one refresh, then
PermanentError if refused again; 120002 (video not uploaded) → TransientError, uploaded again
next time; refresh errors 100200113, 100200109, 100200110, 100200111 →
PermanentError asking for a new authorization; every other result → PermanentError.

Settings (stored encrypted through credentials.py, ``adapter: "kuaishou"``): app_id, app_secret,
refresh_token, access_token (optional), base_url (default https://open.kuaishou.com), and, not
offered to operators: whole_limit, fragment_size (bytes), upload_scheme, timeout (60 s). The
refreshed tokens are written back into the credentials at once (see oauth_http.py).
"""

from __future__ import annotations

import logging
import math
import re

from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import AdapterError, PermanentError, Receipt, TransientError, media_bytes, story_payload
from rongmei.distribution.adapters.oauth_http import (
    Body,
    LostAnswer,
    OAuthAdapter,
    OnePost,
    Slice,
    epoch_seconds,
    expires_at,
    held_by_another,
    http_failure,
    multipart_body,
    raw_body,
    vertical_cut,
)
from rongmei.distribution.adapters.progress import Progress

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://open.kuaishou.com"
START_UPLOAD = "/openapi/photo/start_upload"
PUBLISH = "/openapi/photo/publish"
DELETE = "/openapi/photo/delete"
LIST = "/openapi/photo/list"
REFRESH = "/oauth2/refresh_token"

TIMEOUT_SECONDS = 60.0
WHOLE_LIMIT = 10 * 1024 * 1024
FRAGMENT_SIZE = 4 * 1024 * 1024
COVER_MAX_BYTES = 10 * 1024 * 1024
LIST_COUNT = 50
LIST_PAGES = 5
OK = 1
TOKEN_CODES = {100200108, 100200102}
TRANSIENT_CODES = {100200500, 400002}
AUTHORIZE_AGAIN_CODES = {100200113, 100200109, 100200110, 100200111}
UPLOAD_LOST_CODES = {120002}
REQUIRED = ("app_id", "app_secret", "refresh_token")
_ENDPOINT_RE = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


class KuaishouError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(code)
        self.code, self.description = code, description


def platform() -> str:
    return _("Kuaishou")


def _image_type(data: bytes) -> tuple[str, str]:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg", "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png", "png"
    raise PermanentError(_("The cover of this story is not a JPEG or PNG image."))


class KuaishouAdapter(OAuthAdapter):
    name = "kuaishou"
    required = REQUIRED

    def platform_name(self) -> str:
        return platform()

    # --- HTTP ----------------------------------------------------------------------------

    def _request(self, url: str, *, method: str = "POST", query: dict | None = None, body: Body | None = None) -> dict:
        answer, doc = self.fetch(url, timeout=TIMEOUT_SECONDS, method=method, query=query, body=body)
        try:
            result = int(doc.get("result", 0))
        except (TypeError, ValueError):
            result = 0
        if result != OK:
            raise KuaishouError(result, str(doc.get("error_msg") or "")[:200])
        if answer.status != 200:
            raise http_failure(answer, platform(), self.channel.name)
        return doc

    def _url(self, path: str) -> str:
        return (self.cfg.get("base_url") or DEFAULT_BASE_URL).rstrip("/") + path

    def _judge(self, error: KuaishouError) -> AdapterError:
        words = {"platform": platform(), "code": error.code, "msg": error.description}
        message = _("%(platform)s refused (error %(code)s: %(msg)s).") % words
        judged = TransientError(message) if error.code in TRANSIENT_CODES | UPLOAD_LOST_CODES else PermanentError(message)
        judged.platform_code = error.code
        return judged

    def api(self, path: str, *, method: str = "POST", query: dict | None = None, body=None) -> dict:
        """An open-API call with app_id and the access token; refreshed once when it expired.
        ``body`` is a function making the Body, so the retry sends the same bytes again."""
        token = self.tokens.access_token()
        for attempt in (1, 2):
            try:
                return self._request(
                    self._url(path),
                    method=method,
                    query={"app_id": self.cfg["app_id"], "access_token": token, **(query or {})},
                    body=body() if body else None,
                )
            except KuaishouError as e:
                if e.code in TOKEN_CODES and attempt == 1:
                    token = self.tokens.refresh(rejected=token)
                    continue
                if e.code in TOKEN_CODES:
                    raise self.tokens.authorize_again() from None
                raise self._judge(e) from None
        raise AssertionError  # pragma: no cover

    def _refresh(self, refresh_token: str) -> dict:
        query = {
            "app_id": self.cfg["app_id"],
            "app_secret": self.cfg["app_secret"],
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        try:
            doc = self._request(self._url(REFRESH), method="GET", query=query)
        except KuaishouError as e:
            if e.code in AUTHORIZE_AGAIN_CODES:
                raise self.tokens.authorize_again() from None
            raise self._judge(e) from None
        return {
            "access_token": doc.get("access_token"),
            "access_expires_at": expires_at(doc.get("expires_in")),
            "refresh_token": doc.get("refresh_token"),
            "refresh_expires_at": expires_at(doc.get("refresh_token_expires_in")),
        }

    # --- upload ----------------------------------------------------------------------------

    def _upload_url(self, endpoint: str, path: str) -> str:
        return f"{self.cfg.get('upload_scheme') or 'https'}://{endpoint}{path}"

    def _start(self, progress: Progress) -> tuple[str, str]:
        doc = self.api(START_UPLOAD)
        token, endpoint = str(doc.get("upload_token") or ""), str(doc.get("endpoint") or "")
        if not token or not _ENDPOINT_RE.match(endpoint):
            raise TransientError(
                _("%(platform)s gave no usable upload address (%(name)s).") % {"platform": platform(), "name": self.channel.name}
            )
        progress.set("upload", {"token": token, "endpoint": endpoint, "fragments_done": 0, "done": False})
        return token, endpoint

    def _upload(self, path, progress: Progress) -> str:
        """The upload_token of the finished upload (started again when Kuaishou lost it)."""
        state = progress.get("upload") or {}
        if state.get("done"):
            return state["token"]
        if state.get("token"):
            token, endpoint = state["token"], state["endpoint"]
        else:
            token, endpoint = self._start(progress)
            state = progress.get("upload")
        size = path.stat().st_size
        try:
            if size <= int(self.cfg.get("whole_limit") or WHOLE_LIMIT):
                try:
                    self._request(
                        self._upload_url(endpoint, "/api/upload"),
                        query={"upload_token": token},
                        body=raw_body(Slice.whole(path), "video/mp4"),
                    )
                except LostAnswer:
                    progress.set("upload", None)  # it may have arrived and used the token up: a new upload next time
                    raise
            else:
                fragment = int(self.cfg.get("fragment_size") or FRAGMENT_SIZE)
                count = math.ceil(size / fragment)
                for n in range(int(state.get("fragments_done") or 0), count):
                    piece = Slice(path, n * fragment, min(fragment, size - n * fragment))
                    self._request(
                        self._upload_url(endpoint, "/api/upload/fragment"),
                        query={"upload_token": token, "fragment_id": n},
                        body=raw_body(piece, "application/octet-stream"),
                    )
                    state["fragments_done"] = n + 1
                    progress.set("upload", state)
                try:
                    self._request(
                        self._upload_url(endpoint, "/api/upload/complete"), query={"upload_token": token, "fragment_count": count}
                    )
                except LostAnswer:
                    progress.set("upload", None)
                    raise
        except KuaishouError as e:
            progress.set("upload", None)  # the upload server refused this upload: start a new one next time
            raise self._judge(e) from None
        state["done"] = True
        progress.set("upload", state)
        return token

    # --- send and retract --------------------------------------------------------------------

    def render(self, publication) -> dict:
        return story_payload(publication)

    def _progress(self, key: str) -> Progress:
        return Progress(f"kuaishou:{self.cfg['app_id']}", key)

    def _find_posted(self, caption: str, since: float, key: str) -> Receipt | None:
        """The photo a publish whose answer was lost made: from photo/list, the oldest with
        exactly our caption, created at ``since`` or later, not another publication's receipt."""
        found: list[tuple[float, str]] = []
        cursor = None
        for _page in range(LIST_PAGES):
            doc = self.api(LIST, method="GET", query={"cursor": cursor, "count": LIST_COUNT})
            items = [i for i in (doc.get("video_list") or []) if isinstance(i, dict)]
            dated = []
            for item in items:
                created = epoch_seconds(item.get("create_time"))
                photo_id = str(item.get("photo_id") or "")
                dated.append((created or 0.0, photo_id))
                if photo_id and created is not None and created >= since and str(item.get("caption") or "").strip() == caption.strip():
                    if not held_by_another(self.channel, photo_id, key):
                        found.append((created, photo_id))
            if len(items) < LIST_COUNT or max(dated)[0] < since:
                break
            cursor = min(dated)[1]
        if not found:
            return None
        if len(found) > 1:
            log.warning("Kuaishou: %s photos of channel %s match a lost publish; the oldest is taken", len(found), self.channel.pk)
        return Receipt(external_id=min(found)[1][:200], url="")

    def send(self, payload: dict, key: str) -> Receipt:
        progress = self._progress(key)
        photo_id = progress.get("photo_id")
        if photo_id:
            return Receipt(external_id=photo_id[:200], url="")
        path = vertical_cut(payload, platform())
        content = payload.get("content") or {}
        cover = media_bytes(content.get("cover"))
        if not cover:
            raise PermanentError(
                _("%(platform)s needs a cover image: wait until the video's poster frame is made, then try again.")
                % {"platform": platform()}
            )
        if len(cover) > COVER_MAX_BYTES:
            raise PermanentError(_("The cover image is larger than %(platform)s accepts.") % {"platform": platform()})
        ctype, ext = _image_type(cover)
        caption = content.get("text") or content.get("caption") or payload.get("headline", "")
        guard = OnePost(progress, platform())
        found = guard.recover(lambda since: self._find_posted(caption, since, key))
        if found is not None:
            progress.set("photo_id", found.external_id)
            return found
        upload_token = self._upload(path, progress)
        try:
            with guard:
                doc = self.api(
                    PUBLISH,
                    query={"upload_token": upload_token},
                    body=lambda: multipart_body({"caption": caption}, [("cover", f"cover.{ext}", ctype, cover)]),
                )
        except AdapterError as e:
            if isinstance(e, PermanentError) or getattr(e, "platform_code", None) in UPLOAD_LOST_CODES:
                progress.set("upload", None)  # Kuaishou lost or spent the upload: the next attempt uploads again
            raise
        photo_id = str((doc.get("video_info") or {}).get("photo_id") or "")
        if not photo_id:
            raise self.no_id()
        progress.set("photo_id", photo_id)
        return Receipt(external_id=photo_id[:200], url="")

    def retract(self, receipt: Receipt, key: str) -> None:
        photo_id = receipt.external_id
        if not photo_id:
            return
        try:
            self.api(DELETE, query={"photo_id": photo_id})
        except PermanentError as e:
            raise PermanentError(
                _("%(platform)s did not delete the video: %(error)s Delete it by hand in the creator center.")
                % {"platform": platform(), "error": e.message}
            ) from None
        self._progress(key).clear()
