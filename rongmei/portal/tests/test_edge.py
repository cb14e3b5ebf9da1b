"""The embedded read path (rongmei.portal.edge): published pages from files, the public API's
shared answers micro-cached. Driven through the ASGI interface, as uvicorn drives it."""

import asyncio
import gzip
import os

import pytest

from rongmei.core.middleware import page_security_headers
from rongmei.portal.edge import Edge


class Inner:
    """Stands in for Django: counts the requests that reach it."""

    def __init__(self, *, headers=(), status=200, delay=0.0, body=b'{"items": []}'):
        self.calls = []
        self.headers = list(headers)
        self.status = status
        self.delay = delay
        self.body = body

    async def __call__(self, scope, receive, send):
        self.calls.append(scope["path"])
        if self.delay:
            await asyncio.sleep(self.delay)
        headers = [(b"content-type", b"application/json"), (b"etag", b'"v1"'), *self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body + f" #{len(self.calls)}".encode()})


async def call(app, path, *, method="GET", query=b"", headers=()):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }
    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def pages(settings, tmp_path):
    root = tmp_path / "pages"
    settings.RONGMEI = {**settings.RONGMEI, "PAGES_ROOT": root, "MICROCACHE_SECONDS": 3}

    def write(rel, html):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html)
        (path.parent / (path.name + ".gz")).write_bytes(gzip.compress(html.encode()))
        return path

    return write


def test_a_published_page_comes_from_its_file_with_validators(pages):
    pages("news/7/index.html", "<h1>泌阳新闻</h1>")
    inner = Inner()
    edge = Edge(inner)
    status, headers, body = run(call(edge, "/news/7/"))
    assert status == 200 and body.decode() == "<h1>泌阳新闻</h1>"
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["etag"] and headers["last-modified"] and headers["x-frame-options"] == "DENY"
    assert inner.calls == []  # Django never saw it

    status, _, body = run(call(edge, "/news/7/", headers=[("if-none-match", headers["etag"])]))
    assert status == 304 and body == b""
    status, _, _ = run(call(edge, "/news/7/", headers=[("if-modified-since", headers["last-modified"])]))
    assert status == 304
    status, zipped, body = run(call(edge, "/news/7/", headers=[("accept-encoding", "gzip, br")]))
    assert zipped["content-encoding"] == "gzip" and gzip.decompress(body).decode() == "<h1>泌阳新闻</h1>"
    status, head, body = run(call(edge, "/news/7/", method="HEAD"))
    assert status == 200 and body == b"" and int(head["content-length"]) == len("<h1>泌阳新闻</h1>".encode())


def test_a_published_page_carries_the_same_security_headers_as_djangos_pages(pages, client, db, settings):
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "HLS_BASE_URL": "http://live.biyang.example:8088/hls/"}
    pages("index.html", "<h1>云上泌阳</h1>")
    _, from_file, _ = run(call(Edge(Inner()), "/"))
    from_django = client.get("/?page=2")  # a later page of the list: Django answers
    for name, value in page_security_headers():
        assert from_file[name.lower()] == value == from_django[name], name
    assert "http://live.biyang.example:8088" in from_file["content-security-policy"]


def test_an_article_ignores_its_query_but_a_later_list_page_goes_to_django(pages):
    pages("news/7/index.html", "article")
    pages("index.html", "home")
    inner = Inner()
    edge = Edge(inner)
    assert run(call(edge, "/news/7/", query=b"from=singlemessage&isappinstalled=0"))[2] == b"article"
    assert run(call(edge, "/", query=b"page=1"))[2] == b"home"
    run(call(edge, "/", query=b"page=2"))
    assert inner.calls == ["/"]


def test_a_missing_page_or_another_language_goes_to_django(pages):
    pages("news/7/index.html", "article")
    inner = Inner()
    edge = Edge(inner)
    run(call(edge, "/news/8/"))
    run(call(edge, "/news/7/", headers=[("cookie", "sessionid=x; django_language=en")]))
    assert run(call(edge, "/news/7/", headers=[("cookie", "django_language=zh-hans")]))[2] == b"article"
    assert inner.calls == ["/news/8/", "/news/7/"]


def test_a_rewritten_or_removed_page_is_seen_by_the_next_request(pages):
    path = pages("news/7/index.html", "first")
    edge = Edge(Inner())
    assert run(call(edge, "/news/7/"))[2] == b"first"
    pages("news/7/index.html", "second, corrected")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert run(call(edge, "/news/7/"))[2] == b"second, corrected"
    path.unlink()
    assert run(call(edge, "/news/7/"))[2].startswith(b'{"items"')  # Django answers (and 404s it)


def test_many_readers_asking_at_once_cost_one_request_to_django(pages):
    inner = Inner(delay=0.05)
    edge = Edge(inner)

    async def surge():
        return await asyncio.gather(*(call(edge, "/api/v1/public/feed") for _ in range(50)))

    answers = run(surge())
    assert len(inner.calls) == 1
    assert {a[2] for a in answers} == {b'{"items": []} #1'}
    status, _, body = run(call(edge, "/api/v1/public/feed", headers=[("if-none-match", '"v1"')]))
    assert status == 304 and body == b"" and len(inner.calls) == 1


def test_the_micro_cache_keeps_only_shared_answers(pages):
    inner = Inner(headers=[(b"set-cookie", b"sessionid=abc")])
    edge = Edge(inner)
    run(call(edge, "/api/v1/public/feed"))
    run(call(edge, "/api/v1/public/feed"))
    assert len(inner.calls) == 2  # an answer that sets a cookie is somebody's own

    inner = Inner(headers=[(b"vary", b"Accept-Language, Cookie")])
    edge = Edge(inner)
    run(call(edge, "/api/v1/public/feed"))
    run(call(edge, "/api/v1/public/feed"))
    assert len(inner.calls) == 2

    inner = Inner()
    edge = Edge(inner)
    run(call(edge, "/api/v1/public/feed", headers=[("authorization", "Bearer rm_x")]))
    run(call(edge, "/api/v1/public/me"))  # not a shared answer
    run(call(edge, "/api/v1/public/me"))
    assert inner.calls == ["/api/v1/public/feed", "/api/v1/public/me", "/api/v1/public/me"]

    inner = Inner(status=404)
    edge = Edge(inner)
    run(call(edge, "/api/v1/public/articles/5"))
    run(call(edge, "/api/v1/public/articles/5"))
    assert len(inner.calls) == 2  # errors are not kept


def test_answers_differ_by_query_and_language(pages, settings):
    inner = Inner()
    edge = Edge(inner)
    run(call(edge, "/api/v1/public/feed", query=b"column=xinwen"))
    run(call(edge, "/api/v1/public/feed", query=b"column=xinwen"))
    run(call(edge, "/api/v1/public/feed", query=b"column=meili"))
    run(call(edge, "/api/v1/public/feed", query=b"column=meili", headers=[("accept-language", "en-US,en")]))
    assert len(inner.calls) == 3

    settings.RONGMEI = {**settings.RONGMEI, "MICROCACHE_SECONDS": 0}
    edge = Edge(inner := Inner())
    run(call(edge, "/api/v1/public/columns"))
    run(call(edge, "/api/v1/public/columns"))
    assert len(inner.calls) == 2


def test_ad_pictures_are_micro_cached_per_webp_or_not(pages):
    """A splash or banner picture asked by every new reader costs Django one request per few
    seconds, for WebP browsers and for the rest (the answer differs by Accept)."""
    inner = Inner(headers=[(b"vary", b"Accept")])
    edge = Edge(inner)
    webp = [("accept", "image/avif,image/webp,*/*")]
    for _ in range(5):
        run(call(edge, "/ops/i/7/", query=b"v=3", headers=webp))
        run(call(edge, "/ops/i/7/", query=b"v=3", headers=[("accept", "image/png,*/*")]))
    run(call(edge, "/ops/i/8/", query=b"v=1", headers=webp))
    run(call(edge, "/ops/c/7/"))  # a click is counted every time: never cached
    run(call(edge, "/ops/c/7/"))
    assert inner.calls == ["/ops/i/7/", "/ops/i/7/", "/ops/i/8/", "/ops/c/7/", "/ops/c/7/"]


def test_an_expired_answer_is_given_while_one_request_refreshes_it(pages, monkeypatch):
    import rongmei.portal.edge as edge_module

    clock = [1000.0]
    monkeypatch.setattr(edge_module, "_now", lambda: clock[0])
    inner = Inner()
    edge = Edge(inner)

    async def scenario():
        assert (await call(edge, "/api/v1/public/columns"))[2].endswith(b"#1")
        clock[0] += 2.9
        assert (await call(edge, "/api/v1/public/columns"))[2].endswith(b"#1")  # fresh
        clock[0] += 0.2
        # Expired: the reader still gets #1 at once; one background request fetches #2.
        answers = await asyncio.gather(*(call(edge, "/api/v1/public/columns") for _ in range(20)))
        assert {a[2] for a in answers} == {b'{"items": []} #1'}
        await asyncio.sleep(0.05)
        assert len(inner.calls) == 2
        assert (await call(edge, "/api/v1/public/columns"))[2].endswith(b"#2")

        # The article was retracted: the refresh gets a 404 and the old answer is dropped.
        inner.status = 404
        clock[0] += 3.1
        assert (await call(edge, "/api/v1/public/columns"))[0] == 200  # the last shared answer, once
        await asyncio.sleep(0.05)
        assert (await call(edge, "/api/v1/public/columns"))[0] == 404
        assert (await call(edge, "/api/v1/public/columns"))[0] == 404

        # Long expired: not given any more; the reader waits for Django.
        inner.status = 200
        await call(edge, "/api/v1/public/feed")
        clock[0] += 60
        calls = len(inner.calls)
        assert (await call(edge, "/api/v1/public/feed"))[2].endswith(f"#{calls + 1}".encode())

    run(scenario())


def test_websockets_and_writes_pass_through(pages):
    pages("news/7/index.html", "article")
    inner = Inner()
    edge = Edge(inner)
    run(call(edge, "/news/7/", method="POST"))
    assert inner.calls == ["/news/7/"]
