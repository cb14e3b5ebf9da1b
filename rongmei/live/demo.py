"""Demo live rooms of Biyang: the cattle industry conference that has ended (with its chat kept),
the Henan Quyi contest coming up (with a pinned announcement), and a room for an encoder today.

Idempotent: a room whose title exists is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from rongmei.accounts.models import Role, User
from rongmei.fans.models import Fan
from rongmei.live import relay, services
from rongmei.live.models import ChatMessage, LiveRoom

CONFERENCE = "第十五届中国牛业大会开幕式"
CONTEST = "第七届河南省曲艺大赛泌阳赛区决赛"
TODAY = "泌阳夏南牛文化节现场直播"
RELAY = "演示信号：融媒体中心测试直播"
RELAY_SECONDS = 60

CONFERENCE_CHAT = [
    ("泌阳老王", "夏南牛加油！"),
    ("花园街道小李", "在外地打工也在看家乡的直播"),
    ("羊册镇养殖户", "请问会上有没有讲母牛补贴政策？"),
    (None, "欢迎各位网友，补贴政策在下午的分论坛介绍，敬请关注。"),
    ("铜山乡网友", "画面很清楚，点赞"),
    ("泌阳老王", "希望多办这样的活动"),
]


def _operator() -> User | None:
    return User.objects.filter(role=Role.OPERATOR, is_active=True).order_by("pk").first()


@transaction.atomic
def seed_demo() -> int:
    operator = _operator()
    if operator is None:
        return 0
    now = timezone.now()
    made = 0
    if not LiveRoom.objects.filter(title=CONFERENCE).exists():
        room = services.create_room(
            actor=operator,
            title=CONFERENCE,
            scheduled_at=now - dt.timedelta(days=2, hours=3),
            description="中国牛业大会在泌阳开幕，融媒体中心全程直播，3 万余人次在线观看。",
        )
        started = room.scheduled_at
        LiveRoom.objects.filter(pk=room.pk).update(
            state=LiveRoom.State.ENDED,
            started_at=started,
            ended_at=started + dt.timedelta(hours=2),
            views_total=31_264,
            viewers_peak=4_812,
            likes=18_530,
        )
        fans = {f.display_name: f for f in Fan.objects.all()[:20]}
        for i, (name, body) in enumerate(CONFERENCE_CHAT):
            fan = fans.get(name) if name else None
            ChatMessage.objects.create(
                room=room,
                fan=fan,
                user=None if name else operator,
                name=name or f"主持人 {operator.display_name}",
                body=body,
                kind=ChatMessage.Kind.CHAT if name else ChatMessage.Kind.HOST,
                created_at=started + dt.timedelta(minutes=3 + 7 * i),
            )
        made += 1
    if not LiveRoom.objects.filter(title=CONTEST).exists():
        room = services.create_room(
            actor=operator,
            title=CONTEST,
            scheduled_at=timezone.localtime(now + dt.timedelta(days=1)).replace(hour=19, minute=30, second=0, microsecond=0),
            description="河南坠子、大调曲子、三弦书……十二支队伍同台竞技，敬请收看。",
        )
        LiveRoom.objects.filter(pk=room.pk).update(pinned_text="明晚 19:30 开播，文明观看，理性发言。", chat_slow_seconds=5)
        made += 1
    if not LiveRoom.objects.filter(title=TODAY).exists():
        services.create_room(
            actor=operator,
            title=TODAY,
            scheduled_at=now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1),
            description="编码器（OBS）推流到本直播间的推流地址即可开播。",
        )
        made += 1
    if not LiveRoom.objects.filter(title=RELAY).exists():
        try:
            source = relay.demo_source(RELAY_SECONDS)
        except Exception:  # no ffmpeg here: the other rooms still make the demo
            source = ""
        if source:
            services.create_room(
                actor=operator,
                title=RELAY,
                scheduled_at=now,
                description="拉流转推演示：运营人员在直播管理台点“开始转推”，一分钟的测试画面即按直播播出，结束后自动生成回放。",
                ingest=LiveRoom.Ingest.PULL,
                pull_url=source,
            )
            made += 1
    return made
