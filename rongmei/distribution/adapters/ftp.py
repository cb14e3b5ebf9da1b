"""FTP drop (ftplib, FTPS optional) for the newspaper typesetting system and TV/radio playout.

What is dropped and how (atomic .part + rename, manifest last, retraction marker): see drop.py.

Settings (stored encrypted through credentials.py, ``adapter: "ftp"``):
  host, port (21), username, password, directory ("" = the login directory),
  tls (false: plain FTP; true: explicit FTPS, AUTH TLS + PROT P, certificate verified),
  passive (true), timeout (20 s).
Errors: 4xx replies (421 service not available, 450/451 busy or local error, 452), timeouts,
refused or dropped connections → TransientError; 5xx replies (530 login refused, 550 no such
directory or no permission), a failed certificate check → PermanentError. Messages name the
channel and the FTP reply code, never the host, user or password.
Tested against a real pyftpdlib server started by the tests (tests/servers/ftp.py).
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import ssl
from pathlib import Path

from django.utils.translation import gettext as _

from rongmei.distribution.adapters.base import PermanentError, TransientError
from rongmei.distribution.adapters.drop import DropAdapter
from rongmei.distribution.adapters.settings_util import as_bool, channel_settings

TIMEOUT_SECONDS = 20.0
REQUIRED = ("host", "username", "password")


def _code(error: Exception) -> str:
    text = str(error.args[0] if error.args else "")
    return text[:3] if text[:3].isdigit() else "?"


class _Session:
    def __init__(self, adapter: FtpAdapter, cfg: dict) -> None:
        self.adapter = adapter
        self.cfg = cfg
        self.ftp: ftplib.FTP | None = None

    def __enter__(self):
        cfg = self.cfg
        timeout = float(cfg.get("timeout") or TIMEOUT_SECONDS)
        if as_bool(cfg.get("tls")):
            self.ftp = ftplib.FTP_TLS(context=ssl.create_default_context(), timeout=timeout)  # noqa: S321
        else:
            self.ftp = ftplib.FTP(timeout=timeout)  # noqa: S321 - what typesetting systems speak; FTPS or SFTP when they can
        with self.adapter.translate_errors():
            self.ftp.connect(cfg["host"], int(cfg.get("port") or 21))
            self.ftp.login(cfg["username"], cfg["password"])
            if as_bool(cfg.get("tls")):
                self.ftp.prot_p()
            self.ftp.set_pasv(as_bool(cfg.get("passive", True)))
            if cfg.get("directory"):
                self.ftp.cwd(cfg["directory"])
        return self

    def __exit__(self, *exc):
        if self.ftp is not None:
            try:
                self.ftp.quit()
            except (ftplib.Error, OSError, EOFError):
                self.ftp.close()
        return False

    def put(self, name: str, data: bytes | Path) -> None:
        """Upload bytes, or a file on disk streamed in blocks."""
        part = name + ".part"
        with self.adapter.translate_errors():
            with io.BytesIO(data) if isinstance(data, bytes) else data.open("rb") as source:
                self.ftp.storbinary(f"STOR {part}", source, blocksize=1 << 16)
            try:
                self.ftp.rename(part, name)
            except ftplib.error_perm:
                # Servers that will not rename over an existing file: replace it.
                self._delete(name)
                self.ftp.rename(part, name)

    def read(self, name: str) -> bytes | None:
        out = io.BytesIO()
        try:
            with self.adapter.translate_errors():
                self.ftp.retrbinary(f"RETR {name}", out.write)
        except PermanentError:
            return None
        return out.getvalue()

    def _delete(self, name: str) -> None:
        try:
            self.ftp.delete(name)
        except ftplib.error_perm as e:
            if _code(e) != "550":  # 550: no such file
                raise

    def remove(self, name: str) -> None:
        with self.adapter.translate_errors():
            self._delete(name)
            self._delete(name + ".part")


class FtpAdapter(DropAdapter):
    name = "ftp"

    def config(self) -> dict:
        return channel_settings(self.channel, self._given, REQUIRED, "ftp")

    def session(self):
        return _Session(self, self.config())

    @contextlib.contextmanager
    def translate_errors(self):
        name = self.channel.name
        try:
            yield
        except ftplib.error_temp as e:
            raise TransientError(_("The FTP server of %(name)s is busy (reply %(code)s).") % {"name": name, "code": _code(e)}) from None
        except ftplib.error_perm as e:
            raise PermanentError(_("The FTP server of %(name)s refused (reply %(code)s).") % {"name": name, "code": _code(e)}) from None
        except ssl.SSLCertVerificationError:
            raise PermanentError(_("The FTP server of %(name)s has a certificate we cannot trust.") % {"name": name}) from None
        except TimeoutError:
            raise TransientError(_("The FTP server of %(name)s did not answer in time.") % {"name": name}) from None
        except (ftplib.error_reply, ftplib.error_proto, EOFError, OSError):
            raise TransientError(_("The connection to the FTP server of %(name)s failed.") % {"name": name}) from None
