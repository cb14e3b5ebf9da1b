"""The array counting of the rollup (counting.py) against counts made one event at a time."""

import datetime as dt
import random
from collections import defaultdict

import numpy as np
import pytest
from django.utils import timezone

from rongmei.analytics import counting, services
from rongmei.analytics.models import AD_KINDS, DailyRollup, Dimension, Event, Kind, Via
from rongmei.newsroom.models import Story
from rongmei.portal.models import Column

MEASURES = ("views", "visitors", "devices", "reads", "plays", "shares")
COUNTED = {Kind.VIEW: "views", Kind.READ: "reads", Kind.PLAY: "plays", Kind.SHARE: "shares"}
AD_IMPRESSION = 10  # kept for the ads issue (models.Kind)


def test_dense_numbers_equal_values_alike():
    values = np.array([7, -3, 7, 2**62, -3, 0], dtype=np.int64)
    ids, n = counting.dense(values)
    assert n == 4
    assert ids[0] == ids[2] and ids[1] == ids[4]
    assert len({int(ids[0]), int(ids[1]), int(ids[3]), int(ids[5])}) == 4
    assert counting.dense(np.empty(0, dtype=np.int64))[1] == 0


def test_distinct_counts_each_device_once_per_key_and_visitors_by_views():
    keys = np.array([0, 0, 0, 1, 1, 2], dtype=np.int32)
    devices = np.array([5, 5, 6, 5, 5, 6], dtype=np.int32)
    viewed = np.array([False, True, False, False, False, True])
    counted = counting.distinct(keys, 4, devices, 7, viewed)
    assert counted.devices.tolist() == [2, 1, 1, 0]
    assert counted.visitors.tolist() == [1, 0, 1, 0]
    pairs = sorted(zip(counted.keys.tolist(), counted.device_ids.tolist(), counted.viewed.tolist(), strict=True))
    assert pairs == [(0, 5, True), (0, 6, False), (1, 5, False), (2, 6, True)]


def test_by_group_is_the_same_in_one_batch_and_in_many():
    rng = random.Random(7)
    n = 5000
    keys = np.array([rng.randrange(40) for _ in range(n)], dtype=np.int32)
    devices = np.array([rng.randrange(300) for _ in range(n)], dtype=np.int32)
    viewed = np.array([rng.random() < 0.6 for _ in range(n)])
    pairs = counting.distinct(keys, 40, devices, 300, viewed)
    members = [sorted(rng.sample(range(40), rng.randrange(0, 6))) for _ in range(25)]
    extra = (np.array([3, 3, 24], dtype=np.int64), np.array([1, 2, 299], dtype=np.int32), np.array([True, False, True]))
    whole = counting.by_group(pairs, 40, members, 300, extra)
    for limit in (1, 50, 700):
        parts = counting.by_group(pairs, 40, members, 300, extra, limit=limit)
        assert parts[0].tolist() == whole[0].tolist() and parts[1].tolist() == whole[1].tolist()
    # By hand: a group's devices are those of its articles' events and its own rows.
    for g, articles in enumerate(members):
        seen = {(int(d), bool(v)) for k, d, v in zip(keys, devices, viewed, strict=True) if k in articles}
        seen |= {(int(d), bool(v)) for k, d, v in zip(*extra, strict=True) if k == g}
        assert whole[0][g] == len({d for d, _ in seen})
        assert whole[1][g] == len({d for d, v in seen if v})


@pytest.fixture
def day():
    return timezone.localdate() - dt.timedelta(days=1)


def test_a_random_day_rolls_up_to_the_counts_made_event_by_event(db, day, story, story2, village_story, columns):
    """Random events on live, deleted and unknown things, then every rollup row compared with
    counts made one event at a time from the Event table."""
    rng = random.Random(2026)
    gone = Story.objects.order_by("-pk").first().pk + 50  # an article deleted since
    lost_column = Column.objects.order_by("-pk").first().pk + 9
    targets = [(story.pk, None), (story2.pk, None), (village_story.pk, None), (gone, None), (None, None)]
    targets += [(None, c.pk) for c in columns.values()] + [(None, lost_column)]
    devices = [rng.randrange(-(2**63), 2**63) for _ in range(1500)]
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    events = []
    for _ in range(3000):
        article, column = rng.choice(targets)
        kind = Kind.VIEW if article is None else rng.choice([Kind.VIEW, Kind.VIEW, Kind.READ, Kind.PLAY, Kind.SHARE])
        if rng.random() < 0.05:
            kind = AD_IMPRESSION  # an ad's event: counted for its creative only, never the site's or a page's
        events.append(
            Event(day=day, at=at, kind=kind, via=rng.choice(list(Via)), device=rng.choice(devices), article_id=article, column_id=column)
        )
    Event.objects.bulk_create(events)
    Event.objects.create(day=day - dt.timedelta(days=1), at=at, kind=Kind.VIEW, via=Via.WEB, device=1, article_id=story.pk)

    services.rollup_day(day)

    live = set(Story.objects.values_list("pk", flat=True))
    column_teams = defaultdict(set)
    for c, t in Column.teams.through.objects.values_list("column_id", "team_id"):
        column_teams[c].add(t)
    team_of = dict(Story.objects.values_list("pk", "team_id"))
    authors = defaultdict(set)
    for s, u in Story.authors.through.objects.values_list("story_id", "user_id"):
        authors[s].add(u)
    expected = defaultdict(lambda: {"views": 0, "reads": 0, "plays": 0, "shares": 0, "devices": set(), "visitors": set()})

    def count(key, e):
        figures = expected[key]
        if e.kind in COUNTED:
            figures[COUNTED[e.kind]] += 1
        figures["devices"].add(e.device)
        if e.kind == Kind.VIEW:
            figures["visitors"].add(e.device)

    for e in Event.objects.filter(day=day):
        if e.kind in AD_KINDS:
            continue  # no devices, visitors or views of the site, a place, an article or a column
        count((Dimension.SITE, 0, 0), e)
        count((Dimension.VIA, e.via, 0), e)
        if e.article_id in live:
            count((Dimension.ARTICLE, e.article_id, 0), e)
            count((Dimension.ARTICLE, e.article_id, e.via), e)
            for c, teams in column_teams.items():
                if team_of[e.article_id] in teams:
                    count((Dimension.COLUMN, c, 0), e)
            for u in authors[e.article_id]:
                count((Dimension.AUTHOR, u, 0), e)
        elif e.article_id is None and e.column_id is not None and e.column_id != lost_column:
            count((Dimension.COLUMN, e.column_id, 0), e)

    got = {(r.dimension, r.key, r.via): {m: getattr(r, m) for m in MEASURES} for r in DailyRollup.objects.filter(day=day)}
    want = {
        key: {**{m: f[m] for m in ("views", "reads", "plays", "shares")}, "devices": len(f["devices"]), "visitors": len(f["visitors"])}
        for key, f in expected.items()
    }
    assert got == want
    ads = Event.objects.filter(day=day, kind=AD_IMPRESSION).count()
    assert ads > 50
    assert got[Dimension.SITE, 0, 0]["views"] + sum(got[Dimension.SITE, 0, 0][m] for m in ("reads", "plays", "shares")) == 3000 - ads
    # Devices are counted per group, not the same for every group.
    assert len({got[k]["devices"] for k in got if k[0] in (Dimension.COLUMN, Dimension.AUTHOR)}) > 2
