"""WeChat Official Account (微信公众号): cover and body images, draft, publish, retract.

HAS ONLY MET THE LOCAL CONTRACT SERVER (tests/servers/wechat.py), NEVER WECHAT ITSELF. It follows
the public API documents (read 2026-11):
  stable access token   https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken.html
  permanent material    https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html
                        (material/add_material?type=image, multipart "media" → media_id, url;
                        media/uploadimg, multipart "media" → url for images inside the article)
  draft/add             https://developers.weixin.qq.com/doc/service/en/api/draftbox/draftmanage/api_draft_add
  publishing            https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html
                        (freepublish/submit → publish_id; freepublish/get → publish_status,
                        article_id, article_detail.item[].article_url; freepublish/delete)
  https://developers.weixin.qq.com/doc/service/api/public/api_freepublish_submit.md

Steps of a send, each recorded in progress.Progress as soon as its answer arrives, so a retry
after a failure reuses what exists instead of uploading or publishing again (the API has no
idempotency key): cover → thumb_media_id; body images → mmbiz URLs; draft/add → draft media_id;
freepublish/submit → publish_id; freepublish/get (polled ``poll_attempts`` times) → article_id
and the article URL. WeChat removes a draft from the draft box once it is published, so a
second submit of the same draft cannot make a second article: when a submit's answer was lost
and the retry is told the draft no longer exists, the adapter looks the article up in the
account's publishing records (freepublish/batchget: our cover's thumb_media_id and our title)
and takes it as the receipt; only if it is not there is the publication marked failed for a
person to check the account (we never make a new draft then).
  publishing records    https://developers.weixin.qq.com/doc/offiaccount/Publish/Get_publication_records.html

Receipt: external_id = article_id with url = the article URL once publishing has finished;
while WeChat is still publishing after the polls, external_id = "publish:<publish_id>" (the
submit is the receipt) and retraction first asks freepublish/get for the article_id.
Retraction: freepublish/delete {article_id, index: 0} (all articles of that publish).

access_token: from /cgi-bin/stable_token (normal mode, so several workers share one token
without invalidating each other), cached per process until 5 minutes before expires_in; on
errcode 40001/40014/42001 the cache is dropped and the call is made once more with a fresh token
(force_refresh only when the fresh token equals the rejected one); if it is refused again the
error is permanent.
Errors: errcode -1 (system busy), 45009/45011 (rate limits), HTTP 5xx, timeouts and dropped
connections → TransientError; any other errcode (40125 wrong secret, 40164 IP not on the allow
list, 45002 content too long, 40007 invalid media_id, 48001 not authorised …) → PermanentError.
Messages carry the errcode and WeChat's errmsg, never the AppSecret or the token.

Settings (stored encrypted through credentials.py, ``adapter: "wechat"``): appid, secret,
base_url (default https://api.weixin.qq.com; the tests point it at the contract server),
author, default_thumb_media_id (a cover already in the account, used when the story has none),
need_open_comment, only_fans_can_comment, source_url_base (our public site, for "阅读原文"),
poll_attempts (3), poll_interval (2 s), timeout (15 s).
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings as django_settings
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from rongmei.core import storage
from rongmei.core.text import plain_text
from rongmei.distribution.adapters.base import (
    Adapter,
    PermanentError,
    Receipt,
    TransientError,
    media_bytes,
    media_bytes_at,
    story_payload,
)
from rongmei.distribution.adapters.progress import Progress
from rongmei.distribution.adapters.settings_util import as_bool, channel_settings

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 15.0
TOKEN_MARGIN_SECONDS = 300
BATCHGET_PAGES = 3
DIGEST_MAX = 120
CONTENT_MAX = 20000
TRANSIENT_CODES = {-1, 45009, 45011}
TOKEN_CODES = {40001, 40014, 42001}
PUBLISHING, PUBLISHED = 1, 0
REQUIRED = ("appid", "secret")

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()
_IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(["'])(.*?)\1[^>]*>""", re.IGNORECASE | re.DOTALL)


def _image_type(data: bytes) -> tuple[str, str]:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg", "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png", "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "gif"
    raise PermanentError(_("An image of this story is not a JPEG, PNG or GIF file."))


def digest_of(payload: dict) -> str:
    text = (payload.get("digest") or payload.get("intro") or plain_text(payload.get("body_html", ""))).strip()
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= DIGEST_MAX else text[: DIGEST_MAX - 1] + "…"


class WechatError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(code)
        self.code, self.errmsg = code, message


class WechatAdapter(Adapter):
    name = "wechat"

    def __init__(self, channel, settings: dict | None = None) -> None:
        super().__init__(channel)
        self._given = settings
        self._cfg: dict | None = None

    @property
    def cfg(self) -> dict:
        if self._cfg is None:
            self._cfg = channel_settings(self.channel, self._given, REQUIRED, "wechat")
        return self._cfg

    # --- HTTP ----------------------------------------------------------------------------

    def _http(self, method: str, path: str, query: dict, body: bytes | None, content_type: str) -> dict:
        base = urlsplit(self.cfg.get("base_url") or DEFAULT_BASE_URL)
        timeout = float(self.cfg.get("timeout") or TIMEOUT_SECONDS)
        conn_class = http.client.HTTPSConnection if base.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(base.hostname, base.port, timeout=timeout)
        target = base.path.rstrip("/") + path + ("?" + urlencode(query) if query else "")
        name = self.channel.name
        try:
            conn.request(method, target, body=body, headers={"Content-Type": content_type, "User-Agent": "Rongmei/1"})
            response = conn.getresponse()
            status, raw = response.status, response.read(2_000_000)
        except TimeoutError:
            raise TransientError(_("WeChat did not answer in time (%(name)s).") % {"name": name}) from None
        except (ConnectionError, http.client.HTTPException, OSError):
            raise TransientError(_("The connection to WeChat failed (%(name)s).") % {"name": name}) from None
        finally:
            conn.close()
        if status != 200:
            message = _("WeChat answered HTTP %(status)s (%(name)s).") % {"status": status, "name": name}
            raise (TransientError if status >= 500 or status == 429 else PermanentError)(message)
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise TransientError(_("WeChat sent an answer that is not JSON (%(name)s).") % {"name": name}) from None
        code = int(answer.get("errcode") or 0) if isinstance(answer, dict) else 0
        if code:
            raise WechatError(code, str(answer.get("errmsg", ""))[:200])
        return answer if isinstance(answer, dict) else {}

    def _judge(self, error: WechatError):
        message = _("WeChat refused (errcode %(code)s: %(msg)s).") % {"code": error.code, "msg": error.errmsg}
        return TransientError(message) if error.code in TRANSIENT_CODES else PermanentError(message)

    # --- access token ----------------------------------------------------------------------

    def _token_key(self) -> tuple[str, str]:
        return (self.cfg.get("base_url") or DEFAULT_BASE_URL, self.cfg["appid"])

    def access_token(self, *, rejected: str | None = None) -> str:
        key = self._token_key()
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and cached[0] != rejected and cached[1] > time.monotonic():
                return cached[0]
            _tokens.pop(key, None)
        body = {"grant_type": "client_credential", "appid": self.cfg["appid"], "secret": self.cfg["secret"]}
        try:
            answer = self._http("POST", "/cgi-bin/stable_token", {}, json.dumps(body).encode(), "application/json")
            if rejected and answer.get("access_token") == rejected:
                body["force_refresh"] = True
                answer = self._http("POST", "/cgi-bin/stable_token", {}, json.dumps(body).encode(), "application/json")
        except WechatError as e:
            raise self._judge(e) from None
        token = str(answer.get("access_token") or "")
        if not token:
            raise TransientError(_("WeChat gave no access token (%(name)s).") % {"name": self.channel.name})
        lifetime = max(60, int(answer.get("expires_in") or 7200) - TOKEN_MARGIN_SECONDS)
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + lifetime)
        return token

    def call(self, path: str, *, data: dict | None = None, files: tuple[str, bytes] | None = None, query: dict | None = None) -> dict:
        """One API call with the access token; refreshed once when WeChat says it expired."""
        if files is not None:
            filename, blob = files
            ctype, _ext = _image_type(blob)
            boundary = uuid.uuid4().hex
            body = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
                + blob
                + f"\r\n--{boundary}--\r\n".encode()
            )
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = json.dumps(data or {}, ensure_ascii=False).encode()
            content_type = "application/json; charset=utf-8"
        token = self.access_token()
        for attempt in (1, 2):
            try:
                return self._http("POST", path, {"access_token": token, **(query or {})}, body, content_type)
            except WechatError as e:
                if e.code in TOKEN_CODES and attempt == 1:
                    token = self.access_token(rejected=token)
                    continue
                raise
        raise AssertionError  # pragma: no cover

    # --- content ---------------------------------------------------------------------------

    def load_image(self, src: str) -> bytes | None:
        """Bytes of an image the story refers to: our own rendition files (media:file URLs, as the
        channel version writes them) or files under MEDIA_URL; nothing from elsewhere."""
        path = urlsplit(src).path
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if match is not None and match.view_name == "media:file":
            return media_bytes_at(match.kwargs["pk"], match.kwargs["path"])
        media_url = getattr(django_settings, "MEDIA_URL", "/media/") or "/media/"
        if src.startswith(media_url):
            return storage.read_stored(src[len(media_url) :])  # MEDIA_ROOT or the bucket
        return None

    def render(self, publication) -> dict:
        payload = story_payload(publication)
        payload["digest"] = digest_of({**payload, "digest": payload["content"].get("digest")})
        return payload

    def _article(self, payload: dict, content: str, thumb: str) -> dict:
        """draft/add's article from the channel version (title, author, digest, comment switches,
        read-the-original link); the channel's settings fill what the version leaves empty."""
        cv = payload.get("content") or {}
        article = {
            "title": (cv.get("title") or payload.get("headline", ""))[:64],
            "author": (cv.get("author") or self.cfg.get("author") or "、".join(payload.get("authors") or []))[:16],
            "digest": digest_of({**payload, "digest": cv.get("digest") or payload.get("digest")}),
            "content": content,
            "thumb_media_id": thumb,
            "need_open_comment": 1 if as_bool(cv.get("need_open_comment") or self.cfg.get("need_open_comment")) else 0,
            "only_fans_can_comment": 1 if as_bool(cv.get("only_fans_can_comment") or self.cfg.get("only_fans_can_comment")) else 0,
        }
        base = (self.cfg.get("source_url_base") or "").rstrip("/")
        link = cv.get("content_source_url") or payload.get("path") or ""
        if link.startswith(("http://", "https://")):
            article["content_source_url"] = link
        elif base and link:
            article["content_source_url"] = base + link
        return article

    def _cover(self, payload: dict, progress: Progress) -> str:
        thumb = progress.get("thumb_media_id")
        if thumb:
            return thumb
        cover = payload.get("cover") or {}
        cv = payload.get("content") or {}
        blob = None
        if cv.get("cover") and not cover:
            blob = media_bytes(cv["cover"])
        elif cover.get("path"):
            blob = Path(cover["path"]).read_bytes() if Path(cover["path"]).is_file() else None
        elif cover.get("src"):
            blob = self.load_image(cover["src"])
        if blob is None:
            thumb = self.cfg.get("default_thumb_media_id") or ""
            if not thumb:
                raise PermanentError(
                    _("A WeChat article needs a cover image: add one to the story or set a default cover for the channel.")
                )
            return thumb
        _ctype, ext = _image_type(blob)
        answer = self.call("/cgi-bin/material/add_material", files=(f"cover.{ext}", blob), query={"type": "image"})
        thumb = str(answer.get("media_id") or "")
        if not thumb:
            raise TransientError(_("WeChat gave no media_id for the cover."))
        progress.set("thumb_media_id", thumb)
        return thumb

    def _content(self, payload: dict, progress: Progress) -> str:
        uploaded: dict = progress.get("images") or {}
        html = (payload.get("content") or {}).get("content_html") or payload.get("body_html", "")

        def replace(match: re.Match) -> str:
            src = match.group(2)
            if urlsplit(src).hostname and urlsplit(src).hostname.endswith("qpic.cn"):
                return match.group(0)
            if src not in uploaded:
                blob = self.load_image(src)
                if blob is None:
                    return ""  # WeChat shows no image from elsewhere: leave it out
                _ctype, ext = _image_type(blob)
                answer = self.call("/cgi-bin/media/uploadimg", files=(f"image.{ext}", blob))
                uploaded[src] = str(answer.get("url") or "")
                progress.set("images", uploaded)
            return match.group(0).replace(src, uploaded[src])

        content = _IMG_RE.sub(replace, html)
        if len(content) >= CONTENT_MAX:
            raise PermanentError(_("The article is too long for WeChat (at most %(n)s characters of HTML).") % {"n": CONTENT_MAX})
        return content

    # --- send and retract --------------------------------------------------------------------

    def send(self, payload: dict, key: str) -> Receipt:
        progress = Progress(f"wechat:{self.cfg['appid']}", key)
        try:
            publish_id = progress.get("publish_id")
            if not publish_id:
                draft = progress.get("draft_media_id")
                if not draft:
                    thumb = self._cover(payload, progress)
                    content = self._content(payload, progress)
                    answer = self.call("/cgi-bin/draft/add", data={"articles": [self._article(payload, content, thumb)]})
                    draft = str(answer.get("media_id") or "")
                    if not draft:
                        raise TransientError(_("WeChat gave no media_id for the draft."))
                    progress.set("draft_media_id", draft)
                resubmit = bool(progress.get("submit_tried"))
                progress.set("submit_tried", True)
                try:
                    answer = self.call("/cgi-bin/freepublish/submit", data={"media_id": draft})
                except WechatError as e:
                    if resubmit and e.code == 40007:
                        # The draft is gone: an earlier submit whose answer was lost published it.
                        # Find that article in the account's publishing records instead of guessing.
                        found = self._find_published(payload, progress)
                        if found is not None:
                            return found
                        raise PermanentError(
                            _(
                                "WeChat no longer has the draft: an earlier attempt has probably published it. Check the account before trying again."
                            )
                        ) from None
                    raise
                publish_id = str(answer.get("publish_id") or "")
                if not publish_id:
                    raise TransientError(_("WeChat gave no publish_id."))
                progress.set("publish_id", publish_id)
            return self._poll(publish_id, progress)
        except WechatError as e:
            raise self._judge(e) from None

    def _find_published(self, payload: dict, progress: Progress) -> Receipt | None:
        """The article our lost submit made, from freepublish/batchget (the newest records, at
        most ``BATCHGET_PAGES`` pages of 20): the one with our cover's thumb_media_id and our title."""
        thumb = progress.get("thumb_media_id") or ""
        title = self._article(payload, "", thumb)["title"]
        for page in range(BATCHGET_PAGES):
            answer = self.call("/cgi-bin/freepublish/batchget", data={"offset": page * 20, "count": 20, "no_content": 1})
            items = answer.get("item") or []
            for item in items:
                news = ((item.get("content") or {}).get("news_item") or [{}])[0]
                if news.get("title") == title and (not thumb or news.get("thumb_media_id") == thumb):
                    article_id = str(item.get("article_id") or "")
                    url = str(news.get("url") or "")
                    progress.set("article_id", article_id)
                    return Receipt(external_id=article_id[:200], url=url[:500] if url.startswith("http") else "")
            if len(items) < 20:
                break
        return None

    def _status(self, publish_id: str) -> dict:
        return self.call("/cgi-bin/freepublish/get", data={"publish_id": publish_id})

    def _poll(self, publish_id: str, progress: Progress) -> Receipt:
        attempts = max(1, int(self.cfg.get("poll_attempts") or 3))
        interval = float(self.cfg.get("poll_interval", 2.0))
        for n in range(attempts):
            answer = self._status(publish_id)
            status = int(answer.get("publish_status", PUBLISHING))
            if status == PUBLISHED:
                article_id = str(answer.get("article_id") or "")
                items = (answer.get("article_detail") or {}).get("item") or []
                url = str(items[0].get("article_url") or "") if items else ""
                progress.set("article_id", article_id)
                return Receipt(external_id=article_id[:200], url=url[:500] if url.startswith("http") else "")
            if status != PUBLISHING:
                # 2 original-content check failed, 3 failed, 4 refused by review, 5/6 deleted or banned:
                # a retry by hand submits the same draft again.
                progress.set("publish_id", None)
                progress.set("submit_tried", False)
                raise PermanentError(_("WeChat did not publish the article (status %(status)s).") % {"status": status})
            if n + 1 < attempts and interval > 0:
                time.sleep(interval)
        return Receipt(external_id=f"publish:{publish_id}", url="")

    def retract(self, receipt: Receipt, key: str) -> None:
        article_id = receipt.external_id
        if not article_id:
            return
        try:
            if article_id.startswith("publish:"):
                answer = self._status(article_id.partition(":")[2])
                status = int(answer.get("publish_status", PUBLISHING))
                if status == PUBLISHING:
                    raise TransientError(_("WeChat is still publishing the article; retracting it later."))
                article_id = str(answer.get("article_id") or "")
                if status != PUBLISHED or not article_id:
                    return  # it never appeared (failed) or is already deleted
            self.call("/cgi-bin/freepublish/delete", data={"article_id": article_id, "index": 0})
        except WechatError as e:
            raise self._judge(e) from None
        Progress(f"wechat:{self.cfg['appid']}", key).clear()


def forget_tokens() -> None:
    """Drop cached access tokens (tests; after the AppSecret changes)."""
    with _tokens_lock:
        _tokens.clear()
