"""Tests and step-up (rongmei/accounts/stepup.py): a session marked as freshly verified.

The root conftest makes every ``force_login`` of Django's test client mark its session this way,
as the two-factor page does after a real login, so tests that log in and then publish, retract
or export keep passing with the check on. Tests of the check itself move the mark back in time
or remove it (``verified_minutes_ago``, ``forget_verification``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rongmei.accounts.stepup import VERIFIED_AT_SESSION_KEY


def mark_client_verified(client, *, at: dt.datetime | None = None) -> None:
    """Mark the test client's session as verified by a second factor now (or at ``at``)."""
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = (at or timezone.now()).timestamp()
    session.save()


def verified_minutes_ago(client, minutes: float) -> None:
    mark_client_verified(client, at=timezone.now() - dt.timedelta(minutes=minutes))


def forget_verification(client) -> None:
    session = client.session
    session.pop(VERIFIED_AT_SESSION_KEY, None)
    session.save()


def install_verified_force_login():
    """Patch the test clients' ``force_login`` to mark the session verified; returns the undo."""
    from django.test.client import ClientMixin

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_client_verified(self)

    ClientMixin.force_login = force_login

    def undo():
        ClientMixin.force_login = original

    return undo
