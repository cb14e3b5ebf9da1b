"""Public API of the community app (registered in rongmei/api/urls.py): an article's comments, and
writing one as the logged-in app user (the session of rongmei.fans.auth); likes and reports of
comments, topic posts and chat messages; topics (话题) and their posts; chat rooms (聊天室), their
messages (polled with ?after=) and membership.

Writing needs the CSRF token in X-CSRFToken besides the session cookie (rongmei.fans.auth.
fan_for_write); GET /public/me hands it to the page's script.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from pydantic import Field

from rongmei.api.schemas import ERRORS, ErrorOut, Id
from rongmei.community import chat, moderation, selectors, services, topics
from rongmei.community.models import BODY_MAX, NOTE_MAX, POST_MAX, Comment
from rongmei.core.exceptions import DomainError
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
    likes: int = Field(0, description="Readers who like the comment")
    liked: bool = Field(False, description="The caller likes it")


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
        "likes": comment.like_count,
        "liked": bool(getattr(comment, "liked", False)),
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
    selectors.mark_liked(page.items, fan, "comment")
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


# --- likes and reports (comments, topic posts, chat messages) --------------------------------------

KIND_HELP = "comment (on an article), post (in a topic) or message (in a chat room)"


class ItemIn(Schema):
    kind: Literal["comment", "post", "message"] = Field(description=KIND_HELP)
    id: Id


class LikeOut(Schema):
    liked: bool = Field(description="Whether the caller likes the item now")
    likes: int = Field(description="The item's likes")


class ReportIn(ItemIn):
    category: Literal["spam", "abuse", "vulgar", "illegal", "rumor", "other"] = Field(description="Why it is reported")
    note: str = Field("", max_length=1000, description=f"Details, at most {NOTE_MAX} characters once trimmed")


class ReportOut(Schema):
    reported: bool
    hidden: bool = Field(description="The item is hidden until a moderator looks at it (enough readers reported it)")


@router.post(
    "/public/likes",
    response={200: LikeOut, **ERRORS, 429: ErrorOut},
    summary="Like a published comment, topic post or chat message, or take the like back (logged-in app user)",
)
def toggle_like(request: HttpRequest, payload: ItemIn):
    fan = fan_for_write(request)
    liked, likes = moderation.toggle_like(fan=fan, kind=payload.kind, item_id=payload.id)
    return {"liked": liked, "likes": likes}


@router.post(
    "/public/reports",
    response={201: ReportOut, **ERRORS, 429: ErrorOut},
    summary="Report a published comment, topic post or chat message (logged-in app user, once per item)",
    description="409 when the caller has already reported it. Enough reports hide the item until a moderator decides.",
)
def create_report(request: HttpRequest, payload: ReportIn):
    fan = fan_for_write(request)
    item = moderation.report(fan=fan, kind=payload.kind, item_id=payload.id, category=payload.category, note=payload.note)
    return Status(201, {"reported": True, "hidden": item.hidden})


# --- topics (话题) --------------------------------------------------------------------------------

Slug = Annotated[str, Field(max_length=50)]


class TopicOut(Schema):
    slug: str
    name: str
    hashtag: str = Field(description="#name#")
    description: str
    cover: str = Field(description="The cover picture's address; empty when none")
    premoderated: bool = Field(description="Posts wait for a moderator before others see them")
    posts: int = Field(description="Published posts (top level)")
    url: str


class PictureOut(Schema):
    url: str
    width: int
    height: int


class PostReplyOut(Schema):
    id: int
    text: str
    author: str
    created_at: dt.datetime
    status: str = Field(description="approved; for the caller's own posts also pending, rejected or removed")
    hidden: bool = Field(description="Hidden after reports (the caller's own posts only)")
    reason: str = Field(description="Why it was not published or removed (own posts only)")
    mine: bool
    likes: int
    liked: bool
    reply_to: int | None
    pictures: list[PictureOut]


class PostOut(PostReplyOut):
    replies: list[PostReplyOut] = Field(description="Published replies (and the caller's own), oldest first")


class PostsOut(Schema):
    count: int = Field(description="Published posts in the topic, replies included")
    items: list[PostOut]
    next_cursor: str | None


def _topic(topic, posts: int | None = None) -> dict:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "hashtag": topic.hashtag,
        "description": topic.description,
        "cover": reverse("huati:topic_cover", args=[topic.slug]) if topic.cover else "",
        "premoderated": topic.premoderated,
        "posts": getattr(topic, "post_count", 0) if posts is None else posts,
        "url": reverse("huati:topic", args=[topic.slug]),
    }


def _post_reply(post, fan) -> dict:
    mine = fan is not None and post.fan_id == fan.pk
    return {
        "id": post.pk,
        "text": post.body,
        "author": post.fan.display_name,
        "created_at": post.created_at,
        "status": post.status,
        "hidden": post.hidden if mine else False,
        "reason": post.reason if mine else "",
        "mine": mine,
        "likes": post.like_count,
        "liked": bool(getattr(post, "liked", False)),
        "reply_to": post.reply_to_id,
        "pictures": [{"url": reverse("huati:picture", args=[p.pk]), "width": p.width, "height": p.height} for p in post.pictures.all()],
    }


def _post(post, fan) -> dict:
    return {**_post_reply(post, fan), "replies": [_post_reply(r, fan) for r in getattr(post, "visible_replies", [])]}


@router.get("/public/huati", response={200: list[TopicOut], **ERRORS}, summary="The topics (话题), the most recently active first")
def list_topics(request: HttpRequest):
    return [_topic(t) for t in selectors.topics()]


@router.get("/public/huati/{slug}", response={200: TopicOut, **ERRORS}, summary="One topic")
def get_topic(request: HttpRequest, slug: Slug):
    topic = topics.shown_topic(slug)
    return _topic(topic, posts=topic.posts.filter(status="approved", hidden=False, reply_to__isnull=True).count())


@router.get(
    "/public/huati/{slug}/posts",
    response={200: PostsOut, **ERRORS},
    summary="A topic's posts, newest first, a page at a time",
    description="Published posts for everyone; a logged-in app user also sees their own in any state.",
)
def list_posts(request: HttpRequest, slug: Slug, filters: Query[CommentsQuery]):
    topic = topics.shown_topic(slug)
    fan = current_fan(request)
    page = selectors.topic_posts(topic, fan=fan, cursor=filters.cursor, limit=filters.limit)
    selectors.mark_liked(page.items, fan, "post")
    return {"count": page.count, "items": [_post(p, fan) for p in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/public/huati/{slug}/posts",
    response={201: PostOut, **ERRORS, 429: ErrorOut},
    summary="Post in a topic: text and up to 9 pictures, or a reply (logged-in app user)",
    description="multipart/form-data: text, reply_to (a published post to answer; replies take no pictures), pictures "
    "(JPEG, PNG, GIF or WebP, at most 9 of at most 10 MB). The post is returned with its status: pending (shown to its "
    "author only until approved) or approved.",
)
def create_post(
    request: HttpRequest,
    slug: Slug,
    text: Form[str] = "",
    reply_to: Form[Id | None] = None,
    pictures: File[list[UploadedFile]] = None,
):
    fan = fan_for_write(request)
    if len(text) > BODY_CEILING:
        raise DomainError(_("A post may have at most %(n)s characters (now %(len)s).") % {"n": POST_MAX, "len": len(text)}, field="text")
    post = topics.submit_post(fan=fan, topic=slug, body=text, pictures=pictures or [], reply_to_id=reply_to, ip=request_ip(request))
    post.visible_replies = []
    return Status(201, _post(post, fan))


# --- chat rooms (聊天室) --------------------------------------------------------------------------


class RoomOut(Schema):
    id: int
    name: str
    description: str
    members_only: bool
    premoderated: bool
    member: bool = Field(description="The caller is a member")
    role: str = Field(description="The caller's role (owner, moderator, member); empty when not a member")
    url: str


class MessageOut(Schema):
    id: int
    text: str
    author: str
    created_at: dt.datetime
    status: str = Field(description="approved; for the caller's own messages also pending, rejected or removed")
    reason: str
    mine: bool


class MessagesOut(Schema):
    items: list[MessageOut] = Field(description="Oldest first")
    last_id: int = Field(description="Pass as ?after= next time")
    gone: list[int] = Field(description="Ids of recent messages no longer shown (removed or hidden): take them off the page")


class MessagesQuery(Schema):
    after: int = Field(0, ge=0, le=2**63 - 1, description="Only messages with a larger id; 0: the latest ones")
    limit: int = Field(50, ge=1, le=100)


class MessageIn(Schema):
    text: str = Field(max_length=BODY_CEILING, description=f"1 to {BODY_MAX} characters once trimmed")


class JoinIn(Schema):
    code: str = Field("", max_length=40, description="The invitation code of a members-only room")


def _room(room, member) -> dict:
    return {
        "id": room.pk,
        "name": room.name,
        "description": room.description,
        "members_only": room.members_only,
        "premoderated": room.premoderated,
        "member": member is not None,
        "role": member.role if member is not None else "",
        "url": reverse("huati:room", args=[room.pk]),
    }


def _message(message, fan) -> dict:
    mine = fan is not None and message.fan_id == fan.pk
    return {
        "id": message.pk,
        "text": message.body,
        "author": message.fan.display_name,
        "created_at": message.created_at,
        "status": message.status,
        "reason": message.reason if mine else "",
        "mine": mine,
    }


@router.get("/public/chatrooms", response={200: list[RoomOut], **ERRORS}, summary="The chat rooms the caller may see")
def list_rooms(request: HttpRequest):
    fan = current_fan(request)
    members = {m.room_id: m for m in fan.room_memberships.all()} if fan is not None else {}
    return [_room(r, members.get(r.pk)) for r in selectors.rooms(fan)]


@router.get("/public/chatrooms/{room_id}", response={200: RoomOut, **ERRORS}, summary="One chat room")
def get_room(request: HttpRequest, room_id: Id):
    fan = current_fan(request)
    room = chat.room(room_id)
    return _room(room, chat.membership(room, fan))


@router.get(
    "/public/chatrooms/{room_id}/messages",
    response={200: MessagesOut, **ERRORS},
    url_name="public_chat_messages",
    summary="A chat room's messages after an id (poll every few seconds)",
    description="403 for a members-only room when the caller is not a member.",
)
def list_messages(request: HttpRequest, room_id: Id, filters: Query[MessagesQuery]):
    fan = current_fan(request)
    room = chat.readable(room_id, fan)
    items = chat.messages_after(room, fan=fan, after=filters.after, limit=filters.limit)
    return {
        "items": [_message(m, fan) for m in items],
        "last_id": items[-1].pk if items else filters.after,
        "gone": chat.gone_ids(room, fan=fan),
    }


@router.post(
    "/public/chatrooms/{room_id}/messages",
    response={201: MessageOut, **ERRORS, 429: ErrorOut},
    summary="Send a message to a chat room (logged-in app user; members-only rooms: members)",
)
def create_message(request: HttpRequest, room_id: Id, payload: MessageIn):
    fan = fan_for_write(request)
    message = chat.post_message(fan=fan, room_id=room_id, body=payload.text, ip=request_ip(request))
    return Status(201, _message(message, fan))


@router.post("/public/chatrooms/{room_id}/join", response={200: RoomOut, **ERRORS, 429: ErrorOut}, summary="Join a chat room")
def join_room(request: HttpRequest, room_id: Id, payload: JoinIn):
    fan = fan_for_write(request)
    member = chat.join(fan=fan, room_id=room_id, code=payload.code)
    return _room(member.room, member)


@router.post("/public/chatrooms/{room_id}/leave", response={200: RoomOut, **ERRORS}, summary="Leave a chat room")
def leave_room(request: HttpRequest, room_id: Id):
    fan = fan_for_write(request)
    chat.leave(fan=fan, room_id=room_id)
    room = chat.room(room_id)
    return _room(room, None)
