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

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.community import permissions as perms
from rongmei.community.models import BODY_MAX, REASON_MAX, Comment
from rongmei.core import audit, ratelimit, safety
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.fans.models import Fan
from rongmei.fans.notify import notify_fan
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
    return bool(settings.RONGMEI.get("COMMENTS_PREMODERATED", True))


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
    held = premoderated() or bool(hits)
    comment = Comment.objects.create(
        story=story,
        fan=fan,
        reply_to=parent,
        body=text,
        status=S.PENDING if held else S.APPROVED,
        hits=[h.as_dict() for h in hits],
        flagged=bool(hits),
        ip_address=ip or None,
        created_at=now,
    )
    _record(_fan_key(fan), stamp)
    if ip:
        _record(_address_key(ip), stamp)
    return comment


# --- moderation --------------------------------------------------------------------------------


def _check_moderator(actor) -> None:
    if not perms.can_moderate(actor):
        raise NotAllowed(_("Only operators, editors and the chief editor may moderate comments."))


def _headline(story) -> str:
    """What readers see as the headline: the live version's, else the working copy's."""
    from rongmei.distribution import selectors

    live = selectors.published_stories().filter(pk=story.pk).first()
    return selectors.live_content(live)["headline"] if live is not None else story.headline


def article_url(story_or_id) -> str:
    pk = getattr(story_or_id, "pk", story_or_id)
    return reverse("portal:story", args=[pk]) + "#comments"


def _excerpt(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _locked(comment: Comment) -> Comment:
    return Comment.objects.select_for_update(of=("self",)).select_related("story", "fan").get(pk=comment.pk)


def _moderate(comment: Comment, actor, status: str, reason: str = "") -> str:
    before = comment.status
    comment.status = status
    comment.reason = reason
    comment.moderated_at = timezone.now()
    comment.moderated_by = actor
    comment.save(update_fields=["status", "reason", "moderated_at", "moderated_by"])
    return before


def _for_fan(message, **params) -> str:
    """A message for the author's notification center, in the site's language (they read it later,
    outside this request). ``message`` is a gettext_lazy literal."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


@transaction.atomic
def approve(*, actor, comment: Comment, headlines: dict | None = None) -> Comment:
    """Publish a pending comment (or one rejected by mistake); the author is told."""
    _check_moderator(actor)
    comment = _locked(comment)
    if comment.status not in (S.PENDING, S.REJECTED):
        raise StateConflict(_("This comment has already been dealt with (%(status)s).") % {"status": comment.get_status_display()})
    before = _moderate(comment, actor, S.APPROVED)
    audit.record(
        "comment.approve",
        actor=actor,
        subject=comment,
        summary=_("Approved a comment by %(fan)s: %(text)s") % {"fan": comment.fan.display_name, "text": _excerpt(comment.body)},
        from_state=before,
        to_state=comment.status,
        data={"story": comment.story_id, "fan": comment.fan_id, "flagged": comment.flagged},
    )
    headlines = {} if headlines is None else headlines
    if comment.story_id not in headlines:
        headlines[comment.story_id] = _headline(comment.story)
    notify_fan(
        comment.fan,
        kind="comment.approved",
        text=_for_fan(gettext_lazy("Your comment on “%(headline)s” is published."), headline=headlines[comment.story_id]),
        url=article_url(comment.story_id),
    )
    return comment


def _decide_with_reason(actor, comment: Comment, reason: str, *, needs: str, to: str, action: str, kind: str, texts: dict) -> Comment:
    """Reject a pending comment or remove a published one: a reason the author reads, the audit
    line and the author's message, in the caller's transaction."""
    _check_moderator(actor)
    reason = clean_reason(reason, required_message=texts["required"])
    comment = _locked(comment)
    if comment.status != needs:
        raise StateConflict(texts["conflict"] % {"status": comment.get_status_display()})
    before = _moderate(comment, actor, to, reason)
    audit.record(
        action,
        actor=actor,
        subject=comment,
        summary=texts["summary"] % {"fan": comment.fan.display_name, "reason": reason},
        from_state=before,
        to_state=comment.status,
        data={"story": comment.story_id, "fan": comment.fan_id, "reason": reason},
    )
    notify_fan(
        comment.fan,
        kind=kind,
        text=_for_fan(texts["author"], headline=_headline(comment.story), reason=reason),
        url=article_url(comment.story_id),
    )
    return comment


@transaction.atomic
def reject(*, actor, comment: Comment, reason: str) -> Comment:
    """Turn down a pending comment; the author reads the reason."""
    return _decide_with_reason(
        actor,
        comment,
        reason,
        needs=S.PENDING,
        to=S.REJECTED,
        action="comment.reject",
        kind="comment.rejected",
        texts={
            "required": _("Give the reason for not publishing the comment; its author will read it."),
            "conflict": _("This comment has already been dealt with (%(status)s)."),
            "summary": _("Rejected a comment by %(fan)s: %(reason)s"),
            "author": gettext_lazy("Your comment on “%(headline)s” was not published: %(reason)s"),
        },
    )


@transaction.atomic
def remove(*, actor, comment: Comment, reason: str) -> Comment:
    """Take a published comment down; the author reads the reason. Its replies stay."""
    return _decide_with_reason(
        actor,
        comment,
        reason,
        needs=S.APPROVED,
        to=S.REMOVED,
        action="comment.remove",
        kind="comment.removed",
        texts={
            "required": _("Give the reason for removing the comment; its author will read it."),
            "conflict": _("Only a published comment can be removed."),
            "summary": _("Removed a comment by %(fan)s: %(reason)s"),
            "author": gettext_lazy("Your comment on “%(headline)s” was removed: %(reason)s"),
        },
    )


@transaction.atomic
def approve_many(*, actor, comment_ids: Iterable[int]) -> list[Comment]:
    """Publish several pending comments at once; those no longer pending are left as they are.
    Returns the comments approved."""
    _check_moderator(actor)
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


@transaction.atomic
def ban_fan(*, actor, fan: Fan, reason: str) -> list[Comment]:
    """Ban an app user: they are logged out and can neither log in nor comment; their pending
    comments are rejected with the same reason. Returns those comments."""
    _check_moderator(actor)
    reason = clean_reason(reason, required_message=_("Give the reason for the ban."))
    fan = Fan.objects.select_for_update().get(pk=fan.pk)
    if fan.banned:
        raise StateConflict(_("This user is already banned."))
    fan.banned = True
    fan.ban_reason = reason
    fan.save(update_fields=["banned", "ban_reason"])
    pending = list(Comment.objects.select_for_update().filter(fan=fan, status=S.PENDING).order_by("created_at", "id"))
    audit.record(
        "fan.ban",
        actor=actor,
        subject=fan,
        summary=_("Banned app user %(fan)s: %(reason)s") % {"fan": fan.display_name, "reason": reason},
        from_state="active",
        to_state="banned",
        data={"reason": reason, "rejected_comments": [c.pk for c in pending]},
    )
    for comment in pending:
        before = _moderate(comment, actor, S.REJECTED, reason)
        audit.record(
            "comment.reject",
            actor=actor,
            subject=comment,
            summary=_("Rejected a comment by %(fan)s: %(reason)s") % {"fan": fan.display_name, "reason": reason},
            from_state=before,
            to_state=comment.status,
            data={"story": comment.story_id, "fan": fan.pk, "reason": reason, "ban": True},
        )
    return pending
