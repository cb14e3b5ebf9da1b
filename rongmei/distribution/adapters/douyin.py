"""Douyin (抖音): the 9:16 cut uploaded, then published with the caption; retraction deletes it.

HAS ONLY MET THE LOCAL CONTRACT SERVER (tests/servers/douyin.py), NEVER DOUYIN ITSELF. It follows
the public documents of the Douyin open platform (read 2026-11):
  status codes        https://developer.open-douyin.com/docs/resource/zh-cn/dop/develop/openapi/status-code
  content publishing  https://open.douyin.com/platform/resource/docs/ability/content-management/douyin-publish-solution/
                      (scope video.create.bind; query open_id, header access-token)
  upload_video        POST /api/douyin/v1/video/upload_video/ multipart "video" → data.video.video_id
  part upload         POST /api/douyin/v1/video/init_video_part_upload/ → data.upload_id;
                      POST /api/douyin/v1/video/upload_video_part/?upload_id&part_number (from 1),
                      multipart "video"; POST /api/douyin/v1/video/complete_video_part_upload/?upload_id
                      → data.video.video_id (documents: part upload suggested above 50 MB,
                      required above 128 MB, at most 4 GB)
  create_video        POST /api/douyin/v1/video/create_video/ JSON {video_id, text, cover_tsp} → data.item_id
  video_list          GET /api/douyin/v1/video/video_list/?open_id&cursor&count (header access-token,
                      scope video.list.bind) → data {list: [{item_id, title, create_time, share_url,
                      video_status, is_top, cover, statistics}], cursor, has_more}; first page
                      cursor 0, then the cursor of the answer
                      https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/video-management/douyin/search-video/account-video-list/
  refresh_token       POST /oauth/refresh_token/ form {client_key, grant_type=refresh_token, refresh_token}
  renew_refresh_token POST /oauth/renew_refresh_token/ form {client_key, refresh_token}
                      (access token 15 days, refresh token 30 days, renewable a few times)
NOT CONFIRMED here (the document pages render in the browser; what we read are copies in public
SDKs and articles): the deletion call. The only description found is the older
``POST /video/delete/?open_id&access_token`` with JSON {item_id} (scope video.delete), which an
article reports was withdrawn for new apps in 2022. If Douyin refuses it, retraction fails with a
message asking a person to delete the video in the Douyin creator center. Also unconfirmed: the
part size (20 MB here), that a refreshed refresh_token may differ from the old one (we store
whatever comes back), and that the topics in ``text`` ("#话题") become Douyin topics. About
video_list (the same copies, no Douyin account tried): that ``title`` is the ``text`` we sent,
unchanged; that the list is newest first (we stop at a page older than our first post); that a
video still in review (video_status 4) is listed at once; the largest ``count`` (20 here); that
the scope video.list.bind is granted with video.create.bind (without it the look-up is refused and
a person is asked, as before).

Steps of a send, each recorded in progress.Progress as soon as its answer arrives: the video
(whole below ``part_threshold``, 50 MB; else init, parts, complete, the parts done remembered
so a retry continues where it stopped) → video_id; create_video → item_id. The file is streamed
from disk in 1 MB blocks, never read whole. create_video has no idempotency key, so it is guarded
by oauth_http.OnePost: after a lost answer (no answer in time, the connection dropped) the next
attempt looks the video up in video_list instead of posting again: the item whose ``title`` is
exactly our ``text``, created no earlier than our first create_video call (stored in the progress,
less a minute for clocks), and not already the receipt of another publication; the oldest such
item is the receipt. At most LIST_PAGES pages of LIST_COUNT. Not found: a TransientError and a
second look at the next attempt; not there either, the lost call made no video and create_video
is called once more (OnePost). The list refused for good: a PermanentError asks a person to
check the account; the list failing for now (5xx, timeout, busy) is a TransientError and the
attempt after looks again.
Receipt: external_id = item_id, url empty (create_video gives no page address for a new item;
a video found in the list brings its share_url).
The cover: cover_tsp, the second of the video where our poster frame was taken
(media.render.make_poster: a third of the duration, at most 1 s).

Errors: error_code 2100004, 28001005, 28001006 (busy), 2190001, 28003017 (quota),
28003018 (rate), 2114007 (daily posting limit), HTTP 5xx/429, timeouts, drops → TransientError;
2190008/28001008 (token expired) and 2190002/28001003 (token invalid) → one refresh, then
PermanentError if refused again; refresh errors 10010 (refresh token expired), 10020 (renewed too
often) → PermanentError asking for a new authorization; every other code → PermanentError.

Settings (stored encrypted through credentials.py, ``adapter: "douyin"``): client_key, open_id,
refresh_token, access_token (optional; refreshed when missing), base_url (default
https://open.douyin.com; the tests point it at the contract server), and, not offered to
operators: part_threshold, part_size (bytes), timeout (60 s). The refreshed tokens are written
back into the credentials (see oauth_http.py for why there).
"""

from __future__ import annotations

import logging
import math

from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import AdapterError, PermanentError, Receipt, TransientError, story_payload
from rongmei.distribution.adapters.oauth_http import (
    Body,
    LostAnswer,
    OAuthAdapter,
    OnePost,
    Slice,
    epoch_seconds,
    expires_at,
    form_body,
    held_by_another,
    http_failure,
    json_body,
    multipart_body,
    vertical_cut,
)
from rongmei.distribution.adapters.progress import Progress

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://open.douyin.com"
UPLOAD = "/api/douyin/v1/video/upload_video/"
INIT_PARTS = "/api/douyin/v1/video/init_video_part_upload/"
UPLOAD_PART = "/api/douyin/v1/video/upload_video_part/"
COMPLETE_PARTS = "/api/douyin/v1/video/complete_video_part_upload/"
CREATE = "/api/douyin/v1/video/create_video/"
LIST = "/api/douyin/v1/video/video_list/"
DELETE = "/video/delete/"
REFRESH = "/oauth/refresh_token/"
RENEW = "/oauth/renew_refresh_token/"

TIMEOUT_SECONDS = 60.0
PART_THRESHOLD = 50 * 1024 * 1024
PART_SIZE = 20 * 1024 * 1024
RENEW_WITHIN_SECONDS = 5 * 24 * 3600
LIST_COUNT = 20
LIST_PAGES = 5
TOKEN_CODES = {2190008, 28001008, 2190002, 28001003}
TRANSIENT_CODES = {2100004, 28001005, 28001006, 2190001, 28003017, 28003018, 2114007, 10001}
AUTHORIZE_AGAIN_CODES = {10010, 10020}
REQUIRED = ("client_key", "open_id", "refresh_token")


class DouyinError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(code)
        self.code, self.description = code, description


def platform() -> str:
    return _("Douyin")


def poster_second(ref: dict | None) -> float | None:
    """Where media.render.make_poster took the poster frame: a third of the video, at most 1 s."""
    if not isinstance(ref, dict) or not ref.get("asset"):
        return None
    from rongmei.media.models import Asset

    asset = Asset.objects.filter(pk=ref["asset"]).first()
    if asset is None or not asset.duration:
        return None
    return round(min(1.0, float(asset.duration) / 3), 3)


class DouyinAdapter(OAuthAdapter):
    name = "douyin"
    required = REQUIRED
    renew_within = RENEW_WITHIN_SECONDS

    def platform_name(self) -> str:
        return platform()

    # --- HTTP ----------------------------------------------------------------------------

    def _post(
        self, path: str, *, method: str = "POST", query: dict | None = None, body: Body | None = None, headers: dict | None = None
    ) -> dict:
        base = (self.cfg.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        answer, doc = self.fetch(base + path, timeout=TIMEOUT_SECONDS, method=method, query=query, body=body, headers=headers)
        data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
        extra = doc.get("extra") if isinstance(doc.get("extra"), dict) else {}
        code = int(data.get("error_code") or extra.get("error_code") or 0)
        if code:
            raise DouyinError(code, str(data.get("description") or extra.get("description") or "")[:200])
        if answer.status != 200:
            raise http_failure(answer, platform(), self.channel.name)
        return data

    def _judge(self, error: DouyinError) -> AdapterError:
        words = {"platform": platform(), "code": error.code, "msg": error.description}
        message = _("%(platform)s refused (error %(code)s: %(msg)s).") % words
        return TransientError(message) if error.code in TRANSIENT_CODES else PermanentError(message)

    def api(self, path: str, *, method: str = "POST", query: dict | None = None, body=None, token_in_query: bool = False) -> dict:
        """A call with the user's access token; refreshed once when Douyin says it expired.
        ``body`` is a function making the Body, so the retry sends the same bytes again."""
        token = self.tokens.access_token()
        for attempt in (1, 2):
            q = {"open_id": self.cfg["open_id"], **(query or {})}
            if token_in_query:
                q["access_token"] = token
            try:
                return self._post(path, method=method, query=q, body=body() if body else None, headers={"access-token": token})
            except DouyinError as e:
                if e.code in TOKEN_CODES and attempt == 1:
                    token = self.tokens.refresh(rejected=token)
                    continue
                if e.code in TOKEN_CODES:
                    raise self.tokens.authorize_again() from None
                raise self._judge(e) from None
        raise AssertionError  # pragma: no cover

    def _token_call(self, path: str, fields: dict) -> dict:
        try:
            return self._post(path, body=form_body({"client_key": self.cfg["client_key"], **fields}))
        except DouyinError as e:
            if e.code in AUTHORIZE_AGAIN_CODES:
                raise self.tokens.authorize_again() from None
            raise self._judge(e) from None

    def _refresh(self, refresh_token: str) -> dict:
        data = self._token_call(REFRESH, {"grant_type": "refresh_token", "refresh_token": refresh_token})
        return {
            "access_token": data.get("access_token"),
            "access_expires_at": expires_at(data.get("expires_in")),
            "refresh_token": data.get("refresh_token"),
            "refresh_expires_at": expires_at(data.get("refresh_expires_in")),
        }

    def _renew(self, refresh_token: str) -> dict:
        try:
            data = self._token_call(RENEW, {"refresh_token": refresh_token})
        except PermanentError:
            # Renewed too often (or no longer renewable): the refresh token still works until it
            # runs out; sending goes on and the failure to refresh then asks for authorization.
            log.warning("Douyin refused to renew the refresh token of channel %s", self.channel.pk)
            return {"refresh_expires_at": 0}
        return {"refresh_token": data.get("refresh_token"), "refresh_expires_at": expires_at(data.get("expires_in"))}

    # --- send and retract --------------------------------------------------------------------

    def render(self, publication) -> dict:
        return story_payload(publication)

    def _progress(self, key: str) -> Progress:
        return Progress(f"douyin:{self.cfg['client_key']}:{self.cfg['open_id']}", key)

    def _upload(self, path, progress: Progress) -> str:
        size = path.stat().st_size
        if size <= int(self.cfg.get("part_threshold") or PART_THRESHOLD):
            data = self.api(UPLOAD, body=lambda: multipart_body({}, [("video", "video.mp4", "video/mp4", Slice.whole(path))]))
        else:
            data = self._upload_parts(path, size, progress)
        video_id = str((data.get("video") or {}).get("video_id") or "")
        if not video_id:
            raise TransientError(_("%(platform)s gave no video id (%(name)s).") % {"platform": platform(), "name": self.channel.name})
        progress.set("video_id", video_id)
        return video_id

    def _upload_parts(self, path, size: int, progress: Progress) -> dict:
        part_size = int(self.cfg.get("part_size") or PART_SIZE)
        count = math.ceil(size / part_size)
        upload_id = progress.get("upload_id")
        if not upload_id or progress.get("upload_size") != size:
            upload_id = str(self.api(INIT_PARTS).get("upload_id") or "")
            if not upload_id:
                raise TransientError(_("%(platform)s gave no upload id (%(name)s).") % {"platform": platform(), "name": self.channel.name})
            progress.set("upload_id", upload_id)
            progress.set("upload_size", size)
            progress.set("parts_done", 0)
        try:
            for number in range(int(progress.get("parts_done") or 0) + 1, count + 1):
                offset = (number - 1) * part_size
                part = Slice(path, offset, min(part_size, size - offset))
                self.api(
                    UPLOAD_PART,
                    query={"upload_id": upload_id, "part_number": number},
                    body=lambda part=part: multipart_body({}, [("video", "video.mp4", "video/mp4", part)]),
                )
                progress.set("parts_done", number)
        except PermanentError:
            progress.set("upload_id", None)  # e.g. the upload id expired: a retry by hand starts again
            raise
        try:
            return self.api(COMPLETE_PARTS, query={"upload_id": upload_id})
        except (PermanentError, LostAnswer):
            progress.set("upload_id", None)  # it may have completed and used the id up: upload again
            raise

    def _find_posted(self, text: str, since: float, key: str) -> Receipt | None:
        """The video a create_video whose answer was lost made: from video_list, the oldest item
        with exactly our text, created at ``since`` or later, not another publication's receipt."""
        found: list[tuple[float, str, str]] = []
        cursor = 0
        for _page in range(LIST_PAGES):
            data = self.api(LIST, method="GET", query={"cursor": cursor, "count": LIST_COUNT})
            items = [i for i in (data.get("list") or []) if isinstance(i, dict)]
            times = []
            for item in items:
                created = epoch_seconds(item.get("create_time"))
                times.append(created or 0.0)
                item_id = str(item.get("item_id") or "")
                title = str(item.get("title") or "")
                if item_id and created is not None and created >= since and title.strip() == text.strip():
                    if not held_by_another(self.channel, item_id, key):
                        url = str(item.get("share_url") or "")
                        found.append((created, item_id, url if url.startswith("https://") else ""))
            if not data.get("has_more") or not items or max(times) < since:
                break
            cursor = data.get("cursor") or 0
        if not found:
            return None
        if len(found) > 1:
            log.warning("Douyin: %s videos of channel %s match a lost post; the oldest is taken", len(found), self.channel.pk)
        _created, item_id, url = min(found)
        return Receipt(external_id=item_id[:200], url=url[:500])

    def send(self, payload: dict, key: str) -> Receipt:
        progress = self._progress(key)
        item_id = progress.get("item_id")
        if item_id:
            return Receipt(external_id=item_id[:200], url="")
        path = vertical_cut(payload, platform())
        content = payload.get("content") or {}
        text = content.get("text") or content.get("caption") or payload.get("headline", "")
        guard = OnePost(progress, platform())
        found = guard.recover(lambda since: self._find_posted(text, since, key))
        if found is not None:
            progress.set("item_id", found.external_id)
            return found
        video_id = progress.get("video_id") or self._upload(path, progress)
        request = {"video_id": video_id, "text": text}
        cover = poster_second(content.get("cover"))
        if cover is not None:
            request["cover_tsp"] = cover
        try:
            with guard:
                data = self.api(CREATE, body=lambda: json_body(request))
        except PermanentError:
            progress.set("video_id", None)  # e.g. 2190007 invalid video id: a retry by hand uploads again
            raise
        item_id = str(data.get("item_id") or "")
        if not item_id:
            raise self.no_id()
        progress.set("item_id", item_id)
        return Receipt(external_id=item_id[:200], url="")

    def retract(self, receipt: Receipt, key: str) -> None:
        item_id = receipt.external_id
        if not item_id:
            return
        try:
            self.api(DELETE, body=lambda: json_body({"item_id": item_id}), token_in_query=True)
        except PermanentError as e:
            raise PermanentError(
                _("%(platform)s did not delete the video: %(error)s Delete it by hand in the creator center.")
                % {"platform": platform(), "error": e.message}
            ) from None
        self._progress(key).clear()
