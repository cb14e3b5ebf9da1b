"""What keeps a request whole while Redis restarts (the scaled setup; docs/deployment.md).

- ``ResilientRedisCache``: the cache is a help, never a dependency. A Redis that does not answer
  (restarting, failed over) makes a read a miss and a write a no-op, logged, instead of a server
  error in the middle of a citizen's question. Rate-limit counts kept in the cache are the one
  thing that loosens for those seconds.
- ``ResilientRQBackend``: enqueueing a task tries Redis for a second, then puts the task in
  the database queue (the ``fallback`` backend, django-tasks-db, whose table exists in every
  setup), which ``manage.py db_worker --backend fallback`` runs. A task asked for during a Redis
  outage is late by seconds, never lost.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from django_tasks_rq.backend import RQBackend
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


def _quiet(default):
    def wrap(method):
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as e:
                now = time.monotonic()
                if now - self._last_warning > 5:  # one line per 5 s, not one per request
                    self._last_warning = now
                    log.warning("cache: Redis does not answer (%s); going on without the cache", e)
                return default(*args, **kwargs) if callable(default) else default

        call.__name__ = method.__name__
        call.__doc__ = method.__doc__
        return call

    return wrap


def _default_of_get(key, default=None, version=None):
    return default


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    get = _quiet(_default_of_get)(RedisCache.get)
    get_many = _quiet(lambda *a, **k: {})(RedisCache.get_many)
    set = _quiet(None)(RedisCache.set)
    set_many = _quiet(lambda *a, **k: [])(RedisCache.set_many)
    add = _quiet(False)(RedisCache.add)
    touch = _quiet(False)(RedisCache.touch)
    delete = _quiet(False)(RedisCache.delete)
    delete_many = _quiet(None)(RedisCache.delete_many)
    has_key = _quiet(False)(RedisCache.has_key)
    get_or_set = _quiet(lambda key, default, *a, **k: default() if callable(default) else default)(RedisCache.get_or_set)


class ResilientRQBackend(RQBackend):
    """django-tasks' RQ backend that never loses a task to a Redis outage."""

    # A blip (a failover) is waited out for this long; then the task goes to the database queue.
    RETRY_FOR_SECONDS = 1.0
    # After a failure, this process sends tasks straight to the database queue for a while, so
    # that a request asking for three tasks during an outage does not wait three times.
    DOWN_FOR_SECONDS = 5.0
    FALLBACK = "fallback"
    _down_until = 0.0

    def enqueue(self, task, args, kwargs):
        if time.monotonic() < ResilientRQBackend._down_until:
            return self._fallback(task, args, kwargs)
        deadline = time.monotonic() + self.RETRY_FOR_SECONDS
        pause = 0.1
        while True:
            try:
                return super().enqueue(task, args, kwargs)
            except REDIS_DOWN as e:
                if time.monotonic() + pause > deadline:
                    ResilientRQBackend._down_until = time.monotonic() + self.DOWN_FOR_SECONDS
                    log.warning("tasks: Redis does not answer (%s); tasks go to the database queue for %s s", e, self.DOWN_FOR_SECONDS)
                    return self._fallback(task, args, kwargs)
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _fallback(self, task, args, kwargs):
        from django_tasks import task_backends

        backend = task_backends[self.FALLBACK]
        return backend.enqueue(task.using(backend=self.FALLBACK), args, kwargs)
