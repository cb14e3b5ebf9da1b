"""Per-request context (the client's address) for the audit log, set by RequestContextMiddleware."""

from __future__ import annotations

import contextvars

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("rongmei_client_ip", default=None)


def set_client_ip(ip: str | None) -> contextvars.Token:
    return _client_ip.set(ip)


def reset_client_ip(token: contextvars.Token) -> None:
    _client_ip.reset(token)


def client_ip() -> str | None:
    return _client_ip.get()
