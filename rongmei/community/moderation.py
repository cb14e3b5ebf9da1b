"""One moderation model for comments, topic posts and chat-room messages.

Every kind (``KINDS``) is a ``ModeratedItem``: the same states, the same moderator actions and the
same bookkeeping, whatever the place:

- Policy: a place is pre-moderated (new items wait for a moderator) or post-moderated (published
  at once, taken down afterwards if need be). Article comments follow ``ModerationPolicy`` (row
  "comments"), by default settings.RONGMEI["COMMENTS_PREMODERATED"]; each topic and each chat room
  has its own ``premoderated`` field. An item with a sensitive-word hit is always held and
  flagged, and so is everything by a fan whose ``FanStanding`` says so.
- Actions (staff with perms.can_moderate): approve a pending (or wrongly rejected) item, reject a
  pending one, remove a published one, restore one hidden by reports; each with the audit line
  ("<kind>.approve" …) and the author's notification in the same transaction.
- Reports: one per fan and item; at settings.RONGMEI["COMMUNITY_AUTO_HIDE_REPORTS"] (default 5)
  open reports the item is hidden until a moderator restores or removes it.
- Standing: a fan with settings.RONGMEI["COMMUNITY_STANDING_REJECTIONS"] (default 3) rejected or
  removed items within 30 days has every new item held, everywhere, until staff lift it.
- Likes: one per fan and published item, a toggle; the item keeps its count.
- Rate limits (rongmei.core.ratelimit) on every public write: posts, replies, likes, reports,
  chat messages (comments keep their own in services).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rongmei.community import permissions as perms
from rongmei.community.models import (
    NOTE_MAX,
    REASON_MAX,
    ChatMessage,
    Comment,
    FanStanding,
    Like,
    ModeratedItem,
    ModerationPolicy,
    Report,
    RoomMember,
    Status,
    TopicPost,
)
from rongmei.core import audit, ratelimit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.fans.models import Fan
from rongmei.fans.notify import notify_fan
from rongmei.fans.services import Throttled

S = Status
KINDS: dict[str, type[ModeratedItem]] = {"comment": Comment, "post": TopicPost, "message": ChatMessage}

DEFAULTS = {
    "COMMENTS_PREMODERATED": True,
    "COMMUNITY_AUTO_HIDE_REPORTS": 5,
    "COMMUNITY_STANDING_REJECTIONS": 3,
    "COMMUNITY_STANDING_DAYS": 30,
    "COMMUNITY_FANS_CREATE_TOPICS": False,
    "COMMUNITY_MAX_PICTURES": 9,
    "COMMUNITY_MAX_PICTURE_BYTES": 10 * 2**20,
}

# (window in seconds, most actions in it), per fan, for each public write.
LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    "post": ((60, 5), (24 * 3600, 50)),
    "message": ((60, 20), (24 * 3600, 1000)),
    "like": ((60, 30), (24 * 3600, 500)),
    "report": ((60, 5), (24 * 3600, 30)),
    "topic": ((3600, 2), (24 * 3600, 5)),
    "join": ((60, 10), (24 * 3600, 100)),
}


def conf(key: str):
    return settings.RONGMEI.get(key, DEFAULTS[key])


# --- texts per kind -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    audit: str  # the audit log's prefix: "<audit>.approve" …
    texts: dict  # the moderator's and the author's messages (lazy)


SPECS = {
    "comment": Spec(
        audit="comment",
        texts={
            "conflict": gettext_lazy("This comment has already been dealt with (%(status)s)."),
            "remove_conflict": gettext_lazy("Only a published comment can be removed."),
            "reject_required": gettext_lazy("Give the reason for not publishing the comment; its author will read it."),
            "remove_required": gettext_lazy("Give the reason for removing the comment; its author will read it."),
            "approved": gettext_lazy("Approved a comment by %(fan)s: %(text)s"),
            "rejected": gettext_lazy("Rejected a comment by %(fan)s: %(reason)s"),
            "removed": gettext_lazy("Removed a comment by %(fan)s: %(reason)s"),
            "restored": gettext_lazy("Restored a reported comment by %(fan)s: %(text)s"),
            "hidden": gettext_lazy("A comment by %(fan)s was hidden after %(n)s reports: %(text)s"),
            "author_approved": gettext_lazy("Your comment on “%(place)s” is published."),
            "author_rejected": gettext_lazy("Your comment on “%(place)s” was not published: %(reason)s"),
            "author_removed": gettext_lazy("Your comment on “%(place)s” was removed: %(reason)s"),
            "author_hidden": gettext_lazy("Your comment on “%(place)s” was reported and is hidden until a moderator looks at it."),
            "author_restored": gettext_lazy("Your comment on “%(place)s” is shown again."),
        },
    ),
    "post": Spec(
        audit="topic_post",
        texts={
            "conflict": gettext_lazy("This post has already been dealt with (%(status)s)."),
            "remove_conflict": gettext_lazy("Only a published post can be removed."),
            "reject_required": gettext_lazy("Give the reason for not publishing the post; its author will read it."),
            "remove_required": gettext_lazy("Give the reason for removing the post; its author will read it."),
            "approved": gettext_lazy("Approved a topic post by %(fan)s: %(text)s"),
            "rejected": gettext_lazy("Rejected a topic post by %(fan)s: %(reason)s"),
            "removed": gettext_lazy("Removed a topic post by %(fan)s: %(reason)s"),
            "restored": gettext_lazy("Restored a reported topic post by %(fan)s: %(text)s"),
            "hidden": gettext_lazy("A topic post by %(fan)s was hidden after %(n)s reports: %(text)s"),
            "author_approved": gettext_lazy("Your post in %(place)s is published."),
            "author_rejected": gettext_lazy("Your post in %(place)s was not published: %(reason)s"),
            "author_removed": gettext_lazy("Your post in %(place)s was removed: %(reason)s"),
            "author_hidden": gettext_lazy("Your post in %(place)s was reported and is hidden until a moderator looks at it."),
            "author_restored": gettext_lazy("Your post in %(place)s is shown again."),
        },
    ),
    "message": Spec(
        audit="chat_message",
        texts={
            "conflict": gettext_lazy("This message has already been dealt with (%(status)s)."),
            "remove_conflict": gettext_lazy("Only a published message can be removed."),
            "reject_required": gettext_lazy("Give the reason for not publishing the message; its author will read it."),
            "remove_required": gettext_lazy("Give the reason for removing the message; its author will read it."),
            "approved": gettext_lazy("Approved a chat message by %(fan)s: %(text)s"),
            "rejected": gettext_lazy("Rejected a chat message by %(fan)s: %(reason)s"),
            "removed": gettext_lazy("Removed a chat message by %(fan)s: %(reason)s"),
            "restored": gettext_lazy("Restored a reported chat message by %(fan)s: %(text)s"),
            "hidden": gettext_lazy("A chat message by %(fan)s was hidden after %(n)s reports: %(text)s"),
            "author_approved": gettext_lazy("Your message in the chat room “%(place)s” is published."),
            "author_rejected": gettext_lazy("Your message in the chat room “%(place)s” was not published: %(reason)s"),
            "author_removed": gettext_lazy("Your message in the chat room “%(place)s” was removed: %(reason)s"),
            "author_hidden": gettext_lazy(
                "Your message in the chat room “%(place)s” was reported and is hidden until a moderator looks at it."
            ),
            "author_restored": gettext_lazy("Your message in the chat room “%(place)s” is shown again."),
        },
    ),
}


def spec(item: ModeratedItem) -> Spec:
    return SPECS[item.KIND]


def place_name(item: ModeratedItem, headlines: dict | None = None) -> str:
    """Where the item was written, as its author knows the place."""
    if isinstance(item, Comment):
        from rongmei.community.services import _headline

        if headlines is None:
            return _headline(item.story)
        if item.story_id not in headlines:
            headlines[item.story_id] = _headline(item.story)
        return headlines[item.story_id]
    if isinstance(item, TopicPost):
        return item.topic.hashtag
    return item.room.name


def place_url(item: ModeratedItem) -> str:
    if isinstance(item, Comment):
        return reverse("portal:story", args=[item.story_id]) + "#comments"
    if isinstance(item, TopicPost):
        return reverse("huati:topic", args=[item.topic.slug]) + f"#post-{item.reply_to_id or item.pk}"
    return reverse("huati:room", args=[item.room_id])


def excerpt(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def for_fan(message, **params) -> str:
    """A message for the author's notification center, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


# --- errors -------------------------------------------------------------------------------------


class LoginRequired(DomainError):
    status = 401

    def __init__(self) -> None:
        super().__init__(_("Log in first."), code="not_logged_in")


class ItemNotFound(DomainError):
    status = 404

    def __init__(self, field: str = "id") -> None:
        super().__init__(_("There is no such item, or it is not shown any more."), field=field, code="not_found")


def writer(fan: Fan | None) -> Fan:
    """The fan about to write: logged in and not banned."""
    if fan is None:
        raise LoginRequired()
    if fan.banned:
        raise NotAllowed(_("This account has been banned and cannot take part in the conversation."), code="banned")
    return fan


# --- rate limits --------------------------------------------------------------------------------


def _key(action: str, fan: Fan) -> str:
    return f"community:{action}:fan:{fan.pk}"


def check_rate(fan: Fan, action: str, now: float | None = None) -> float:
    """Throttled (429) when ``fan`` has done ``action`` as often as its limits allow; returns the
    moment to pass to ``record_rate``."""
    now = timezone.now().timestamp() if now is None else now
    limits = LIMITS[action]
    times = ratelimit.recent(_key(action, fan), max(w for w, _n in limits), now)
    for limit in limits:
        if (wait := ratelimit.over(times, limit, now)) is not None:
            raise Throttled(
                _("You are doing this too often. Try again in %(wait)s.") % {"wait": ratelimit.wait_words(wait)},
                retry_after=math.ceil(wait),
            )
    return now


def record_rate(fan: Fan, action: str, now: float) -> None:
    ratelimit.record(_key(action, fan), max(w for w, _n in LIMITS[action]), now)


def clear_rates(fan: Fan) -> None:
    """Forget the fan's recent writes (demo data, tests)."""
    from django.core.cache import cache

    cache.delete_many([_key(action, fan) for action in LIMITS])


# --- policy and standing ------------------------------------------------------------------------


def comments_premoderated() -> bool:
    row = ModerationPolicy.objects.filter(place=ModerationPolicy.Place.COMMENTS).first()
    return row.premoderated if row is not None else bool(conf("COMMENTS_PREMODERATED"))


def held_for_review(fan: Fan) -> bool:
    """Every new item of this fan waits for a moderator (their standing)."""
    return FanStanding.objects.filter(fan=fan, premoderated=True).exists()


def initial_state(*, fan: Fan, premoderated: bool, hits) -> str:
    return S.PENDING if premoderated or bool(hits) or held_for_review(fan) else S.APPROVED


def check_moderator(actor) -> None:
    if not perms.can_moderate(actor):
        raise NotAllowed(_("Only operators, editors and the chief editor may moderate comments."))


@transaction.atomic
def set_comment_policy(*, actor, premoderated: bool) -> ModerationPolicy:
    check_moderator(actor)
    row, _created = ModerationPolicy.objects.select_for_update().get_or_create(
        place=ModerationPolicy.Place.COMMENTS, defaults={"premoderated": comments_premoderated()}
    )
    before = row.premoderated
    row.premoderated, row.changed_by, row.changed_at = bool(premoderated), actor, timezone.now()
    row.save()
    audit.record(
        "community.policy",
        actor=actor,
        subject=row,
        summary=_("Article comments: %(policy)s") % {"policy": policy_words(row.premoderated)},
        from_state=_policy_state(before),
        to_state=_policy_state(row.premoderated),
        data={"place": "comments"},
    )
    return row


@transaction.atomic
def set_place_policy(*, actor, place, premoderated: bool):
    """Pre- or post-moderation of a topic or a chat room."""
    check_moderator(actor)
    place = type(place).objects.select_for_update().get(pk=place.pk)
    before = place.premoderated
    place.premoderated = bool(premoderated)
    place.save(update_fields=["premoderated"])
    audit.record(
        "community.policy",
        actor=actor,
        subject=place,
        summary=_("%(place)s: %(policy)s") % {"place": str(place), "policy": policy_words(place.premoderated)},
        from_state=_policy_state(before),
        to_state=_policy_state(place.premoderated),
        data={"place": type(place).__name__.lower(), "id": place.pk},
    )
    return place


def _policy_state(premoderated: bool) -> str:
    return "premoderated" if premoderated else "postmoderated"


def policy_words(premoderated: bool) -> str:
    return _("reviewed before publication") if premoderated else _("published at once, reviewed afterwards")


def turned_down_recently(fan: Fan, *, since: dt.datetime) -> int:
    return sum(
        model.objects.filter(fan=fan, status__in=(S.REJECTED, S.REMOVED), moderated_at__gte=since).count() for model in KINDS.values()
    )


def _review_standing(fan: Fan) -> FanStanding | None:
    """After a rejection or removal: hold the fan's future items when they reach the limit."""
    now = timezone.now()
    standing = FanStanding.objects.select_for_update().filter(fan=fan).first()
    if standing is not None and standing.premoderated:
        return standing
    since = now - dt.timedelta(days=conf("COMMUNITY_STANDING_DAYS"))
    if standing is not None and standing.lifted_at and standing.lifted_at > since:
        since = standing.lifted_at
    n = turned_down_recently(fan, since=since)
    if n < conf("COMMUNITY_STANDING_REJECTIONS"):
        return standing
    if standing is None:
        standing = FanStanding(fan=fan)
    standing.premoderated, standing.automatic, standing.changed_at, standing.changed_by = True, True, now, None
    standing.note = _("%(n)s items not published or removed within %(days)s days") % {"n": n, "days": conf("COMMUNITY_STANDING_DAYS")}
    standing.save()
    audit.record(
        "fan.premoderate",
        actor=None,
        subject=fan,
        summary=_("Everything %(fan)s writes is now reviewed first: %(note)s") % {"fan": fan.display_name, "note": standing.note},
        from_state="trusted",
        to_state="premoderated",
        data={"turned_down": n, "automatic": True},
    )
    notify_fan(
        fan,
        kind="community.premoderated",
        text=for_fan(gettext_lazy("Several of your posts were not published, so what you write will be reviewed before others see it.")),
    )
    return standing


@transaction.atomic
def set_standing(*, actor, fan: Fan, premoderated: bool, note: str = "") -> FanStanding:
    """Staff hold (or stop holding) everything a fan writes for review."""
    check_moderator(actor)
    note = clean_line(note, field="note", most=REASON_MAX)
    standing, _created = FanStanding.objects.select_for_update().get_or_create(fan=fan)
    before = standing.premoderated
    now = timezone.now()
    standing.premoderated, standing.automatic, standing.changed_by, standing.changed_at = bool(premoderated), False, actor, now
    standing.note = note
    if before and not premoderated:
        standing.lifted_at = now
    standing.save()
    audit.record(
        "fan.premoderate" if premoderated else "fan.lift_premoderation",
        actor=actor,
        subject=fan,
        summary=(
            _("Everything %(fan)s writes is now reviewed first: %(note)s")
            if premoderated
            else _("What %(fan)s writes is published by the places' own rules again. %(note)s")
        )
        % {"fan": fan.display_name, "note": note},
        from_state="premoderated" if before else "trusted",
        to_state="premoderated" if premoderated else "trusted",
        data={"note": note, "automatic": False},
    )
    return standing


# --- text -----------------------------------------------------------------------------------------


def clean_line(value: str | None, *, field: str, most: int, required: str | None = None) -> str:
    from rongmei.community.services import _strip_controls

    text = _strip_controls(value if isinstance(value, str) else "").strip()
    if not text and required:
        raise DomainError(required, field=field, code="required")
    if len(text) > most:
        raise DomainError(_("At most %(n)s characters (now %(len)s).") % {"n": most, "len": len(text)}, field=field, code="too_long")
    return text


# --- finding items --------------------------------------------------------------------------------


def kind_model(kind: str) -> type[ModeratedItem]:
    model = KINDS.get(kind)
    if model is None:
        raise DomainError(_("Unknown kind."), field="kind")
    return model


def can_read(item: ModeratedItem, fan: Fan | None) -> bool:
    """May ``fan`` see this item's place at all (a members-only room's messages, a shown topic)?"""
    if isinstance(item, ChatMessage):
        room = item.room
        if not room.active:
            return False
        return not room.members_only or (fan is not None and RoomMember.objects.filter(room=room, fan=fan).exists())
    if isinstance(item, TopicPost):
        return item.topic.active
    return True


def public_item(kind: str, item_id, fan: Fan | None) -> ModeratedItem:
    """A published, not hidden item that ``fan`` may read, else ItemNotFound (404)."""
    model = kind_model(kind)
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        raise ItemNotFound() from None
    related = {"comment": ("story", "fan"), "post": ("topic", "fan"), "message": ("room", "fan")}[kind]
    item = model.objects.select_related(*related).filter(pk=pk, status=S.APPROVED, hidden=False).first() if 0 < pk < 2**63 else None
    if item is None or not can_read(item, fan):
        raise ItemNotFound()
    return item


# --- likes and reports ----------------------------------------------------------------------------


def toggle_like(*, fan: Fan | None, kind: str, item_id) -> tuple[bool, int]:
    """Like a published item, or take the like back. Returns (liked now, the item's likes)."""
    fan = writer(fan)
    item = public_item(kind, item_id, fan)
    now = check_rate(fan, "like")
    model = type(item)
    with transaction.atomic():
        deleted, _rows = Like.objects.filter(fan=fan, kind=kind, item_id=item.pk).delete()
        if deleted:
            model.objects.filter(pk=item.pk, like_count__gt=0).update(like_count=F("like_count") - 1)
            liked = False
        else:
            try:
                with transaction.atomic():
                    Like.objects.create(fan=fan, kind=kind, item_id=item.pk)
            except IntegrityError:  # the same fan's second tap in the same instant
                pass
            else:
                model.objects.filter(pk=item.pk).update(like_count=F("like_count") + 1)
            liked = True
    record_rate(fan, "like", now)
    return liked, model.objects.filter(pk=item.pk).values_list("like_count", flat=True).first() or 0


def report(*, fan: Fan | None, kind: str, item_id, category: str, note: str = "") -> ModeratedItem:
    """A fan reports a published item, once. At the limit of open reports it is hidden until a
    moderator restores or removes it (audited, its author told)."""
    fan = writer(fan)
    item = public_item(kind, item_id, fan)
    if item.fan_id == fan.pk:
        raise DomainError(_("You cannot report what you wrote yourself."), field="id", code="own_item")
    if category not in Report.Category.values:
        raise DomainError(_("Choose why you report it."), field="category", code="required")
    note = clean_line(note, field="note", most=NOTE_MAX)
    if Report.objects.filter(fan=fan, kind=kind, item_id=item.pk).exists():
        raise StateConflict(_("You have already reported this; thank you, a moderator will look at it."), code="already_reported")
    now = check_rate(fan, "report")
    model = type(item)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Report.objects.create(fan=fan, kind=kind, item_id=item.pk, category=category, note=note)
        except IntegrityError:
            raise StateConflict(
                _("You have already reported this; thank you, a moderator will look at it."), code="already_reported"
            ) from None
        model.objects.filter(pk=item.pk).update(report_count=F("report_count") + 1)
        item = model.objects.select_for_update(of=("self",)).select_related("fan").get(pk=item.pk)
        limit = conf("COMMUNITY_AUTO_HIDE_REPORTS")
        if not item.hidden and item.status == S.APPROVED and item.report_count >= limit:
            item.hidden = True
            item.save(update_fields=["hidden"])
            texts = spec(item).texts
            audit.record(
                f"{spec(item).audit}.hide",
                actor=None,
                subject=item,
                summary=texts["hidden"] % {"fan": item.fan.display_name, "n": item.report_count, "text": excerpt(item.body)},
                from_state="shown",
                to_state="hidden",
                data={"fan": item.fan_id, "reports": item.report_count},
            )
            notify_fan(item.fan, kind=f"{kind}.hidden", text=for_fan(texts["author_hidden"], place=place_name(item)), url=place_url(item))
    record_rate(fan, "report", now)
    return item


def open_reports(kind: str, ids) -> dict[int, list[Report]]:
    out: dict[int, list[Report]] = {}
    for r in Report.objects.filter(kind=kind, item_id__in=list(ids), resolved_at__isnull=True).select_related("fan").order_by("created_at"):
        out.setdefault(r.item_id, []).append(r)
    return out


def _resolve_reports(item: ModeratedItem, decision: str) -> int:
    n = Report.objects.filter(kind=item.KIND, item_id=item.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=decision
    )
    item.report_count = 0
    item.hidden = False
    return n


# --- moderator actions ----------------------------------------------------------------------------


def _locked(item: ModeratedItem) -> ModeratedItem:
    related = {"comment": ("story", "fan"), "post": ("topic", "fan"), "message": ("room", "fan")}[item.KIND]
    return type(item).objects.select_for_update(of=("self",)).select_related(*related).get(pk=item.pk)


def _decide(item: ModeratedItem, actor, status: str, reason: str = "") -> str:
    before = item.status
    item.status = status
    item.reason = reason
    item.moderated_at = timezone.now()
    item.moderated_by = actor
    item.save(update_fields=["status", "reason", "moderated_at", "moderated_by", "report_count", "hidden"])
    return before


def _data(item: ModeratedItem, **extra) -> dict:
    place = {"comment": ("story", "story_id"), "post": ("topic", "topic_id"), "message": ("room", "room_id")}[item.KIND]
    return {place[0]: getattr(item, place[1]), "fan": item.fan_id, **extra}


def _announce_if_message(item: ModeratedItem) -> None:
    if isinstance(item, ChatMessage):
        from rongmei.community import chat

        chat._announce(item)


@transaction.atomic
def approve(*, actor, item: ModeratedItem, headlines: dict | None = None) -> ModeratedItem:
    """Publish a pending item (or one rejected by mistake); the author is told."""
    check_moderator(actor)
    item = _locked(item)
    sp = spec(item)
    if item.status not in (S.PENDING, S.REJECTED):
        raise StateConflict(sp.texts["conflict"] % {"status": item.get_status_display()})
    before = _decide(item, actor, S.APPROVED)
    audit.record(
        f"{sp.audit}.approve",
        actor=actor,
        subject=item,
        summary=sp.texts["approved"] % {"fan": item.fan.display_name, "text": excerpt(item.body)},
        from_state=before,
        to_state=item.status,
        data=_data(item, flagged=item.flagged),
    )
    if not isinstance(item, ChatMessage):  # one notice per chat line would drown the rest
        notify_fan(
            item.fan,
            kind=f"{item.KIND}.approved",
            text=for_fan(sp.texts["author_approved"], place=place_name(item, headlines)),
            url=place_url(item),
        )
    transaction.on_commit(lambda: _announce_if_message(item))
    return item


def _with_reason(actor, item: ModeratedItem, reason: str, *, needs: str, to: str, verb: str) -> ModeratedItem:
    check_moderator(actor)
    sp = spec(item)
    from rongmei.community.services import clean_reason

    reason = clean_reason(reason, required_message=str(sp.texts[f"{'reject' if verb == 'rejected' else 'remove'}_required"]))
    item = _locked(item)
    if item.status != needs:
        # The remove text has no placeholder: "%" with a mapping then leaves it as it is.
        raise StateConflict(str(sp.texts["conflict" if verb == "rejected" else "remove_conflict"]) % {"status": item.get_status_display()})
    reports = _resolve_reports(item, verb)
    before = _decide(item, actor, to, reason)
    audit.record(
        f"{sp.audit}.{'reject' if verb == 'rejected' else 'remove'}",
        actor=actor,
        subject=item,
        summary=sp.texts[verb] % {"fan": item.fan.display_name, "reason": reason},
        from_state=before,
        to_state=item.status,
        data=_data(item, reason=reason, reports=reports),
    )
    notify_fan(
        item.fan,
        kind=f"{item.KIND}.{verb}",
        text=for_fan(sp.texts[f"author_{verb}"], place=place_name(item), reason=reason),
        url=place_url(item),
    )
    _review_standing(item.fan)
    return item


@transaction.atomic
def reject(*, actor, item: ModeratedItem, reason: str) -> ModeratedItem:
    """Turn down a pending item; the author reads the reason."""
    return _with_reason(actor, item, reason, needs=S.PENDING, to=S.REJECTED, verb="rejected")


@transaction.atomic
def remove(*, actor, item: ModeratedItem, reason: str) -> ModeratedItem:
    """Take a published item down (hidden by reports or not); the author reads the reason."""
    return _with_reason(actor, item, reason, needs=S.APPROVED, to=S.REMOVED, verb="removed")


@transaction.atomic
def restore(*, actor, item: ModeratedItem) -> ModeratedItem:
    """Show again an item hidden by reports: the reports are closed, the author told."""
    check_moderator(actor)
    item = _locked(item)
    sp = spec(item)
    if not item.hidden or item.status != S.APPROVED:
        raise StateConflict(_("Only an item hidden after reports can be restored."))
    reports = _resolve_reports(item, "restored")
    item.save(update_fields=["report_count", "hidden"])
    audit.record(
        f"{sp.audit}.restore",
        actor=actor,
        subject=item,
        summary=sp.texts["restored"] % {"fan": item.fan.display_name, "text": excerpt(item.body)},
        from_state="hidden",
        to_state="shown",
        data=_data(item, reports=reports),
    )
    notify_fan(
        item.fan, kind=f"{item.KIND}.restored", text=for_fan(sp.texts["author_restored"], place=place_name(item)), url=place_url(item)
    )
    return item


@transaction.atomic
def ban_fan(*, actor, fan: Fan, reason: str) -> list[ModeratedItem]:
    """Ban an app user: they are logged out and can neither log in nor write; their pending items
    of every kind are rejected with the same reason. Returns those items."""
    check_moderator(actor)
    from rongmei.community.services import clean_reason

    reason = clean_reason(reason, required_message=_("Give the reason for the ban."))
    fan = Fan.objects.select_for_update().get(pk=fan.pk)
    if fan.banned:
        raise StateConflict(_("This user is already banned."))
    fan.banned = True
    fan.ban_reason = reason
    fan.save(update_fields=["banned", "ban_reason"])
    pending = {
        kind: list(model.objects.select_for_update().filter(fan=fan, status=S.PENDING).order_by("created_at", "id"))
        for kind, model in KINDS.items()
    }
    audit.record(
        "fan.ban",
        actor=actor,
        subject=fan,
        summary=_("Banned app user %(fan)s: %(reason)s") % {"fan": fan.display_name, "reason": reason},
        from_state="active",
        to_state="banned",
        data={
            "reason": reason,
            "rejected_comments": [c.pk for c in pending["comment"]],
            "rejected_posts": [c.pk for c in pending["post"]],
            "rejected_messages": [c.pk for c in pending["message"]],
        },
    )
    done: list[ModeratedItem] = []
    for items in pending.values():
        for item in items:
            sp = spec(item)
            before = _decide(item, actor, S.REJECTED, reason)
            audit.record(
                f"{sp.audit}.reject",
                actor=actor,
                subject=item,
                summary=sp.texts["rejected"] % {"fan": fan.display_name, "reason": reason},
                from_state=before,
                to_state=item.status,
                data=_data(item, reason=reason, ban=True),
            )
            done.append(item)
    return done
