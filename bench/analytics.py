#!/usr/bin/env python
"""Readership analytics under load (issue 9): ingestion, the daily rollup, the dashboards.

Not a test: a measurement of the issue's targets on this machine, each figure next to a baseline
measured in the same run.

For each backend (--backends, both by default):

  - sqlite: the embedded default. A fresh SQLite database in a temporary folder, no Redis; the
    server is the one uvicorn process scripts/run.sh starts (rongmei.asgi), whose in-process
    buffer and flusher thread write the events.
  - pg: the scaled setup of docs/deployment.md. A throwaway database made for the run on the
    PostgreSQL server of the Makefile's PG_URL (dropped at the end; no other database is touched),
    Redis at the Makefile's REDIS_URL_TEST but its database 15 and a key prefix of this run's own
    (only those keys are deleted); `gunicorn rongmei.wsgi:application -w 4`, whose workers push
    each request's events to the Redis list and drain it into PostgreSQL (COPY).

Setup (bench/_analytics_site.py): migrate, 30 reporters, 8 columns, --stories stories published
through the newsroom services, an editor's logged-in session.

1. Ingestion, end to end: wrk POSTs /api/v1/public/beacon (bodies as the page's beacon.js sends
   them, a random device per body, articles and column pages mixed) with 50, 5 and 1 events per
   request, 64 connections, after a 2 s warm-up. The events are then counted in the Event table
   once the buffers are written (the time that takes is the drain lag). Events/s = events that
   landed / (load seconds + drain lag). Baselines: the same number of rows written straight to the
   database driver (SQLite: a plain INSERT executemany loop, 500 rows a transaction; PostgreSQL:
   COPY, 500 rows a transaction), and nginx serving a small static file (the request-rate ceiling
   of this machine with wrk on the same cores).
2. Rollup: --events events of yesterday generated inside the database (one INSERT ... SELECT over
   a generated series; timed separately), then services.rollup_day(yesterday), timed, with its
   slowest queries. --sqlite-events sets a smaller count for SQLite.
3. Dashboards: a year (366 days) of DailyRollup rows written in bulk (~500 articles a day, each
   with a row per place; site, places, columns, authors), then wrk GETs as the logged-in editor,
   at 1 and 8 connections, after a warm-up: the command screen's JSON /dashboard/screen/data.json
   with its default cache (SCREEN_CACHE_SECONDS 5) and with the cache off (worst case; a second
   server with RONGMEI_DASHBOARD={"SCREEN_CACHE_SECONDS":0} through bench/_analytics_settings.py),
   and /newsroom/readership/ and /dashboard/trends/ for the 366 days. Baseline: nginx serving the same bytes as files.

Targets (the issue): ingestion >= 5,000 events/s sustained (each backend; judged at 50 events per
request, the beacon's maximum batch; smaller batches reported); the rollup of a day of 10 million
events < 60 s; dashboard p95 < 200 ms (judged at 1 connection, one reader's wait, and at 8, a busy morning).

    .venv/bin/python bench/analytics.py [--quick] [--backends sqlite,pg] [--seconds 20]
        [--events 10000000] [--sqlite-events N] [--stories 500] [--profile]

--quick: 8 s loads, 100 stories, 1M events (a few minutes). Prints the figures, writes
bench/results/analytics.json, exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from _servers import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
HELPER = ROOT / "bench" / "_analytics_site.py"
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")  # the Makefile's
REDIS_URL = os.environ.get("REDIS_URL_TEST", "redis://127.0.0.1:6379/0")
REDIS_DB = 15
CONNECTIONS = 64
DASH_CONNECTIONS = (1, 8)
BATCHES = (50, 5, 1)
TARGET_EVENTS_PER_S = 5000
TARGET_ROLLUP_S = 60
TARGET_P95_MS = 200

WRK_LUA = r"""
local bodies, n, method = {}, 0, os.getenv("BENCH_METHOD") or "GET"
local path, cookie = os.getenv("BENCH_PATH"), os.getenv("BENCH_COOKIE")
ok = 0  -- a global: done() reads it with thread:get
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  local file = os.getenv("BENCH_BODIES")
  if file then for line in io.lines(file) do table.insert(bodies, line) end end
end
function request()
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  if #bodies > 0 then
    n = n % #bodies + 1
    headers["Content-Type"] = "text/plain;charset=UTF-8"
    return wrk.format("POST", path, headers, bodies[n])
  end
  return wrk.format(method, path, headers)
end
function response(status, headers, body)
  if status < 300 then ok = ok + 1 end
end
function done(summary, latency, requests)
  local good = 0
  for _, t in ipairs(threads) do good = good + t:get("ok") end
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"ok":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n', summary.requests, good, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def helper(env: dict, *args: str) -> dict:
    done = subprocess.run([str(PY), str(HELPER), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{HELPER.name} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    if done.stderr.strip():
        sys.stderr.write(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def wrk(lua: Path, url: str, seconds: float, connections: int, *, env: dict | None = None, warmup: float = 2) -> dict:
    parsed = urllib.parse.urlsplit(url)
    wenv = {**os.environ, **(env or {}), "BENCH_PATH": parsed.path + (f"?{parsed.query}" if parsed.query else "")}
    base = f"{parsed.scheme}://{parsed.netloc}"

    def run(duration: float) -> str:
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", str(lua), base]
        done = subprocess.run(cmd, env=wenv, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return done.stdout

    if warmup:
        run(warmup)
    out = run(seconds)
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH "))
    r = json.loads(line[6:])
    secs = r["duration_us"] / 1e6
    return {
        "url": url,
        "connections": connections,
        "seconds": round(secs, 2),
        "requests": r["requests"],
        "ok": r["ok"],
        "requests_per_s": round(r["requests"] / secs, 1),
        "p50_ms": round(r["p50_us"] / 1000, 2),
        "p95_ms": round(r["p95_us"] / 1000, 2),
        "p99_ms": round(r["p99_us"] / 1000, 2),
        "max_ms": round(r["max_us"] / 1000, 2),
        "non_2xx": r["non_2xx"],
        "socket_errors": r["socket_errors"],
    }


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    procs.clear()


# --- the two backends -----------------------------------------------------------------------


class Backend:
    name = ""

    def __init__(self, work: Path, env: dict) -> None:
        self.work, self.env = work, env

    def server_env(self) -> dict:
        return self.env

    def start(self, port: int, extra_env: dict | None = None) -> subprocess.Popen:
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    def pending(self) -> int:
        return 0

    def close(self) -> None:
        pass


class Embedded(Backend):
    name = "sqlite"

    def start(self, port, extra_env=None):
        # As scripts/run.sh starts the web process (the --ws-max-size aside: no sockets here).
        cmd = [str(PY), "-m", "uvicorn", "rongmei.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--no-access-log", "--log-level", "warning"]
        return subprocess.Popen(cmd, cwd=ROOT, env={**self.server_env(), **(extra_env or {})})

    def count(self):
        db = sqlite3.connect(f"file:{self.work / 'var' / 'rongmei.sqlite3'}?mode=ro", uri=True, timeout=30)
        try:
            return db.execute("SELECT count(*) FROM analytics_event").fetchone()[0]
        finally:
            db.close()


class Scaled(Backend):
    name = "pg"

    def __init__(self, work, env):
        import psycopg
        import redis

        self.dbname = f"rongmei_bench_analytics_{os.getpid()}"
        admin = psycopg.connect(PG_URL, autocommit=True)
        admin.execute(f'CREATE DATABASE "{self.dbname}"')
        admin.close()
        parts = urllib.parse.urlsplit(PG_URL)
        self.db_url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.dbname}"))
        self.redis_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(REDIS_URL)._replace(path=f"/{REDIS_DB}"))
        self.prefix = f"bench-analytics-{os.getpid()}"
        self.redis = redis.Redis.from_url(self.redis_url)
        self.conn = psycopg.connect(self.db_url, autocommit=True)
        # The helper commands need no Redis (their task enqueues go to the database queue).
        super().__init__(work, {**env, "DATABASE_URL": self.db_url})

    def server_env(self):
        return {**self.env, "REDIS_URL": self.redis_url, "CACHE_KEY_PREFIX": self.prefix, "CHANNEL_PREFIX": self.prefix}

    def start(self, port, extra_env=None):
        cmd = [str(PY), "-m", "gunicorn", "rongmei.wsgi:application", "-w", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
        return subprocess.Popen(cmd, cwd=ROOT, env={**self.server_env(), **(extra_env or {})})

    def count(self):
        return self.conn.execute("SELECT count(*) FROM analytics_event").fetchone()[0]

    def pending(self):
        return self.redis.llen(f"{self.prefix}:readership:events")

    def close(self):
        import psycopg

        keys = list(self.redis.scan_iter(match=f"{self.prefix}*"))
        if keys:
            self.redis.delete(*keys)
        self.redis.close()
        self.conn.close()
        admin = psycopg.connect(PG_URL, autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        admin.close()


# --- the measurements ---------------------------------------------------------------------------


def beacon_bodies(path: Path, batch: int, site: dict, n: int = 400) -> None:
    """Bodies as beacon.js sends them: events of one device's pages; 90% article pages (views,
    a quarter of them reads too), 10% column pages; articles skewed towards a few."""
    rng = random.Random(batch)
    stories, slugs = site["stories"], list(site["columns"])
    lines = []
    for _ in range(n):
        device = f"{rng.getrandbits(128):032x}"
        events = []
        while len(events) < batch:
            if rng.random() < 0.9:
                article = stories[min(rng.randrange(len(stories)), rng.randrange(len(stories)))]
                events.append({"type": "view", "path": f"/news/{article}/", "device": device, "article": article})
                if rng.random() < 0.25 and len(events) < batch:
                    events.append(
                        {"type": "read", "path": f"/news/{article}/", "device": device, "article": article, "seconds": rng.randint(15, 240)}
                    )
            else:
                slug = rng.choice(slugs)
                events.append({"type": "view", "path": f"/column/{slug}/", "device": device, "column": slug})
        lines.append(json.dumps({"events": events}, separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n")


def settle(backend: Backend, timeout: float = 120) -> tuple[int, float]:
    """Wait until the buffers are written: the count stops moving (and the Redis list is empty)
    for 3 s past the flusher's 2 s period. Returns the count and when it last moved (monotonic)."""
    last, moved, start = backend.count(), time.monotonic(), time.monotonic()
    while time.monotonic() - start < timeout:
        time.sleep(0.25)
        now = backend.count()
        if now != last:
            last, moved = now, time.monotonic()
        elif backend.pending() == 0 and time.monotonic() - moved > 3:
            break
    return last, moved


def ingestion(backend: Backend, site: dict, lua: Path, args, work: Path) -> dict:
    out: dict = {}
    port = free_port()
    proc = backend.start(port)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc)
        url = f"http://127.0.0.1:{port}/api/v1/public/beacon"
        for batch in BATCHES:
            bodies = work / f"beacon-{batch}.txt"
            beacon_bodies(bodies, batch, site)
            env = {"BENCH_BODIES": str(bodies)}
            # Warm-up (lookups, the day's salt, JIT of nothing): its events are written first.
            wrk(lua, url, 2, CONNECTIONS, env=env, warmup=0)
            before, _ = settle(backend)
            r = wrk(lua, url, args.seconds, CONNECTIONS, env=env, warmup=0)
            ended = time.monotonic()
            after, moved = settle(backend)
            landed = after - before
            lag = max(0.0, moved - ended)
            acknowledged = r["ok"] * batch
            r.update(
                batch=batch,
                events_acknowledged=acknowledged,
                events_landed=landed,
                drain_lag_s=round(lag, 2),
                events_per_s=round(landed / (r["seconds"] + lag)),
                accepted_events_per_s=round(acknowledged / r["seconds"]),
                # In-flight requests when wrk stops may land without being counted by wrk.
                all_landed=acknowledged <= landed <= acknowledged + CONNECTIONS * batch,
            )
            out[f"batch_{batch}"] = r
            print(
                f"  [{backend.name}] ingest {batch:>2}/request: {r['requests_per_s']:>8.0f} req/s  {r['events_per_s']:>7} events/s landed "
                f"(acknowledged {acknowledged}, landed {landed}, drain lag {lag:.1f} s)  p99 {r['p99_ms']} ms  non-2xx {r['non_2xx']}",
                flush=True,
            )
    finally:
        stop([proc])
    return out


def dashboards(backend: Backend, site: dict, lua: Path, args, static_dir: Path, nginx_port: int) -> dict:
    out: dict = {}
    default_port, nocache_port = free_port(), free_port()
    procs = [backend.start(default_port)]
    nocache_env = {
        "BENCH_RONGMEI_DASHBOARD": json.dumps({"SCREEN_CACHE_SECONDS": 0}),
        "DJANGO_SETTINGS_MODULE": "_analytics_settings",
        "PYTHONPATH": str(ROOT / "bench"),
    }
    procs.append(backend.start(nocache_port, nocache_env))
    cookie = f"sessionid={site['session']}"
    today = dt.date.fromisoformat(site["today"])  # the site's local day (settings.TIME_ZONE)
    period = f"start={(today - dt.timedelta(days=365)).isoformat()}&end={today.isoformat()}"
    try:
        for p, proc in zip((default_port, nocache_port), procs, strict=True):
            wait_for(f"http://127.0.0.1:{p}/healthz", proc)
        urls = {
            "screen_cached": f"http://127.0.0.1:{default_port}/dashboard/screen/data.json",
            "screen_uncached": f"http://127.0.0.1:{nocache_port}/dashboard/screen/data.json",
            "readership_366_days": f"http://127.0.0.1:{default_port}/newsroom/readership/?{period}",
            "trends_366_days": f"http://127.0.0.1:{default_port}/dashboard/trends/?{period}",
        }
        sizes = {}
        for name, url in urls.items():
            req = urllib.request.Request(url, headers={"Cookie": cookie})
            with urllib.request.urlopen(req, timeout=120) as r:
                body = r.read()
                assert r.status == 200 and r.url == url, f"{url} answered {r.status} at {r.url}"
            sizes[name] = len(body)
            if name in ("readership_366_days", "trends_366_days"):
                assert "泌阳县" in body.decode()
                (static_dir / f"{backend.name}-{name}.html").write_bytes(body)
            elif name == "screen_uncached":
                data = json.loads(body)
                assert data["readership"]["views"] > 0, "the screen must show yesterday's rollup"
                (static_dir / f"{backend.name}-screen.json").write_bytes(body)
        out["bytes"] = sizes
        # Where one request's time goes (in-process, SQL timed), before the loads.
        out["breakdown"] = helper(
            {**backend.server_env(), **nocache_env},
            "pages",
            "--session",
            site["session"],
            "--readership",
            f"/newsroom/readership/?{period}",
            "--trends",
            f"/dashboard/trends/?{period}",
        )
        for name, b in out["breakdown"].items():
            print(f"  [{backend.name}] {name}: {b['ms']} ms in-process, {b['queries']} queries, {b['sql_ms']} ms SQL", flush=True)
            for q in b["slowest"][:3]:
                print(f"      {q['ms']:8.1f} ms  {q['sql'][:140]}", flush=True)
        env = {"BENCH_COOKIE": cookie}
        base = f"http://127.0.0.1:{nginx_port}/"
        for c in DASH_CONNECTIONS:
            runs = {
                "nginx_screen_json": (base + f"{backend.name}-screen.json", {}),
                "screen_cached": (urls["screen_cached"], env),
                "screen_uncached": (urls["screen_uncached"], env),
                "nginx_readership_html": (base + f"{backend.name}-readership_366_days.html", {}),
                "readership_366_days": (urls["readership_366_days"], env),
                "nginx_trends_html": (base + f"{backend.name}-trends_366_days.html", {}),
                "trends_366_days": (urls["trends_366_days"], env),
            }
            for name, (url, e) in runs.items():
                r = wrk(lua, url, args.dash_seconds, c, env=e)
                out[f"{name}_c{c}"] = r
                print(
                    f"  [{backend.name}] {name:22} c={c}: {r['requests_per_s']:>8.0f} req/s  p50 {r['p50_ms']:8.2f} ms  "
                    f"p95 {r['p95_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  non-2xx {r['non_2xx']}",
                    flush=True,
                )
    finally:
        stop(procs)
    return out


def run_backend(kind: str, work: Path, env: dict, lua: Path, args, static_dir: Path, nginx_port: int, collect: subprocess.Popen) -> dict:
    backend: Backend = Embedded(work, env) if kind == "sqlite" else Scaled(work, env)
    res: dict = {}
    try:
        print(f"[{kind}] setting up ({args.stories} stories) ...", flush=True)
        site = helper(backend.env, "setup", "--stories", str(args.stories))
        res["setup_seconds"] = site["seconds"]
        if collect.poll() is None:
            collect.wait()
        if collect.returncode != 0:
            raise RuntimeError("collectstatic failed")

        if "ingest" in args.phases:
            raw = helper(backend.env, "raw-insert", "--n", str(args.raw_rows))
            print(f"  [{kind}] raw baseline: {raw['rows_per_s']} rows/s ({raw['how']}, {raw['rows']} rows)", flush=True)
            res["raw_insert"] = raw
            res["ingest"] = ingestion(backend, site, lua, args, work)
            for r in res["ingest"].values():
                r["over_raw_insert"] = round(r["events_per_s"] / raw["rows_per_s"], 3)

        if "rollup" in args.phases:
            n = args.sqlite_events if kind == "sqlite" else args.events
            day = (dt.date.fromisoformat(site["today"]) - dt.timedelta(days=1)).isoformat()
            print(f"  [{kind}] generating {n:,} events of {day} ...", flush=True)
            gen = helper(backend.env, "events", "--n", str(n), "--day", day)
            print(
                f"  [{kind}] generated {gen['events']:,} in {gen['seconds']} s (+ ANALYZE {gen['analyze_seconds']} s); rolling up ...",
                flush=True,
            )
            roll = helper(backend.env, "rollup", "--day", day, *(["--profile"] if args.profile else []))
            roll["generate"] = gen
            roll["events_per_s"] = round(roll["events"] / roll["seconds"])
            # The baseline: generating the rows (one INSERT ... SELECT in the database) against reading them back.
            roll["over_generation"] = round(roll["seconds"] / gen["seconds"], 2)
            res["rollup"] = roll
            print(
                f"  [{kind}] rollup of {roll['events']:,} events: {roll['seconds']} s ({roll['events_per_s']:,} events/s, "
                f"{roll['queries']} queries, {roll['rows']} rows; {roll['over_generation']}x the generation time)",
                flush=True,
            )
            for q in roll["slowest_queries"][:4]:
                print(f"      {q['seconds']:7.2f} s  {q['sql'][:150]}", flush=True)

        if "dashboard" in args.phases:
            made = helper(backend.env, "rollups", "--days", "366")
            print(f"  [{kind}] {made['rows']:,} rollup rows for {made['days']} days in {made['seconds']} s", flush=True)
            res["rollup_rows"] = made
            res["dashboard"] = dashboards(backend, site, lua, args, static_dir, nginx_port)
    finally:
        backend.close()
    return res


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="8 s loads, 100 stories, 1M events")
    parser.add_argument("--backends", default="sqlite,pg")
    parser.add_argument("--phases", default="ingest,rollup,dashboard")
    parser.add_argument("--seconds", type=float, default=None, help="each ingestion load (20; quick 8)")
    parser.add_argument("--dash-seconds", type=float, default=None, help="each dashboard load (10; quick 5)")
    parser.add_argument("--events", type=int, default=None, help="events of the rolled-up day (10M; quick 1M)")
    parser.add_argument("--sqlite-events", type=int, default=None, help="the same for SQLite (default: --events)")
    parser.add_argument("--stories", type=int, default=None, help="published stories (500; quick 100)")
    parser.add_argument("--raw-rows", type=int, default=None, help="rows of the raw insert baseline (200k; quick 50k)")
    parser.add_argument("--profile", action="store_true", help="cProfile the rollup (to stderr)")
    args = parser.parse_args()
    q = args.quick
    args.seconds = args.seconds or (8 if q else 20)
    args.dash_seconds = args.dash_seconds or (5 if q else 10)
    args.events = args.events or (1_000_000 if q else 10_000_000)
    args.sqlite_events = args.sqlite_events or args.events
    args.stories = args.stories or (100 if q else 500)
    args.raw_rows = args.raw_rows or (50_000 if q else 200_000)
    args.phases = args.phases.split(",")
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(f"{tool} is missing: run scripts/setup_system.sh", file=sys.stderr)
            return 2

    work = Path(tempfile.mkdtemp(prefix="rongmei-analytics-"))
    work.chmod(0o755)
    var = work / "var"
    env = {
        **os.environ,
        "RONGMEI_VAR_DIR": str(var),
        "DEBUG": "0",
        "SECRET_KEY": "bench-analytics-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "RONGMEI_TEST_DB_FILE"):
        env.pop(name, None)
    lua = work / "bench.lua"
    lua.write_text(WRK_LUA)
    static_dir = work / "static"
    static_dir.mkdir()
    (static_dir / "small.txt").write_text("ok\n")
    procs: list[subprocess.Popen] = []
    report: dict = {"backends": {}, "load_average_at_start": os.getloadavg()}
    try:
        # Static files (pages name them by their hashed names), while the first setup runs.
        collect = subprocess.Popen([str(PY), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env)
        nginx_port = free_port()
        conf = work / "nginx.conf"
        conf.write_text(
            f"worker_processes 1; pid {work}/nginx.pid; error_log {work}/nginx-error.log;\n"
            f"events {{ worker_connections 1024; }}\n"
            f"http {{ access_log off; types {{ application/json json; text/html html; text/plain txt; }}\n"
            f"  client_body_temp_path {work}/nginx-tmp; proxy_temp_path {work}/nginx-tmp; fastcgi_temp_path {work}/nginx-tmp;\n"
            f"  uwsgi_temp_path {work}/nginx-tmp; scgi_temp_path {work}/nginx-tmp;\n"
            f"  server {{ listen 127.0.0.1:{nginx_port}; root {static_dir}; }} }}\n"
        )
        procs.append(subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work), "-g", "daemon off;"]))
        wait_for(f"http://127.0.0.1:{nginx_port}/small.txt", procs[0])
        if "ingest" in args.phases:
            r = wrk(lua, f"http://127.0.0.1:{nginx_port}/small.txt", args.seconds, CONNECTIONS)
            report["nginx_small_file"] = r
            print(f"nginx small static file (1 worker): {r['requests_per_s']:.0f} req/s, p99 {r['p99_ms']} ms", flush=True)
        for kind in args.backends.split(","):
            report["backends"][kind] = run_backend(kind, work, env, lua, args, static_dir, nginx_port, collect)
    finally:
        stop(procs)
        shutil.rmtree(work, ignore_errors=True)

    checks: dict[str, bool] = {}
    nginx_rps = report.get("nginx_small_file", {}).get("requests_per_s")
    print("\nsummary")
    for kind, res in report["backends"].items():
        for name, r in res.get("ingest", {}).items():
            if nginx_rps:
                r["requests_over_nginx_small_file"] = round(r["requests_per_s"] / nginx_rps, 3)
            print(
                f"  {kind} ingest {name}: {r['events_per_s']} events/s = {r['over_raw_insert']:.2f}x the raw insert "
                f"({res['raw_insert']['rows_per_s']} rows/s); {r['requests_per_s']:.0f} req/s = "
                f"{r.get('requests_over_nginx_small_file', 0):.3f}x nginx's small file"
            )
        if "ingest" in res:
            checks[f"{kind}: ingestion >= {TARGET_EVENTS_PER_S} events/s (50 a request)"] = (
                res["ingest"]["batch_50"]["events_per_s"] >= TARGET_EVENTS_PER_S
            )
            checks[f"{kind}: every acknowledged event landed in the Event table"] = all(r["all_landed"] for r in res["ingest"].values())
        if "rollup" in res:
            roll = res["rollup"]
            label = f"{kind}: rollup of a day of {roll['events']:,} events < {TARGET_ROLLUP_S} s"
            if roll["events"] < 10_000_000:
                label += " (fewer than the issue's 10M)"
            checks[label] = roll["seconds"] < TARGET_ROLLUP_S
        if "dashboard" in res:
            d = res["dashboard"]
            for name, base in (
                ("screen_cached", "nginx_screen_json"),
                ("screen_uncached", "nginx_screen_json"),
                ("readership_366_days", "nginx_readership_html"),
                ("trends_366_days", "nginx_trends_html"),
            ):
                for conns in DASH_CONNECTIONS:
                    r, b = d[f"{name}_c{conns}"], d[f"{base}_c{conns}"]
                    r["p95_over_nginx"] = round(r["p95_ms"] / b["p95_ms"], 1) if b["p95_ms"] else None
                    r["requests_over_nginx"] = round(r["requests_per_s"] / b["requests_per_s"], 4)
                    print(
                        f"  {kind} {name} c={conns}: p95 {r['p95_ms']} ms (nginx, same bytes: {b['p95_ms']} ms, x{r['p95_over_nginx']}); "
                        f"{r['requests_per_s']:.0f} req/s = {r['requests_over_nginx']:.4f}x nginx"
                    )
                for conns in DASH_CONNECTIONS:
                    checks[f"{kind}: {name} p95 < {TARGET_P95_MS} ms at {conns} connection(s)"] = (
                        d[f"{name}_c{conns}"]["p95_ms"] < TARGET_P95_MS and d[f"{name}_c{conns}"]["non_2xx"] == 0
                    )
    for label, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {label}")
    RESULTS.mkdir(exist_ok=True)
    report.update(
        command=" ".join(["bench/analytics.py", *sys.argv[1:]]),
        machine={"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        settings={
            "seconds": args.seconds,
            "dash_seconds": args.dash_seconds,
            "events": args.events,
            "sqlite_events": args.sqlite_events,
            "stories": args.stories,
            "connections": CONNECTIONS,
        },
        checks=checks,
        load_average_at_end=os.getloadavg(),
    )
    (RESULTS / "analytics.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
