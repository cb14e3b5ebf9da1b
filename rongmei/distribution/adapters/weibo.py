"""Weibo (微博): a post with a link back to our page and one picture; retraction deletes it.

HAS ONLY MET THE LOCAL CONTRACT SERVER (tests/servers/weibo.py), NEVER WEIBO ITSELF. It follows
the public documents of the Weibo open platform (read 2026-11):
  statuses/share   https://open.weibo.com/wiki/2/statuses/share
                   POST https://api.weibo.com/2/statuses/share.json: access_token, status (at most
                   140 Chinese characters, no "#话题#", and at least one URL under the app's
                   registered safe domain, 安全域名), pic (optional, one JPEG/GIF/PNG under 5 MB,
                   multipart/form-data) → the new status {id, idstr, mid, user, …}
  statuses/destroy https://open.weibo.com/wiki/2/statuses/destroy  POST id → the deleted status
  user_timeline    https://open.weibo.com/wiki/2/statuses/user_timeline
                   GET https://api.weibo.com/2/statuses/user_timeline.json: count (default 20, at
                   most 100), page, trim_user → {statuses: [{created_at, id, idstr, mid, text, …}],
                   total_number, …}; without uid it lists the authorized user's own posts, newest
                   first; the token goes in the header "Authorization: OAuth2 <token>", the
                   documents' other way of passing it (授权机制说明), so it never sits in an address
  error codes      https://open.weibo.com/wiki/Error_code  and  https://open.weibo.com/wiki/OAuth2/access_token
                   (21327 expired_token, 21332 invalid access token, 10022/10023/10024 rate limits,
                   10001/10002/10009 busy, 20019 repeated content, 20101 target does not exist)
NOT CONFIRMED here: how Weibo counts the 140 characters (we count a Latin character as half, a
link at its full length, and cut at a sentence end to fit); the page address of a post (the
receipt's url is https://m.weibo.cn/status/<idstr>); refreshing the token: the documents give web
apps no refresh token (only mobile SDK apps get one), so an expired token normally needs a person
to authorize the account again; when a refresh_token (with app_key and app_secret) is configured we
try ``POST /oauth2/access_token grant_type=refresh_token`` once. About user_timeline: whether a
plain (not advanced) app sees all of the user's recent posts or only a few; that ``text`` comes
back as posted: Weibo is reported to turn links into t.cn short links in what it shows, so texts
are also compared with their links taken out; the created_at format ("Wed Nov 25 10:00:00 +0800
2026", as in the documents' examples).

The post: the channel version's text (formatters/weibo.py) with its "#话题#" topics taken out
(share.json refuses them), the relative link made absolute with ``site_url`` (which must be on the
safe domain), cut to 140 and ending in "全文：<link>"; the first gallery picture as ``pic``. The
status is worked out in ``render`` so the publication records exactly what was posted.
share.json has no idempotency key: the post is guarded by oauth_http.OnePost. After a lost answer
the next attempt looks the post up in user_timeline instead of posting again: the post whose text
is our status (exactly, or the same once links are taken out), created no earlier than our first
share call (kept in the progress, less a minute for clocks) and not already another
publication's receipt; the oldest such post is the receipt (at most TIMELINE_PAGES pages of
TIMELINE_COUNT). Not found: a TransientError and a second look at the next attempt; not there
either, the lost call made no post and share is called once more (OnePost). The timeline refused
for good: a PermanentError asks a person to check the account; the timeline failing for now is a
TransientError and the attempt after looks again. Weibo's own 20017/20019 "repeated content" on a post after an earlier attempt of ours
(a definite failure that had posted after all, a retry by hand) is looked up the same way; on a
first attempt (the text was posted by someone else) it asks a person, as before.
Receipt: external_id = idstr, url as above.
Errors: 10001, 10002, 10003, 10009, 10010, 10011 (busy), 10022, 10023, 10024, 20016 (rate/post
limits), HTTP 5xx/429, timeouts, drops → TransientError; token errors (21314–21319, 21327, 21332)
→ one refresh when a refresh token is configured, else PermanentError asking for a new
authorization; everything else (20012 text too long, 20021 illegal content, a link outside the
safe domain, …) → PermanentError. Retraction of a post Weibo no longer has (20101) succeeds.

Settings (stored encrypted through credentials.py, ``adapter: "weibo"``): access_token,
site_url (our public site on the safe domain, "https://news.example.cn"), base_url (default
https://api.weibo.com), and optionally refresh_token with app_key and app_secret; timeout (30 s),
not offered to operators.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re

from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import AdapterError, PermanentError, Receipt, TransientError, media_bytes, story_payload
from rongmei.distribution.adapters.oauth_http import (
    OAuthAdapter,
    OnePost,
    expires_at,
    form_body,
    held_by_another,
    http_failure,
    multipart_body,
)
from rongmei.distribution.adapters.progress import Progress
from rongmei.distribution.formatters._common import cut_at_sentence

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.weibo.com"
SHARE = "/2/statuses/share.json"
DESTROY = "/2/statuses/destroy.json"
TIMELINE = "/2/statuses/user_timeline.json"
REFRESH = "/oauth2/access_token"
POST_URL = "https://m.weibo.cn/status/{id}"

TIMEOUT_SECONDS = 30.0
STATUS_MAX = 140
PICTURE_MAX_BYTES = 5 * 1024 * 1024
TIMELINE_COUNT = 50
TIMELINE_PAGES = 3
TOKEN_CODES = {21314, 21315, 21316, 21317, 21319, 21327, 21332}
TRANSIENT_CODES = {10001, 10002, 10003, 10009, 10010, 10011, 10022, 10023, 10024, 20016}
REPEATED_CODES = {20017, 20019}
SLOW_SUCCESS = 20032  # "update success, while server slow now": posted, but no id
GONE = 20101
REQUIRED = ("access_token", "site_url")
_TOPIC_RE = re.compile(r"#[^#\s][^#\n]*?#")
_SPACES_RE = re.compile(r"[ \t\u3000]+")
_READ_MORE_RE = re.compile(r"\s*全文[:：]\s*$")
_LINK_RE = re.compile(r"https?://[^\s]+")


class WeiboError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(code)
        self.code, self.description = code, description


def platform() -> str:
    return _("Weibo")


def weibo_length(text: str) -> int:
    """Characters as we count them for Weibo: a Latin (ASCII) character is half."""
    return math.ceil(sum(0.5 if ord(ch) < 128 else 1 for ch in text))


def absolute_link(link: str, site_url: str) -> str:
    if link.startswith(("http://", "https://")):
        return link
    return site_url.rstrip("/") + "/" + link.lstrip("/")


def compose_status(text: str, link: str, *, limit: int = STATUS_MAX) -> str:
    """The post for share.json: ``text`` without "#话题#" and without the link, cut at a sentence
    end so that with " 全文：<link>" it fits in ``limit``."""
    body = _TOPIC_RE.sub("", text or "")
    path = "/" + link.split("/", 3)[3] if link.count("/") >= 3 else ""
    for piece in (link, path):  # the absolute link first: the path is part of it
        if len(piece) > 1:
            body = body.replace(piece, "")
    body = _READ_MORE_RE.sub("", _SPACES_RE.sub(" ", body).strip())
    tail = f" 全文：{link}"
    room = limit - weibo_length(tail)
    if room < 10:
        raise PermanentError(_("The link back to our site is too long for a Weibo post."))
    n = room
    cut = body
    while weibo_length(cut) > room and n > 0:
        cut = cut_at_sentence(body, n)
        n -= 1
    return (cut + tail).strip()


def _without_links(text: str) -> str:
    return _SPACES_RE.sub(" ", _LINK_RE.sub("", text or "")).strip()


def _created_at(value) -> float | None:
    """Weibo's created_at ("Wed Nov 25 10:00:00 +0800 2026") as epoch seconds, None if unreadable."""
    try:
        return dt.datetime.strptime(str(value), "%a %b %d %H:%M:%S %z %Y").timestamp()
    except (TypeError, ValueError):
        return None


class WeiboAdapter(OAuthAdapter):
    name = "weibo"
    required = REQUIRED

    def platform_name(self) -> str:
        return platform()

    # --- HTTP ----------------------------------------------------------------------------

    def _post(self, path: str, body, *, method: str = "POST", query: dict | None = None, headers: dict | None = None) -> dict:
        url = (self.cfg.get("base_url") or DEFAULT_BASE_URL).rstrip("/") + path
        answer, doc = self.fetch(url, timeout=TIMEOUT_SECONDS, method=method, query=query, body=body, headers=headers)
        try:
            code = int(doc.get("error_code") or 0)
        except (TypeError, ValueError):
            code = 0
        if code:
            raise WeiboError(code, str(doc.get("error") or "")[:200])
        if answer.status != 200:
            raise http_failure(answer, platform(), self.channel.name)
        return doc

    def _judge(self, error: WeiboError) -> AdapterError:
        words = {"platform": platform(), "code": error.code, "msg": error.description}
        if error.code in REPEATED_CODES:
            return PermanentError(
                _(
                    "%(platform)s refused the post as a repeat of an earlier one (error %(code)s), so it may already be on the account. Check the account before trying again."
                )
                % words
            )
        if error.code == SLOW_SUCCESS:
            return self.no_id()
        message = _("%(platform)s refused (error %(code)s: %(msg)s).") % words
        return TransientError(message) if error.code in TRANSIENT_CODES else PermanentError(message)

    def api(
        self,
        path: str,
        fields: dict,
        files=None,
        *,
        method: str = "POST",
        done_codes: frozenset | set = frozenset(),
        raw_codes: frozenset | set = frozenset(),
    ) -> dict:
        """A call with the access token (in the form, or for a GET in the Authorization header;
        never in the address); refreshed once when a refresh token is configured and Weibo says
        the token expired. ``done_codes``: errors that mean the work is already done (a post
        deleted before); ``raw_codes``: errors raised as WeiboError for the caller to judge."""
        token = self.tokens.access_token()
        for attempt in (1, 2):
            try:
                if method == "GET":
                    return self._post(path, None, method="GET", query=fields, headers={"Authorization": f"OAuth2 {token}"})
                form = {"access_token": token, **fields}
                return self._post(path, multipart_body(form, files) if files else form_body(form))
            except WeiboError as e:
                if e.code in done_codes:
                    return {}
                if e.code in raw_codes:
                    raise
                if e.code in TOKEN_CODES and attempt == 1 and self.cfg.get("refresh_token"):
                    token = self.tokens.refresh(rejected=token)
                    continue
                if e.code in TOKEN_CODES:
                    raise self.tokens.authorize_again() from None
                raise self._judge(e) from None
        raise AssertionError  # pragma: no cover

    def _refresh(self, refresh_token: str) -> dict:
        if not (self.cfg.get("app_key") and self.cfg.get("app_secret")):
            raise self.tokens.authorize_again()
        form = {
            "client_id": self.cfg["app_key"],
            "client_secret": self.cfg["app_secret"],
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        try:
            doc = self._post(REFRESH, form_body(form))
        except WeiboError:
            raise self.tokens.authorize_again() from None
        return {
            "access_token": doc.get("access_token"),
            "access_expires_at": expires_at(doc.get("expires_in")),
            "refresh_token": doc.get("refresh_token"),
        }

    # --- send and retract --------------------------------------------------------------------

    def render(self, publication) -> dict:
        payload = story_payload(publication)
        content = payload.get("content") or {}
        link = absolute_link(content.get("link") or payload.get("path") or "/", self.cfg["site_url"])
        payload["status"] = compose_status(content.get("text") or payload.get("headline", ""), link)
        payload["link"] = link
        return payload

    def _progress(self, key: str) -> Progress:
        return Progress(f"weibo:{self.cfg.get('site_url', '')}:{self.channel.pk}", key)

    def _picture(self, payload: dict) -> tuple[str, str, str, bytes] | None:
        pictures = (payload.get("content") or {}).get("pictures") or []
        if not pictures:
            return None
        data = media_bytes(pictures[0])
        if data is None:
            raise PermanentError(_("A media file of the story is missing or not finished; make its renditions again."))
        if len(data) >= PICTURE_MAX_BYTES:
            raise PermanentError(_("The picture is larger than %(platform)s accepts.") % {"platform": platform()})
        for magic, ctype, ext in ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG", "image/png", "png"), (b"GIF8", "image/gif", "gif")):
            if data.startswith(magic):
                return ("pic", f"picture.{ext}", ctype, data)
        raise PermanentError(_("The picture of this post is not a JPEG, PNG or GIF image."))

    def _find_posted(self, status: str, since: float, key: str) -> Receipt | None:
        """The post a share whose answer was lost made (or that Weibo calls a repeat): from the
        user's timeline, the oldest post with our status (exactly, or once links are taken out),
        created at ``since`` or later, not another publication's receipt."""
        wanted = status.strip()
        bare = _without_links(status)
        found: list[tuple[float, str]] = []
        for page in range(1, TIMELINE_PAGES + 1):
            doc = self.api(TIMELINE, {"count": TIMELINE_COUNT, "page": page, "trim_user": 1}, method="GET")
            posts = [p for p in (doc.get("statuses") or []) if isinstance(p, dict)]
            times = []
            for post in posts:
                created = _created_at(post.get("created_at"))
                times.append(created if created is not None else float("inf"))
                post_id = str(post.get("idstr") or post.get("id") or "")
                text = str(post.get("text") or "").strip()
                if not post_id or (created is not None and created < since):
                    continue
                if (text == wanted or (bare and _without_links(text) == bare)) and not held_by_another(self.channel, post_id, key):
                    found.append((created or 0.0, post_id))
            if len(posts) < TIMELINE_COUNT or max(times) < since:
                break
        if not found:
            return None
        if len(found) > 1:
            log.warning("Weibo: %s posts of channel %s match a lost post; the oldest is taken", len(found), self.channel.pk)
        post_id = min(found)[1][:200]
        return Receipt(external_id=post_id, url=POST_URL.format(id=post_id))

    def send(self, payload: dict, key: str) -> Receipt:
        progress = self._progress(key)
        done = progress.get("id")
        if done:
            return Receipt(external_id=done, url=POST_URL.format(id=done))
        status = payload.get("status") or compose_status(
            (payload.get("content") or {}).get("text") or payload.get("headline", ""),
            absolute_link(payload.get("path") or "/", self.cfg["site_url"]),
        )
        picture = self._picture(payload)
        guard = OnePost(progress, platform())
        found = guard.recover(lambda since: self._find_posted(status, since, key))
        if found is not None:
            progress.set("id", found.external_id)
            return found
        since = guard.since  # None on the first attempt to post
        try:
            with guard:
                doc = self.api(SHARE, {"status": status}, [picture] if picture else None, raw_codes=REPEATED_CODES)
        except WeiboError as e:
            # A repeat of a post still up. After an earlier attempt of ours it may be ours.
            found = self._find_posted(status, since, key) if since is not None else None
            if found is None:
                raise self._judge(e) from None
            progress.set("id", found.external_id)
            return found
        post_id = str(doc.get("idstr") or doc.get("id") or "")
        if not post_id:
            raise self.no_id()
        progress.set("id", post_id)
        return Receipt(external_id=post_id[:200], url=POST_URL.format(id=post_id))

    def retract(self, receipt: Receipt, key: str) -> None:
        post_id = receipt.external_id
        if not post_id:
            return
        self.api(DESTROY, {"id": post_id}, done_codes={GONE})
        self._progress(key).clear()
