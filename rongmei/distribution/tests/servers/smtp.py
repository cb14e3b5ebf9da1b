"""A real SMTP server (aiosmtpd) on 127.0.0.1, a free port, that keeps what it receives.

``faults``: "451"/"421"/"554" answer the next DATA with that code; "rcpt450"/"rcpt550" refuse
the next recipient.
"""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

REPLIES = {
    "421": "421 Service not available",
    "451": "451 Local error in processing, try later",
    "554": "554 Transaction failed: message refused",
}


class _Handler:
    def __init__(self, box: SmtpServer) -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        for fault, reply in (("rcpt450", "450 Mailbox busy"), ("rcpt550", "550 No such user")):
            if fault in self.box.faults:
                self.box.faults.remove(fault)
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        for fault, reply in REPLIES.items():
            if fault in self.box.faults:
                self.box.faults.remove(fault)
                return reply
        self.box.received.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "raw": envelope.original_content or envelope.content}
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.faults: list[str] = []
        self.received: list[dict] = []
        self.port = _free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def messages(self):
        return [message_from_bytes(item["raw"], policy=policy.default) for item in self.received]

    def settings(self, **extra) -> dict:
        return {
            "adapter": "smtp",
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "sender": "融媒体中心 <news@rongmei.example.cn>",
            "recipients": "desk@paper.example.cn; radio@station.example.cn",
            "timeout": 2,
            **extra,
        }

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
