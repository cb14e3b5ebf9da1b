"""SMTP email (smtplib): the story as an email to the configured recipients.

One message per publication: text/plain and text/html alternatives in UTF-8, the subject (the
headline, Chinese included) RFC 2047-encoded, ``Message-ID: <KEY@DOMAIN>`` derived from the
publication's key (a resend after a lost answer carries the same Message-ID, so receivers can
drop the duplicate) and ``X-Rongmei-Key: KEY``. Retraction sends a retraction notice with
``Message-ID: <KEY.retracted@DOMAIN>`` and In-Reply-To/References pointing at the story's message.

Settings (stored encrypted through credentials.py, ``adapter: "smtp"``):
  host, port (25; 587 with starttls, 465 with ssl), security ("none" | "starttls" | "ssl"),
  username and password (optional: no login when empty), sender ("新闻中心 <news@example.cn>"),
  recipients (a list, or one string separated by commas/semicolons/newlines), timeout (20 s).
Errors: 4xx replies (421, 450, 451, 452), timeouts, refused or dropped connections →
TransientError; 5xx replies (535 login refused, 550 mailbox refused, 554), a server without
STARTTLS when it is required, a failed certificate check → PermanentError. Messages carry the
reply code, never the server's address, the login or the password.
Tested against a real aiosmtpd server started by the tests (tests/servers/smtp.py).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, getaddresses

from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from rongmei.core.text import plain_text
from rongmei.distribution.adapters.base import Adapter, PermanentError, Receipt, TransientError, story_payload
from rongmei.distribution.adapters.settings_util import channel_settings

TIMEOUT_SECONDS = 20.0
REQUIRED = ("host", "sender", "recipients")


def recipient_list(value) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\n]+", str(value or ""))
    return [addr for _name, addr in getaddresses([str(i).strip() for i in items if str(i).strip()]) if "@" in addr]


def message_id(key: str, sender: str, suffix: str = "") -> str:
    addresses = getaddresses([sender])
    domain = addresses[0][1].rpartition("@")[2] if addresses and "@" in addresses[0][1] else "rongmei.invalid"
    return f"<{key}{suffix}@{domain}>"


class SmtpAdapter(Adapter):
    name = "smtp"

    def __init__(self, channel, settings: dict | None = None) -> None:
        super().__init__(channel)
        self._given = settings

    def config(self) -> dict:
        cfg = channel_settings(self.channel, self._given, REQUIRED, "smtp")
        if not recipient_list(cfg["recipients"]):
            raise PermanentError(_("The channel %(name)s has no valid recipient address.") % {"name": self.channel.name})
        return cfg

    def render(self, publication) -> dict:
        return story_payload(publication)

    # --- building the messages -----------------------------------------------------------

    def build(self, payload: dict, key: str, cfg: dict) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = payload.get("headline", "")
        msg["From"] = cfg["sender"]
        msg["To"] = ", ".join(recipient_list(cfg["recipients"]))
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = message_id(key, cfg["sender"])
        msg["X-Rongmei-Key"] = key
        byline = "、".join(payload.get("authors") or [])
        parts = [
            payload.get("headline", ""),
            payload.get("subtitle", ""),
            byline,
            payload.get("intro", ""),
            plain_text(payload.get("body_html", "")),
        ]
        msg.set_content("\n\n".join(p for p in parts if p) + "\n", charset="utf-8")
        # body_html is the sanitized story body (nh3 on save); the head is escaped here.
        head = f"<h1>{escape(payload.get('headline', ''))}</h1>"
        if payload.get("subtitle"):
            head += f"<h2>{escape(payload['subtitle'])}</h2>"
        if byline:
            head += f"<p>{escape(byline)}</p>"
        if payload.get("intro"):
            head += f"<p><strong>{escape(payload['intro'])}</strong></p>"
        html = f'<!doctype html><html><head><meta charset="utf-8"></head><body>{head}{payload.get("body_html", "")}</body></html>'
        msg.add_alternative(html, subtype="html", charset="utf-8")
        return msg

    def build_retraction(self, receipt: Receipt, key: str, cfg: dict) -> EmailMessage:
        original = receipt.external_id or message_id(key, cfg["sender"])
        msg = EmailMessage()
        msg["Subject"] = _("Retraction notice: %(key)s") % {"key": key}
        msg["From"] = cfg["sender"]
        msg["To"] = ", ".join(recipient_list(cfg["recipients"]))
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = message_id(key, cfg["sender"], ".retracted")
        msg["In-Reply-To"] = original
        msg["References"] = original
        msg["X-Rongmei-Key"] = key
        msg["X-Rongmei-Event"] = "retracted"
        msg.set_content(
            _("The story sent in message %(id)s has been retracted (%(time)s). Do not publish or reuse it.")
            % {"id": original, "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            + "\n",
            charset="utf-8",
        )
        return msg

    # --- sending ---------------------------------------------------------------------------

    def _deliver(self, msg: EmailMessage, cfg: dict) -> None:
        timeout = float(cfg.get("timeout") or TIMEOUT_SECONDS)
        security = str(cfg.get("security") or "none").lower()
        host = cfg["host"]
        with self._translate_errors():
            if security == "ssl":
                client = smtplib.SMTP_SSL(host, int(cfg.get("port") or 465), timeout=timeout, context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(host, int(cfg.get("port") or (587 if security == "starttls" else 25)), timeout=timeout)
            try:
                client.ehlo_or_helo_if_needed()
                if security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if cfg.get("username"):
                    client.login(cfg["username"], cfg.get("password", ""))
                client.send_message(msg)
            finally:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    client.quit()

    @contextlib.contextmanager
    def _translate_errors(self):
        name = self.channel.name

        def judge(code: int):
            message = _("The mail server of %(name)s answered %(code)s.") % {"name": name, "code": code}
            return TransientError(message) if 400 <= int(code) < 500 else PermanentError(message)

        try:
            yield
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _msg in e.recipients.values()]
            raise judge(min(codes) if codes and all(400 <= c < 500 for c in codes) else max(codes or [550])) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentError(_("The mail server of %(name)s does not offer STARTTLS.") % {"name": name}) from None
        except smtplib.SMTPServerDisconnected:
            raise TransientError(_("The mail server of %(name)s closed the connection.") % {"name": name}) from None
        except (smtplib.SMTPResponseException, smtplib.SMTPConnectError) as e:
            raise judge(getattr(e, "smtp_code", 451)) from None
        except ssl.SSLCertVerificationError:
            raise PermanentError(_("The mail server of %(name)s has a certificate we cannot trust.") % {"name": name}) from None
        except TimeoutError:
            raise TransientError(_("The mail server of %(name)s did not answer in time.") % {"name": name}) from None
        except (smtplib.SMTPException, OSError):
            raise TransientError(_("The connection to the mail server of %(name)s failed.") % {"name": name}) from None

    def send(self, payload: dict, key: str) -> Receipt:
        cfg = self.config()
        msg = self.build(payload, key, cfg)
        self._deliver(msg, cfg)
        return Receipt(external_id=msg["Message-ID"], url="")

    def retract(self, receipt: Receipt, key: str) -> None:
        cfg = self.config()
        self._deliver(self.build_retraction(receipt, key, cfg), cfg)
