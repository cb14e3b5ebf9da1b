"""Newsroom notifications: stored, then pushed live to the recipient's open pages after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from rongmei.core.models import Notification

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notify(recipients: Iterable, *, kind: str, text: str, url: str = "", exclude=None) -> list[Notification]:
    """Store one notification per distinct recipient and push each after the transaction commits."""
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user is None or not user.pk or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, kind=kind, text=str(text)[:300], url=url))
    created = Notification.objects.bulk_create(rows)
    if created:
        payloads = [(n.recipient_id, {"type": "notify", "kind": n.kind, "text": n.text, "url": n.url}) for n in created]
        transaction.on_commit(lambda: _push(payloads))
    return created


def _push(payloads) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id, payload in payloads:
        try:
            async_to_sync(layer.group_send)(user_group(user_id), payload)
        except Exception:  # a push is best effort; the stored notification is the record
            log.warning("live push to user %s failed", user_id, exc_info=True)


def mark_read(user, ids=None) -> int:
    """Mark this person's unread notifications (all, or those with these ids) read.

    Bookkeeping of one's own inbox, not a domain state change: no audit line.
    """
    target = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids:
        target = target.filter(pk__in=list(ids))
    return target.update(read_at=timezone.now())
