"""SMS gateways for the login codes, chosen by the setting ``RONGMEI_SMS_BACKEND`` (a dotted path).

- ``ConsoleBackend`` (the default): writes the message to the log and keeps it in ``outbox`` for
  tests and the demo. Nothing leaves the machine.
- ``AliyunBackend``: Aliyun SMS (dysmsapi) ``SendSms``, RPC style, written to the public API
  document (https://help.aliyun.com/en/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms and
  the RPC signature method v1, https://www.alibabacloud.com/help/en/sms/signature-method).
  IT HAS ONLY MET THE LOCAL CONTRACT SERVER (rongmei/fans/tests/servers/aliyun.py), never the real
  service: try it with a real account before relying on it.
  Settings, from environment variables: ALIYUN_SMS_ACCESS_KEY_ID, ALIYUN_SMS_ACCESS_KEY_SECRET,
  ALIYUN_SMS_SIGN_NAME, ALIYUN_SMS_TEMPLATE_CODE (a template with one variable, ``${code}``),
  ALIYUN_SMS_ENDPOINT (default https://dysmsapi.aliyuncs.com/), ALIYUN_SMS_TIMEOUT (seconds, 5).

A backend's ``send_code`` returns when the gateway accepted the message and raises ``SmsError``
otherwise; the caller then stores nothing as sent.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

DEFAULT_BACKEND = "rongmei.fans.sms.ConsoleBackend"


class SmsError(Exception):
    """The gateway did not take the message. ``message`` is for the person who asked for a code."""

    def __init__(self, message: str, *, code: str = "sms_failed", field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.field = field


def unavailable() -> SmsError:
    return SmsError(_("The text message could not be sent. Please try again later."), code="sms_failed")


class SmsBackend:
    def send_code(self, *, phone: str, code: str) -> None:  # pragma: no cover - interface
        """Send ``code`` to ``phone`` (11 mainland digits). Raise SmsError when not accepted."""
        raise NotImplementedError


def get_backend() -> SmsBackend:
    return import_string(getattr(settings, "RONGMEI_SMS_BACKEND", DEFAULT_BACKEND))()


def is_console() -> bool:
    return isinstance(get_backend(), ConsoleBackend)


@dataclass(frozen=True)
class SentMessage:
    phone: str
    code: str
    text: str


class ConsoleBackend(SmsBackend):
    # Class-level on purpose: every instance (one per request) writes to the same outbox.
    outbox: list[SentMessage] = []

    def send_code(self, *, phone: str, code: str) -> None:
        text = _("Your verification code is %(code)s. It is valid for 5 minutes.") % {"code": code}
        ConsoleBackend.outbox.append(SentMessage(phone=phone, code=code, text=text))
        log.info("SMS to %s (console backend, not sent): %s", phone, text)


# --- Aliyun ----------------------------------------------------------------------------------

# Business answers (HTTP 200 or 4xx with a JSON body) that mean "not now, for this number".
ALIYUN_LIMIT_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL"})
ALIYUN_BAD_NUMBER_CODES = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT"})


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the RPC signature needs it: only A-Z a-z 0-9 - _ . ~ stay as they are
    (a space is %20, never +; * is %2A)."""
    return urllib.parse.quote(str(value), safe="-_.~")


def rpc_signature(method: str, params: dict[str, str], secret: str) -> str:
    """Signature v1 (HMAC-SHA1) over the sorted, percent-encoded parameters, ``Signature`` excluded."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend(SmsBackend):
    def __init__(
        self,
        *,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
        template_code: str | None = None,
        endpoint: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.access_key_id = access_key_id or os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
        self.access_key_secret = access_key_secret or os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
        self.sign_name = sign_name or os.environ.get("ALIYUN_SMS_SIGN_NAME", "")
        self.template_code = template_code or os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", "")
        self.endpoint = endpoint or os.environ.get("ALIYUN_SMS_ENDPOINT", "") or "https://dysmsapi.aliyuncs.com/"
        self.timeout = timeout if timeout is not None else float(os.environ.get("ALIYUN_SMS_TIMEOUT", "5"))
        missing = [name for name, value in self._required().items() if not value]
        if missing:
            raise ImproperlyConfigured(f"Aliyun SMS backend: set {', '.join(missing)}")
        if urllib.parse.urlsplit(self.endpoint).scheme not in ("http", "https"):
            raise ImproperlyConfigured(f"ALIYUN_SMS_ENDPOINT={self.endpoint!r} is not an http(s) URL")

    def _required(self) -> dict[str, str]:
        return {
            "ALIYUN_SMS_ACCESS_KEY_ID": self.access_key_id,
            "ALIYUN_SMS_ACCESS_KEY_SECRET": self.access_key_secret,
            "ALIYUN_SMS_SIGN_NAME": self.sign_name,
            "ALIYUN_SMS_TEMPLATE_CODE": self.template_code,
        }

    def params(self, *, phone: str, code: str) -> dict[str, str]:
        return self.signed_params(phone=phone, variables={"code": code})

    def signed_params(self, *, phone: str, variables: dict[str, str]) -> dict[str, str]:
        """The signed SendSms form for ``self.template_code`` filled with ``variables``."""
        params = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "Format": "JSON",
            "AccessKeyId": self.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(variables, ensure_ascii=False, separators=(",", ":")),
        }
        params["Signature"] = rpc_signature("POST", params, self.access_key_secret)
        return params

    def send_code(self, *, phone: str, code: str) -> None:
        self.send_template(phone=phone, variables={"code": code})

    def send_template(self, *, phone: str, variables: dict[str, str]) -> None:
        """Send ``self.template_code`` with ``variables`` to ``phone`` (11 digits); SmsError when not accepted.
        Also used by the 问政 notices (rongmei.inquiries.gateways.AliyunSms) with their own template."""
        # POST with a form body, so the code stays out of URLs in proxy logs.
        body = urllib.parse.urlencode(self.signed_params(phone=phone, variables=variables), quote_via=urllib.parse.quote).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.endpoint, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (OSError, TimeoutError) as exc:  # URLError, refused, reset, timed out
            log.warning("Aliyun SMS to %s: no answer (%s)", phone, exc)
            raise unavailable() from exc
        if status >= 500:
            log.warning("Aliyun SMS to %s: HTTP %s", phone, status)
            raise unavailable()
        try:
            answer = json.loads(raw)
        except ValueError:
            log.warning("Aliyun SMS to %s: HTTP %s, not JSON", phone, status)
            raise unavailable() from None
        result = answer.get("Code") if isinstance(answer, dict) else None
        if status == 200 and result == "OK":
            log.info("Aliyun SMS to %s accepted: BizId %s", phone, answer.get("BizId"))
            return
        if result in ALIYUN_LIMIT_CODES:
            raise SmsError(_("This number has received too many text messages. Please try again later."), code="sms_limited")
        if result in ALIYUN_BAD_NUMBER_CODES:
            raise SmsError(_("This number cannot receive text messages."), code="sms_bad_number", field="phone")
        # Everything else is ours to fix (signature, template, balance): the person can only wait.
        log.error(
            "Aliyun SMS to %s refused: HTTP %s %s %s", phone, status, result, answer.get("Message") if isinstance(answer, dict) else ""
        )
        raise unavailable()
