"""Demo conversation for the 云上泌阳 app: comments (a few published ones, one with a reply, two
waiting in the moderation queue, one of them flagged by the word lists), two topics (话题) with
posts, a volunteer team's chat room with members and messages, and one reported post hidden in
the queue. Called by ``manage.py seed_demo`` after the newsroom content; safe to run again
(nothing is added once the demo fans have written)."""

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

    seed_conversation()
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


# --- topics and chat rooms ------------------------------------------------------------------------

TOPICS = [
    ("xianan-cattle", "泌阳夏南牛", "晒晒自家的夏南牛，聊聊养殖经验。", False),
    ("tongshan-lake", "铜山湖的四季", "拍下你眼中的铜山湖。", True),
]
# (topic index, fan index, text, with a picture)
POSTS = [
    (0, 0, "今年开春家里新添了三头牛犊，个个精神！", True),
    (0, 1, "请教一下，夏南牛冬天要补什么饲料？", False),
    (1, 2, "早上六点的铜山湖，雾气还没散。", True),
    (1, 3, "周末湖边骑行，推荐东岸那条路。", False),
]
ROOM_MESSAGES = [
    (0, "各位志愿者，周六上午八点在县文化广场集合，参加夏南牛节的引导服务。"),
    (1, "收到，我带上小喇叭。"),
    (2, "我负责停车场那边，有需要随时喊我。"),
]


def _picture(color: tuple[int, int, int]):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (480, 360), color).save(buf, format="JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", buf.getvalue(), content_type="image/jpeg")


def seed_conversation() -> int:
    """Two topics with posts, the volunteer room, one reported post; returns how many posts and
    messages were written (0 when already there or when no moderator exists)."""
    from rongmei.community import chat, moderation, topics
    from rongmei.community.models import ChatRoom, RoomMember, Topic

    moderator = _moderator()
    if moderator is None or Topic.objects.filter(slug=TOPICS[0][0]).exists():
        return 0
    fans = [Fan.objects.get_or_create(phone=phone, defaults={"nickname": nickname})[0] for phone, nickname in DEMO_FANS]
    made = 0
    with transaction.atomic():
        made_topics = [
            topics.create_topic(actor=moderator, slug=slug, name=name, description=text, premoderated=pre)
            for slug, name, text, pre in TOPICS
        ]
        posts = []
        for i, (t, who, text, with_picture) in enumerate(POSTS):
            pictures = [_picture((120 + 30 * i, 90, 60))] if with_picture else []
            post = topics.submit_post(fan=fans[who], topic=made_topics[t], body=text, pictures=pictures)
            if not post.public:
                post = moderation.approve(actor=moderator, item=post)
            posts.append(post)
            made += 1
        reply = topics.submit_post(fan=fans[4], topic=made_topics[0], body="冬天多喂点青贮和玉米秸秆。", reply_to_id=posts[1].pk)
        if not reply.public:
            moderation.approve(actor=moderator, item=reply)
        made += 1
        room = chat.create_room(
            actor=moderator,
            name="夏南牛节志愿服务队",
            description="夏南牛文化节志愿者的联络群。",
            access=ChatRoom.Access.MEMBERS,
            owner=fans[0],
        )
        chat.add_member(actor=moderator, chat_room=room, fan=fans[1], role=RoomMember.Role.MODERATOR)
        chat.add_member(actor=moderator, chat_room=room, fan=fans[2])
        for who, text in ROOM_MESSAGES:
            chat.post_message(fan=fans[who], room_id=room.pk, body=text)
            made += 1
        # One post reported by enough readers to be hidden: it waits in the queue with its reports.
        spam = topics.submit_post(fan=fans[3], topic=made_topics[0], body="出售夏南牛肉，量大从优，加我私聊。")
        made += 1
        reporters = []
        for who in range(moderation.conf("COMMUNITY_AUTO_HIDE_REPORTS")):
            reporter = fans[who] if who < 3 else Fan.objects.get_or_create(phone=f"+86138000001{who:02d}")[0]
            reporters.append(reporter)
            moderation.report(fan=reporter, kind="post", item_id=spam.pk, category="spam", note="广告" if who == 0 else "")
    # Phone numbers are encrypted (no prefix search): the demo's own fans, by object.
    for fan in {*fans, *reporters}:
        moderation.clear_rates(fan)
    return made
