"""Demo comments for the 云上泌阳 app: a few published ones (one with a reply) and two waiting in
the moderation queue, one of them flagged by the word lists. Called by ``manage.py seed_demo``
after the newsroom content; safe to run again (nothing is added once the demo fans have written)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import Role, User
from rongmei.community import services
from rongmei.community.models import Comment
from rongmei.fans.models import Fan

DEMO_FANS = [
    ("+8613800000001", "铜山湖的风"),
    ("+8613800000002", "花园街道老王"),
    ("+8613800000003", "春水镇小李"),
    ("+8613800000004", "盘古山下"),
    ("+8613800000005", ""),
]

# (fan index, text, reply to the comment at this index or None, hours ago)
PUBLISHED = [
    (0, "夏南牛是咱泌阳的金字招牌，希望多报道养殖户的故事，给年轻人回乡创业鼓鼓劲。", None, 30),
    (1, "周末带孩子去了铜山湖，景区干净，停车也方便，点个赞！", None, 20),
    (2, "同感，湖边的步道修得真好，就是节假日人有点多。", 1, 18),
    (3, "泌阳花菇今年价格怎么样？家里老人种了几十架，想问问收购点在哪。", None, 6),
]
WAITING = [
    (4, "请问县医院新门诊楼什么时候启用？每次去挂号都要排很久。", 3),
    # "顶级" and "绝对" are on the demo's advertising-word list: held and flagged for a person to judge.
    (1, "我家的夏南牛肉绝对是全县顶级的，想买的加我私聊。", 1),
]


def _moderator() -> User | None:
    for role in (Role.OPERATOR, Role.CHIEF_EDITOR, Role.EDITOR, Role.ADMIN):
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        if user is not None:
            return user
    return None


def seed_demo() -> int:
    """Create the demo comments; returns how many were created (0 when already there or when no
    story is live or no moderator exists)."""
    from django.core.cache import cache

    from rongmei.distribution import selectors

    phones = [phone for phone, _name in DEMO_FANS]
    if Comment.objects.filter(fan__phone__in=phones).exists():
        return 0
    stories = list(selectors.published_stories()[:3])
    moderator = _moderator()
    if not stories or moderator is None:
        return 0
    fans = []
    for phone, nickname in DEMO_FANS:
        fan, _created = Fan.objects.get_or_create(phone=phone, defaults={"nickname": nickname})
        fans.append(fan)
    now = timezone.now()
    made: list[Comment] = []
    with transaction.atomic():
        for i, (who, text, parent, hours) in enumerate(PUBLISHED):
            story = stories[min(i // 3, len(stories) - 1)] if parent is None else made[parent].story
            comment = services.submit_comment(
                fan=fans[who], story_id=story.pk, body=text, reply_to_id=made[parent].pk if parent is not None else None
            )
            Comment.objects.filter(pk=comment.pk).update(created_at=now - dt.timedelta(hours=hours))
            if comment.status == Comment.Status.PENDING:  # published at once when pre-moderation is off
                comment = services.approve(actor=moderator, comment=comment)
            made.append(comment)
        for who, text, hours in WAITING:
            story = stories[-1] if len(stories) > 1 else stories[0]
            comment = services.submit_comment(fan=fans[who], story_id=story.pk, body=text)
            Comment.objects.filter(pk=comment.pk).update(created_at=now - dt.timedelta(hours=hours))
            made.append(comment)
    # The demo's writes are not a reader typing: leave the demo fans' rate limits untouched.
    for fan in fans:
        cache.delete(services._fan_key(fan))
    return len(made)
