"""Demo readership for 云上泌阳: a week of made-up readers of the demo stories, rolled up, so the
article counters and /newsroom/readership/ show numbers. Called by ``manage.py seed_demo``.

Idempotent: a day that already has events or a rollup is left alone. The made-up devices are
hashed with a throwaway key that is never stored (no day salt is created).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.utils import timezone

from rongmei.analytics import buffer, services
from rongmei.analytics.models import Event, Kind, RollupRun, Via

DAYS = 7
VIA_WEIGHTS = ((Via.WEB, 3), (Via.APP, 4), (Via.WECHAT, 5))  # 县里的读者多从微信和 app 来


def _moment(rng: random.Random, day: dt.date, now: dt.datetime) -> dt.datetime:
    """A moment of the day between 06:00 and 23:00 (and not after now)."""
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0)))
    start = midnight + dt.timedelta(hours=6)
    end = min(midnight + dt.timedelta(hours=23), now)
    if end <= start:
        start = midnight
    return start + dt.timedelta(seconds=rng.randint(0, max(0, int((end - start).total_seconds()))))


def _day_rows(day: dt.date, stories: list[int], columns: list[int], now: dt.datetime) -> list[buffer.Row]:
    rng = random.Random(f"rongmei-demo-readership:{day.isoformat()}")
    salt = secrets.token_bytes(32)
    readers = [services.hash_device(f"demo{day:%Y%m%d}r{n:05d}", salt) for n in range(rng.randint(900, 1400))]
    vias = [v for v, _w in VIA_WEIGHTS]
    weights = [w for _v, w in VIA_WEIGHTS]
    rows: list[buffer.Row] = []

    def add(kind, device, via, *, article=None, column=None, seconds=None) -> None:
        rows.append(
            buffer.row(
                day=day,
                at=_moment(rng, day, now),
                kind=kind,
                via=via,
                device=device,
                article=article,
                column=column,
                seconds=seconds,
            )
        )

    for rank, story_id in enumerate(stories):
        # Newer stories are read more; each has its own appeal.
        views = int(rng.randint(40, 360) / (1 + rank * 0.15))
        for _n in range(views):
            device, via = rng.choice(readers), rng.choices(vias, weights)[0]
            add(Kind.VIEW, device, via, article=story_id)
            if rng.random() < 0.45:
                add(Kind.READ, device, via, article=story_id, seconds=rng.randint(15, 240))
            if rng.random() < 0.06:
                add(Kind.PLAY, device, via, article=story_id)
            if rng.random() < 0.03:
                add(Kind.SHARE, device, via, article=story_id)
    for column_id in columns:
        for _n in range(rng.randint(20, 160)):
            add(Kind.VIEW, rng.choice(readers), rng.choices(vias, weights)[0], column=column_id)
    for _n in range(rng.randint(150, 400)):  # the home page and search
        add(Kind.VIEW, rng.choice(readers), rng.choices(vias, weights)[0])
    return rows


def seed_demo() -> dict:
    """Events of the last 7 days (today so far included) for the stories live on the site, each
    day rolled up. Returns counts of what it made."""
    from rongmei.distribution.selectors import published_stories
    from rongmei.portal.models import Column

    stories = list(published_stories().prefetch_related(None).values_list("pk", flat=True))
    if not stories:
        return {"readership_events": 0, "readership_days": 0}
    columns = list(Column.objects.filter(active=True, kind__in=[Column.Kind.ARTICLES, Column.Kind.VIDEO]).values_list("pk", flat=True))
    now = timezone.now()
    today = timezone.localdate(now)
    made = {"readership_events": 0, "readership_days": 0}
    for offset in range(DAYS - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        if RollupRun.objects.filter(day=day).exists() or Event.objects.filter(day=day).exists():
            continue
        made["readership_events"] += buffer.write_rows(_day_rows(day, stories, columns, now))
        services.rollup_day(day, now=now)
        made["readership_days"] += 1
    return made
