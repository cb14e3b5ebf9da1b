"""Messages for app users' notification center, written by any app (comments, columns, councils).

The text is translated when it is written, in the site's language: a fan reads it later, outside
the request that caused it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from rongmei.fans.models import Fan, FanNotification


def notify_fan(fan: Fan, *, kind: str, text: str, url: str = "") -> FanNotification:
    """Store one message for ``fan``. ``text`` may be a lazy translation: it is rendered in the
    site's language. ``kind`` is a short code, e.g. "comment.approved"."""
    with translation.override(settings.LANGUAGE_CODE):
        return FanNotification.objects.create(fan=fan, kind=kind, text=str(text)[:300], url=url[:300])


def notify_fans(fan_ids: Iterable[int], *, kind: str, text: str, url: str = "", batch_size: int = 1000) -> int:
    """The same message for many fans (a new article in a column they follow), written in batches."""
    with translation.override(settings.LANGUAGE_CODE):
        rendered = str(text)[:300]
    rows = [FanNotification(fan_id=pk, kind=kind, text=rendered, url=url[:300]) for pk in fan_ids]
    FanNotification.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
