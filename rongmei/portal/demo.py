"""Demo arrangement of the public app 云上泌阳: the special topic of the 15th China Cattle Industry
Development Conference with the demo stories, carousel and headline features for them, and a
special-topic column. Idempotent: found by the topic's short name, by (story, place) for a
feature and by short name or name for the column; what exists is left alone.

Called by ``manage.py seed_demo`` after the newsroom content (which publishes two stories)."""

from __future__ import annotations

import io
from collections import Counter

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from PIL import Image, ImageDraw

from rongmei.newsroom.models import Story
from rongmei.portal import services
from rongmei.portal.models import Column, Feature, Topic

TOPIC_SLUG = "niuye-dahui"
TOPIC_TITLE = "第十五届中国牛业发展大会"
TOPIC_SUMMARY = (
    "第十五届中国牛业发展大会在泌阳召开。千余名嘉宾共话肉牛产业高质量发展，云上泌阳全程报道大会盛况、夏南牛产业链和养殖户的增收故事。"
)
# In the topic's order; those not in the demo (or not live) are skipped or simply not shown.
TOPIC_STORIES = [
    "第十五届中国牛业发展大会在泌阳开幕",
    "夏南牛带富一方：羊册镇养殖户算起增收账",
    "评论｜让“牛产业”跑出乡村振兴加速度",
]
# (headline, place, title shown instead of the headline, order)
FEATURES = [
    ("第十五届中国牛业发展大会在泌阳开幕", Feature.Slot.CAROUSEL, "牛业盛会在泌阳开幕 千余嘉宾共话产业发展", 10),
    ("夏南牛带富一方：羊册镇养殖户算起增收账", Feature.Slot.CAROUSEL, "", 20),
    ("第十五届中国牛业发展大会在泌阳开幕", Feature.Slot.HEADLINE, "", 10),
    ("夏南牛带富一方：羊册镇养殖户算起增收账", Feature.Slot.HEADLINE, "", 20),
]
COLUMN = {"slug": "zhuanti", "name": "专题", "icon": "📌", "description": "重大主题报道专题", "sort_order": 85}
BANDS = [((178, 34, 34), (232, 110, 60)), ((30, 90, 160), (60, 170, 150)), ((120, 70, 30), (210, 160, 60))]


def banner(title: str, n: int = 0):
    """A 1280×720 campaign picture: the title on a gradient, or without a title a plain cover
    (the demo stories have no photos, and the carousel shows only entries with a picture)."""
    from rongmei.portal import share

    top, bottom = BANDS[n % len(BANDS)]
    image = Image.new("RGB", (1280, 720))
    draw = ImageDraw.Draw(image)
    for y in range(720):
        f = y / 719
        draw.line([(0, y), (1280, y)], fill=tuple(round(a + (b - a) * f) for a, b in zip(top, bottom, strict=True)))
    if not title:  # a cover: pages print the title over it
        for i in range(7):
            r = 90 + i * 60
            draw.ellipse((1100 - r, 120 - r, 1100 + r, 120 + r), outline=(255, 255, 255), width=2)
    else:
        face = share.font(64, bold=True)
        y = 260
        for line in share.wrap(draw, title, face, 1120, 2):
            draw.text((80, y), line, font=face, fill="white")
            y += 90
        draw.text((80, 600), settings.RONGMEI["SITE_NAME"], font=share.font(36), fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return services.prepare_picture(ContentFile(out.getvalue(), name="banner.png"))


def _story(headline: str) -> Story | None:
    return Story.objects.filter(headline=headline).order_by("id").first()


def seed_demo() -> Counter:
    """Create what is missing; returns what was created (topics, topic stories, features, columns)."""
    created: Counter = Counter()
    with transaction.atomic():
        topic = Topic.objects.filter(slug=TOPIC_SLUG).first()
        if topic is None:
            topic = services.create_topic(actor=None, title=TOPIC_TITLE, slug=TOPIC_SLUG, summary=TOPIC_SUMMARY, cover=banner("", 0))
            created["topics"] += 1
        if not topic.entries.exists():
            stories = [s for s in (_story(h) for h in TOPIC_STORIES) if s is not None]
            if stories:
                services.set_topic_stories(actor=None, topic=topic, stories=stories, cover_story=stories[0])
                created["topic stories"] += len(stories)
        for n, (headline, slot, title, order) in enumerate(FEATURES):
            story = _story(headline)
            if story is None or story.state not in services.FEATURABLE_STATES:
                continue
            if Feature.objects.filter(story=story, slot=slot).exists():
                continue
            image = banner(TOPIC_TITLE, n) if slot == Feature.Slot.CAROUSEL else None
            services.add_feature(actor=None, story=story, slot=slot, title=title, sort_order=order, image=image)
            created["features"] += 1
        if not Column.objects.filter(Q(slug=COLUMN["slug"]) | Q(name=COLUMN["name"])).exists():
            Column.objects.create(kind=Column.Kind.TOPIC, **COLUMN)
            created["columns"] += 1
    return created
