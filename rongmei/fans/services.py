"""The one write path for app users: asking for a login code, logging in with it (which registers
a new number), the nickname, favorites, likes, column follows, read marks of the notification
center, and the announcement of a new article to the followers of its columns.

Rate limits live in Django's cache (Redis when scaled, so they hold across processes) as lists of
send times, compared with ``timezone.now()``; the cache's own expiry only clears old entries. The
check and the record are not one atomic step: two requests in the same instant may both pass, which
the gateway's own limits (and ours, a second later) absorb.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rongmei.core import ratelimit
from rongmei.core.exceptions import DomainError, NotAllowed
from rongmei.fans import sms
from rongmei.fans.models import Fan, SmsCode

log = logging.getLogger(__name__)

CODE_LENGTH = 6
CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
NICKNAME_MAX = 20
# (window in seconds, most codes in it)
PHONE_GAP = 60
PHONE_DAY = (24 * 3600, 10)
ADDRESS_HOUR = (3600, 20)

_MAINLAND = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()（）]")


class Throttled(DomainError):
    """Too many requests; ``retry_after`` says in how many seconds to try again. HTTP 429."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, code="throttled")
        self.retry_after = retry_after


class NotLoggedIn(DomainError):
    status = 401

    def __init__(self) -> None:
        super().__init__(_("Log in first."), code="not_logged_in")


def normalize_phone(raw: str | None) -> str:
    """The number as "+86" and 11 digits, from what a person typed (spaces, dashes, +86 / 0086 allowed)."""
    digits = _SEPARATORS.sub("", raw or "")
    if not digits:
        raise DomainError(_("Enter a mobile number."), field="phone", code="required")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MAINLAND.fullmatch(digits):
        raise DomainError(_("Enter a valid mainland China mobile number (11 digits, starting with 1)."), field="phone")
    return f"+86{digits}"


def _hash(phone: str, code: str) -> str:
    return salted_hmac("rongmei.fans.SmsCode", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _phone_key(phone: str) -> str:
    return f"fans:sms:phone:{phone}"


def _address_key(ip: str) -> str:
    return f"fans:sms:addr:{ip}"


def _check_limits(phone: str, ip: str | None, now: float) -> None:
    sent = ratelimit.recent(_phone_key(phone), PHONE_DAY[0], now)
    if sent and now - sent[-1] < PHONE_GAP:
        wait = PHONE_GAP - (now - sent[-1])
        raise Throttled(
            _("A code was sent to this number just now. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
            retry_after=math.ceil(wait),
        )
    if len(sent) >= PHONE_DAY[1]:
        wait = PHONE_DAY[0] - (now - sent[-PHONE_DAY[1]])
        raise Throttled(
            _("This number has asked for too many codes today. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
            retry_after=math.ceil(wait),
        )
    if ip:
        asked = ratelimit.recent(_address_key(ip), ADDRESS_HOUR[0], now)
        if len(asked) >= ADDRESS_HOUR[1]:
            wait = ADDRESS_HOUR[0] - (now - asked[-ADDRESS_HOUR[1]])
            raise Throttled(
                _("Too many codes were asked for from your network. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
                retry_after=math.ceil(wait),
            )


def request_code(*, phone: str, ip: str | None, purpose: str = SmsCode.Purpose.LOGIN) -> SmsCode:
    """Send a new login code to ``phone``; it replaces any unused code sent before.

    Raises DomainError (bad number), Throttled (a limit; the message says how long to wait) or
    DomainError with code sms_* when the gateway did not take the message (then nothing is stored).
    """
    phone = normalize_phone(phone)
    now = timezone.now()
    stamp = now.timestamp()
    _check_limits(phone, ip, stamp)
    if ip:
        # Every attempt from an address counts, sent or not: the limit protects the gateway too.
        ratelimit.record(_address_key(ip), ADDRESS_HOUR[0], stamp)
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    try:
        sms.get_backend().send_code(phone=phone.removeprefix("+86"), code=code)
    except sms.SmsError as exc:
        raise DomainError(exc.message, field=exc.field, code=exc.code) from exc
    ratelimit.record(_phone_key(phone), PHONE_DAY[0], stamp)
    with transaction.atomic():
        SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).delete()
        return SmsCode.objects.create(phone=phone, purpose=purpose, code_hash=_hash(phone, code), created_at=now, expires_at=now + CODE_TTL)


def verify_code(*, phone: str, code: str, ip: str | None, purpose: str = SmsCode.Purpose.LOGIN) -> tuple[Fan, bool]:
    """Check the latest code sent to ``phone``; on success spend it and return (fan, registered):
    a number seen for the first time becomes a Fan. Five wrong tries spend a code. Banned fans are
    refused (NotAllowed, with the reason). The caller logs the fan in (auth.log_in)."""
    phone = normalize_phone(phone)
    code = (code or "").strip()
    if not re.fullmatch(rf"\d{{{CODE_LENGTH}}}", code):
        raise DomainError(_("Enter the 6-digit code."), field="code", code="invalid_code")
    now = timezone.now()
    # Decide inside the transaction, raise after it: a wrong try must be counted, not rolled back.
    with transaction.atomic():
        latest = SmsCode.objects.select_for_update().filter(phone=phone, purpose=purpose).order_by("-created_at", "-pk").first()
        error = None
        if latest is None:
            error = DomainError(_("Get a code first."), field="code", code="no_code")
        elif latest.used_at is not None:
            if latest.attempts >= MAX_ATTEMPTS:
                error = DomainError(_("Too many wrong tries. This code no longer works; get a new one."), field="code", code="code_spent")
            else:
                error = DomainError(_("This code has already been used. Get a new one."), field="code", code="code_used")
        elif latest.expires_at <= now:
            error = DomainError(_("This code has expired. Get a new one."), field="code", code="code_expired")
        elif not constant_time_compare(latest.code_hash, _hash(phone, code)):
            latest.attempts += 1
            left = MAX_ATTEMPTS - latest.attempts
            if left <= 0:
                latest.used_at = now
                error = DomainError(_("Too many wrong tries. This code no longer works; get a new one."), field="code", code="code_spent")
            else:
                error = DomainError(_("The code is wrong. %(n)s tries left.") % {"n": left}, field="code", code="wrong_code")
            latest.save(update_fields=["attempts", "used_at"])
        else:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            fan, registered = Fan.objects.select_for_update().get_or_create(phone=phone)
            if fan.banned:
                log.info("Banned app user %s refused at login from %s", fan.pk, ip)
                reason = fan.ban_reason
                error = NotAllowed(
                    _("This account has been banned: %(reason)s") % {"reason": reason} if reason else _("This account has been banned."),
                    code="banned",
                )
            else:
                fan.last_login_at = now
                fan.save(update_fields=["last_login_at"])
    if error is not None:
        if error.code in ("wrong_code", "code_spent"):
            log.info("Wrong SMS code for %s from %s", phone, ip)
        raise error
    if registered:
        log.info("App user %s registered from %s", fan.pk, ip)
    return fan, registered


def set_nickname(*, fan: Fan, nickname: str) -> Fan:
    nickname = (nickname or "").strip()
    if not nickname:
        raise DomainError(_("Enter a nickname."), field="nickname", code="required")
    if len(nickname) > NICKNAME_MAX:
        raise DomainError(_("A nickname can have at most %(n)s characters.") % {"n": NICKNAME_MAX}, field="nickname")
    fan.nickname = nickname
    fan.save(update_fields=["nickname"])
    return fan


# --- favorites (收藏) -------------------------------------------------------------------------


def set_favorite(*, fan, story_id: int, keep: bool) -> bool:
    """Keep (or let go of) an article. Only a story live on the site can be kept; letting go always
    works (a retracted story may still be in the list). Idempotent; returns whether it is kept."""
    from django.db import IntegrityError

    from rongmei.distribution import selectors
    from rongmei.fans.models import Favorite

    if not keep:
        Favorite.objects.filter(fan=fan, story_id=story_id).delete()
        return False
    if not selectors.published_stories().filter(pk=story_id).exists():
        raise DomainError(_("This article is not published (any more)."), field="story")
    try:
        with transaction.atomic():
            Favorite.objects.get_or_create(fan=fan, story_id=story_id)
    except IntegrityError:  # kept at the same moment by another request
        pass
    return True


def favorites(fan, limit: int = 100) -> list:
    """The fan's kept articles that are still live (stories of published_stories, each with
    ``kept_at``), newest kept first. What the public sees of them is their live version."""
    from rongmei.distribution import selectors

    kept = dict(fan.favorites.order_by("-created_at", "-id").values_list("story_id", "created_at")[:limit])
    stories = list(selectors.published_stories().filter(pk__in=list(kept)))
    for story in stories:
        story.kept_at = kept[story.pk]
    return sorted(stories, key=lambda s: s.kept_at, reverse=True)


# --- likes (点赞), column follows (关注栏目), the notification center (消息) --------------------------
#
# A fan's likes, follows and read marks are their own preferences, not editorial state: like
# favorites they live in their own timestamped rows and are not written to the audit log (which
# would grow by one line per tap). Announcing a new article to followers is a system action on
# the story and is audited.

ANNOUNCE_MAX_AGE = dt.timedelta(days=2)
NEW_STORY_KIND = "column.new_story"
MAX_READ_IDS = 200

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")


class NotFound(DomainError):
    """The article or column is unknown, not live (any more) or hidden. HTTP 404."""

    status = 404

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="not_found")


def _require_live(story_id: int) -> None:
    from rongmei.distribution import selectors

    if not selectors.published_stories().filter(pk=story_id).exists():
        raise NotFound(_("This article is not published (any more)."), field="article")


def like(*, fan: Fan, story_id: int) -> bool:
    """Like a live article (NotFound otherwise). Idempotent: liking twice keeps one like."""
    from rongmei.fans.models import Like

    _require_live(story_id)
    try:
        with transaction.atomic():
            Like.objects.get_or_create(fan=fan, story_id=story_id)
    except IntegrityError:  # liked at the same moment by another request of the same fan
        pass
    return True


def unlike(*, fan: Fan, story_id: int) -> bool:
    """Take a like back from a live article (NotFound otherwise). Idempotent; returns False."""
    from rongmei.fans.models import Like

    _require_live(story_id)
    Like.objects.filter(fan=fan, story_id=story_id).delete()
    return False


def followable_column(slug: str):
    """The shown column with this short name that lists articles (every kind but a link column,
    which only leads elsewhere); NotFound otherwise."""
    from rongmei.portal.models import Column

    column = None
    if isinstance(slug, str) and _SLUG.fullmatch(slug):
        column = Column.objects.filter(slug=slug, active=True).exclude(kind=Column.Kind.LINKS).first()
    if column is None:
        raise NotFound(_("This column does not exist or is not shown any more."), field="column")
    return column


def follow(*, fan: Fan, column_slug: str):
    """Follow a column: its new articles reach the fan's notification center. Idempotent."""
    from rongmei.fans.models import ColumnFollow

    column = followable_column(column_slug)
    try:
        with transaction.atomic():
            ColumnFollow.objects.get_or_create(fan=fan, column=column)
    except IntegrityError:
        pass
    return column


def unfollow(*, fan: Fan, column_slug: str):
    """Stop following a column. Idempotent."""
    from rongmei.fans.models import ColumnFollow

    column = followable_column(column_slug)
    ColumnFollow.objects.filter(fan=fan, column=column).delete()
    return column


def mark_read(*, fan: Fan, ids: list[int] | None = None) -> int:
    """Mark the fan's unread notifications read: all of them, or those of ``ids`` (others' ids and
    unknown ids are ignored). Returns how many changed."""
    if ids is not None and len(ids) > MAX_READ_IDS:
        raise DomainError(_("At most %(n)s notifications at a time.") % {"n": MAX_READ_IDS}, field="ids")
    unread = fan.notifications.filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def open_notification(*, fan: Fan, notification_id: int):
    """The fan's notification, marked read (None when it is not theirs)."""
    note = fan.notifications.filter(pk=notification_id).first()
    if note is not None and note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def announce_new_story(*, story_id: int, now: dt.datetime | None = None) -> str:
    """Tell the followers of every shown column that carries the story (its team is one of the
    column's teams) that it is live: one notification per fan, however many of those columns they
    follow. Once per story (StoryAnnouncement); a correction, the second site channel or a retried
    task changes nothing. A story that went live more than ANNOUNCE_MAX_AGE ago is old news (a
    backlog after a queue outage, or stories from before this feature) and is not announced.

    Called by the task fans.tasks.announce_story after a site publication turns published, and by
    ``manage.py announce_new_stories``. Returns what happened: announced, already, not_live, too_old.
    """
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from rongmei.core import audit
    from rongmei.distribution import selectors
    from rongmei.fans import selectors as fan_selectors
    from rongmei.fans.models import ColumnFollow, StoryAnnouncement
    from rongmei.fans.notify import notify_fans

    story = selectors.published_stories().filter(pk=story_id).first()
    if story is None:
        return "not_live"
    now = now or timezone.now()
    if story.live_at < now - ANNOUNCE_MAX_AGE:
        return "too_old"
    if StoryAnnouncement.objects.filter(story_id=story.pk).exists():
        return "already"
    headline = selectors.live_content(story)["headline"]
    url = reverse("portal:story", args=[story.pk])
    columns = fan_selectors.columns_carrying(story.team_id)
    with transaction.atomic():
        try:
            with transaction.atomic():
                announcement = StoryAnnouncement.objects.create(story_id=story.pk)
        except IntegrityError:  # the other site channel's task got here first
            return "already"
        told: set[int] = set()
        for column in columns:
            followers = ColumnFollow.objects.filter(column=column, fan__banned=False).values_list("fan_id", flat=True)
            fan_ids = [pk for pk in followers.iterator(chunk_size=2000) if pk not in told]
            if not fan_ids:
                continue
            told.update(fan_ids)
            with translation.override(settings.LANGUAGE_CODE):
                text = _("New in %(column)s: %(headline)s") % {"column": column.name, "headline": headline}
            notify_fans(fan_ids, kind=NEW_STORY_KIND, text=text, url=url)
        announcement.notified = len(told)
        announcement.save(update_fields=["notified"])
        audit.record(
            "story.announced",
            actor=None,
            subject=story,
            summary=ngettext("Announced to %(n)s follower of its columns", "Announced to %(n)s followers of its columns", len(told))
            % {"n": len(told)},
            data={"columns": [c.slug for c in columns], "notified": len(told)},
        )
    return "announced"


def announce_due(now: dt.datetime | None = None) -> int:
    """Announce the stories that went live within ANNOUNCE_MAX_AGE and were never announced (their
    task was lost in a queue outage). Returns how many were announced."""
    from rongmei.distribution import selectors
    from rongmei.fans.models import StoryAnnouncement

    now = now or timezone.now()
    done = StoryAnnouncement.objects.values("story_id")
    due = selectors.published_stories().filter(live_at__gte=now - ANNOUNCE_MAX_AGE).exclude(pk__in=done).prefetch_related(None)
    ids = list(due.values_list("pk", flat=True))
    return sum(announce_new_story(story_id=pk, now=now) == "announced" for pk in ids)
