"""Reads for app users: what one fan sees of an article (kept, liked, following its column), like
counts, followed columns, the notification center. Each takes the fan from auth.current_fan."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from rongmei.core.exceptions import DomainError
from rongmei.fans.models import ColumnFollow, Fan, FanNotification, Favorite, Like

NOTIFICATIONS_MAX = 50


def like_count(story_id: int) -> int:
    """How many fans like the article: a COUNT over the index of Like.story, cheap at the sizes
    of a county site, and never out of step the way a counter column can drift."""
    return Like.objects.filter(story_id=story_id).count()


def columns_carrying(team_id: int, *, fan: Fan | None = None) -> list:
    """The shown columns that list the stories of this newsroom team (not link columns), in the
    operators' order; with ``fan``, each carries ``following``."""
    from rongmei.portal.models import Column

    qs = Column.objects.filter(active=True, teams=team_id).exclude(kind=Column.Kind.LINKS)
    if fan is not None:
        qs = qs.annotate(following=Exists(ColumnFollow.objects.filter(fan=fan, column=OuterRef("pk"))))
    return list(qs.order_by("sort_order", "id").distinct())


def live_story_team(story_id: int) -> int | None:
    """The team of the story when it is live on the site; None otherwise (unknown, not
    published, retracted)."""
    from rongmei.distribution import selectors

    row = selectors.published_stories().filter(pk=story_id).prefetch_related(None).values_list("team_id", flat=True).first()
    return row


def article_state(*, fan: Fan | None, story_id: int) -> dict | None:
    """What the article page shows for this reader: None when the story is not live. Constant in
    queries whatever the numbers of likes, columns and follows."""
    team_id = live_story_team(story_id)
    if team_id is None:
        return None
    columns = columns_carrying(team_id, fan=fan)
    state = {
        "logged_in": fan is not None,
        "kept": False,
        "liked": False,
        "likes": like_count(story_id),
        "following_column": False,
        "columns": [{"slug": c.slug, "name": c.name, "following": bool(getattr(c, "following", False))} for c in columns],
        "unread_notifications": 0,
    }
    if fan is not None:
        state["kept"] = Favorite.objects.filter(fan=fan, story_id=story_id).exists()
        state["liked"] = Like.objects.filter(fan=fan, story_id=story_id).exists()
        state["following_column"] = any(c["following"] for c in state["columns"])
        state["unread_notifications"] = unread_count(fan)
    return state


def column_state(*, fan: Fan | None, column) -> dict:
    return {
        "logged_in": fan is not None,
        "following": fan is not None and ColumnFollow.objects.filter(fan=fan, column=column).exists(),
        "followers": ColumnFollow.objects.filter(column=column).count(),
        "unread_notifications": unread_count(fan) if fan is not None else 0,
    }


def followed_columns(fan: Fan) -> QuerySet[ColumnFollow]:
    """The fan's follows of shown columns (with ``column``), in the operators' order."""
    return fan.follows.filter(column__active=True).select_related("column").order_by("column__sort_order", "column_id")


def liked_count(fan: Fan) -> int:
    """How many articles the fan likes that are still live."""
    from rongmei.distribution import selectors

    return fan.likes.filter(story_id__in=selectors.published_stories().values("pk")).count()


def unread_count(fan: Fan) -> int:
    return fan.notifications.filter(read_at__isnull=True).count()


def encode_cursor(note: FanNotification) -> str:
    return base64.urlsafe_b64encode(f"{note.created_at.isoformat()}|{note.pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _sep, pk = raw.partition("|")
        when_at, pk_number = dt.datetime.fromisoformat(when), int(pk)
        if when_at.tzinfo is None or not 0 < pk_number < 2**63:
            raise ValueError(cursor)
        when_at = when_at.astimezone(dt.UTC)  # a time at the edge of the calendar overflows here, not in the database
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise DomainError(_("This page link is not valid; start again from the first page."), field="cursor") from None
    return when_at, pk_number


def notifications(fan: Fan, *, cursor: str | None = None, limit: int = 20) -> tuple[list[FanNotification], str | None]:
    """A page of the fan's notifications, newest first, and the cursor of the next page (None at
    the end). Keyset pagination on (created_at, id): a message arriving meanwhile shifts nothing."""
    qs = fan.notifications.order_by("-created_at", "-id")
    if cursor:
        when, pk = decode_cursor(cursor)
        qs = qs.filter(Q(created_at__lt=when) | Q(created_at=when, pk__lt=pk))
    page = list(qs[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, encode_cursor(page[-1]) if more and page else None
