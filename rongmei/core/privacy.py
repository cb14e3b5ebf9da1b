"""A person's data across the apps: what each app holds about an app user, how it forgets them,
and how it forgets what is past its retention period.

``core`` may not import the apps above it, so each app registers its part in ``AppConfig.ready()``
(``register("inquiries", export=…, erase=…, sweep=…)``):

- ``export(fan) -> dict | list``: what the app holds about the fan, JSON-ready (strings, numbers,
  ISO dates), only theirs;
- ``erase(fan, now) -> dict``: anonymise the fan's personal data, keep public content and counts;
  called inside the deletion's transaction, returns counts for the audit line;
- ``sweep(now, retention) -> dict``: anonymise what is past its period; safe to repeat (what was
  done is not done again), returns counts.

The app user's account itself is ``rongmei.fans.privacy`` (export and deletion on /me/);
``manage.py retention_sweep`` runs every sweep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

DEFAULT_RETENTION = {
    "inquiry_contact_days": 730,
    "volunteer_inactive_days": 1095,
    "service_address_days": 365,
    "sms_code_days": 1,
}


@dataclass(frozen=True)
class Part:
    name: str
    export: Callable[[Any], Any] | None = None
    erase: Callable[[Any, dt.datetime], dict] | None = None
    sweep: Callable[[dt.datetime, dict], dict] | None = None


_parts: dict[str, Part] = {}


def register(name: str, *, export=None, erase=None, sweep=None) -> None:
    """Register (or replace, so a reloaded app does not count twice) one app's part."""
    _parts[name] = Part(name, export, erase, sweep)


def parts() -> list[Part]:
    return [_parts[name] for name in sorted(_parts)]


def retention() -> dict[str, int]:
    configured = getattr(settings, "RONGMEI_RETENTION", None) or {}
    return {**DEFAULT_RETENTION, **{k: int(v) for k, v in configured.items()}}


def export_all(fan) -> dict[str, Any]:
    return {part.name: part.export(fan) for part in parts() if part.export is not None}


def erase_all(fan, now: dt.datetime) -> dict[str, dict]:
    """Call inside the transaction that deletes the account."""
    return {part.name: part.erase(fan, now) for part in parts() if part.erase is not None}


def sweep_all(now: dt.datetime) -> dict[str, dict]:
    """Each app's sweep in its own transaction: one failing leaves the others done."""
    periods = retention()
    done = {}
    for part in parts():
        if part.sweep is not None:
            with transaction.atomic():
                done[part.name] = part.sweep(now, periods)
    return done


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None
