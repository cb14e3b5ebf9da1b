"""What a multi-step send has already done, kept between attempts (a checkpoint per key).

A platform without an idempotency key (WeChat) must not be asked twice to make the same item:
each step's result (an uploaded cover's media_id, the draft's media_id, the publish_id) is
recorded here as soon as it is known and reused by the next attempt. The store is Django's cache
(Redis in production, shared by every worker) with a long expiry; a ``Publication.progress``
JSON field would survive a cache flush and is the better home once the model has one.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

TIMEOUT_SECONDS = 60 * 60 * 24 * 30


class Progress:
    def __init__(self, namespace: str, key: str) -> None:
        digest = hashlib.sha256(f"{namespace}\0{key}".encode()).hexdigest()[:32]
        self.cache_key = f"distribution:progress:{digest}"
        self.data: dict = cache.get(self.cache_key) or {}

    def get(self, name: str, default=None):
        return self.data.get(name, default)

    def set(self, name: str, value) -> None:
        self.data[name] = value
        cache.set(self.cache_key, self.data, TIMEOUT_SECONDS)

    def clear(self) -> None:
        self.data = {}
        cache.delete(self.cache_key)
