"""SFTP drop (paramiko) for the newspaper typesetting system and TV/radio playout.

What is dropped and how (atomic .part + rename, manifest last, retraction marker): see drop.py.

Settings (stored encrypted through credentials.py, ``adapter: "sftp"``):
  host, port (22), username, password and/or private_key (PEM text, optional key_passphrase),
  host_key: the server's public key as in known_hosts ("ecdsa-sha2-nistp256 AAAA…"; REQUIRED:
  we never trust an unknown server with the story or the password), directory, timeout (20 s).
Errors: refused, timed-out or dropped connections and SSH/SFTP failures while talking →
TransientError; a refused login, a host key that does not match, a missing directory or
permission → PermanentError. Messages never carry host, user, password or key.
Tested against a real paramiko SFTP server started by the tests (tests/servers/sftp.py).
"""

from __future__ import annotations

import contextlib
import errno
import io
import socket
from pathlib import Path

import paramiko
from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import PermanentError, TransientError
from rongmei.distribution.adapters.drop import DropAdapter
from rongmei.distribution.adapters.settings_util import channel_settings

TIMEOUT_SECONDS = 20.0
REQUIRED = ("host", "username", "host_key")
_KEY_CLASSES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


class _HostKeyMismatch(Exception):
    pass


def _private_key(text: str, passphrase: str | None):
    for cls in _KEY_CLASSES:
        try:
            return cls.from_private_key(io.StringIO(text), password=passphrase or None)
        except (paramiko.SSHException, ValueError):
            continue
    raise PermanentError(_("The private key in the SFTP settings cannot be read."))


class _Session:
    def __init__(self, adapter: SftpAdapter, cfg: dict) -> None:
        self.adapter = adapter
        self.cfg = cfg
        self.transport: paramiko.Transport | None = None
        self.sftp: paramiko.SFTPClient | None = None

    def __enter__(self):
        cfg = self.cfg
        timeout = float(cfg.get("timeout") or TIMEOUT_SECONDS)
        with self.adapter.translate_errors():
            sock = socket.create_connection((cfg["host"], int(cfg.get("port") or 22)), timeout=timeout)
            self.transport = paramiko.Transport(sock)
            self.transport.banner_timeout = self.transport.auth_timeout = timeout
            self.transport.start_client(timeout=timeout)
            remote = self.transport.get_remote_server_key()
            if f"{remote.get_name()} {remote.get_base64()}" != " ".join(str(cfg["host_key"]).split()[:2]):
                raise _HostKeyMismatch
            if cfg.get("private_key"):
                self.transport.auth_publickey(cfg["username"], _private_key(cfg["private_key"], cfg.get("key_passphrase")))
            else:
                self.transport.auth_password(cfg["username"], cfg.get("password", ""))
            self.sftp = paramiko.SFTPClient.from_transport(self.transport)
            self.sftp.get_channel().settimeout(timeout)
            if cfg.get("directory"):
                self.sftp.chdir(cfg["directory"])
        return self

    def __exit__(self, *exc):
        if self.transport is not None:
            self.transport.close()
        return False

    def put(self, name: str, data: bytes | Path) -> None:
        """Upload bytes, or a file on disk streamed in blocks."""
        part = name + ".part"
        with self.adapter.translate_errors():
            if isinstance(data, bytes):
                self.sftp.putfo(io.BytesIO(data), part, file_size=len(data), confirm=True)
            else:
                self.sftp.put(str(data), part, confirm=True)
            try:
                self.sftp.posix_rename(part, name)  # replaces NAME atomically (OpenSSH extension)
            except OSError:
                with contextlib.suppress(FileNotFoundError):
                    self.sftp.remove(name)
                self.sftp.rename(part, name)

    def read(self, name: str) -> bytes | None:
        out = io.BytesIO()
        try:
            self.sftp.getfo(name, out)
        except FileNotFoundError:
            return None
        except (OSError, paramiko.SSHException, EOFError):
            return None
        return out.getvalue()

    def remove(self, name: str) -> None:
        with self.adapter.translate_errors():
            for target in (name, name + ".part"):
                with contextlib.suppress(FileNotFoundError):
                    self.sftp.remove(target)


class SftpAdapter(DropAdapter):
    name = "sftp"

    def config(self) -> dict:
        cfg = channel_settings(self.channel, self._given, REQUIRED, "sftp")
        if not cfg.get("password") and not cfg.get("private_key"):
            raise PermanentError(_("The channel %(name)s needs a password or a private key for SFTP.") % {"name": self.channel.name})
        return cfg

    def session(self):
        return _Session(self, self.config())

    @contextlib.contextmanager
    def translate_errors(self):
        name = self.channel.name
        try:
            yield
        except _HostKeyMismatch:
            raise PermanentError(
                _("The SFTP server of %(name)s did not show the host key we know: refusing to send.") % {"name": name}
            ) from None
        except paramiko.AuthenticationException:
            raise PermanentError(_("The SFTP server of %(name)s refused the login.") % {"name": name}) from None
        except PermissionError:
            raise PermanentError(_("The SFTP server of %(name)s refused the file: no permission.") % {"name": name}) from None
        except FileNotFoundError:
            raise PermanentError(_("The SFTP directory of %(name)s does not exist.") % {"name": name}) from None
        except TimeoutError:
            raise TransientError(_("The SFTP server of %(name)s did not answer in time.") % {"name": name}) from None
        except OSError as e:
            if e.errno in (errno.EACCES, errno.EPERM):
                raise PermanentError(_("The SFTP server of %(name)s refused the file: no permission.") % {"name": name}) from None
            raise TransientError(_("The connection to the SFTP server of %(name)s failed.") % {"name": name}) from None
        except (paramiko.SSHException, EOFError):
            raise TransientError(_("The connection to the SFTP server of %(name)s failed.") % {"name": name}) from None
