"""Public API of the community app (registered in rongmei/api/urls.py): an article's comments, and
writing one as the logged-in app user (the session of rongmei.fans.auth).

Writing needs the CSRF token in X-CSRFToken besides the session cookie (rongmei.fans.auth.
fan_for_write); GET /public/me hands it to the page's script.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.api.schemas import ERRORS, ErrorOut, Id
from rongmei.community import selectors, services
from rongmei.community.models import BODY_MAX, Comment
from rongmei.core.middleware import request_ip
from rongmei.fans.auth import current_fan, fan_for_write

router = Router(tags=["public app: community"], auth=None)

PAGE_MAX = 50
# The schema's own ceiling only keeps absurd bodies out; the service counts the trimmed text.
BODY_CEILING = 5000


class ReplyOut(Schema):
    id: int
    text: str
    author: str = Field(description="The author's nickname, or their masked number")
    created_at: dt.datetime
    status: str = Field(description="approved; for the caller's own comments also pending, rejected or removed")
    reason: str = Field(description="Why it was not published or removed (own comments only); empty otherwise")
    mine: bool = Field(description="Written by the logged-in caller")
    reply_to: int | None = Field(description="The comment this one answers; null for a top-level comment")


class CommentOut(ReplyOut):
    replies: list[ReplyOut] = Field(description="Published replies (and the caller's own), oldest first")


class CommentsOut(Schema):
    count: int = Field(description="Published comments on the article, replies included")
    items: list[CommentOut] = Field(description="Top-level comments, newest first")
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null at the end")


class CommentsQuery(Schema):
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=PAGE_MAX)


class CommentIn(Schema):
    # "text", not "body": the API's error handler reads "body" as the request body's container name.
    text: str = Field(max_length=BODY_CEILING, description=f"The comment: 1 to {BODY_MAX} characters once trimmed")
    reply_to: Id | None = Field(None, description="A published comment on the same article to answer")


def _reply(comment: Comment, fan) -> dict:
    mine = fan is not None and comment.fan_id == fan.pk
    return {
        "id": comment.pk,
        "text": comment.body,
        "author": comment.fan.display_name,
        "created_at": comment.created_at,
        "status": comment.status,
        "reason": comment.reason if mine else "",
        "mine": mine,
        "reply_to": comment.reply_to_id,
    }


def _comment(comment: Comment, fan) -> dict:
    return {**_reply(comment, fan), "replies": [_reply(r, fan) for r in getattr(comment, "visible_replies", [])]}


@router.get(
    "/public/articles/{article_id}/comments",
    response={200: CommentsOut, **ERRORS},
    summary="An article's comments, newest first, a page at a time",
    description="Published comments for everyone; a logged-in app user also sees their own pending, rejected and removed ones.",
)
def list_comments(request: HttpRequest, article_id: Id, filters: Query[CommentsQuery]):
    story = services.live_story(article_id)
    fan = current_fan(request)
    page = selectors.thread(story, fan=fan, cursor=filters.cursor, limit=filters.limit)
    return {"count": page.count, "items": [_comment(c, fan) for c in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/public/articles/{article_id}/comments",
    response={201: CommentOut, **ERRORS, 429: ErrorOut},
    summary="Write a comment (logged-in app user)",
    description="The comment is returned with its status: pending (shown to its author only, until a moderator approves it) "
    "or approved. 401 when not logged in, 404 when the article is not live, 429 when writing too fast.",
)
def create_comment(request: HttpRequest, article_id: Id, payload: CommentIn):
    fan = fan_for_write(request)
    comment = services.submit_comment(fan=fan, story_id=article_id, body=payload.text, reply_to_id=payload.reply_to, ip=request_ip(request))
    comment.visible_replies = []
    return Status(201, _comment(comment, fan))
