"""Reads of readers' comments: an article's thread as a reader sees it, and the moderation queue."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rongmei.community.models import ChatMessage, ChatRoom, Comment, FanStanding, Like, Topic, TopicPost
from rongmei.core import safety
from rongmei.core.exceptions import DomainError

S = Comment.Status
# What an author sees of their own comments besides the published ones.
OWN_STATES = (S.PENDING, S.REJECTED, S.REMOVED)
REPLIES_MAX = 100


def encode_cursor(comment: Comment) -> str:
    return base64.urlsafe_b64encode(f"{comment.created_at.isoformat()}|{comment.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _sep, pk = raw.partition("|")
        moment, number = dt.datetime.fromisoformat(when), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(_("This page link is not valid; start again from the first page."), field="cursor") from None
    if moment.tzinfo is None or not 1 <= number < 2**63:
        raise DomainError(_("This page link is not valid; start again from the first page."), field="cursor")
    return moment, number


def _visible(fan) -> Q:
    """Published and not hidden by reports; the fan's own items in any state."""
    q = Q(status=S.APPROVED, hidden=False)
    if fan is not None:
        q |= Q(fan=fan)
    return q


@dataclass
class Thread:
    items: list[Comment]  # top-level comments, newest first; each has ``visible_replies``, oldest first
    next_cursor: str | None
    count: int  # published comments on the article, replies included


def _threaded(model, place: dict, *, fan, cursor: str | None, limit: int, prefetch: tuple = ()) -> Thread:
    """One page of a place's top-level items as ``fan`` sees them (the published ones and the
    fan's own pending/rejected/removed ones), newest first, each with its visible replies. A reply
    whose parent is no longer published is shown at the top level. Three queries (plus one per
    extra prefetch), whatever the page holds."""
    visible = model.objects.filter(_visible(fan), **place)
    top = visible.filter(Q(reply_to__isnull=True) | ~Q(reply_to__status=S.APPROVED) | Q(reply_to__hidden=True))
    if cursor:
        when, pk = decode_cursor(cursor)
        top = top.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    replies = visible.select_related("fan").order_by("created_at", "id")
    page = list(
        top.select_related("fan")
        .prefetch_related(*prefetch, Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by("-created_at", "-id")[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    for item in page:
        if item.status != S.APPROVED or item.hidden:
            item.visible_replies = []
        item.visible_replies = item.visible_replies[:REPLIES_MAX]
    count = model.objects.filter(status=S.APPROVED, hidden=False, **place).count()
    return Thread(items=page, next_cursor=encode_cursor(page[-1]) if more and page else None, count=count)


def thread(story, *, fan=None, cursor: str | None = None, limit: int = 20) -> Thread:
    """An article's comments as ``fan`` (None: an anonymous reader) sees them (``_threaded``)."""
    return _threaded(Comment, {"story": story}, fan=fan, cursor=cursor, limit=limit)


# --- moderation --------------------------------------------------------------------------------


def _count_of_fan(**filters) -> Coalesce:
    rows = Comment.objects.filter(fan=OuterRef("fan"), **filters).order_by().values("fan").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def queue(*, status: str = S.PENDING, story_id: int | None = None, flagged_only: bool = False) -> QuerySet[Comment]:
    """Comments for the moderators. Pending ones: flagged first, then oldest first (the longest
    wait first); the others: most recently written first. Each carries ``fan_total`` and
    ``fan_turned_down`` (the author's history)."""
    qs = Comment.objects.select_related("story", "fan", "reply_to", "reply_to__fan", "moderated_by").annotate(
        fan_total=_count_of_fan(), fan_turned_down=_count_of_fan(status__in=(S.REJECTED, S.REMOVED))
    )
    if status:
        qs = qs.filter(status=status)
    if story_id:
        qs = qs.filter(story_id=story_id)
    if flagged_only:
        qs = qs.filter(flagged=True)
    if status == S.PENDING:
        return qs.order_by("-flagged", "created_at", "id")
    return qs.order_by("-created_at", "-id")


def articles_with_comments(*, limit: int = 200) -> list[tuple[int, str, int]]:
    """(story id, headline, pending comments) of the articles with comments, most recently
    commented first: the choices of the queue's article filter."""
    from rongmei.newsroom.models import Story

    latest = Comment.objects.filter(story=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    rows = (
        Story.objects.annotate(
            total=Count("reader_comments"),
            pending=Count("reader_comments", filter=Q(reader_comments__status=S.PENDING)),
            last=Subquery(latest),
        )
        .filter(total__gt=0)
        .order_by("-last", "-id")
        .values_list("pk", "headline", "pending")[:limit]
    )
    return list(rows)


def pending_counts() -> dict:
    """How many comments wait, and how many of them are flagged."""
    row = Comment.objects.filter(status=S.PENDING).aggregate(total=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)))
    return {"total": row["total"] or 0, "flagged": row["flagged"] or 0}


def highlighted(comment: Comment) -> list[tuple[str, safety.Hit | None]]:
    """The comment's text in runs, hit words marked (offsets stored at submission)."""
    hits = [h for h in comment.hit_objects if 0 <= h.start < h.end <= len(comment.body)]
    return safety.highlight(comment.body, hits)


# --- topics and chat rooms ----------------------------------------------------------------------


def topics() -> list[Topic]:
    """The shown topics, the most recently active first, each with ``post_count`` (published)."""
    latest = (
        TopicPost.objects.filter(topic=OuterRef("pk"), status=S.APPROVED, hidden=False).order_by("-created_at").values("created_at")[:1]
    )
    return list(
        Topic.objects.filter(active=True)
        .annotate(
            post_count=Count("posts", filter=Q(posts__status=S.APPROVED, posts__hidden=False, posts__reply_to__isnull=True)),
            last=Subquery(latest),
        )
        .order_by("-last", "-created_at", "-id")
    )


def topic_posts(topic: Topic, *, fan=None, cursor: str | None = None, limit: int = 20) -> Thread:
    """A topic's posts as ``fan`` sees them, as ``thread`` does for comments, with pictures."""
    return _threaded(TopicPost, {"topic": topic}, fan=fan, cursor=cursor, limit=limit, prefetch=("pictures",))


def rooms(fan=None) -> list[ChatRoom]:
    """The open chat rooms, and the members-only ones ``fan`` belongs to; each with
    ``member_count`` and ``is_member``."""
    q = Q(access=ChatRoom.Access.OPEN)
    mine: set[int] = set()
    if fan is not None:
        mine = set(fan.room_memberships.values_list("room_id", flat=True))
        q |= Q(pk__in=mine)
    out = list(ChatRoom.objects.filter(q, active=True).annotate(member_count=Count("members")).order_by("name", "id"))
    for room in out:
        room.is_member = room.pk in mine
    return out


def liked_ids(fan, kind: str, ids) -> set[int]:
    if fan is None:
        return set()
    return set(Like.objects.filter(fan=fan, kind=kind, item_id__in=list(ids)).values_list("item_id", flat=True))


def mark_liked(items, fan, kind: str) -> None:
    """Set ``liked`` on the items and their ``visible_replies``: one query."""
    every = [*items, *(r for i in items for r in getattr(i, "visible_replies", []))]
    liked = liked_ids(fan, kind, [i.pk for i in every])
    for i in every:
        i.liked = i.pk in liked


# --- the moderation queue of every kind ----------------------------------------------------------

KIND_PLACE = {"comment": "story_id", "post": "topic_id", "message": "room_id"}
KIND_MODELS = {"comment": Comment, "post": TopicPost, "message": ChatMessage}
REVIEW = "pending"  # the queue's default: pending items and those hidden by reports


def _review_rows(kind: str, *, status: str, place_id: int | None, flagged_only: bool):
    qs = KIND_MODELS[kind].objects.all()
    if status == REVIEW:
        qs = qs.filter(Q(status=S.PENDING) | Q(hidden=True))
    elif status == "reported":
        qs = qs.filter(report_count__gt=0)
    elif status:
        qs = qs.filter(status=status)
    if flagged_only:
        qs = qs.filter(flagged=True)
    if place_id:
        qs = qs.filter(**{KIND_PLACE[kind]: place_id})
    return qs.annotate(k=Value(kind, output_field=CharField())).order_by().values_list("k", "id", "hidden", "flagged", "created_at")


def review_queue(*, kinds=("comment", "post", "message"), status: str = REVIEW, place_id: int | None = None, flagged_only: bool = False):
    """(kind, id, hidden, flagged, created_at) rows of every kind, for a Paginator: for review,
    the ones hidden by reports first, then flagged, then the longest waiting; otherwise the most
    recent first. ``load`` turns a page of rows into the items."""
    parts = [_review_rows(k, status=status, place_id=place_id, flagged_only=flagged_only) for k in kinds]
    qs = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    if status in (REVIEW, "reported"):
        return qs.order_by("-hidden", "-flagged", "created_at", "id")
    return qs.order_by("-created_at", "-id")


def _fan_counts(model, kind_filter=None):
    rows = model.objects.filter(fan=OuterRef("fan"), **(kind_filter or {})).order_by().values("fan").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def load(rows) -> list:
    """The items of a page of ``review_queue`` rows, in its order, each with ``fan_total``,
    ``fan_turned_down``, ``open_reports`` and ``standing``. A few queries per kind, whatever the page holds."""
    from rongmei.community.moderation import open_reports

    wanted: dict[str, list[int]] = {}
    for kind, pk, *_rest in rows:
        wanted.setdefault(kind, []).append(pk)
    related = {"comment": ("story", "reply_to", "reply_to__fan"), "post": ("topic", "reply_to", "reply_to__fan"), "message": ("room",)}
    found: dict[tuple[str, int], object] = {}
    for kind, ids in wanted.items():
        model = KIND_MODELS[kind]
        qs = model.objects.filter(pk__in=ids).select_related("fan", "moderated_by", *related[kind])
        qs = qs.annotate(fan_total=_fan_counts(model), fan_turned_down=_fan_counts(model, {"status__in": (S.REJECTED, S.REMOVED)}))
        if kind == "post":
            qs = qs.prefetch_related("pictures")
        reports = open_reports(kind, ids)
        for item in qs:
            item.open_reports = reports.get(item.pk, [])
            found[(kind, item.pk)] = item
    items = [found[(kind, pk)] for kind, pk, *_rest in rows if (kind, pk) in found]
    standings = {s.fan_id: s for s in FanStanding.objects.filter(fan_id__in={i.fan_id for i in items})} if items else {}
    for item in items:
        item.standing = standings.get(item.fan_id)
    return items


def review_counts() -> dict:
    """Items waiting for a moderator, of every kind: how many, how many flagged, how many hidden by reports."""
    out = {"total": 0, "flagged": 0, "hidden": 0}
    for model in KIND_MODELS.values():
        row = model.objects.filter(Q(status=S.PENDING) | Q(hidden=True)).aggregate(
            total=Count("pk"), flagged=Count("pk", filter=Q(flagged=True)), hidden=Count("pk", filter=Q(hidden=True))
        )
        for key in out:
            out[key] += row[key] or 0
    return out


def places() -> dict:
    """The queue's place filter: topics and chat rooms (articles come from articles_with_comments)."""
    return {
        "topics": list(Topic.objects.order_by("name").values_list("pk", "name")[:200]),
        "rooms": list(ChatRoom.objects.order_by("name").values_list("pk", "name")[:200]),
    }
