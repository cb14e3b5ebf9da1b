#!/usr/bin/env python
"""The public read path under a surge (issue 4), measured side by side with wrk in one run.

Not a test: a measurement of the issue's targets on this machine.

Setup (in a temporary folder, its own SQLite database and var/): bench/_read_path_site.py
migrates, publishes 60 stories and one hot article through the newsroom services, and writes
the published pages (portal.static_pages); the hot article's page is about 30 KB. It also makes a
client with a running banner campaign (issue 11) targeting the stories' column, with one creative
whose web renditions it makes inline. A copy of the article's page is put among the collected
static files as the plain-file baseline. Then, all at once:

  - nginx with the shipped deploy/nginx.conf (paths and ports put in, nothing else changed);
  - the embedded server exactly as scripts/run.sh starts it: one uvicorn process running
    rongmei.asgi (the edge answers published pages and micro-caches the shared public API);
    nginx's upstream is this process;
  - for the record, the same code with the edge given nothing to do (no published pages,
    micro-cache off): what a Django view costs, under uvicorn (ASGI, one process, as embedded)
    and under gunicorn (WSGI, 2 workers, as the scaled setup runs Django behind nginx);
  - for the record, a stock Wagtail site (WSGI under gunicorn, 2 workers, SQLite) serving the
    same article as a page, installed only in the benchmark's own virtualenv
    (bench/.wagtail-venv, made on first use from PyPI; --no-wagtail skips it).

Each target gets `wrk -t1 -c64 -d{seconds}s --timeout 10s --latency` after a 2 s warm-up, one after another
(never two loads at once). wrk and the servers share the machine's 2 cores.

Targets (the issue): with nginx in front, the hot article at >= 80% of nginx's throughput on the
plain file of the same size; embedded (no nginx) >= 3,000 requests/s for the hot article with
p99 < 50 ms, and the feed API >= 1,500 requests/s.

Ads (issue 11: "served by the public app without slowing the read path"): the ads API a page asks
for its banner slot (``/api/v1/public/ads?slot=banner&column=<slug>``), embedded (through the
edge's micro-cache) >= 1,500 requests/s like the feed API; with nginx (its micro-cache) and the
ad's picture (``/ops/i/<creative>/``, as the API names it, asked for as a browser does, WebP
accepted) through nginx, for the record. With nginx, the feed API too, for the record.

    .venv/bin/python bench/read_path.py [--seconds 10] [--connections 64] [--no-wagtail]

Prints the figures, writes bench/results/read_path.json, exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from _servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
WAGTAIL_VENV = ROOT / "bench" / ".wagtail-venv"
WAGTAIL_SITE = ROOT / "bench" / "_wagtail_site"
WAGTAIL_VERSION = "7.0.3"  # an LTS release that runs on Django 5.2 and Python 3.11
# What a browser sends for an <img> (Chrome): the ad's picture view answers WebP to it.
BROWSER_IMAGE_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def fetch(url: str, headers: dict | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
        return r.status, r.headers, r.read()


def wrk(url: str, seconds: int, connections: int, headers: tuple[str, ...] = ()) -> dict:
    # --timeout 10s: a slow server (the Django view, for the record) is measured, not cut off.
    extra = [arg for header in headers for arg in ("-H", header)]
    subprocess.run(["wrk", "-t1", f"-c{connections}", "-d2s", "--timeout", "10s", *extra, url], capture_output=True, check=True)  # warm-up
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "url": url,
        "requests_per_s": round(rps),
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def nginx_conf(prefix: Path, listen: int, upstream: int) -> str:
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    text = text.replace("/srv/rongmei", str(prefix))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    text = text.replace("listen 1935;", f"listen 127.0.0.1:{free_port()};")  # the live rooms' RTMP ingest
    if str(ROOT) not in sys.path:  # run as bench/read_path.py: only bench/ is on the path
        sys.path.insert(0, str(ROOT))
    from rongmei.live.ingest import set_web_upstream

    return set_web_upstream(text, [f"127.0.0.1:{upstream}"])


def ensure_wagtail() -> Path:
    python = WAGTAIL_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(WAGTAIL_VENV)], check=True)
    check = subprocess.run(
        [str(python), "-c", f"import wagtail, gunicorn; assert wagtail.__version__ == '{WAGTAIL_VERSION}'"], capture_output=True
    )
    if check.returncode != 0:
        print(f"installing Wagtail {WAGTAIL_VERSION} into {WAGTAIL_VENV} (the benchmark's own environment) ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"wagtail=={WAGTAIL_VERSION}", "gunicorn"],
            check=True,
        )
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--no-wagtail", action="store_true")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: run scripts/setup_system.sh", file=sys.stderr)
            return 2

    work = Path(tempfile.mkdtemp(prefix="rongmei-read-path-"))
    work.chmod(0o755)  # nginx's workers (an unprivileged user) read the pages there
    var = work / "var"
    env = {
        **os.environ,
        "RONGMEI_VAR_DIR": str(var),
        "DEBUG": "0",
        "SECRET_KEY": "bench-read-path-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    procs: list[subprocess.Popen] = []
    results: dict = {}
    try:
        print(f"setting up in {work} ...", flush=True)
        # Static files first: pages name them by their hashed names (manifest storage).
        subprocess.run([str(PY), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        made = subprocess.run([str(PY), "bench/_read_path_site.py"], cwd=ROOT, env=env, capture_output=True, text=True)
        if made.returncode != 0:
            raise RuntimeError(f"setting up the site failed:\n{made.stderr}")
        site = json.loads(made.stdout.strip().splitlines()[-1])
        page = Path(site["page"])
        (var / "static" / "bench").mkdir(parents=True, exist_ok=True)
        shutil.copy(page, var / "static" / "bench" / "article.html")  # the plain file, same bytes

        # The embedded server as scripts/run.sh starts it, and nginx in front of it.
        app_port, raw_port, nginx_port = free_port(), free_port(), free_port()
        uvicorn = [str(PY), "-m", "uvicorn", "rongmei.asgi:application", "--host", "127.0.0.1", "--no-access-log", "--log-level", "warning"]
        procs.append(subprocess.Popen([*uvicorn, "--port", str(app_port)], cwd=ROOT, env=env))
        raw_env = {**env, "RONGMEI_PAGES_ROOT": str(work / "no-pages"), "RONGMEI_MICROCACHE_SECONDS": "0"}
        procs.append(subprocess.Popen([*uvicorn, "--port", str(raw_port)], cwd=ROOT, env=raw_env))
        # The same Django view under WSGI, as the scaled setup runs it behind nginx (2 workers).
        wsgi_port = free_port()
        procs.append(
            subprocess.Popen(
                [
                    str(PY),
                    "-m",
                    "gunicorn",
                    "rongmei.wsgi:application",
                    "-w",
                    "2",
                    "-b",
                    f"127.0.0.1:{wsgi_port}",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=raw_env,
            )
        )
        for folder in ("run", "log", "nginx"):
            (var / folder).mkdir(exist_ok=True)
        conf = work / "nginx.conf"
        conf.write_text(nginx_conf(work, nginx_port, app_port))
        procs.append(subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work), "-g", "daemon off;"]))
        story = site["story"]
        for port in (app_port, raw_port, wsgi_port, nginx_port):
            wait_for(f"http://127.0.0.1:{port}/healthz", procs[0])

        wagtail_url = None
        if not args.no_wagtail:
            python = ensure_wagtail()
            wport = free_port()
            wenv = {**os.environ, "WAGTAIL_BENCH_DIR": str(work / "wagtail"), "PYTHONPATH": str(WAGTAIL_SITE)}
            body_html = page.read_text().split('<div class="article-body">', 1)[1].split("</div>", 1)[0]
            (work / "wagtail").mkdir()
            (work / "wagtail" / "body.html").write_text(body_html)
            subprocess.run([str(python), str(WAGTAIL_SITE / "setup_site.py")], env=wenv, check=True)
            procs.append(
                subprocess.Popen(
                    [str(python), "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{wport}", "--log-level", "warning", "bench_site.wsgi"],
                    env=wenv,
                    cwd=WAGTAIL_SITE,
                )
            )
            wagtail_url = f"http://127.0.0.1:{wport}/article/"
            wait_for(wagtail_url, procs[-1])

        # Sanity: each URL answers 200 with the article (or the feed).
        nginx_article = f"http://127.0.0.1:{nginx_port}/news/{story}/"
        status, headers, body = fetch(nginx_article)
        assert status == 200 and "Content-Language" not in headers and "铜山湖畔夏南牛养殖户的新生活" in body.decode(), (
            "nginx must serve the page from its file"
        )
        status, headers, body = fetch(f"http://127.0.0.1:{raw_port}/news/{story}/")
        assert status == 200 and "Content-Language" in headers, "the raw server must render the page in Django"
        # The ads API shows the campaign's creative, embedded and through nginx (whose second
        # answer comes from its micro-cache); the picture it names is a WebP for a browser.
        ads_path = f"/api/v1/public/ads?slot=banner&column={site['column']}"
        status, headers, body = fetch(f"http://127.0.0.1:{app_port}{ads_path}")
        answer = json.loads(body)
        assert status == 200 and [ad["creative"] for ad in answer["ads"]] == [site["creative"]], f"the ads API: {answer}"
        assert "set-cookie" not in headers and "cookie" not in headers.get("Vary", "").lower(), "the ads API must be shareable"
        ads_headers = {"Cache-Control": headers.get("Cache-Control"), "Vary": headers.get("Vary")}
        fetch(f"http://127.0.0.1:{nginx_port}{ads_path}")
        status, headers, body = fetch(f"http://127.0.0.1:{nginx_port}{ads_path}")
        assert status == 200 and json.loads(body) == answer, "nginx must answer the ads API"
        ads_headers["X-Cache (nginx, second request)"] = headers.get("X-Cache")
        picture = answer["ads"][0]["image"]
        fetch(f"http://127.0.0.1:{nginx_port}{picture}", {"Accept": BROWSER_IMAGE_ACCEPT})
        status, headers, body = fetch(f"http://127.0.0.1:{nginx_port}{picture}", {"Accept": BROWSER_IMAGE_ACCEPT})
        assert status == 200 and headers.get("Content-Type") == "image/webp", f"the ad's picture: {status} {headers}"
        picture_bytes = len(body)
        ads_headers["picture X-Cache (nginx, second request)"] = headers.get("X-Cache")

        targets = {
            "nginx_plain_file": f"http://127.0.0.1:{nginx_port}/static/bench/article.html",
            "nginx_article": nginx_article,
            "embedded_article": f"http://127.0.0.1:{app_port}/news/{story}/",
            "embedded_feed_api": f"http://127.0.0.1:{app_port}/api/v1/public/feed",
            "embedded_ads_api": f"http://127.0.0.1:{app_port}{ads_path}",
            "nginx_feed_api": f"http://127.0.0.1:{nginx_port}/api/v1/public/feed",
            "nginx_ads_api": f"http://127.0.0.1:{nginx_port}{ads_path}",
            "nginx_ad_picture": f"http://127.0.0.1:{nginx_port}{picture}",
            "django_view_article_asgi": f"http://127.0.0.1:{raw_port}/news/{story}/",
            "django_feed_api_uncached_asgi": f"http://127.0.0.1:{raw_port}/api/v1/public/feed",
            "django_view_article_wsgi": f"http://127.0.0.1:{wsgi_port}/news/{story}/",
            "django_feed_api_uncached_wsgi": f"http://127.0.0.1:{wsgi_port}/api/v1/public/feed",
        }
        if wagtail_url:
            targets["wagtail_article"] = wagtail_url
        for name, url in targets.items():
            headers = (f"Accept: {BROWSER_IMAGE_ACCEPT}",) if name == "nginx_ad_picture" else ()
            results[name] = wrk(url, args.seconds, args.connections, headers)
            r = results[name]
            errors = f"   socket errors: {r['socket_errors']}" if r["socket_errors"] else ""
            print(
                f"{name:30} {r['requests_per_s']:>8} req/s   p50 {r['p50_ms']:8.2f} ms   p99 {r['p99_ms']:8.2f} ms   "
                f"non-2xx {r['non_2xx']}{errors}",
                flush=True,
            )
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)

    ratio = results["nginx_article"]["requests_per_s"] / results["nginx_plain_file"]["requests_per_s"]
    checks = {
        "nginx article >= 80% of nginx plain file": ratio >= 0.8,
        "embedded article >= 3000 req/s": results["embedded_article"]["requests_per_s"] >= 3000,
        "embedded article p99 < 50 ms": results["embedded_article"]["p99_ms"] < 50,
        "embedded feed API >= 1500 req/s": results["embedded_feed_api"]["requests_per_s"] >= 1500,
        "embedded ads API >= 1500 req/s": results["embedded_ads_api"]["requests_per_s"] >= 1500,
        "no errors on the read path": all(
            results[name]["non_2xx"] == 0 and not results[name]["socket_errors"]
            for name in ("nginx_plain_file", "nginx_article", "embedded_article", "embedded_feed_api")
        ),
        "no errors on the ads API": all(
            results[name]["non_2xx"] == 0 and not results[name]["socket_errors"] for name in ("embedded_ads_api", "nginx_ads_api")
        ),
    }
    print(f"\npage {site['page_bytes']} bytes; nginx article / nginx plain file = {ratio:.2f}")
    print(f"ads API headers: {ads_headers}; the ad's picture (WebP) {picture_bytes} bytes")
    for label, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    RESULTS.mkdir(exist_ok=True)
    report = {
        "command": " ".join(["bench/read_path.py", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "page_bytes": site["page_bytes"],
        "results": results,
        "nginx_article_over_plain": round(ratio, 3),
        "ads": {"column": site["column"], "creative": site["creative"], "headers": ads_headers, "picture_bytes": picture_bytes},
        "checks": checks,
    }
    (RESULTS / "read_path.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
