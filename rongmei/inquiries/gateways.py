"""Text-message gateways for 问政 notices (``RONGMEI_INQUIRIES["SMS_GATEWAY"]``).

``ConsoleSms`` (the default) writes to the log and keeps an outbox for tests and the demo: nothing
leaves the machine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

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
