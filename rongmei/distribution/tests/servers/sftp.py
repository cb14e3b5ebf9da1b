"""A tiny real SFTP server (paramiko's server interface) on 127.0.0.1, random port, rooted in a
temporary directory. Password login; an ECDSA host key made per server.

``faults``: "refuse" closes the next connection before the SSH handshake; "drop" closes the
transport in the middle of the next file write.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import paramiko
from paramiko import SFTP_NO_SUCH_FILE, SFTP_OK, SFTP_PERMISSION_DENIED, SFTPAttributes, SFTPHandle, SFTPServerInterface

USER, PASSWORD = "playout", "sftp-pass-0123456789"  # noqa: S105


class _Auth(paramiko.ServerInterface):
    def check_auth_password(self, username, password):
        return paramiko.AUTH_SUCCESSFUL if (username, password) == (USER, PASSWORD) else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return "password"

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


def _errno(e: OSError) -> int:
    return paramiko.SFTPServer.convert_errno(e.errno)


class SftpServer:
    def __init__(self, home: Path) -> None:
        self.home = Path(home).resolve()
        self.home.mkdir(parents=True, exist_ok=True)
        self.faults: list[str] = []
        self.host_key = paramiko.ECDSAKey.generate()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def known_host_key(self) -> str:
        return f"{self.host_key.get_name()} {self.host_key.get_base64()}"

    def settings(self, **extra) -> dict:
        return {
            "adapter": "sftp",
            "host": "127.0.0.1",
            "port": self.port,
            "username": USER,
            "password": PASSWORD,
            "host_key": self.known_host_key,
            "timeout": 2,
            **extra,
        }

    def names(self) -> list[str]:
        return sorted(p.name for p in self.home.rglob("*") if p.is_file())

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            if "refuse" in self.faults:
                self.faults.remove("refuse")
                conn.close()
                continue
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Files, self, transport)
            self._transports.append(transport)
            transport.start_server(server=_Auth())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(5)
        for t in self._transports:
            t.close()
        self.sock.close()


class _Handle(SFTPHandle):
    def __init__(self, box: SftpServer, transport, flags: int = 0) -> None:
        super().__init__(flags)
        self.box = box
        self.transport = transport

    def write(self, offset, data):
        if "drop" in self.box.faults:
            self.box.faults.remove("drop")
            self.transport.close()
            return SFTP_OK
        return super().write(offset, data)

    def stat(self):
        try:
            return SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as e:
            return _errno(e)


class _Files(SFTPServerInterface):
    def __init__(self, server, box: SftpServer, transport, *args, **kwargs) -> None:
        super().__init__(server, *args, **kwargs)
        self.box = box
        self.transport = transport

    def _path(self, path: str) -> Path:
        full = (self.box.home / self.canonicalize(path).lstrip("/")).resolve()
        if full != self.box.home and self.box.home not in full.parents:
            raise PermissionError
        return full

    def canonicalize(self, path):
        return "/" + os.path.normpath("/" + (path or "/")).lstrip("/")

    def list_folder(self, path):
        try:
            folder = self._path(path)
            return [SFTPAttributes.from_stat(p.stat(), p.name) for p in folder.iterdir()]
        except OSError as e:
            return _errno(e)

    def stat(self, path):
        try:
            return SFTPAttributes.from_stat(self._path(path).stat())
        except OSError as e:
            return _errno(e)

    lstat = stat

    def open(self, path, flags, attr):
        try:
            full = self._path(path)
            fd = os.open(full, flags, 0o644)
        except OSError as e:
            return _errno(e)
        mode = "wb" if flags & os.O_WRONLY else ("r+b" if flags & os.O_RDWR else "rb")
        f = os.fdopen(fd, mode)
        handle = _Handle(self.box, self.transport, flags)
        handle.filename = str(full)
        handle.readfile = f
        handle.writefile = f
        return handle

    def remove(self, path):
        try:
            self._path(path).unlink()
        except FileNotFoundError:
            return SFTP_NO_SUCH_FILE
        except OSError as e:
            return _errno(e)
        return SFTP_OK

    def rename(self, oldpath, newpath):
        new = self._path(newpath)
        if new.exists():
            return SFTP_PERMISSION_DENIED  # like plain SFTP rename: no overwrite
        try:
            self._path(oldpath).rename(new)
        except OSError as e:
            return _errno(e)
        return SFTP_OK

    def posix_rename(self, oldpath, newpath):
        try:
            os.replace(self._path(oldpath), self._path(newpath))
        except OSError as e:
            return _errno(e)
        return SFTP_OK

    def mkdir(self, path, attr):
        try:
            self._path(path).mkdir()
        except OSError as e:
            return _errno(e)
        return SFTP_OK
