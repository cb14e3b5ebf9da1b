"""deploy/nginx.conf, run by the real nginx in front of the app: published pages come from the
files, everything else (and a page not published) from the app."""

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from rongmei.core.middleware import page_security_headers
from rongmei.distribution import services as distribution
from rongmei.live.ingest import set_web_upstream
from rongmei.testing import factories

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (scripts/setup_system.sh installs it)")

CONF = Path(django_settings.BASE_DIR) / "deploy" / "nginx.conf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_conf(prefix: Path, listen: int, web: str) -> str:
    """The shipped file with the machine's paths and ports put in, nothing else changed."""
    text = CONF.read_text()
    text = text.replace("/srv/rongmei", str(prefix))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    text = text.replace("listen 1935;", f"listen 127.0.0.1:{_free_port()};")  # the live rooms' RTMP ingest
    text = set_web_upstream(text, [web])
    return text


@pytest.fixture
def website(transactional_db):
    """A transaction=True test flushes the tables, the channels of the data migration with them."""
    from rongmei.distribution.models import Channel

    return Channel.objects.get_or_create(code=Channel.Code.WEBSITE, defaults={"name": "网站"})[0]


@pytest.fixture
def nginx(live_server, settings, website):
    # nginx's workers run as an unprivileged user: the pages must be readable to them, and
    # pytest's own temporary folders are private to root.
    prefix = Path(tempfile.mkdtemp(prefix="rongmei-nginx-"))
    prefix.chmod(0o755)
    for folder in ("var/pages", "var/static/css", "var/run", "var/log", "var/nginx"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    settings.RONGMEI = {**settings.RONGMEI, "PAGES_ROOT": prefix / "var" / "pages"}
    port = _free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_conf(prefix, port, live_server.url.removeprefix("http://")))
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()}") from None
            time.sleep(0.05)
    yield type("Nginx", (), {"url": f"http://127.0.0.1:{port}", "prefix": prefix})
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(prefix, ignore_errors=True)


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_published_pages_from_files_and_the_rest_from_the_app(nginx, reporter, team, reviewers, chief):
    story = factories.published_story(reporter, team, reviewers, headline="泌阳县举办第十五届中国牛业发展大会")
    url = f"{nginx.url}/news/{story.pk}/"

    status, headers, body = get(url)
    assert status == 200 and "泌阳县举办第十五届中国牛业发展大会" in body.decode()
    assert "Content-Language" not in headers  # from the file: Django's LocaleMiddleware never ran
    assert headers["ETag"] and headers["Last-Modified"] and headers["X-Frame-Options"] == "DENY"
    for name, value in page_security_headers(hls_base_url="/hls/", websocket_url=""):
        assert headers.get_all(name) == [value], name  # once: the server's own are not added too
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    status, zipped, _ = get(url, {"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert get(f"{url}?from=singlemessage&isappinstalled=0")[0] == 200  # a WeChat share link

    # A reader who chose English gets the page from the app, in English.
    status, headers, _ = get(url, {"Cookie": "django_language=en"})
    assert status == 200 and headers["Content-Language"] == "en"

    # The page files themselves are not a public folder.
    assert get(f"{nginx.url}/news/{story.pk}/index.html")[0] == 404

    # The home page comes from its file; its second page from the app.
    status, headers, body = get(nginx.url + "/")
    assert status == 200 and "Content-Language" not in headers and "泌阳县举办第十五届中国牛业发展大会" in body.decode()
    assert "Content-Language" in get(nginx.url + "/?page=2")[1]

    # Retracted: the file is gone, the app answers 404.
    distribution.retract(actor=chief, story=story, reason="重复发布")
    assert get(url)[0] == 404


@pytest.mark.django_db(transaction=True)
def test_nginx_micro_caches_the_shared_public_api_and_serves_static_files(nginx, reporter, team, reviewers):
    factories.published_story(reporter, team, reviewers, headline="云上泌阳客户端改版上线")
    first = get(nginx.url + "/api/v1/public/feed")
    second = get(nginx.url + "/api/v1/public/feed")
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert first[1]["X-Cache"] == "MISS" and second[1]["X-Cache"] == "HIT"
    assert get(nginx.url + "/api/v1/public/feed", {"Authorization": "Bearer rm_x"})[1]["X-Cache"] == "BYPASS"

    (nginx.prefix / "var" / "static" / "css" / "site.0123abcd.css").write_text("body{color:#333}")
    status, headers, body = get(nginx.url + "/static/css/site.0123abcd.css")
    assert status == 200 and body == b"body{color:#333}" and "immutable" in headers["Cache-Control"]
    for name, value in page_security_headers(hls_base_url="/hls/", websocket_url=""):
        assert headers.get_all(name) == [value], name
