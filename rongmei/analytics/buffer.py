"""Where beacon events wait before they are written to the database in bulk, and the live
counters of today's views and reads per article.

Two kinds, chosen by ``settings.REDIS_URL`` (as the cache and the task queue are):

- embedded (no Redis): a list in this process. A background thread writes it when it holds
  FLUSH_EVENTS events or every FLUSH_SECONDS, and once more when the process exits normally.
  A crash (kill -9, power loss) loses what was not written yet: at most FLUSH_SECONDS of events
  or FLUSH_EVENTS events. Live counters are a dict in this process (one web process, as
  ``make run`` starts; several processes would each count their own share).
- Redis: each request's events are one RPUSH onto a shared list, and the counters HINCRBY in a
  hash per day, in one round trip. Any process drains the list (``manage.py readership_flush``,
  the background thread of each web process, the rollup); a crash of a web process loses
  nothing, a crash of a drainer between taking a slice and writing it loses that slice (at most
  DRAIN_ITEMS requests' events). If Redis cannot be reached, events go to the process's own list.

Rows are tuples of small integers (see ``row``), so the Redis list holds compact JSON.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db import connections

from rongmei.analytics.conf import setting
from rongmei.analytics.models import Event, Kind

log = logging.getLogger(__name__)

# (day ordinal, time in ms since the epoch, kind, via, device hash, article id, column id, seconds,
# creative id). Rows of the Redis list pushed before ads were counted have no creative id.
Row = tuple[int, int, int, int, int, int | None, int | None, int | None, int | None]
# Live counters: (article id, kind) -> events, for one day.
Live = Counter

LIVE_DAYS = 8  # how long live counters of a day are kept (the rollup takes over after one day)
LIVE_KINDS = (Kind.VIEW, Kind.READ, Kind.PLAY, Kind.SHARE)
DRAIN_ITEMS = 200  # Redis list items (one request's events each) taken per write
DRAIN_ROUNDS = 50  # at most this many writes per flush, so a flush ends even under full load


def row(
    *,
    day: dt.date,
    at: dt.datetime,
    kind: int,
    via: int,
    device: int,
    article: int | None,
    column: int | None,
    seconds: int | None,
    creative: int | None = None,
) -> Row:
    return (day.toordinal(), int(at.timestamp() * 1000), int(kind), int(via), device, article, column, seconds, creative)


def _creative(r: Row) -> int | None:
    return r[8] if len(r) > 8 else None


def write_rows(rows: Iterable[Row]) -> int:
    """Insert rows into the event table in bulk (COPY on PostgreSQL, several times faster than
    INSERT; bulk_create elsewhere). Returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    connection = connections[Event.objects.db]
    if connection.vendor == "postgresql":
        return _copy_rows(connection, rows)
    objs = [
        Event(
            day=dt.date.fromordinal(r[0]),
            at=dt.datetime.fromtimestamp(r[1] / 1000, tz=dt.UTC),
            kind=r[2],
            via=r[3],
            device=r[4],
            article_id=r[5],
            column_id=r[6],
            seconds=r[7],
            creative_id=_creative(r),
        )
        for r in rows
    ]
    Event.objects.bulk_create(objs, batch_size=2000)
    return len(objs)


def _copy_rows(connection, rows: list[Row]) -> int:
    names = ", ".join(
        connection.ops.quote_name(f) for f in ("day", "at", "kind", "via", "device", "article_id", "column_id", "seconds", "creative_id")
    )
    sql = f"COPY {connection.ops.quote_name(Event._meta.db_table)} ({names}) FROM STDIN"  # noqa: S608 - no input in it
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for r in rows:
            copy.write_row(
                (
                    dt.date.fromordinal(r[0]),
                    dt.datetime.fromtimestamp(r[1] / 1000, tz=dt.UTC),
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    _creative(r),
                )
            )
    return len(rows)


class MemoryBuffer:
    name = "memory"

    def __init__(self) -> None:
        self._rows: list[Row] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one writer at a time keeps rows in order
        self._live: dict[int, Live] = {}

    def push(self, rows: list[Row], live: Live, day: dt.date) -> int:
        """Add one request's events; returns how many events now wait."""
        with self._lock:
            self._rows.extend(rows)
            pending = len(self._rows)
            if live:
                self._live.setdefault(day.toordinal(), Counter()).update(live)
                for old in [d for d in self._live if d < day.toordinal() - LIVE_DAYS]:
                    del self._live[old]
        return pending

    def pending(self) -> int:
        return len(self._rows)

    def flush(self) -> int:
        """Write what waits. If the database refuses, the rows go back (up to BUFFER_MAX_EVENTS,
        the newest kept) and the error is raised."""
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            try:
                return write_rows(rows)
            except Exception:
                with self._lock:
                    self._rows = (rows + self._rows)[-int(setting("BUFFER_MAX_EVENTS")) :]
                raise

    def live_counts(self, article_id: int, days: list[dt.date]) -> Counter:
        out: Counter = Counter()
        with self._lock:
            for day in days:
                counter = self._live.get(day.toordinal())
                if counter:
                    for kind in LIVE_KINDS:
                        out[kind] += counter.get((article_id, kind), 0)
        return out

    def clear(self) -> None:
        with self._lock:
            self._rows = []
            self._live = {}


class RedisBuffer:
    name = "redis"

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX") or "rongmei"
        self.key = f"{prefix}:readership:events"
        self._live_prefix = f"{prefix}:readership:live:"

    def _live_key(self, day: dt.date) -> str:
        return f"{self._live_prefix}{day.isoformat()}"

    def push(self, rows: list[Row], live: Live, day: dt.date) -> int:
        pipe = self.client.pipeline(transaction=False)
        pipe.rpush(self.key, json.dumps(rows, separators=(",", ":")))
        if live:
            hkey = self._live_key(day)
            for (article, kind), n in live.items():
                pipe.hincrby(hkey, f"{article}:{int(kind)}", n)
            pipe.expire(hkey, (LIVE_DAYS + 1) * 86400)
        return pipe.execute()[0]

    def pending(self) -> int:
        return self.client.llen(self.key)

    def flush(self) -> int:
        """Drain the shared list into the database, a slice at a time (several processes may drain
        at once: each slice is taken atomically). A slice the database refuses goes back."""
        total = 0
        for _round in range(DRAIN_ROUNDS):
            pipe = self.client.pipeline(transaction=True)
            pipe.lrange(self.key, 0, DRAIN_ITEMS - 1)
            pipe.ltrim(self.key, DRAIN_ITEMS, -1)
            items, _trimmed = pipe.execute()
            if not items:
                break
            rows: list[Row] = []
            for item in items:
                try:
                    rows.extend(tuple(r) for r in json.loads(item))
                except (ValueError, TypeError):
                    log.error("readership: dropped an unreadable item of the Redis event list")
            try:
                total += write_rows(rows)
            except Exception:
                self.client.lpush(self.key, *reversed(items))
                raise
            if len(items) < DRAIN_ITEMS:
                break
        return total

    def live_counts(self, article_id: int, days: list[dt.date]) -> Counter:
        fields = [f"{article_id}:{int(kind)}" for kind in LIVE_KINDS]
        pipe = self.client.pipeline(transaction=False)
        for day in days:
            pipe.hmget(self._live_key(day), fields)
        out: Counter = Counter()
        for values in pipe.execute():
            for kind, value in zip(LIVE_KINDS, values, strict=True):
                out[kind] += int(value or 0)
        return out

    def clear(self) -> None:
        keys = [self.key, *self.client.scan_iter(match=f"{self._live_prefix}*")]
        self.client.delete(*keys)


_memory = MemoryBuffer()
_redis: dict[str, RedisBuffer] = {}
_redis_lock = threading.Lock()


def memory_buffer() -> MemoryBuffer:
    return _memory


def redis_buffer() -> RedisBuffer | None:
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return None
    buf = _redis.get(url)
    if buf is None:
        with _redis_lock:
            buf = _redis.setdefault(url, RedisBuffer(url))
    return buf


def current() -> MemoryBuffer | RedisBuffer:
    """The buffer this site uses: Redis when REDIS_URL is set, this process's list otherwise."""
    return redis_buffer() or _memory


def push(rows: list[Row], live: Live, day: dt.date) -> None:
    buf = current()
    try:
        pending = buf.push(rows, live, day)
    except Exception:
        if buf is _memory:
            raise
        log.warning("readership: Redis refused the events; keeping them in this process", exc_info=True)
        buf = _memory
        pending = _memory.push(rows, live, day)
    if setting("FLUSH_THREAD"):
        flusher.ensure_started()
        if buf is _memory and pending >= setting("FLUSH_EVENTS"):
            flusher.wake()
    elif buf is _memory and pending >= setting("FLUSH_EVENTS"):
        _memory.flush()


def live_counts(article_id: int, days: list[dt.date]) -> Counter:
    redis_buf = redis_buffer()
    if redis_buf is not None:
        try:
            return redis_buf.live_counts(article_id, days) + _memory.live_counts(article_id, days)
        except Exception:
            log.warning("readership: Redis did not answer for live counters", exc_info=True)
    return _memory.live_counts(article_id, days)


def flush_all() -> int:
    """Write everything waiting: this process's list, then the shared Redis list if any."""
    written = _memory.flush()
    redis_buf = redis_buffer()
    if redis_buf is not None:
        written += redis_buf.flush()
    return written


class Flusher:
    """The per-process background writer (see the module docstring)."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._atexit = False
        self._stopping = False

    def ensure_started(self) -> None:
        # A forked worker (gunicorn --preload) inherits the object but not the thread.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="readership-flusher", daemon=True)
            self._thread.start()
            if not self._atexit:
                atexit.register(_flush_at_exit)
                self._atexit = True

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread after one last write (tests; a process that wants to stop cleanly)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout)
        self._thread = None
        self._stopping = False

    def _run(self) -> None:
        from rongmei.analytics import services

        while not self._stopping:
            self._wake.wait(float(setting("FLUSH_SECONDS")))
            self._wake.clear()
            try:
                flush_all()
                services.housekeeping_tick()
            except Exception:
                log.exception("readership: writing buffered events failed; will retry")
            finally:
                # This thread's own connections: a long-lived idle one would be closed by the server.
                connections.close_all()


flusher = Flusher()


def _flush_at_exit() -> None:
    try:
        _memory.flush()
    except Exception:
        log.exception("readership: %s buffered events were lost at exit", _memory.pending())
