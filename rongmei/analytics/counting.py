"""The counting behind a day's rollup, over arrays instead of SQL aggregates.

A day of the scaled setup holds millions of events. Counting distinct devices per group in SQL
(COUNT(DISTINCT device) per article, per column, per author) makes the database sort the whole
day once per kind of group; SQLite sorts 10 million rows in about 12 s, so the SQL rollup took
over three minutes there. Here the day is read once, in one plain scan (``events_of``), and the
counting is done with numpy:

  - plain counts (views, reads, plays, shares) per (place, kind, target) from one ``np.unique``
    over the packed codes: a few thousand combinations at most, summed per group in Python;
  - distinct devices per group (``distinct``) from one sort of packed (group, device, not-viewed)
    integers: the first of each (group, device) run is one device of the group, and it has seen a
    page of the group when that first element's low bit is 0;
  - the groups an article belongs to (its columns, its authors) by repeating each distinct
    (article, device) pair once per group of the article (``by_group``), so a device reading two
    articles of a column counts once for the column; a batch of groups at a time.

Memory at the peak is about 50 bytes per event (10 million events: ~0.5 GB for a few seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

# The event's target packed with its place and kind into one int64 (see events_of):
#   code = via * 256 + kind (kinds and places below 256), target = article id (> 0), -column id
#   (< 0) or 0 (any other page), both ids below 2**31. An event of an ad's creative (impression,
#   click) has CREATIVE_BASE + creative id instead, whatever page it was on: 2**31 and above, still
#   inside the 33 bits, so the target alone tells the three apart.
TARGET_BITS = 33
TARGET_OFFSET = 1 << 32
TARGET_MASK = (1 << TARGET_BITS) - 1
CREATIVE_BASE = 1 << 31
FETCH_ROWS = 100_000
# (group, device) pairs counted at once by by_group: ~20 bytes each at the peak.
BATCH_PAIRS = 4_000_000


def packed_sql(table: str) -> str:
    """The query reading a day's events as (device, packed) rows, in no particular order."""
    return (
        f"SELECT device, (via * 256 + kind) * {1 << TARGET_BITS} + COALESCE(creative_id + {CREATIVE_BASE}, article_id, -column_id, 0) + {TARGET_OFFSET} "  # noqa: S608 - constants
        f"FROM {table} WHERE day = %s"
    )


def events_of(cursor, table: str, day) -> tuple[np.ndarray, np.ndarray]:
    """Read a day's events as two int64 arrays: the device hash and the packed code."""
    cursor.execute(packed_sql(table), [day])
    devices, codes = [], []
    while rows := cursor.fetchmany(FETCH_ROWS):
        both = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows))
        devices.append(both[0::2].copy())
        codes.append(both[1::2].copy())
    if not devices:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(devices), np.concatenate(codes)


def tally(packed: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Plain counts: one (via, kind, target, events) per combination that occurs; the target is
    CREATIVE_BASE + the creative id for a creative's events (see ``creatives``)."""
    keys, counts = np.unique(packed, return_counts=True)
    code = keys >> TARGET_BITS
    target = (keys & TARGET_MASK) - TARGET_OFFSET
    return list(zip((code >> 8).tolist(), (code & 255).tolist(), target.tolist(), counts.tolist(), strict=True))


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(via, kind, target) of packed codes: int16, int16 and int32 arrays. A creative's events
    have target 0 here (no article, no page); ``creatives`` gives their creative."""
    code = packed >> TARGET_BITS
    target = (packed & TARGET_MASK) - TARGET_OFFSET
    target[target >= CREATIVE_BASE] = 0
    return (code >> 8).astype(np.int16), (code & 255).astype(np.int16), target.astype(np.int32)


def creatives(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which events are a creative's (a boolean array) and their creative ids (int32, one per such
    event)."""
    target = (packed & TARGET_MASK) - TARGET_OFFSET
    mine = target >= CREATIVE_BASE
    return mine, (target[mine] - CREATIVE_BASE).astype(np.int32)


def dense(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Numbers 0..n-1 (int32) in place of arbitrary int64 values: the same value, the same number."""
    if values.size == 0:
        return np.empty(0, dtype=np.int32), 0
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.empty(values.size, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    del ordered
    ids = np.cumsum(first, dtype=np.int32) - 1
    del first
    out = np.empty(values.size, dtype=np.int32)
    out[order] = ids
    return out, int(ids[-1]) + 1


@dataclass
class Distinct:
    """Distinct devices per group key 0..groups-1, and the distinct (key, device) pairs."""

    devices: np.ndarray  # per key: devices with any event of the group
    visitors: np.ndarray  # per key: devices with a page view of the group
    keys: np.ndarray  # one element per distinct (key, device) pair
    device_ids: np.ndarray
    viewed: np.ndarray  # the pair has a page view


def distinct(keys: np.ndarray, groups: int, device_ids: np.ndarray, devices: int, viewed: np.ndarray) -> Distinct:
    """Count distinct devices per key with one sort. ``keys`` in 0..groups-1, ``device_ids`` in
    0..devices-1 (see ``dense``), ``viewed`` true for page views."""
    device_bits = max(devices, 1).bit_length()
    if max(groups, 1).bit_length() + device_bits + 1 > 62:
        raise ValueError("too many groups and devices to pack into 64 bits")
    packed = keys.astype(np.int64) << (device_bits + 1)
    packed |= device_ids.astype(np.int64) << 1
    packed |= ~viewed
    packed.sort()
    first = np.empty(packed.size, dtype=bool)
    first[:1] = True
    np.not_equal(packed[1:] >> 1, packed[:-1] >> 1, out=first[1:])
    pairs = packed[first]
    del packed, first
    pair_keys = (pairs >> (device_bits + 1)).astype(np.int32)
    pair_viewed = (pairs & 1) == 0
    return Distinct(
        devices=np.bincount(pair_keys, minlength=groups),
        visitors=np.bincount(pair_keys[pair_viewed], minlength=groups),
        keys=pair_keys,
        device_ids=((pairs >> 1) & ((1 << device_bits) - 1)).astype(np.int32),
        viewed=pair_viewed,
    )


def by_group(
    pairs: Distinct,
    articles: int,
    members: Sequence[Sequence[int]],
    devices: int,
    extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    limit: int = BATCH_PAIRS,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct devices and visitors of groups of articles (columns, authors): ``members[g]`` are
    the article keys (0..articles-1) of group g; ``pairs`` the distinct (article, device) pairs.
    ``extra`` are (group, device, viewed) rows of the groups' own (a column's page).

    Each distinct (article, device) pair is repeated once per group of its article, so a device
    reading two articles of a group counts once for it. Groups are done in batches of about
    ``limit`` such repeated pairs, which bounds the memory whatever the number of groups.
    """
    n = len(members)
    devices_out = np.zeros(n, dtype=np.int64)
    visitors_out = np.zeros(n, dtype=np.int64)
    per_article = np.bincount(pairs.keys, minlength=articles)
    extra_per_group = np.bincount(extra[0], minlength=n) if extra is not None else np.zeros(n, dtype=np.int64)
    sizes = [int(per_article[list(m)].sum()) + int(extra_per_group[g]) for g, m in enumerate(members)]
    start = 0
    while start < n:
        stop, total = start + 1, sizes[start]
        while stop < n and total + sizes[stop] <= limit:
            total += sizes[stop]
            stop += 1
        _batch(pairs, articles, members, devices, extra, range(start, stop), devices_out, visitors_out)
        start = stop
    return devices_out, visitors_out


def _batch(pairs, articles, members, devices, extra, batch: range, devices_out, visitors_out) -> None:
    groups_of: list[list[int]] = [[] for _ in range(articles)]
    for g in batch:
        for a in members[g]:
            groups_of[a].append(g - batch.start)
    degree = np.fromiter((len(m) for m in groups_of), dtype=np.int64, count=articles)
    flat = np.fromiter(chain.from_iterable(groups_of), dtype=np.int32, count=int(degree.sum()))
    starts = np.cumsum(degree) - degree
    chosen = degree[pairs.keys] > 0
    keys, device_ids, viewed = pairs.keys[chosen], pairs.device_ids[chosen], pairs.viewed[chosen]
    repeat = degree[keys]
    which = np.repeat(np.arange(keys.size), repeat)
    # Each repeated pair's place in ``flat``: its article's start plus its rank among the
    # article's groups.
    position = np.arange(which.size) - np.repeat(np.cumsum(repeat) - repeat, repeat) + np.repeat(starts[keys], repeat)
    parts_keys, parts_devices, parts_viewed = [flat[position]], [device_ids[which]], [viewed[which]]
    del which, position, repeat, keys, device_ids, viewed
    if extra is not None:
        mine = (extra[0] >= batch.start) & (extra[0] < batch.stop)
        parts_keys.append((extra[0][mine] - batch.start).astype(np.int32))
        parts_devices.append(extra[1][mine])
        parts_viewed.append(extra[2][mine])
    counted = distinct(np.concatenate(parts_keys), len(batch), np.concatenate(parts_devices), devices, np.concatenate(parts_viewed))
    devices_out[batch.start : batch.stop] = counted.devices
    visitors_out[batch.start : batch.stop] = counted.visitors
