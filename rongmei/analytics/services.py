"""Readership counting: take beacon events in, hash device ids with the day's salt, buffer them,
and roll each day up into DailyRollup rows.

The beacon path (``ingest``) makes no database write: events go to a buffer (rongmei.analytics.
buffer) that is written in bulk. The daily rollup (``rollup_day``) replaces a day's rows, so
running it again is harmless; once a day is over and rolled up its salt is deleted, and raw
events older than RETENTION_DAYS are deleted.

No address is used or stored: the device is the random id the page's script keeps, hashed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.analytics import buffer, counting, lookups
from rongmei.analytics.conf import setting
from rongmei.analytics.models import AD_KINDS, KIND_CODES, VIA_CODES, DailyRollup, DaySalt, Dimension, Event, Kind, RollupRun, Via
from rongmei.core import audit
from rongmei.core.exceptions import DomainError

log = logging.getLogger(__name__)

MAX_EVENTS = 50
MAX_PATH = 500
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TS_PAST = dt.timedelta(hours=24)
TS_FUTURE = dt.timedelta(minutes=5)
LAST_COMPLETE_KEY = "readership:last-complete-day"


class InvalidBeacon(DomainError):
    """A beacon batch that does not follow the rules: HTTP 422, nothing of the batch is counted."""

    status = 422


# --- device hashing ---------------------------------------------------------------------------

_salts: dict[dt.date, bytes] = {}
_salt_lock = threading.Lock()


def salt_for(day: dt.date) -> bytes:
    """The day's random salt, made by the first event of the day. Kept in this process too, so
    the beacon reads the database for it once a day; only one day's salt is ever held."""
    salt = _salts.get(day)
    if salt is None:
        with _salt_lock:
            salt = _salts.get(day)
            if salt is None:
                salt = _load_or_make_salt(day)
                _salts.clear()
                _salts[day] = salt
    return salt


def _load_or_make_salt(day: dt.date) -> bytes:
    row = DaySalt.objects.filter(day=day).first()
    if row is None:
        try:
            with transaction.atomic():
                row = DaySalt.objects.create(day=day, salt=secrets.token_bytes(32))
        except IntegrityError:  # another process made it first
            row = DaySalt.objects.get(day=day)
    return bytes(row.salt)


def forget_salts(before: dt.date) -> None:
    """Drop this process's copies of salts of days before ``before``."""
    with _salt_lock:
        for day in [d for d in _salts if d < before]:
            del _salts[day]


def hash_device(device_id: str, salt: bytes) -> int:
    """HMAC-SHA256 of the device id, its first 8 bytes as a signed 64-bit integer (a bigint).
    Collisions among a day's few million devices are negligible (birthday bound ~ n²/2⁶⁵)."""
    digest = hmac.new(salt, device_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# --- ingest -----------------------------------------------------------------------------------


def _from_path(path: str) -> tuple[int | None, str | None]:
    """The article id or column short name a public page's path names, if any."""
    return _resolve_page(path.split("?", 1)[0].split("#", 1)[0])


@lru_cache(maxsize=4096)
def _resolve_page(path: str) -> tuple[int | None, str | None]:
    # Django's resolver is most of the cost of taking an event (bench/analytics.py); the same few
    # thousand paths come again and again, and what a path names never changes while we run.
    try:
        match = resolve(path)
    except (Resolver404, ValueError):
        return None, None
    if match.view_name == "portal:story":
        return match.kwargs.get("pk"), None
    if match.view_name == "portal:column":
        return None, match.kwargs.get("slug")
    return None, None


def ingest(events: Sequence[Any], *, user_agent: str = "", now: dt.datetime | None = None) -> int:
    """Check a batch of beacon events and put it in the buffer; nothing is written to the database
    here. Every event has ``type``, ``path``, ``device`` and optionally ``article``, ``column``,
    ``channel``, ``seconds``, ``ts``, ``creative`` (attributes, as the API schema gives them).

    The whole batch is refused (InvalidBeacon, 422) if one event breaks a rule. An article that is
    not live on the site, or a column that does not exist, is dropped from the event: it still
    counts as a page view of the site. An ad impression (``ad_view``) of a creative that is not in
    a running campaign is left out altogether. Returns how many events were accepted."""
    if not events:
        raise InvalidBeacon(_("Send at least one event."), field="events")
    if len(events) > MAX_EVENTS:
        raise InvalidBeacon(_("Send at most %(n)s events at a time.") % {"n": MAX_EVENTS}, field="events")
    now = now or timezone.now()
    day = timezone.localdate(now)
    default_via = Via.WECHAT if "MicroMessenger" in (user_agent or "") else Via.WEB
    salt = salt_for(day)
    rows: list[buffer.Row] = []
    live: Counter = Counter()
    for i, event in enumerate(events):
        where = f"events.{i}"
        kind = KIND_CODES.get(event.type)
        if kind is None:
            raise InvalidBeacon(_("Choose one of: %(choices)s.") % {"choices": ", ".join(KIND_CODES)}, field=f"{where}.type")
        if not DEVICE_ID.match(event.device or ""):
            raise InvalidBeacon(_("A device id is 8 to 64 letters, digits, - or _."), field=f"{where}.device")
        if not (event.path or "").startswith("/"):
            raise InvalidBeacon(_("The path must start with /."), field=f"{where}.path")
        if len(event.path) > MAX_PATH:
            raise InvalidBeacon(_("At most %(n)s characters.") % {"n": MAX_PATH}, field=f"{where}.path")
        creative = getattr(event, "creative", None) if kind == Kind.AD_VIEW else None
        if kind == Kind.AD_VIEW:
            # An ad's impression names its creative, not the page it was on.
            if creative is None:
                raise InvalidBeacon(_("An ad impression must name its creative."), field=f"{where}.creative")
            article = slug = None
        else:
            article, slug = event.article, event.column
            if article is None and slug is None:  # an article's or a column's page names itself
                article, slug = _from_path(event.path)
        if kind == Kind.READ and article is None:
            raise InvalidBeacon(_("A read must name its article."), field=f"{where}.article")
        if article is not None and not lookups.is_live_article(article):
            article = None
        column = lookups.column_id(slug) if slug else None
        at = now
        if event.ts is not None:
            ts = event.ts if timezone.is_aware(event.ts) else timezone.make_aware(event.ts)
            if not now - TS_PAST <= ts <= now + TS_FUTURE:
                raise InvalidBeacon(_("The event time must lie within the last 24 hours."), field=f"{where}.ts")
            at = min(ts, now)
        if creative is not None and not lookups.is_running_creative(creative, at):
            continue  # not an ad we run (any more): left out, as an unknown article is left out of its event
        via = VIA_CODES[event.channel] if event.channel else default_via
        device = hash_device(event.device, salt)
        rows.append(
            buffer.row(
                day=day, at=at, kind=kind, via=via, device=device, article=article, column=column, seconds=event.seconds, creative=creative
            )
        )
        if article is not None:
            live[(article, kind)] += 1
    if rows:
        buffer.push(rows, live, day)
    return len(rows)


def count_ad_click(
    *, creative_id: int, device: str = "", user_agent: str = "", client_address: str = "", now: dt.datetime | None = None
) -> None:
    """Count one click on an ad's creative (the caller has checked that its campaign runs): an
    AD_CLICK event in the buffer, no database write. ``device`` is the beacon's device id, hashed
    as the beacon hashes it. Without a valid one (Do Not Track, a link copied elsewhere) the click
    is counted with a random device of its own: no address is used, hashed or not (the public
    app's privacy promise, docs/public-app.md), so such clicks are not deduplicated. Ad events
    never count as the site's devices (rollup), so this inflates nothing but the creative's own
    click count. ``client_address`` is accepted for callers' convenience and ignored."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    salt = salt_for(day)
    hashed = hash_device(device if DEVICE_ID.match(device or "") else f"click-{secrets.token_hex(16)}", salt)
    via = Via.WECHAT if "MicroMessenger" in (user_agent or "") else Via.WEB
    row = buffer.row(
        day=day,
        at=now,
        kind=Kind.AD_CLICK,
        via=via,
        device=hashed,
        article=None,
        column=None,
        seconds=None,
        creative=creative_id,
    )
    buffer.push([row], Counter(), day)


# --- rollups ----------------------------------------------------------------------------------

MEASURES = ("views", "visitors", "devices", "reads", "plays", "shares", "clicks")
# A creative's row: impressions as its views; its clicks are its clicking devices (see _compute).
CREATIVE_COUNTED = {Kind.AD_VIEW: "views"}
COUNTED = {"views": Kind.VIEW, "reads": Kind.READ, "plays": Kind.PLAY, "shares": Kind.SHARE}


def _compute(day: dt.date) -> tuple[list[DailyRollup], int]:
    """The day's DailyRollup rows, counted from its raw events read in one scan (counting.py)."""
    from rongmei.newsroom.models import Story
    from rongmei.portal.models import Column

    rows: list[DailyRollup] = []

    def add(dimension: int, key: int, figures, via: int = DailyRollup.ALL_VIA) -> None:
        rows.append(DailyRollup(day=day, dimension=dimension, key=key, via=via, **{m: int(figures.get(m, 0)) for m in MEASURES}))

    with connection.chunked_cursor() as cursor:  # server-side on PostgreSQL: no day held in the client twice
        device_hashes, packed = counting.events_of(cursor, Event._meta.db_table, day)
    device_ids, n_devices = counting.dense(device_hashes)
    del device_hashes

    # Plain counts per (place, kind, target), summed per group.
    names = {kind: name for name, kind in COUNTED.items()}
    site: Counter = Counter()
    per_via: dict[int, Counter] = defaultdict(Counter)
    per_article: dict[int, Counter] = defaultdict(Counter)
    per_article_via: dict[tuple[int, int], Counter] = defaultdict(Counter)
    per_page: dict[int, Counter] = defaultdict(Counter)
    per_creative: dict[int, Counter] = defaultdict(Counter)
    for v, k, t, n in counting.tally(packed):
        # Ad events (impressions, clicks) count for their creative only: a click may come without
        # the beacon's device id, and neither is a reader's visit to the site, a place or a page.
        if k in AD_KINDS or t >= counting.CREATIVE_BASE:
            if t >= counting.CREATIVE_BASE:
                per_creative[t - counting.CREATIVE_BASE][CREATIVE_COUNTED.get(k, "other")] += n
            continue
        # Every place, article and page with an event gets its row, whatever the kind.
        groups = [site, per_via[v]]
        if t > 0:
            groups += [per_article[t], per_article_via[t, v]]
        elif t < 0:
            groups.append(per_page[-t])
        if k in names:
            for figures in groups:
                figures[names[k]] += n

    via, kind, target = counting.unpack(packed)
    viewed = kind == Kind.VIEW
    on_creative, creative_of = counting.creatives(packed)
    seen_ad = kind[on_creative] == Kind.AD_VIEW
    clicked = kind[on_creative] == Kind.AD_CLICK
    reading = ~np.isin(kind, [int(k) for k in AD_KINDS])  # the events of readers' visits: every kind but the ads'
    target[~reading] = 0  # an ad's event is no article's or page's, whatever it names
    n_events = int(packed.size)
    del packed, kind

    # The site and its places: devices and visitors of the readers' own events only.
    site["devices"] = int(np.count_nonzero(np.bincount(device_ids[reading], minlength=n_devices))) if n_devices else 0
    site["visitors"] = int(np.count_nonzero(np.bincount(device_ids[viewed], minlength=n_devices))) if n_devices else 0
    add(Dimension.SITE, 0, site)

    vias = sorted(per_via)
    if vias:
        counted = counting.distinct(np.searchsorted(vias, via[reading]), len(vias), device_ids[reading], n_devices, viewed[reading])
        for i, v in enumerate(vias):
            add(Dimension.VIA, v, {**per_via[v], "devices": counted.devices[i], "visitors": counted.visitors[i]})

    # Articles: stories deleted since are left out; retracted ones keep their history.
    teams = dict(Story.objects.filter(pk__in=list(per_article)).values_list("pk", "team_id"))
    articles = sorted(teams)
    on_article = np.isin(target, articles) if articles else np.zeros(target.size, dtype=bool)
    article_keys = np.searchsorted(articles, target[on_article])
    article_devices, article_viewed = device_ids[on_article], viewed[on_article]
    by_article = counting.distinct(article_keys, len(articles), article_devices, n_devices, article_viewed)
    for i, a in enumerate(articles):
        add(Dimension.ARTICLE, a, {**per_article[a], "devices": by_article.devices[i], "visitors": by_article.visitors[i]})
    article_vias = sorted(key for key in per_article_via if key[0] in teams)
    if article_vias:
        pair_keys = np.searchsorted(
            np.array([a * 8 + v for a, v in article_vias], dtype=np.int64), target[on_article].astype(np.int64) * 8 + via[on_article]
        )
        counted = counting.distinct(pair_keys, len(article_vias), article_devices, n_devices, article_viewed)
        for i, (a, v) in enumerate(article_vias):
            add(Dimension.ARTICLE, a, {**per_article_via[a, v], "devices": counted.devices[i], "visitors": counted.visitors[i]}, via=v)
    del article_keys, article_devices, article_viewed

    # Columns: their own page, and the articles of the teams they list.
    team_columns: dict[int, list[int]] = defaultdict(list)
    for column_id, team_id in Column.teams.through.objects.values_list("column_id", "team_id"):
        team_columns[team_id].append(column_id)
    with_articles = {c for a in articles for c in team_columns.get(teams[a], ())}
    columns = sorted(Column.objects.filter(pk__in=set(per_page) | with_articles).values_list("pk", flat=True))
    if columns:
        column_articles: dict[int, list[int]] = defaultdict(list)
        for i, a in enumerate(articles):
            for c in team_columns.get(teams[a], ()):
                column_articles[c].append(i)
        on_page = np.isin(-target, columns)
        page_rows = (np.searchsorted(columns, -target[on_page]), device_ids[on_page], viewed[on_page])
        devices, visitors = counting.by_group(by_article, len(articles), [column_articles[c] for c in columns], n_devices, page_rows)
        del on_page, page_rows
        for i, c in enumerate(columns):
            figures = sum((per_article[articles[k]] for k in column_articles[c]), Counter(per_page.get(c, {})))
            add(Dimension.COLUMN, c, {**figures, "devices": devices[i], "visitors": visitors[i]})

    # Ad creatives: impressions, devices that saw the creative (visitors) or either saw or clicked
    # it, and clicks: devices that clicked it that day (a link checker or an impatient reader
    # following it fifty times is one click).
    creative_keys = sorted(per_creative)
    if creative_keys:
        creative_keys_of = np.searchsorted(creative_keys, creative_of)
        creative_devices = device_ids[on_creative]
        counted = counting.distinct(creative_keys_of, len(creative_keys), creative_devices, n_devices, seen_ad)
        clickers = counting.distinct(
            creative_keys_of[clicked], len(creative_keys), creative_devices[clicked], n_devices, np.ones(int(clicked.sum()), dtype=bool)
        )
        for i, c in enumerate(creative_keys):
            add(
                Dimension.CREATIVE,
                c,
                {**per_creative[c], "devices": counted.devices[i], "visitors": counted.visitors[i], "clicks": clickers.devices[i]},
            )
        del creative_keys_of, creative_devices
    del on_creative, creative_of, seen_ad, clicked, reading

    # Authors: the articles they are an author of.
    written: dict[int, list[int]] = defaultdict(list)
    for story_id, user_id in Story.authors.through.objects.filter(story_id__in=articles).values_list("story_id", "user_id"):
        written[user_id].append(story_id)
    authors = sorted(written)
    if authors:
        key_of = {a: i for i, a in enumerate(articles)}
        devices, visitors = counting.by_group(by_article, len(articles), [[key_of[a] for a in written[u]] for u in authors], n_devices)
        for i, u in enumerate(authors):
            figures = sum((per_article[a] for a in written[u]), Counter())
            add(Dimension.AUTHOR, u, {**figures, "devices": devices[i], "visitors": visitors[i]})
    return rows, n_events


def rollup_day(day: dt.date, *, now: dt.datetime | None = None) -> RollupRun:
    """Replace the day's rollup rows with figures counted from its raw events. A day that is over
    is then ``complete``: its salt is deleted (hashes of that day can no longer be linked to a
    device id). Today may be rolled up too (partial figures for the staff page; the salt stays).
    Afterwards raw events past the retention are deleted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    retention = int(setting("RETENTION_DAYS"))
    if day > today:
        raise DomainError(_("%(day)s has not begun yet.") % {"day": day.isoformat()}, field="date")
    if day < today - dt.timedelta(days=retention):
        raise DomainError(
            _("The raw events of %(day)s are no longer kept (%(n)s days); its figures stay as they are.")
            % {"day": day.isoformat(), "n": retention},
            field="date",
        )
    complete = day < today
    RollupRun.objects.get_or_create(day=day)
    with transaction.atomic():
        run = RollupRun.objects.select_for_update().get(day=day)  # one rollup of a day at a time
        rows, events = _compute(day)
        DailyRollup.objects.filter(day=day).delete()
        DailyRollup.objects.bulk_create(rows, batch_size=1000)
        run.events = events
        run.complete = run.complete or complete
        run.finished_at = timezone.now()  # the readership pages' cache version: each run its own
        run.save()
        if complete:
            DaySalt.objects.filter(day=day).delete()
        audit.record(
            "readership.rollup",
            actor=None,
            subject=run,
            summary=_("Readership of %(day)s rolled up: %(n)s events.") % {"day": day.isoformat(), "n": events},
            data={"rows": len(rows), "complete": run.complete},
        )
    if complete:
        forget_salts(today)
    cache.delete(LAST_COMPLETE_KEY)
    delete_expired_events(today=today)
    return run


def delete_expired_events(*, today: dt.date | None = None) -> int:
    """Delete raw events older than the retention, a day at a time (bounded transactions)."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=int(setting("RETENTION_DAYS")))
    deleted = 0
    while True:
        oldest = Event.objects.filter(day__lt=cutoff).order_by("day").values_list("day", flat=True).first()
        if oldest is None:
            return deleted
        deleted += Event.objects.filter(day=oldest).delete()[0]


def pending_days(*, today: dt.date | None = None) -> list[dt.date]:
    """Days that are over, still have raw events, and are not completely rolled up; oldest first."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=int(setting("RETENTION_DAYS")))
    done = set(RollupRun.objects.filter(day__gte=start, complete=True).values_list("day", flat=True))
    days = [start + dt.timedelta(days=n) for n in range((today - start).days)]
    return [d for d in days if d not in done and Event.objects.filter(day=d).exists()]


def rollup_pending(*, now: dt.datetime | None = None) -> list[RollupRun]:
    """Write buffered events, then roll up every day that is over and not yet done. Deletes the
    salts of every day before today (none of them can be needed again). Safe to repeat."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    buffer.flush_all()
    runs = [rollup_day(day, now=now) for day in pending_days(today=today)]
    DaySalt.objects.filter(day__lt=today).delete()
    forget_salts(today)
    delete_expired_events(today=today)
    return runs


_tick = {"done_day": None, "tried": 0.0}
RETRY_SECONDS = 600


def housekeeping_tick(*, now: dt.datetime | None = None) -> bool:
    """Called by each web process's flusher thread every few seconds: once yesterday is over by
    ROLLUP_AFTER_MINUTES (every process has written its buffer by then), ask the task worker
    to roll it up, unless that is done. Returns whether it asked."""
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    forget_salts(today)
    yesterday = today - dt.timedelta(days=1)
    if _tick["done_day"] == yesterday or local.time() < dt.time(0, int(setting("ROLLUP_AFTER_MINUTES"))):
        return False
    if time.monotonic() - _tick["tried"] < RETRY_SECONDS and _tick["tried"]:
        return False
    _tick["tried"] = time.monotonic()
    if RollupRun.objects.filter(day=yesterday, complete=True).exists() or not Event.objects.filter(day=yesterday).exists():
        _tick["done_day"] = yesterday
        return False
    from rongmei.analytics.tasks import rollup_pending_days

    try:
        rollup_pending_days.enqueue()
    except Exception:
        log.warning("readership: could not enqueue the daily rollup", exc_info=True)
        return False
    return True


def last_complete_day() -> dt.date | None:
    """The newest day whose rollup is complete (cached; cleared by every rollup)."""
    value = cache.get(LAST_COMPLETE_KEY)
    if value is None:
        day = RollupRun.objects.filter(complete=True).order_by("-day").values_list("day", flat=True).first()
        value = day.isoformat() if day else ""
        cache.set(LAST_COMPLETE_KEY, value, 300)
    return dt.date.fromisoformat(value) if value else None
