"""Content-Security-Policy and Permissions-Policy on every answer, and templates that need no
inline script for it."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from rongmei.core.middleware import content_security_policy, page_security_headers

TEMPLATES = Path(settings.BASE_DIR) / "rongmei"
NGINX_CONF = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/newsroom/", "/api/v1/public/columns"])
def test_every_answer_carries_the_policies(client, db, url):
    response = client.get(url)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"] and "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=(self)" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"


def test_the_live_rooms_hls_and_socket_hosts_are_allowed_and_nothing_else(client, db, settings):
    settings.RONGMEI_LIVE = {**settings.RONGMEI_LIVE, "HLS_BASE_URL": "http://live.biyang.example:8088/hls/"}
    settings.RONGMEI = {**settings.RONGMEI, "WEBSOCKET_URL": "wss://ws.biyang.example/"}
    policy = directives(client.get("/")["Content-Security-Policy"])
    assert policy["media-src"] == ["'self'", "blob:", "http://live.biyang.example:8088"]
    assert policy["connect-src"] == ["'self'", "http://live.biyang.example:8088", "wss://ws.biyang.example"]
    assert directives(content_security_policy("/hls/", ""))["media-src"] == ["'self'", "blob:"]


def test_no_template_has_an_inline_script_or_handler():
    """script-src 'self' blocks them: behaviour lives in our static files (app.js data-* hooks)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:json|ld\+json)\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+=\"", re.I)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if inline_script.search(text) or handler.search(text) or "javascript:" in text:
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def nginx_locations(text: str) -> dict[str, dict]:
    """Each location of deploy/nginx.conf's http server, by its line ("location = /"): its
    add_header lines in order, and whether it serves files (a page's index.html, or an alias)."""
    text = re.sub(r"#[^\n]*", "", text)
    text = text[text.index("server {") : text.index("\nrtmp {")]
    found: dict[str, dict] = {}
    stack: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.endswith("{") and line.startswith("location "):
            stack.append(line[:-1].strip())
            found[stack[-1]] = {"headers": [], "files": False}
        elif line.endswith("{"):
            stack.append("")
        elif line.startswith("}") and stack:
            stack.pop()
        elif stack and stack[-1]:
            if line.startswith("add_header "):
                name, value = line.removeprefix("add_header ").removesuffix(";").removesuffix(" always").split(" ", 1)
                found[stack[-1]]["headers"].append((name, value.strip('"')))
            elif (line.startswith("try_files ") and "index.html" in line) or line.startswith("alias "):
                found[stack[-1]]["files"] = True
    return found


def test_nginx_gives_published_pages_and_static_files_the_headers_of_djangos_pages():
    """nginx serves them without Django: the same headers (the policy of the scaled setup: HLS at
    /hls/, sockets on the site), in every location that serves them, since a location's
    add_header replaces the server's."""
    wanted = page_security_headers(hls_base_url="/hls/", websocket_url="")
    locations = nginx_locations(NGINX_CONF.read_text())
    pages = [name for name, loc in locations.items() if loc["files"] and "/hls/" not in name and "m3u8" not in name]
    assert len(pages) == 4, pages  # /news/<id>/, /, /column/<slug>/, /static/
    for name in pages:
        assert [h for h in locations[name]["headers"] if h[0] not in ("Cache-Control", "Vary")] == wanted, name
