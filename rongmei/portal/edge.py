"""The embedded setup's read path: an ASGI layer in front of Django that does what nginx does in the
scaled setup (deploy/nginx.conf), so that a surge of readers never reaches a Django view.

- Published pages (portal.static_pages): GET/HEAD of ``/``, ``/column/<slug>/`` and
  ``/news/<id>/`` are answered from the files, kept in memory and checked against the file on
  every request (one stat): a page rewritten or removed is seen by the next request. ETag,
  Last-Modified, 304, gzip when the reader accepts it. A missing page falls through to Django,
  whose view answers (and 404s a story that is not live).
- Micro-cache: anonymous GETs of the public API's shared answers (feed, columns, an article…) and
  of ad pictures (/ops/i/<creative>/, keyed also on whether the reader takes WebP) are
  reused for a few seconds (settings.RONGMEI["MICROCACHE_SECONDS"]); when many readers ask at
  once for an answer not in the cache, Django is asked once and all of them get that answer.
  Only 200 answers that set no cookie and do not vary by cookie are kept. An answer that has just
  expired is still given for up to STALE_SECONDS while one background request refreshes it, so
  no reader waits on Django once an answer exists; a refresh that is no longer shareable (an
  article retracted answers 404) drops it.

Pages are published in the site's language (zh-hans). A reader who picked another language
(the django_language cookie) is sent to Django, which renders the page in theirs.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import time
from collections import OrderedDict
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl

from django.conf import settings

from rongmei.core.middleware import page_security_headers

logger = logging.getLogger(__name__)


def _now() -> float:
    return time.monotonic()


PAGE_PATH = re.compile(r"^/(?:news/(?P<news>\d{1,12})/|column/(?P<column>[-\w]{1,64})/)?$")
# Public API answers that are the same for every anonymous caller.
MICROCACHED = re.compile(
    r"^/api/v1/public/(?:feed|columns|home|videos|topics(?:/[-\w]{1,64})?|articles/\d{1,12}"
    r"|services(?:/\d{1,12})?|service-categories|council-members(?:/\d{1,12})?|proposals(?:/\d{1,12})?|ads)$"
)
# Ad pictures (rongmei.advertising.views_public.image): the same for every reader but for WebP or
# not, so their key also says whether the reader takes WebP (nginx keys them the same way).
AD_PICTURE = re.compile(r"^/ops/i/\d{1,12}/$")
MAX_PAGES_IN_MEMORY = 4000
MAX_CACHED_ANSWERS = 2000
STALE_SECONDS = 30  # an expired answer is still given (while one request refreshes it) this long
PAGE_MAX_AGE = 60  # seconds a browser may reuse a page before asking again (then usually a 304)


def security_headers() -> list[tuple[bytes, bytes]]:
    """The headers Django's own pages carry (CSP, Permissions-Policy, nosniff, DENY, Referrer-Policy,
    Cross-Origin-Opener-Policy), from the one list in rongmei.core.middleware. Micro-cached API
    answers need none: they are Django's answers, replayed with Django's headers."""
    return [(name.lower().encode(), value.encode()) for name, value in page_security_headers()]


def _headers(scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", ())}


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    raw = headers.get(b"cookie")
    if not raw:
        return None
    for part in raw.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _other_language(headers: dict[bytes, bytes]) -> bool:
    chosen = _cookie(headers, settings.LANGUAGE_COOKIE_NAME)
    return bool(chosen) and chosen.lower() != settings.LANGUAGE_CODE.lower()


def _language(headers: dict[bytes, bytes]) -> str:
    """Roughly what LocaleMiddleware will pick: the cookie, else the first Accept-Language tag."""
    chosen = _cookie(headers, settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        return chosen.lower()
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    return accept.split(",", 1)[0].split(";", 1)[0].strip().lower()[:2]


class _Page:
    __slots__ = ("key", "body", "gz", "etag", "last_modified", "mtime")

    def __init__(self, key, body: bytes, gz: bytes | None, mtime: float) -> None:
        self.key = key
        self.body = body
        self.gz = gz
        self.etag = b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'
        self.mtime = int(mtime)
        self.last_modified = formatdate(self.mtime, usegmt=True).encode()


def _not_modified(headers: dict[bytes, bytes], etag: bytes, mtime: int | None) -> bool:
    match = headers.get(b"if-none-match")
    if match is not None:
        tags = [t.strip().removeprefix(b"W/") for t in match.split(b",")]
        return etag in tags or b"*" in tags
    since = headers.get(b"if-modified-since")
    if since and mtime is not None:
        try:
            return int(parsedate_to_datetime(since.decode("latin-1")).timestamp()) >= mtime
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
    return False


async def _send(send, status: int, headers: list, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Edge:
    """Wraps the ASGI application (rongmei.asgi)."""

    def __init__(self, app) -> None:
        self.app = app
        self._pages: OrderedDict[str, _Page] = OrderedDict()
        self._answers: OrderedDict[tuple, tuple] = OrderedDict()
        self._inflight: dict[tuple, asyncio.Future] = {}
        self._background: set[asyncio.Task] = set()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path = scope["path"]
            match = PAGE_PATH.match(path)
            if match:
                headers = _headers(scope)
                file = self._page_file(match, scope, headers)
                page = self._load(file) if file else None
                if page is not None:
                    await self._serve_page(page, scope, headers, send)
                    return
            elif (
                scope["method"] == "GET"
                and (MICROCACHED.match(path) or AD_PICTURE.match(path))
                and settings.RONGMEI["MICROCACHE_SECONDS"] > 0
            ):
                headers = _headers(scope)
                if b"authorization" not in headers:
                    await self._microcached(scope, receive, send, headers)
                    return
        await self.app(scope, receive, send)

    # --- published pages ----------------------------------------------------------------------

    def _page_file(self, match: re.Match, scope, headers) -> str | None:
        if _other_language(headers):
            return None
        root = str(settings.RONGMEI["PAGES_ROOT"])
        if match["news"]:  # an article ignores its query (WeChat adds ?from=…&isappinstalled=…)
            return os.path.join(root, "news", str(int(match["news"])), "index.html")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if query.get("page", "1") != "1":
            return None  # later pages of a list are not published
        if match["column"]:
            return os.path.join(root, "column", match["column"], "index.html")
        return os.path.join(root, "index.html")

    def _load(self, file: str) -> _Page | None:
        try:
            st = os.stat(file)
        except OSError:
            self._pages.pop(file, None)
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        page = self._pages.get(file)
        if page is not None and page.key == key:
            self._pages.move_to_end(file)
            return page
        try:
            body = Path(file).read_bytes()
        except OSError:
            return None
        try:
            gz = Path(file + ".gz").read_bytes()
        except OSError:
            gz = None
        page = _Page(key, body, gz, st.st_mtime)
        self._pages[file] = page
        if len(self._pages) > MAX_PAGES_IN_MEMORY:
            self._pages.popitem(last=False)
        return page

    async def _serve_page(self, page: _Page, scope, headers, send) -> None:
        common = [
            (b"etag", page.etag),
            (b"last-modified", page.last_modified),
            (b"cache-control", f"public, max-age={PAGE_MAX_AGE}".encode()),
            (b"vary", b"Accept-Encoding, Cookie"),
            *security_headers(),
        ]
        if _not_modified(headers, page.etag, page.mtime):
            await _send(send, 304, common, b"")
            return
        body, encoding = page.body, []
        if page.gz is not None and b"gzip" in headers.get(b"accept-encoding", b""):
            body, encoding = page.gz, [(b"content-encoding", b"gzip")]
        response_headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *encoding,
            *common,
        ]
        await _send(send, 200, response_headers, b"" if scope["method"] == "HEAD" else body)

    # --- micro-cache ----------------------------------------------------------------------------

    async def _microcached(self, scope, receive, send, headers) -> None:
        webp = b"image/webp" in headers.get(b"accept", b"") if AD_PICTURE.match(scope["path"]) else None
        key = (scope["path"], scope.get("query_string", b""), _language(headers), webp)
        now = _now()
        answer = self._answers.get(key)
        if answer is not None and now <= answer[0]:
            await self._replay(answer, headers, send)
            return
        if answer is not None and now - answer[0] < STALE_SECONDS:
            # Expired a moment ago: this caller gets it at once while one request refreshes it
            # (nginx's proxy_cache_use_stale updating); no reader waits on Django.
            if key not in self._inflight:
                self._refresh_in_background(key, scope)
            await self._replay(answer, headers, send)
            return
        waiting = self._inflight.get(key)
        if waiting is not None:  # another caller is asking Django for this answer: wait for it
            try:
                answer = await asyncio.shield(waiting)
            except Exception:
                answer = None
            if answer is None:  # it failed or was not shareable: ask for our own
                await self.app(scope, receive, send)
            else:
                await self._replay(answer, headers, send)
            return
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await self._ask(scope, receive, send)  # this caller gets Django's answer as it comes
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters ask for their own, nobody logs it twice
            raise
        else:
            future.set_result(answer)
            self._store(key, answer)
        finally:
            self._inflight.pop(key, None)

    def _store(self, key, answer) -> None:
        if answer is None:
            # Not shareable any more (an article retracted answers 404): forget the old answer.
            self._answers.pop(key, None)
            return
        self._answers[key] = answer
        self._answers.move_to_end(key)
        if len(self._answers) > MAX_CACHED_ANSWERS:
            self._answers.popitem(last=False)

    async def _replay(self, answer, headers, send) -> None:
        _, status, response_headers, body, etag = answer
        if etag and _not_modified(headers, etag, None):
            await _send(send, 304, [h for h in response_headers if h[0] in (b"etag", b"cache-control", b"vary")], b"")
            return
        await _send(send, status, response_headers, body)

    def _refresh_in_background(self, key, scope) -> None:
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        task = asyncio.ensure_future(self._refresh(key, dict(scope), future))
        self._background.add(task)  # keep a reference until it is done
        task.add_done_callback(self._background.discard)

    async def _refresh(self, key, scope, future) -> None:
        asked = False

        async def receive():
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # nobody hangs up on a background request

        async def discard(message) -> None:
            return None

        answer = None
        try:
            answer = await self._ask(scope, receive, discard)
        except Exception:
            logger.exception("refreshing %s failed; the answer is asked for again by the next reader", scope["path"])
            self._answers.pop(key, None)
        else:
            self._store(key, answer)
        finally:
            future.set_result(answer)
            self._inflight.pop(key, None)

    async def _ask(self, scope, receive, send):
        """Ask Django, pass its answer on to this caller, and return it if it can be reused."""
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        headers = [(k.lower(), v) for k, v in start.get("headers", ())]
        names = {k for k, _ in headers}
        vary = b",".join(v for k, v in headers if k == b"vary").lower()
        if start.get("status") != 200 or b"set-cookie" in names or b"cookie" in vary:
            return None
        etag = next((v for k, v in headers if k == b"etag"), None)
        expires = _now() + settings.RONGMEI["MICROCACHE_SECONDS"]
        return (expires, 200, headers, b"".join(chunks), etag)
