"""Writes of the public site's arrangement: home-page features (carousel 轮播 and headlines 头条)
and special topics (专题). Operators, administrators and the chief editor arrange the site; every
change is audited in its transaction."""

from __future__ import annotations

import io
import re
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from rongmei.accounts.models import Role
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.newsroom.models import Story
from rongmei.portal.models import PICTURE_MAX_BYTES, Feature, Topic, TopicStory

PICTURE_MAX_SIDE = 1600
# A story may be featured once it is signed off (it shows when it goes live) or live.
FEATURABLE_STATES = (Story.State.APPROVED, Story.State.PUBLISHED)


def can_curate(user) -> bool:
    """Operators, administrators and the chief editor arrange the public site."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or getattr(user, "role", "") in (Role.OPERATOR, Role.ADMIN, Role.CHIEF_EDITOR))


def _check(actor) -> None:
    """``actor=None`` is the server itself (the demo seed, a management command)."""
    if actor is not None and not can_curate(actor):
        raise NotAllowed(_("Only operators, administrators and the chief editor arrange the public site."))


# --- pictures ----------------------------------------------------------------------------------


class PreparedPicture(ContentFile):
    """A picture prepare_picture made: stored as it is."""


def prepare_picture(upload, *, field: str = "image") -> PreparedPicture:
    """An uploaded picture made fit for phones: turned upright, at most PICTURE_MAX_SIDE pixels
    a side, as a JPEG without EXIF (no GPS position reaches the public). Bad files are refused
    with a clear message."""
    if upload.size and upload.size > PICTURE_MAX_BYTES:
        raise DomainError(_("The picture is larger than %(mb)s MB.") % {"mb": PICTURE_MAX_BYTES // 2**20}, field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as im:
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "P"):
                im = im.convert("RGBA")
                back = Image.new("RGB", im.size, "white")
                back.paste(im, mask=im.getchannel("A"))
                im = back
            else:
                im = im.convert("RGB")
            im.thumbnail((PICTURE_MAX_SIDE, PICTURE_MAX_SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            im.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise DomainError(_("This file is not a picture we can read (JPEG, PNG or WebP)."), field=field) from None
    stem = re.sub(r"[^\w-]+", "-", PurePath(getattr(upload, "name", "") or "picture").stem).strip("-")[:60] or "picture"
    return PreparedPicture(out.getvalue(), name=f"{stem}.jpg")


def _store_picture(obj, field: str, picture) -> None:
    """Attach a picture (an upload, or what prepare_picture made of one) to ``obj.<field>``."""
    if picture is None:
        return
    prepared = picture if isinstance(picture, PreparedPicture) else prepare_picture(picture, field=field)
    getattr(obj, field).save(prepared.name, prepared, save=False)


# --- features ----------------------------------------------------------------------------------


def check_feature(feature: Feature) -> None:
    """The rules of a feature, before it is saved (the admin's form asks too, to show them)."""
    story = Story.objects.filter(pk=feature.story_id).only("state").first()
    if story is None or story.state not in FEATURABLE_STATES:
        raise DomainError(_("Only a signed-off or published story can be featured."), field="story")
    if feature.starts_at and feature.ends_at and feature.ends_at <= feature.starts_at:
        raise DomainError(_("The end must come after the start."), field="ends_at")
    if len(feature.title) > Feature._meta.get_field("title").max_length:
        raise DomainError(_("The title is longer than 80 characters."), field="title")
    clash = Feature.objects.filter(story_id=feature.story_id, slot=feature.slot).exclude(pk=feature.pk)
    if clash.exists():
        raise DomainError(_("This story is already featured there."), field="story")


def save_feature(*, actor, feature: Feature, image=None) -> Feature:
    """Create or change a feature (``image``: a new picture to upload, else the one it has)."""
    _check(actor)
    check_feature(feature)
    created = feature.pk is None
    with transaction.atomic():
        _store_picture(feature, "image", image)
        feature.updated_at = timezone.now()
        try:
            with transaction.atomic():
                feature.save()
        except IntegrityError:
            raise DomainError(_("This story is already featured there."), field="story") from None
        audit.record(
            "portal.feature_saved",
            actor=actor,
            subject=feature,
            summary=(_("Featured on the home page: %(story)s") if created else _("Home page feature changed: %(story)s"))
            % {"story": feature},
            data={
                "story": feature.story_id,
                "slot": feature.slot,
                "active": feature.active,
                "starts_at": feature.starts_at.isoformat() if feature.starts_at else None,
                "ends_at": feature.ends_at.isoformat() if feature.ends_at else None,
                "created": created,
            },
        )
    return feature


def add_feature(*, actor, story, slot: str = Feature.Slot.CAROUSEL, **fields) -> Feature:
    """Feature ``story`` in ``slot`` (carousel or headline); see save_feature."""
    image = fields.pop("image", None)
    return save_feature(actor=actor, feature=Feature(story=story, slot=slot, **fields), image=image)


def remove_feature(*, actor, feature: Feature) -> None:
    _check(actor)
    with transaction.atomic():
        audit.record(
            "portal.feature_removed",
            actor=actor,
            subject=feature,
            summary=_("Taken off the home page: %(story)s") % {"story": feature},
            data={"story": feature.story_id, "slot": feature.slot},
        )
        feature.delete()


# --- special topics ------------------------------------------------------------------------------


def topic_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A short name for the address from a Chinese title, in pinyin: 牛业大会 → niu-ye-da-hui."""
    from pypinyin import lazy_pinyin

    base = slugify("-".join(lazy_pinyin(title or "")))[:40].strip("-") or "topic"
    slug, n = base, 2
    others = Topic.objects.exclude(pk=exclude_pk) if exclude_pk else Topic.objects.all()
    while others.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def save_topic(*, actor, topic: Topic, cover=None) -> Topic:
    """Create or change a topic (``cover``: a new cover picture to upload). An empty short name
    is made from the title."""
    _check(actor)
    topic.title = (topic.title or "").strip()
    if not topic.title:
        raise DomainError(_("A special topic needs a title."), field="title")
    if len(topic.title) > Topic._meta.get_field("title").max_length:
        raise DomainError(_("The title is longer than 40 characters."), field="title")
    if len(topic.summary or "") > Topic._meta.get_field("summary").max_length:
        raise DomainError(_("The summary is longer than 500 characters."), field="summary")
    if Topic.objects.filter(title=topic.title).exclude(pk=topic.pk).exists():
        raise DomainError(_("There is already a special topic with this title."), field="title")
    topic.slug = (topic.slug or "").strip() or topic_slug(topic.title, exclude_pk=topic.pk)
    if Topic.objects.filter(slug=topic.slug).exclude(pk=topic.pk).exists():
        raise DomainError(_("This short name is taken by another special topic."), field="slug")
    created = topic.pk is None
    with transaction.atomic():
        _store_picture(topic, "cover", cover)
        topic.updated_at = timezone.now()
        topic.save()
        audit.record(
            "portal.topic_saved",
            actor=actor,
            subject=topic,
            summary=(_("Special topic created: %(title)s") if created else _("Special topic changed: %(title)s")) % {"title": topic.title},
            data={"slug": topic.slug, "active": topic.active, "created": created},
        )
    return topic


def create_topic(*, actor, title: str, summary: str = "", slug: str = "", active: bool = True, cover=None) -> Topic:
    return save_topic(actor=actor, topic=Topic(title=title, summary=summary, slug=slug, active=active), cover=cover)


def set_topic_stories(*, actor, topic: Topic, stories: list, cover_story=None) -> list[TopicStory]:
    """The topic's stories, in this order (replacing those it had); ``cover_story``, one of them,
    gives the topic its cover when no cover picture is uploaded."""
    _check(actor)
    ids = [s.pk for s in stories]
    if len(set(ids)) != len(ids):
        raise DomainError(_("A story is in the list twice."), field="stories")
    if cover_story is not None and cover_story.pk not in ids:
        raise DomainError(_("The cover story must be one of the topic's stories."), field="cover_story")
    with transaction.atomic():
        TopicStory.objects.filter(topic=topic).delete()
        entries = TopicStory.objects.bulk_create(
            TopicStory(topic=topic, story_id=pk, sort_order=(n + 1) * 10, is_cover=cover_story is not None and pk == cover_story.pk)
            for n, pk in enumerate(ids)
        )
        stories_changed(actor=actor, topic=topic)
    return entries


def stories_changed(*, actor, topic: Topic) -> None:
    """Record the topic's stories as they now are (after set_topic_stories or the admin's list)."""
    _check(actor)
    entries = list(TopicStory.objects.filter(topic=topic).order_by("sort_order", "id").values_list("story_id", "is_cover"))
    covers = [pk for pk, is_cover in entries if is_cover]
    with transaction.atomic():
        Topic.objects.filter(pk=topic.pk).update(updated_at=timezone.now())
        audit.record(
            "portal.topic_stories",
            actor=actor,
            subject=topic,
            summary=_("Stories of the special topic %(title)s: %(n)s") % {"title": topic.title, "n": len(entries)},
            data={"stories": [pk for pk, _c in entries], "cover_story": covers[0] if covers else None},
        )


def remove_topic(*, actor, topic: Topic) -> None:
    _check(actor)
    with transaction.atomic():
        audit.record(
            "portal.topic_removed",
            actor=actor,
            subject=topic,
            summary=_("Special topic deleted: %(title)s") % {"title": topic.title},
            data={"slug": topic.slug},
        )
        topic.delete()
