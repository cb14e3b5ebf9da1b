import datetime as dt
import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from rongmei import settings as settings_module
from rongmei.analytics import buffer, services
from rongmei.analytics.models import Event, Kind
from rongmei.analytics.tests.conftest import ev


@pytest.fixture
def memory(settings):
    settings.REDIS_URL = None
    return buffer.memory_buffer()


def test_events_wait_in_memory_until_flushed(memory, story):
    services.ingest([ev(article=story.pk), ev("read", article=story.pk, seconds=20)])
    assert memory.pending() == 2 and Event.objects.count() == 0
    assert buffer.flush_all() == 2
    assert memory.pending() == 0
    assert sorted(Event.objects.values_list("kind", flat=True)) == [Kind.VIEW, Kind.READ]
    assert buffer.flush_all() == 0


def test_the_buffer_is_written_when_it_reaches_flush_events(memory, settings, db):
    settings.RONGMEI_READERSHIP = {"FLUSH_THREAD": False, "FLUSH_EVENTS": 5}
    services.ingest([ev()] * 4)
    assert Event.objects.count() == 0
    services.ingest([ev()] * 2)
    assert Event.objects.count() == 6 and memory.pending() == 0


def test_rows_go_back_when_the_database_refuses_and_are_written_next_time(memory, db, monkeypatch):
    services.ingest([ev()] * 3)

    def refuse(rows):
        raise RuntimeError("database is down")

    monkeypatch.setattr(buffer, "write_rows", refuse)
    with pytest.raises(RuntimeError):
        buffer.flush_all()
    assert memory.pending() == 3
    monkeypatch.undo()
    assert buffer.flush_all() == 3


def test_a_buffer_keeps_at_most_buffer_max_events_while_the_database_refuses(memory, settings, db, monkeypatch):
    settings.RONGMEI_READERSHIP = {"FLUSH_THREAD": False, "BUFFER_MAX_EVENTS": 4}
    services.ingest([ev()] * 6)
    monkeypatch.setattr(buffer, "write_rows", lambda rows: (_ for _ in ()).throw(RuntimeError("down")))
    with pytest.raises(RuntimeError):
        buffer.flush_all()
    assert memory.pending() == 4


def test_live_counters_count_views_and_reads_per_article_at_ingest(memory, story, story2):
    today = timezone.localdate()
    services.ingest([ev(article=story.pk), ev(article=story.pk), ev("read", article=story.pk), ev(article=story2.pk), ev()])
    counts = buffer.live_counts(story.pk, [today])
    assert (counts[Kind.VIEW], counts[Kind.READ], counts[Kind.SHARE]) == (2, 1, 0)
    assert buffer.live_counts(story2.pk, [today])[Kind.VIEW] == 1
    assert buffer.live_counts(story.pk, [today - dt.timedelta(days=1)])[Kind.VIEW] == 0


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_writes_the_buffer_within_flush_seconds(settings):
    settings.REDIS_URL = None
    settings.RONGMEI_READERSHIP = {"FLUSH_THREAD": True, "FLUSH_SECONDS": 0.1}
    services.ingest([ev()] * 3)

    def written() -> int:
        try:
            return Event.objects.count()
        except OperationalError:  # the test database (SQLite, shared cache) is locked while the thread writes
            return -1

    deadline = time.monotonic() + 5
    while written() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert Event.objects.count() == 3
    finally:
        buffer.flusher.stop()
    assert buffer.flusher._thread is None


def test_the_exit_hook_writes_what_waits(memory, db):
    services.ingest([ev()] * 2)
    buffer._flush_at_exit()
    assert Event.objects.count() == 2


# --- Redis ------------------------------------------------------------------------------------

redis_only = pytest.mark.skipif(not settings_module.REDIS_URL, reason="REDIS_URL is not set (the CI's second run sets it)")


@redis_only
def test_with_redis_a_request_is_one_rpush_and_any_process_drains_the_list(story):
    redis_buf = buffer.redis_buffer()
    redis_buf.clear()
    services.ingest([ev(article=story.pk), ev("read", article=story.pk)])
    services.ingest([ev()])
    assert redis_buf.pending() == 2  # two requests, two list items
    assert buffer.memory_buffer().pending() == 0 and Event.objects.count() == 0
    assert redis_buf.live_counts(story.pk, [timezone.localdate()])[Kind.VIEW] == 1
    assert buffer.flush_all() == 3
    assert redis_buf.pending() == 0 and Event.objects.count() == 3


@redis_only
def test_with_redis_a_slice_the_database_refuses_goes_back(db, monkeypatch):
    redis_buf = buffer.redis_buffer()
    redis_buf.clear()
    services.ingest([ev()] * 2)
    monkeypatch.setattr(buffer, "write_rows", lambda rows: (_ for _ in ()).throw(RuntimeError("down")))
    with pytest.raises(RuntimeError):
        redis_buf.flush()
    assert redis_buf.pending() == 1
    monkeypatch.undo()
    assert redis_buf.flush() == 2


def test_when_redis_is_unreachable_events_stay_in_the_process(settings, story):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    services.ingest([ev(article=story.pk)])
    assert buffer.memory_buffer().pending() == 1
    assert buffer.live_counts(story.pk, [timezone.localdate()])[Kind.VIEW] == 1
    assert buffer.memory_buffer().flush() == 1
