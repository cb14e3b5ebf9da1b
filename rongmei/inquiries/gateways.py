"""Text-message gateways for 问政 notices (``RONGMEI_INQUIRIES["SMS_GATEWAY"]``, a dotted path).

- ``ConsoleSms`` (the default) writes to the log and keeps an outbox for tests and the demo: nothing
  leaves the machine.
- ``AliyunSms`` sends through Aliyun SMS ``SendSms`` with a notice template (one variable, the text).
  It signs requests with the login codes' Aliyun adapter (``rongmei.fans.sms.AliyunBackend``), so both
  share the account settings: ALIYUN_SMS_ACCESS_KEY_ID, ALIYUN_SMS_ACCESS_KEY_SECRET,
  ALIYUN_SMS_SIGN_NAME, ALIYUN_SMS_ENDPOINT, ALIYUN_SMS_TIMEOUT; its own are
  ALIYUN_SMS_NOTICE_TEMPLATE_CODE (required), ALIYUN_SMS_NOTICE_PARAM (the template's variable,
  default ``content``) and ALIYUN_SMS_NOTICE_MAX_CHARS (longer texts are cut, default 35, Aliyun's
  usual limit for one variable). IT HAS ONLY MET THE LOCAL CONTRACT SERVER
  (rongmei/fans/tests/servers/aliyun.py), never the real service.

A gateway's ``send_text(phone=…, text=…)`` returns when the message was accepted and raises
otherwise; ``notify`` logs the failure and carries on (the in-app notice is already stored).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from rongmei.fans.sms import AliyunBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentText:
    phone: str
    text: str


class ConsoleSms:
    # Class-level on purpose: every instance writes to the same outbox.
    outbox: list[SentText] = []

    def send_text(self, *, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phone, text)
        self.outbox.append(SentText(phone, text))


def mainland_digits(phone: str) -> str:
    """The 11 digits Aliyun wants, from "+86…", "0086…" or the bare number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


class AliyunSms(AliyunBackend):
    """Aliyun SMS with the notice template; raises ``rongmei.fans.sms.SmsError`` when not accepted."""

    def __init__(self, **kwargs) -> None:
        template = kwargs.pop("template_code", None) or os.environ.get("ALIYUN_SMS_NOTICE_TEMPLATE_CODE", "")
        if not template:
            # Never fall back to the login-code template: a notice in it would read as a code.
            raise ImproperlyConfigured("Aliyun SMS notices: set ALIYUN_SMS_NOTICE_TEMPLATE_CODE")
        super().__init__(template_code=template, **kwargs)
        self.param = os.environ.get("ALIYUN_SMS_NOTICE_PARAM", "") or "content"
        try:
            self.max_chars = int(os.environ.get("ALIYUN_SMS_NOTICE_MAX_CHARS", "") or 35)
        except ValueError:
            raise ImproperlyConfigured("ALIYUN_SMS_NOTICE_MAX_CHARS must be a whole number") from None

    def send_text(self, *, phone: str, text: str) -> None:
        text = str(text)
        if len(text) > self.max_chars:
            text = text[: self.max_chars - 1] + "…"
        self.send_template(phone=mainland_digits(phone), variables={self.param: text})
