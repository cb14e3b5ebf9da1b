"""The scaled topology on one machine: ``make cluster`` / ``make cluster-stop``.

    python -m rongmei.cluster up      start (or find running) and print the address and logins
    python -m rongmei.cluster down    stop everything it started
    python -m rongmei.cluster status  what runs, with process ids

What runs (docs/deployment.md "The cluster on one machine"), all under ``var/cluster/``:

- PostgreSQL of its own (``initdb`` on first start; 127.0.0.1:18432, database ``rongmei``),
- Redis of its own (127.0.0.1:18379, append-only file: a restart keeps the queue),
- two WSGI web processes (gunicorn, 127.0.0.1:18001 and :18002),
- one ASGI process for the WebSockets (uvicorn, 127.0.0.1:18010),
- two task workers (``manage.py rqworker``),
- nginx in front (http://127.0.0.1:8080): deploy/nginx.conf itself with these paths and ports,
  the two web processes in its upstream, /ws/ to the ASGI process.

With ``bucket=True`` (``CLUSTER_BUCKET=1 make cluster``; the fault tests) uploaded files go to an
S3 bucket (moto's S3 server standing in for MinIO, in memory, 127.0.0.1:18480) and every program
gets a ``MEDIA_ROOT`` of its own under ``machines/<name>/``, as on separate machines: nothing
but the bucket carries a file from one to another.

A supervisor process (``python -m rongmei.cluster supervise``) starts the web, ASGI, worker and
nginx processes and starts again any that dies, as systemd's ``Restart=always`` does in
deploy/systemd/. PostgreSQL and Redis run as their own daemons. The fault tests
(tests/cluster/) use :class:`Cluster` to kill and restart its parts.

The ports and the folder can be moved (``Cluster(root, base_port=…)``; environment
``CLUSTER_PORT`` for ``make cluster``), so the tests' cluster never meets a running demo one.
Needs Debian's postgresql, redis-server and nginx (scripts/setup_system.sh installs them).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = Path(sys.executable)


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for version in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        candidate = version / "bin" / name
        if candidate.exists():
            return str(candidate)
    raise SystemExit(f"cluster: PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)")


def _nginx_bin() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise SystemExit("cluster: nginx is not installed (Debian: apt-get install nginx-light)")
    return found


def answers(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def wait_for(check, what: str, timeout: float = 60.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"cluster: {what} did not come up within {timeout:.0f} s")
        time.sleep(every)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return False
    return True


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children …), read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Cluster:
    root: Path = field(default_factory=lambda: BASE_DIR / "var" / "cluster")
    base_port: int = 8080
    # What cron does on a server (docs/operations.md), every this many seconds.
    cron_seconds: int = 60
    # More settings for every process (the fault tests shorten the leases).
    extra_env: dict[str, str] = field(default_factory=dict)
    # Uploaded files in an S3 bucket, each program with a MEDIA_ROOT of its own (the module's text).
    bucket: bool = False

    # --- where and on which ports ---------------------------------------------------------

    @property
    def http_port(self) -> int:
        return self.base_port

    @property
    def web_ports(self) -> tuple[int, int]:
        return (self.base_port + 9921, self.base_port + 9922)  # 18001, 18002 by default

    @property
    def asgi_port(self) -> int:
        return self.base_port + 9930

    # Every port below 32768: the kernel hands out 32768–60999 as the local ports of outgoing
    # connections, and one of those on a server's port stops the server from binding it.

    @property
    def pg_port(self) -> int:
        return self.base_port + 10352  # 18432

    @property
    def redis_port(self) -> int:
        return self.base_port + 10299  # 18379

    @property
    def s3_port(self) -> int:
        return self.base_port + 10400  # 18480

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    bucket_name = "rongmei-cluster"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/rongmei"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def site_dir(self) -> Path:
        """RONGMEI_VAR_DIR of the cluster's processes: pages, static files, media."""
        return self.root / "site"

    def _dir(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every Django process of the cluster."""
        key_file = self._dir("run") / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="rongmei.settings",
            DEBUG="0",
            SECRET_KEY=key_file.read_text().strip(),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=self.url,
            SESSION_COOKIE_SECURE="0",
            TRUST_X_FORWARDED_FOR="1",
            DATABASE_URL=self.database_url,
            DB_CONN_MAX_AGE="60",
            REDIS_URL=self.redis_url,
            RONGMEI_VAR_DIR=str(self.site_dir),
            RONGMEI_PUBLIC_URL=self.url,
            RONGMEI_WEBSOCKET_URL=f"ws://127.0.0.1:{self.http_port}",
            RONGMEI_LIVE_HLS_BASE_URL=f"{self.url}/hls/",
            PYTHONUNBUFFERED="1",
        )
        env.pop("RONGMEI_TESTING", None)
        if self.bucket:
            from rongmei.testing.s3 import ACCESS_KEY, SECRET_KEY

            env.update(
                RONGMEI_S3_BUCKET=self.bucket_name,
                RONGMEI_S3_ENDPOINT_URL=self.s3_endpoint,
                RONGMEI_S3_ACCESS_KEY_ID=ACCESS_KEY,
                RONGMEI_S3_SECRET_ACCESS_KEY=SECRET_KEY,
                MEDIA_ROOT=str(self.media_root("admin")),  # manage.py and python() here: one more machine
            )
        env.update(self.extra_env)
        env.update(extra)
        return env

    # --- PostgreSQL and Redis ---------------------------------------------------------------

    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _pg_data(self) -> Path:
        return self.root / "pg"

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        sock = self._dir("pgsock")
        if os.geteuid() == 0:
            shutil.chown(sock, "postgres")
        opts = f"-p {self.pg_port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
        cmd = [*self._as_postgres(), _pg_bin("pg_ctl"), "-D", str(self._pg_data()), "-l", str(self._dir("log") / "postgres.log")]
        if args and args[0] in ("start", "restart"):
            cmd += ["-o", opts]
        return subprocess.run([*cmd, *args], capture_output=True, text=True, check=check)

    def start_postgres(self) -> None:
        data = self._pg_data()
        if not (data / "PG_VERSION").exists():
            data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                for path in (self.root, data, self._dir("log")):
                    path.chmod(0o755 if path != data else 0o700)
                shutil.chown(data, "postgres")
                shutil.chown(self._dir("log"), "postgres")
            subprocess.run(
                [*self._as_postgres(), _pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"],
                check=True,
                capture_output=True,
            )
        if not self.postgres_up():
            # A PostgreSQL of an earlier run may still be letting go of the port.
            with contextlib.suppress(TimeoutError):
                wait_for(lambda: not answers(self.pg_port), f"port {self.pg_port} to be free", 15)
            self._pg_ctl("start", "-w", "-t", "60")
        wait_for(self.postgres_up, "PostgreSQL", 60)
        exists = subprocess.run(
            [
                _pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                "postgres",
                "-tAc",
                "SELECT 1 FROM pg_database WHERE datname='rongmei'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "rongmei"], check=True)

    def postgres_up(self) -> bool:
        return (
            subprocess.run(
                [_pg_bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres"], capture_output=True
            ).returncode
            == 0
        )

    def stop_postgres(self) -> None:
        if (self._pg_data() / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast", "-w", check=False)

    def restart_postgres(self, down_for: float = 0.0) -> None:
        """A fast shutdown (open connections are cut, as in a real restart), then start."""
        self.stop_postgres()
        time.sleep(down_for)
        self._pg_ctl("start", "-w", "-t", "60")
        wait_for(self.postgres_up, "PostgreSQL", 60)

    def _redis_pidfile(self) -> Path:
        return self._dir("run") / "redis.pid"

    def start_redis(self) -> None:
        if self.redis_up():
            return
        subprocess.run(
            [
                shutil.which("redis-server") or "redis-server",
                "--daemonize", "yes",
                "--bind", "127.0.0.1",
                "--port", str(self.redis_port),
                "--dir", str(self._dir("redis")),
                "--pidfile", str(self._redis_pidfile()),
                "--logfile", str(self._dir("log") / "redis.log"),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "everysec",
            ],
            check=True,
        )  # fmt: skip
        wait_for(self.redis_up, "Redis", 20)

    def redis_up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop_redis(self) -> None:
        """SHUTDOWN as a service manager does (SIGTERM): the append-only file is flushed."""
        pidfile = self._redis_pidfile()
        if not pidfile.exists():
            return
        with contextlib.suppress(ValueError, ProcessLookupError):
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not _alive(pid), "Redis's stop", 20)

    def restart_redis(self, down_for: float = 0.0) -> None:
        self.stop_redis()
        time.sleep(down_for)
        self.start_redis()

    # --- the bucket (moto's S3 server in place of MinIO) ---------------------------------------

    def media_root(self, program: str) -> Path:
        """The MEDIA_ROOT of a program in bucket mode: its own, as on a machine of its own."""
        return self.root / "machines" / program / "media"

    def start_s3(self) -> None:
        if not self.bucket or answers(self.s3_port):
            return
        log = open(self._dir("log") / "s3.log", "ab")  # noqa: SIM115 (the child keeps it)
        proc = subprocess.Popen(
            [str(PY), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)],
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        (self._dir("run") / "s3.pid").write_text(str(proc.pid))
        wait_for(lambda: answers(self.s3_port), "the S3 server", 30)
        self.s3_client().create_bucket(Bucket=self.bucket_name)

    def s3_client(self):
        import boto3

        from rongmei.testing.s3 import ACCESS_KEY, SECRET_KEY

        return boto3.client(
            "s3", endpoint_url=self.s3_endpoint, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name="us-east-1"
        )

    def stop_s3(self) -> None:
        pidfile = self.root / "run" / "s3.pid"
        with contextlib.suppress(OSError, ValueError, ProcessLookupError):
            pid = int(pidfile.read_text())
            os.killpg(pid, signal.SIGTERM)
            wait_for(lambda: not _alive(pid), "the S3 server's stop", 20)
        pidfile.unlink(missing_ok=True)

    # --- the application's processes ---------------------------------------------------------

    def programs(self) -> dict[str, list[str]]:
        # --preload: the app is loaded and warmed (rongmei/wsgi.py) before the port is bound, so a
        # restarting web process refuses connections (nginx tries the other at once) instead of
        # holding them for the seconds its start takes.
        gunicorn = [str(PY), "-m", "gunicorn", "rongmei.wsgi:application", "--preload", "--worker-class", "gthread", "--workers", "1"]
        gunicorn += ["--threads", "4"]
        gunicorn += ["--graceful-timeout", "10", "--timeout", "120", "--log-level", "warning"]
        worker = [str(PY), "manage.py", "rqworker", "--with-scheduler", "--job-class", "django_tasks_rq.Job", "default"]
        return {
            "web1": [*gunicorn, "--bind", f"127.0.0.1:{self.web_ports[0]}"],
            "web2": [*gunicorn, "--bind", f"127.0.0.1:{self.web_ports[1]}"],
            "asgi": [str(PY), "-m", "uvicorn", "rongmei.asgi:application", "--host", "127.0.0.1", "--port", str(self.asgi_port)]
            + ["--ws-max-size", "65536", "--lifespan", "off", "--log-level", "warning"],
            "worker1": worker,
            "worker2": worker,
            # Tasks asked for while Redis was away wait in the database queue (rongmei/core/resilience.py).
            "fallback": [str(PY), "manage.py", "db_worker", "--backend", "fallback", "--queue-name", "*", "--interval", "1", "--no-reload"],
            "cron": [str(PY), "-m", "rongmei.cluster", "cron", "--every", str(self.cron_seconds)],
            "nginx": [_nginx_bin(), "-c", str(self.root / "run" / "nginx.conf"), "-p", str(BASE_DIR), "-g", "daemon off;"],
        }

    def write_nginx_conf(self) -> None:
        from rongmei.live.ingest import nginx_conf

        site = self.site_dir
        for sub in ("run", "log", "nginx", "pages", "static", "media", "live/hls", "live/rec"):
            (site / sub).mkdir(parents=True, exist_ok=True)
        text = nginx_conf(
            prefix=BASE_DIR,
            var_dir=site,
            http_listen=f"127.0.0.1:{self.http_port}",
            web=f"127.0.0.1:{self.web_ports[0]}",
            web_servers=[f"127.0.0.1:{p}" for p in self.web_ports],
            ws=f"127.0.0.1:{self.asgi_port}",
            rtmp_listen=None,
            keep_user=os.geteuid() == 0,
        )
        (self.root / "run" / "nginx.conf").write_text(text)
        if os.geteuid() == 0:
            # nginx's workers (www-data) read the pages and static files.
            for path in [self.root, site, site / "pages", site / "static", site / "live", site / "live" / "hls"]:
                path.chmod(0o755)

    def _static(self) -> None:
        """Static files for DEBUG off (hashed names, compressed twins) in var/cluster-static/,
        shared by every cluster of this checkout (make cluster, the tests, the bench) and linked
        into the cluster's folder; collected again only when the files `make install` gathered
        into var/static/ changed (collecting and compressing takes half a minute)."""
        import hashlib

        shared = BASE_DIR / "var" / "cluster-static"
        source = BASE_DIR / "var" / "static"
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.exists() else []
        fingerprint = hashlib.sha256(
            "\n".join(f"{p.relative_to(source)} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in files).encode()
        ).hexdigest()
        stamp = shared / ".collected-from"
        link = self.site_dir / "static"
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            shutil.rmtree(link)
        shared.mkdir(parents=True, exist_ok=True)
        link.symlink_to(shared)
        if not files or not stamp.exists() or stamp.read_text() != fingerprint:
            self.manage("collectstatic", "--noinput", "-v", "0")
            stamp.write_text(fingerprint)
        if os.geteuid() == 0:
            shared.chmod(0o755)

    def manage(self, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(PY), "manage.py", *args], cwd=BASE_DIR, env=self.env(**extra_env), capture_output=True, text=True, check=check
        )

    def python(self, code: str) -> object:
        """Run ``code`` with Django set up in the cluster's environment; it sets ``result``, which
        comes back (JSON). For the tests' set-up and counts."""
        script = (
            "import django, json, sys\ndjango.setup()\nresult = None\n"
            + code
            + "\nsys.stdout.write('\\n@@' + json.dumps(result, default=str))\n"
        )
        done = subprocess.run([str(PY), "-c", script], cwd=BASE_DIR, env=self.env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"cluster python failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.rsplit("\n@@", 1)[1])

    def prepare(self, *, seed: bool = True) -> None:
        """Databases up, schema migrated, static files collected, demo seeded, pages published."""
        steps = [
            ("PostgreSQL", self.start_postgres),
            ("Redis", self.start_redis),
            ("S3 bucket", self.start_s3),
            ("migrate", lambda: self.manage("migrate", "--noinput")),
            ("static files", self._static),
        ]
        if seed:
            steps += [
                ("seed_demo", lambda: (self.root / "run" / "logins.txt").write_text(self.manage("seed_demo").stdout)),
                ("publish_pages", lambda: self.manage("publish_pages", "--if-stale")),
            ]
        for name, step in steps:
            started = time.monotonic()
            try:
                step()
            except subprocess.CalledProcessError as e:
                raise RuntimeError(f"cluster: {name} failed:\n{(e.stderr or '')[-3000:]}") from e
            print(f"cluster: {name} ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)
        self.write_nginx_conf()
        own = {name: {"MEDIA_ROOT": str(self.media_root(name))} for name in self.programs() if self.bucket and name != "nginx"}
        (self.root / "run" / "programs.json").write_text(json.dumps({"programs": self.programs(), "env": self.env(), "env_of": own}))

    # --- the supervisor ----------------------------------------------------------------------

    def _supervisor_pidfile(self) -> Path:
        return self._dir("run") / "supervisor.pid"

    def supervisor_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            pid = int(self._supervisor_pidfile().read_text())
            if _alive(pid):
                return pid
        return None

    def start(self, *, seed: bool = True, timeout: float = 120.0) -> None:
        self.prepare(seed=seed)
        if self.supervisor_pid() is None:
            log = open(self._dir("log") / "supervisor.log", "ab")  # noqa: SIM115 (the child keeps it)
            subprocess.Popen(
                [str(PY), "-m", "rongmei.cluster", "supervise", "--root", str(self.root)],
                cwd=BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for(self.up, "the cluster", timeout, every=0.3)

    def up(self) -> bool:
        return all(answers(p) for p in (self.http_port, *self.web_ports, self.asgi_port)) and self.healthy()

    def healthy(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as r:  # noqa: S310
                return r.status == 200
        except OSError:
            return False

    def pid(self, name: str) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            pid = int((self.root / "run" / f"{name}.pid").read_text())
            if _alive(pid):
                return pid
        return None

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Kill one program and every process under it (a gunicorn master and its worker; a task
        worker, the work horse it forked into a group of its own and that one's ffmpeg), as a
        crash of the machine's part would. The supervisor starts it again."""
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"cluster: {name} is not running")
        for victim in [pid, *descendants(pid)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, sig)
        return pid

    def port_of(self, name: str) -> int | None:
        return {"web1": self.web_ports[0], "web2": self.web_ports[1], "asgi": self.asgi_port, "nginx": self.http_port}.get(name)

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60.0) -> int:
        """Until the supervisor has started ``name`` again and, for a server, it answers on its port."""
        wait_for(lambda: self.pid(name) not in (None, old_pid), f"{name}'s restart", timeout)
        port = self.port_of(name)
        if port is not None:
            wait_for(lambda: answers(port), f"{name} answering on {port}", timeout)
        return self.pid(name)

    def stop(self) -> None:
        pid = self.supervisor_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                wait_for(lambda: not _alive(pid), "the supervisor's stop", 30)
        self.stop_redis()
        self.stop_postgres()
        self.stop_s3()

    def status(self) -> dict[str, int | None]:
        names = ["supervisor", *self.programs()]
        found = {n: (self.supervisor_pid() if n == "supervisor" else self.pid(n)) for n in names}
        found["postgres"] = 1 if self.postgres_up() else None
        found["redis"] = 1 if self.redis_up() else None
        if self.bucket:
            found["s3"] = 1 if answers(self.s3_port) else None
        return found


# --- cron ---------------------------------------------------------------------------------------

# What a server's crontab runs (docs/operations.md "Hourly housekeeping"): each only catches what a
# lost or killed task would have done, and is safe to repeat.
CRON_COMMANDS = ["publish_due", "media_housekeeping", "inquiries_sweep", "live_housekeeping", "flag_overdue"]


def cron(every: float) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import close_old_connections, connections

    stopping = False

    def on_term(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    while not stopping:
        for name in CRON_COMMANDS:
            try:
                call_command(name, stdout=open(os.devnull, "w"))  # noqa: SIM115
            except Exception as e:  # the database restarting: next round
                print(f"{time.strftime('%H:%M:%S')} cron: {name} failed: {e}", flush=True)
                connections.close_all()
            close_old_connections()
        deadline = time.monotonic() + every
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.2)
    return 0


# --- the supervisor process -----------------------------------------------------------------------


def supervise(root: Path) -> int:
    """Start every program, start again any that exits (after 1 s), stop all on SIGTERM."""
    spec = json.loads((root / "run" / "programs.json").read_text())
    programs: dict[str, list[str]] = spec["programs"]
    env = spec["env"]
    env_of = spec.get("env_of", {})
    logs = root / "log"
    (root / "run" / "supervisor.pid").write_text(str(os.getpid()))
    running: dict[str, subprocess.Popen] = {}
    restarts: dict[str, int] = dict.fromkeys(programs, 0)
    stopping = False

    def on_term(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    def launch(name: str) -> None:
        out = open(logs / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        proc = subprocess.Popen(
            programs[name], cwd=BASE_DIR, env={**env, **env_of.get(name, {})}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        running[name] = proc
        (root / "run" / f"{name}.pid").write_text(str(proc.pid))
        print(f"{time.strftime('%H:%M:%S')} supervisor: started {name} (pid {proc.pid})", flush=True)

    for name in programs:
        launch(name)
    while not stopping:
        time.sleep(0.2)
        for name, proc in list(running.items()):
            code = proc.poll()
            if code is None or stopping:
                continue
            # What is left of its group (a gunicorn worker) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            restarts[name] += 1
            print(f"{time.strftime('%H:%M:%S')} supervisor: {name} exited ({code}); starting it again", flush=True)
            time.sleep(1)
            launch(name)
    for proc in running.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in running.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for name in programs:
        with contextlib.suppress(FileNotFoundError):
            (root / "run" / f"{name}.pid").unlink()
    (root / "run" / "supervisor.pid").unlink(missing_ok=True)
    print(f"{time.strftime('%H:%M:%S')} supervisor: stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rongmei.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status", "supervise", "cron"])
    parser.add_argument("--every", type=float, default=60.0)
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8080")))
    args = parser.parse_args(argv)
    bucket = os.environ.get("CLUSTER_BUCKET", "") not in ("", "0")
    cluster = Cluster(root=args.root or BASE_DIR / "var" / "cluster", base_port=args.port, bucket=bucket)
    if args.command == "supervise":
        return supervise(cluster.root)
    if args.command == "cron":
        return cron(args.every)
    if args.command == "down":
        cluster.stop()
        print("cluster: stopped")
        return 0
    if args.command == "status":
        for name, pid in cluster.status().items():
            print(f"{name:11} {'running' if pid else 'stopped'}{f' (pid {pid})' if pid and pid != 1 else ''}")
        return 0
    cluster.start()
    with contextlib.suppress(OSError):
        print((cluster.root / "run" / "logins.txt").read_text().strip())
    print()
    print(f"cluster: http://127.0.0.1:{cluster.http_port}/  (nginx → web {cluster.web_ports}, WebSockets {cluster.asgi_port})")
    print(f"cluster: PostgreSQL 127.0.0.1:{cluster.pg_port}/rongmei, Redis 127.0.0.1:{cluster.redis_port}; logs in {cluster.root / 'log'}")
    if cluster.bucket:
        print(f"cluster: uploaded files in the bucket {cluster.bucket_name} at {cluster.s3_endpoint} (moto, in memory)")
    print("cluster: `make cluster-stop` stops it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
