"""What a multi-step send has already done, kept between attempts (a checkpoint per key).

A platform without an idempotency key (WeChat, Douyin, Kuaishou, Weibo) must not be asked twice
to make the same item: each step's result (an uploaded cover's media_id, the draft's media_id,
the publish_id, "a post call is in flight") is recorded here as soon as it is known and reused by
the next attempt. The store is the database (models.DeliveryProgress), written at once outside
any transaction of the caller, so it survives a restart, a cache flush and cache eviction, and
every worker sees it. Rows of settled publications are removed after EXPIRE_DAYS by
``manage.py publish_due`` (hourly cron).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

EXPIRE_DAYS = 90


class Progress:
    def __init__(self, namespace: str, key: str) -> None:
        from rongmei.distribution.models import DeliveryProgress

        self._model = DeliveryProgress
        self.store_key = hashlib.sha256(f"{namespace}\0{key}".encode()).hexdigest()
        row = DeliveryProgress.objects.filter(key=self.store_key).only("data").first()
        self.data: dict = dict(row.data) if row is not None else {}

    def get(self, name: str, default=None):
        return self.data.get(name, default)

    def set(self, name: str, value) -> None:
        self.data[name] = value
        with transaction.atomic():
            self._model.objects.update_or_create(key=self.store_key, defaults={"data": self.data, "updated_at": timezone.now()})

    def clear(self) -> None:
        self.data = {}
        self._model.objects.filter(key=self.store_key).delete()


def expire(now: dt.datetime | None = None) -> int:
    """Remove checkpoints untouched for EXPIRE_DAYS; returns how many."""
    from rongmei.distribution.models import DeliveryProgress

    cutoff = (now or timezone.now()) - dt.timedelta(days=EXPIRE_DAYS)
    deleted, _ = DeliveryProgress.objects.filter(updated_at__lt=cutoff).delete()
    return deleted
