"""The one write path for readers' comments: writing one (app users) and moderating them (staff).

Pre-moderation: a new comment is ``pending`` and seen only by its author until a moderator
approves it. With ``settings.RONGMEI["COMMENTS_PREMODERATED"] = False`` a comment without any
sensitive-word hit is published at once. A comment with hits is never dropped nor refused by the
machine: the word lists flag plenty of innocent text, so it is held, flagged and put first in the
queue for a person to judge.

Rate limits live in Django's cache (Redis when scaled) as lists of write times, like the SMS
limits in rongmei.fans.services; the check and the record are not one atomic step, so two comments
in the same instant may both pass, which costs nothing.

Every moderation step checks permission, writes the audit log and the author's notification in
the same transaction as the change.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.community import moderation
from rongmei.community.models import BODY_MAX, REASON_MAX, Comment
from rongmei.core import ratelimit, safety
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.fans.models import Fan
from rongmei.fans.services import Throttled

S = Comment.Status

# (window in seconds, most comments in it)
FAN_MINUTE = (60, 5)
FAN_DAY = (24 * 3600, 50)
# One address may be a whole office or a mobile carrier's gateway: generous, but a ceiling.
ADDRESS_MINUTE = (60, 20)
ADDRESS_DAY = (24 * 3600, 300)

APPROVE_MANY_MAX = 200


class ArticleNotFound(DomainError):
    """The article is not live on the site (never published, retracted, or no such id). HTTP 404."""

    status = 404

    def __init__(self) -> None:
        super().__init__(_("This article is not published (any more)."), field="article", code="not_found")


class LoginRequired(DomainError):
    """Only a logged-in app user may write. HTTP 401."""

    status = 401

    def __init__(self) -> None:
        super().__init__(_("Log in to write a comment."), code="not_logged_in")


def premoderated() -> bool:
    """Article comments wait for a moderator (ModerationPolicy, by default the setting)."""
    return moderation.comments_premoderated()


_SURROGATES = re.compile("[\ud800-\udfff]")


def _strip_controls(value: str | None) -> str:
    """Without control characters and lone surrogates (JSON may carry "\\ud800"; no database can
    store it as UTF-8)."""
    from rongmei.core.input import strip_controls

    return _SURROGATES.sub("", strip_controls(value))


def clean_body(body: str | None) -> str:
    text = _strip_controls(body).strip()
    if not text:
        raise DomainError(_("Write something before sending your comment."), field="text", code="required")
    if len(text) > BODY_MAX:
        raise DomainError(_("A comment may have at most %(n)s characters (now %(len)s).") % {"n": BODY_MAX, "len": len(text)}, field="text")
    return text


def clean_reason(reason: str | None, *, required_message: str) -> str:
    text = _strip_controls(reason).strip()
    if not text:
        raise DomainError(required_message, field="reason", code="required")
    if len(text) > REASON_MAX:
        raise DomainError(
            _("The reason may have at most %(n)s characters (now %(len)s).") % {"n": REASON_MAX, "len": len(text)}, field="reason"
        )
    return text


# --- rate limits -------------------------------------------------------------------------------


def _fan_key(fan: Fan) -> str:
    return f"community:comments:fan:{fan.pk}"


def _address_key(ip: str) -> str:
    return f"community:comments:addr:{ip}"


def _recent(key: str, now: float) -> list[float]:
    # One list per key covers both windows: the day's list holds the minute's.
    return ratelimit.recent(key, FAN_DAY[0], now)


def _check_limits(fan: Fan, ip: str | None, now: float) -> None:
    mine = _recent(_fan_key(fan), now)
    if (wait := ratelimit.over(mine, FAN_MINUTE, now)) is not None:
        raise Throttled(
            _("You are commenting too fast. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)}, retry_after=math.ceil(wait)
        )
    if (wait := ratelimit.over(mine, FAN_DAY, now)) is not None:
        raise Throttled(
            _("You have written as many comments as one day allows. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
            retry_after=math.ceil(wait),
        )
    if ip:
        theirs = _recent(_address_key(ip), now)
        wait = ratelimit.over(theirs, ADDRESS_MINUTE, now)
        if wait is None:
            wait = ratelimit.over(theirs, ADDRESS_DAY, now)
        if wait is not None:
            raise Throttled(
                _("Too many comments were sent from your network. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
                retry_after=math.ceil(wait),
            )


def _record(key: str, now: float) -> None:
    ratelimit.record(key, FAN_DAY[0], now)


# --- writing -----------------------------------------------------------------------------------


def live_story(story_id: int):
    """The story with this id if it is live on the site (from published_stories), else ArticleNotFound."""
    from rongmei.distribution import selectors

    story = selectors.published_stories().filter(pk=story_id).first()
    if story is None:
        raise ArticleNotFound()
    return story


def _address(ip: str | None) -> str | None:
    # A trusted X-Forwarded-For may still carry junk: keep only a real address.
    try:
        return str(ipaddress.ip_address((ip or "").strip())) if ip else None
    except ValueError:
        return None


def submit_comment(*, fan: Fan | None, story_id: int, body: str, reply_to_id: int | None = None, ip: str | None = None) -> Comment:
    """An app user's comment on a live article.

    Raises LoginRequired (401, no fan), ArticleNotFound (404), NotAllowed (banned), DomainError (empty/too long text, a reply
    to something that cannot be replied to) or Throttled (429; the message says how long to wait).
    Returns the comment: ``pending``, or ``approved`` when pre-moderation is off and no word hit.
    """
    if fan is None:
        raise LoginRequired()
    if fan.banned:
        raise NotAllowed(_("This account has been banned and cannot comment."), code="banned")
    story = live_story(story_id)
    text = clean_body(body)
    parent = None
    if reply_to_id is not None:
        parent = Comment.objects.filter(pk=reply_to_id, story=story, status=S.APPROVED).first()
        if parent is None:
            raise DomainError(_("You can only reply to a published comment on this article."), field="reply_to")
        # One level only: a reply to a reply joins the same thread.
        if parent.reply_to_id is not None:
            parent = Comment.objects.filter(pk=parent.reply_to_id).first() or parent
    ip = _address(ip)
    now = timezone.now()
    stamp = now.timestamp()
    _check_limits(fan, ip, stamp)
    hits = safety.scan(text)
    state = moderation.initial_state(fan=fan, premoderated=premoderated(), hits=hits)
    comment = Comment.objects.create(
        story=story,
        fan=fan,
        reply_to=parent,
        body=text,
        status=state,
        hits=[h.as_dict() for h in hits],
        flagged=bool(hits),
        ip_address=ip or None,
        created_at=now,
    )
    _record(_fan_key(fan), stamp)
    if ip:
        _record(_address_key(ip), stamp)
    return comment


# --- moderation: rongmei.community.moderation, the same for every kind -------------------------


def _headline(story) -> str:
    """What readers see as the headline: the live version's, else the working copy's."""
    from rongmei.distribution import selectors

    live = selectors.published_stories().filter(pk=story.pk).first()
    return selectors.live_content(live)["headline"] if live is not None else story.headline


def article_url(story_or_id) -> str:
    pk = getattr(story_or_id, "pk", story_or_id)
    return reverse("portal:story", args=[pk]) + "#comments"


def approve(*, actor, comment: Comment, headlines: dict | None = None) -> Comment:
    """Publish a pending comment (or one rejected by mistake); the author is told."""
    return moderation.approve(actor=actor, item=comment, headlines=headlines)


def reject(*, actor, comment: Comment, reason: str) -> Comment:
    """Turn down a pending comment; the author reads the reason."""
    return moderation.reject(actor=actor, item=comment, reason=reason)


def remove(*, actor, comment: Comment, reason: str) -> Comment:
    """Take a published comment down; the author reads the reason. Its replies stay."""
    return moderation.remove(actor=actor, item=comment, reason=reason)


@transaction.atomic
def approve_many(*, actor, comment_ids: Iterable[int]) -> list[Comment]:
    """Publish several pending comments at once; those no longer pending are left as they are.
    Returns the comments approved."""
    moderation.check_moderator(actor)
    ids = sorted({int(pk) for pk in comment_ids})
    if not ids:
        raise DomainError(_("Choose at least one comment."), field="ids", code="required")
    if len(ids) > APPROVE_MANY_MAX:
        raise DomainError(_("Approve at most %(n)s comments at once.") % {"n": APPROVE_MANY_MAX}, field="ids")
    headlines: dict = {}
    done = []
    for comment in Comment.objects.filter(pk__in=ids, status=S.PENDING).order_by("created_at", "id"):
        done.append(approve(actor=actor, comment=comment, headlines=headlines))
    return done


def ban_fan(*, actor, fan: Fan, reason: str) -> list:
    """Ban an app user: they are logged out and can neither log in nor write; their pending
    comments, topic posts and chat messages are rejected with the same reason. Returns those."""
    return moderation.ban_fan(actor=actor, fan=fan, reason=reason)
