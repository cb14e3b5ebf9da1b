"""A real FTP server (pyftpdlib) on 127.0.0.1, random port, a temporary home directory.

``faults`` makes it fail on purpose: "refuse" answers the next connection with 421 and closes it;
"drop" closes the control and data connections in the middle of the next upload.
"""

from __future__ import annotations

import threading
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import DTPHandler, FTPHandler
from pyftpdlib.servers import FTPServer

USER, PASSWORD = "typeset", "ftp-pass-0123456789"  # noqa: S105


class FtpServer:
    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.faults: list[str] = []
        self.stores: list[str] = []
        box = self

        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(self.home), perm="elradfmwMT")

        class DroppingDTP(DTPHandler):
            def handle_read(self):
                super().handle_read()
                if self.tot_bytes_received and "drop" in box.faults:
                    box.faults.remove("drop")
                    cmd = self.cmd_channel
                    self.close()
                    cmd.close()

            handle_read_event = handle_read

        class Handler(FTPHandler):
            dtp_handler = DroppingDTP

            def handle(self):
                if "refuse" in box.faults:
                    box.faults.remove("refuse")
                    self.respond("421 Service not available, closing control connection.")
                    self.close_when_done()
                    return
                super().handle()

            def ftp_STOR(self, file, mode="w"):
                box.stores.append(Path(file).name)
                return super().ftp_STOR(file, mode)

            def log(self, *a, **k):
                pass

            def logline(self, *a, **k):
                pass

        Handler.authorizer = authorizer
        Handler.banner = "rongmei test ftpd"
        Handler.auth_failed_timeout = 0.01
        Handler.passive_ports = None
        self.server = FTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.address[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.server.ioloop.loop(0.01, blocking=False)

    def settings(self, **extra) -> dict:
        return {"adapter": "ftp", "host": "127.0.0.1", "port": self.port, "username": USER, "password": PASSWORD, **extra}

    def names(self) -> list[str]:
        return sorted(p.name for p in self.home.rglob("*") if p.is_file())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(5)
        self.server.close_all()
