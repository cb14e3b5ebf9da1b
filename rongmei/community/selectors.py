"""Reads of readers' comments: an article's thread as a reader sees it, and the moderation queue."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rongmei.community.models import Comment
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
    q = Q(status=S.APPROVED)
    if fan is not None:
        q |= Q(fan=fan, status__in=OWN_STATES)
    return q


@dataclass
class Thread:
    items: list[Comment]  # top-level comments, newest first; each has ``visible_replies``, oldest first
    next_cursor: str | None
    count: int  # published comments on the article, replies included


def thread(story, *, fan=None, cursor: str | None = None, limit: int = 20) -> Thread:
    """An article's comments as ``fan`` (None: an anonymous reader) sees them: the published ones
    and the fan's own pending/rejected/removed ones. A reply whose parent is no longer published
    is shown at the top level. Three queries, whatever the page holds."""
    visible = Comment.objects.filter(_visible(fan), story=story)
    top = visible.filter(Q(reply_to__isnull=True) | ~Q(reply_to__status=S.APPROVED))
    if cursor:
        when, pk = decode_cursor(cursor)
        top = top.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    replies = visible.select_related("fan").order_by("created_at", "id")
    page = list(
        top.select_related("fan")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by("-created_at", "-id")[: limit + 1]
    )
    more = len(page) > limit
    page = page[:limit]
    for comment in page:
        if comment.status != S.APPROVED:
            comment.visible_replies = []
        comment.visible_replies = comment.visible_replies[:REPLIES_MAX]
    count = Comment.objects.filter(story=story, status=S.APPROVED).count()
    return Thread(items=page, next_cursor=encode_cursor(page[-1]) if more and page else None, count=count)


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
