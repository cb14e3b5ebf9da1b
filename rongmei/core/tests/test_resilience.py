"""A Redis that does not answer: the cache misses instead of failing, and a task goes to the
database queue instead of being lost (rongmei/core/resilience.py). Redis here is a port nobody
listens on; the cluster's fault tests restart a real one."""

from __future__ import annotations

import pytest

from rongmei.core.resilience import ResilientRedisCache, ResilientRQBackend

DEAD = "redis://127.0.0.1:1/0"


def test_the_cache_misses_and_forgets_quietly_while_redis_is_away():
    cache = ResilientRedisCache(DEAD, {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.get_or_set("k", lambda: 7) == 7
    assert cache.delete("k") is False


@pytest.mark.django_db
def test_a_task_asked_for_while_redis_is_away_waits_in_the_database_queue(settings, monkeypatch):
    from django_tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from rongmei.media.tasks import make_rendition

    settings.RQ_QUEUES = {"default": {"URL": DEAD}}
    settings.TASKS = {
        "default": {"BACKEND": "rongmei.core.resilience.ResilientRQBackend", "QUEUES": ["default"]},
        "fallback": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }
    monkeypatch.setattr(ResilientRQBackend, "_down_until", 0.0)
    from django_tasks_rq.backend import RQBackend

    tries = []
    real_enqueue = RQBackend.enqueue

    def counted(self, *args, **kwargs):
        tries.append(1)
        return real_enqueue(self, *args, **kwargs)

    monkeypatch.setattr(RQBackend, "enqueue", counted)
    # (the settings fixture's change of TASKS resets django-tasks' backends)
    assert isinstance(task_backends["default"], ResilientRQBackend)
    result = make_rendition.using(backend="default").enqueue(12345)
    assert DBTaskResult.objects.filter(id=result.id, task_path="rongmei.media.tasks.make_rendition").exists()
    assert len(tries) >= 2  # Redis was asked again before giving up
    # The next one in the same outage goes straight to the database queue.
    tries.clear()
    make_rendition.using(backend="default").enqueue(12346)
    assert tries == []
    assert DBTaskResult.objects.filter(task_path="rongmei.media.tasks.make_rendition").count() == 2
