"""Demo figures of the center's external channels for the last 30 days (WeChat official account,
Douyin, Weibo), as an operator would upload them from the platforms' back offices, so that the
reach index has something to weigh. Deterministic and idempotent (a day already there is kept)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from rongmei.dashboard.models import ChannelDay

# code: (followers at the start, daily follower growth, daily reads, reads spread)
PROFILES = {"wechat_oa": (198_000, 60, 9_000, 0.35), "douyin": (56_000, 120, 40_000, 0.8), "weibo": (23_000, 15, 2_500, 0.5)}


def seed_demo(days: int = 30) -> int:
    from rongmei.distribution.models import Channel

    made = 0
    today = timezone.localdate()
    for code, (followers, growth, reads, spread) in PROFILES.items():
        channel = Channel.objects.filter(code=code, active=True).first()
        if channel is None:
            continue
        rng = random.Random(code)  # noqa: S311 - demo figures, not security
        for offset in range(days, 0, -1):
            day = today - dt.timedelta(days=offset)
            daily = int(reads * (1 + rng.uniform(-spread, spread)))
            _row, created = ChannelDay.objects.get_or_create(
                channel=channel,
                day=day,
                defaults={
                    "followers": followers + growth * (days - offset),
                    "posts": rng.randint(2, 6),
                    "reads": daily,
                    "top_reads": int(daily * rng.uniform(0.3, 0.6)),
                    "likes": int(daily * rng.uniform(0.01, 0.04)),
                    "shares": int(daily * rng.uniform(0.005, 0.02)),
                    "comments": int(daily * rng.uniform(0.002, 0.008)),
                },
            )
            made += created
    return made
