"""Topics (话题): hashtag pages where app users post text and up to nine pictures — the write path.

A topic is created by staff (or by an app user when settings.RONGMEI["COMMUNITY_FANS_CREATE_TOPICS"]
is on); its ``premoderated`` field says whether posts wait for a moderator. Posts take replies one
level deep, likes and reports through rongmei.community.moderation, like comments do.

Pictures are checked before anything is stored: at most COMMUNITY_MAX_PICTURES (9) of at most
COMMUNITY_MAX_PICTURE_BYTES (10 MB) each, and each must be a JPEG, PNG, GIF or WebP that Pillow
can read (``verify``) with at most 40 million pixels.
"""

from __future__ import annotations

import re
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.community import moderation
from rongmei.community.models import POST_MAX, ModeratedItem, Topic, TopicPicture, TopicPost
from rongmei.community.moderation import S, check_rate, clean_line, record_rate, writer
from rongmei.core import audit, safety
from rongmei.core import uploads as upload_checks
from rongmei.core.exceptions import DomainError, NotAllowed

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
# Addresses under /huati/ that are pages of their own, not topics.
RESERVED_SLUGS = {"chat", "p", "new"}
FORMATS = upload_checks.FORMATS
MAX_PIXELS = upload_checks.MAX_PIXELS


class TopicNotFound(DomainError):
    status = 404

    def __init__(self) -> None:
        super().__init__(_("There is no such topic, or it is not shown any more."), field="topic", code="not_found")


def shown_topic(slug_or_topic) -> Topic:
    if isinstance(slug_or_topic, Topic):
        slug_or_topic = slug_or_topic.slug
    slug = str(slug_or_topic or "")
    topic = Topic.objects.filter(slug=slug, active=True).first() if SLUG_RE.fullmatch(slug) else None
    if topic is None:
        raise TopicNotFound()
    return topic


# --- pictures ------------------------------------------------------------------------------------


def _size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
        upload.seek(0)
    return int(size)


def check_picture(upload, *, n: int = 1, field: str = "pictures") -> tuple[bytes, str, int, int]:
    """The picture's bytes, file extension, width and height; DomainError (field ``field``) when it
    is too large or not a picture we take (rongmei.core.uploads.inspect_image: the type by
    content, the pixel cap, decoded to the end). ``n`` numbers it in the message."""
    most = moderation.conf("COMMUNITY_MAX_PICTURE_BYTES")
    if _size(upload) > most:
        raise DomainError(_("Picture %(n)s is larger than %(mb)s MB.") % {"n": n, "mb": most // 2**20 or 1}, field=field, code="too_large")
    upload.seek(0)
    data = upload.read()
    if not data:
        raise DomainError(_("Picture %(n)s is empty.") % {"n": n}, field=field, code="not_an_image")
    try:
        fmt, width, height = upload_checks.inspect_image(data, max_pixels=MAX_PIXELS)
    except upload_checks.BadImage as bad:
        if bad.kind == "too_many_pixels":
            raise DomainError(_("Picture %(n)s has too many pixels.") % {"n": n}, field=field, code="too_large") from None
        raise DomainError(
            _("Picture %(n)s is not a picture we can show; send a JPEG, PNG, GIF or WebP file.") % {"n": n},
            field=field,
            code="not_an_image",
        ) from None
    return data, FORMATS[fmt][0], width, height


def check_pictures(uploads) -> list[tuple[bytes, str, int, int]]:
    uploads = [u for u in (uploads or []) if u is not None]
    most = moderation.conf("COMMUNITY_MAX_PICTURES")
    if len(uploads) > most:
        raise DomainError(
            _("At most %(n)s pictures per post (now %(len)s).") % {"n": most, "len": len(uploads)}, field="pictures", code="too_many"
        )
    return [check_picture(u, n=i) for i, u in enumerate(uploads, start=1)]


# --- topics --------------------------------------------------------------------------------------


def _clean_slug(slug: str | None) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise DomainError(
            _("The address may have lowercase letters, digits and hyphens (at most 50), e.g. xianan-cattle."), field="slug", code="invalid"
        )
    return slug


@transaction.atomic
def create_topic(*, actor=None, fan=None, slug: str, name: str, description: str = "", cover=None, premoderated: bool = True) -> Topic:
    """A new topic by a moderator (``actor``) or, where the setting allows, by an app user
    (``fan``: always pre-moderated). The name is shown as #name#."""
    if actor is not None:
        moderation.check_moderator(actor)
    else:
        fan = writer(fan)
        if not moderation.conf("COMMUNITY_FANS_CREATE_TOPICS"):
            raise NotAllowed(_("Only the newsroom starts topics."), code="forbidden")
        premoderated = True
    slug = _clean_slug(slug)
    name = clean_line(name, field="name", most=30, required=_("Give the topic a name.")).strip("#＃ ")
    if not name:
        raise DomainError(_("Give the topic a name."), field="name", code="required")
    description = clean_line(description, field="description", most=500)
    if Topic.objects.filter(slug=slug).exists():
        raise DomainError(_("Another topic already has this address."), field="slug", code="taken")
    if Topic.objects.filter(name=name).exists():
        raise DomainError(_("A topic with this name already exists."), field="name", code="taken")
    picture = check_picture(cover, field="cover") if cover is not None else None
    now = None
    if fan is not None:
        now = check_rate(fan, "topic")
    topic = Topic(slug=slug, name=name, description=description, premoderated=premoderated, created_by=actor, created_by_fan=fan)
    if picture is not None:
        data, ext, _w, _h = picture
        topic.cover.save(f"{slug}-{uuid.uuid4().hex[:8]}.{ext}", ContentFile(data), save=False)
    topic.save()
    audit.record(
        "topic.create",
        actor=actor,
        subject=topic,
        summary=_("Started the topic %(topic)s") % {"topic": topic.hashtag},
        to_state="premoderated" if premoderated else "postmoderated",
        data={"slug": slug, "fan": fan.pk if fan else None},
    )
    if fan is not None and now is not None:
        record_rate(fan, "topic", now)
    return topic


# --- posts ---------------------------------------------------------------------------------------


def submit_post(*, fan, topic, body: str = "", pictures=(), reply_to_id: int | None = None, ip: str | None = None) -> TopicPost:
    """A post (text and up to nine pictures) or a reply (text only) on a shown topic.

    Raises LoginRequired (401), TopicNotFound (404), NotAllowed (banned), DomainError (no text, too
    long, bad pictures, a reply to something that cannot be replied to) or Throttled (429).
    The post is ``pending`` when the topic is pre-moderated, a word hit flags it or the author's
    standing holds it; else ``approved``."""
    from rongmei.community.services import _address, _strip_controls

    fan = writer(fan)
    topic = shown_topic(topic)
    text = _strip_controls(body if isinstance(body, str) else "").strip()
    parent = None
    if reply_to_id is not None:
        parent = (
            TopicPost.objects.filter(pk=reply_to_id, topic=topic, status=S.APPROVED, hidden=False).first()
            if 0 < int(reply_to_id) < 2**63
            else None
        )
        if parent is None:
            raise DomainError(_("You can only reply to a published post on this topic."), field="reply_to")
        if parent.reply_to_id is not None:
            parent = TopicPost.objects.filter(pk=parent.reply_to_id).first() or parent
        if pictures:
            raise DomainError(_("A reply has text only; post pictures as a post of your own."), field="pictures")
    checked = check_pictures(pictures)
    if not text and not checked:
        raise DomainError(_("Write something or add a picture before posting."), field="text", code="required")
    most = POST_MAX if parent is None else 500
    if len(text) > most:
        raise DomainError(
            _("A post may have at most %(n)s characters (now %(len)s).") % {"n": most, "len": len(text)}, field="text", code="too_long"
        )
    now = check_rate(fan, "post")
    hits = safety.scan(text)
    with transaction.atomic():
        post = TopicPost.objects.create(
            topic=topic,
            fan=fan,
            reply_to=parent,
            body=text,
            status=moderation.initial_state(fan=fan, premoderated=topic.premoderated, hits=hits),
            hits=[h.as_dict() for h in hits],
            flagged=bool(hits),
            ip_address=_address(ip),
            created_at=timezone.now(),
        )
        for position, (data, ext, width, height) in enumerate(checked):
            picture = TopicPicture(post=post, position=position, width=width, height=height)
            picture.image.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(data), save=False)
            picture.save()
    record_rate(fan, "post", now)
    return post


def picture_type(picture: TopicPicture) -> str:
    ext = picture.image.name.rsplit(".", 1)[-1].lower()
    return {v[0]: v[1] for v in FORMATS.values()}.get(ext, "application/octet-stream")


def picture_for(pk: int, fan) -> TopicPicture | None:
    """A picture whose post the reader may see (published, or their own), else None."""
    picture = TopicPicture.objects.select_related("post", "post__topic").filter(pk=pk).first() if 0 < pk < 2**63 else None
    if picture is None or not picture.post.topic.active:
        return None
    post: ModeratedItem = picture.post
    if post.public or (fan is not None and post.fan_id == fan.pk):
        return picture
    return None
