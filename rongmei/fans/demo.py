"""Demo app users of 云上泌阳 for ``manage.py seed_demo``: readers who follow columns, like the demo
stories and have a few messages. Idempotent: fans are found by their numbers (a nickname someone
set is kept), follows and likes are unique, an article is announced once."""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from rongmei.fans import selectors, services
from rongmei.fans.models import ColumnFollow, Fan, Like

# number, nickname, the columns they follow (short names of newsroom.demo_data.COLUMNS)
DEMO_FANS = [
    ("+8613800000001", "铜山湖的风", ["toutiao", "meili"]),
    ("+8613800000002", "盘古山下", ["toutiao", "rongmeibang"]),
    ("+8613800000003", "夏南牛倌", ["meili", "video"]),
    ("+8613800000004", "泌水人家", ["renda", "zhengxie", "toutiao"]),
    ("+8613800000005", "花园街老张", ["rongmeibang", "yajiewen"]),
]
LIKED_STORIES = 8
ANNOUNCED_STORIES = 2


def seed_demo() -> Counter:
    """Create what is missing; returns how many fans, follows, likes and messages were made."""
    from rongmei.distribution import selectors as distribution
    from rongmei.portal.models import Column

    made: Counter = Counter()
    with transaction.atomic():
        columns = {c.slug: c for c in Column.objects.filter(active=True).exclude(kind=Column.Kind.LINKS)}
        fans = []
        for phone, nickname, follows in DEMO_FANS:
            fan, created = Fan.objects.get_or_create(phone=phone, defaults={"nickname": nickname})
            made["fans"] += created
            fans.append(fan)
            for slug in follows:
                if slug in columns:
                    made["follows"] += ColumnFollow.objects.get_or_create(fan=fan, column=columns[slug])[1]
        live = list(distribution.published_stories()[:LIKED_STORIES])
        for i, fan in enumerate(fans):
            # Different readers like different stories, so the counts differ from article to article.
            for n, story in enumerate(live):
                if (n + i) % 3 != 2:
                    made["likes"] += Like.objects.get_or_create(fan=fan, story=story)[1]
    followed = {c for _phone, _nick, slugs in DEMO_FANS for c in slugs}
    announced = 0
    for story in live:
        if announced >= ANNOUNCED_STORIES:
            break
        if not {c.slug for c in selectors.columns_carrying(story.team_id)} & followed:
            continue
        # As at the moment it went live: a demo seeded days after its stories still has messages.
        if services.announce_new_story(story_id=story.pk, now=story.live_at) == "announced":
            made["announcements"] += 1
        announced += 1
    first = fans[0]
    if made["announcements"] and first.notifications.filter(read_at__isnull=True).count() > 1:
        services.mark_read(fan=first, ids=[first.notifications.order_by("created_at", "id").values_list("pk", flat=True).first()])
    return made
