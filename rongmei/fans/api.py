"""The app user's part of the public app's API: ask for a login code, log in with it (registers a
new number), log out, who am I; favorites, likes, column follows, the notification center, and the
per-reader state of an article or column page (which are static files, the same for everyone).

The login lives in the session cookie (see rongmei.fans.auth). Writes made with it need the CSRF
token in the X-CSRFToken header: the state endpoints hand it to the page's script.

Register in rongmei/api/urls.py: ``api.add_router("", fans_api.router)``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.api.schemas import ERRORS, ErrorOut, Id
from rongmei.core.middleware import request_ip
from rongmei.fans import privacy, selectors, services
from rongmei.fans.auth import current_fan, fan_for_write, log_in, log_out
from rongmei.fans.models import Fan

router = Router(tags=["public app: users"], auth=None)


class PhoneIn(Schema):
    phone: str = Field(max_length=32, description="A mainland mobile number: 11 digits, +86 allowed")


class CodeSent(Schema):
    phone: str = Field(description="The number as we keep it (+86…)")
    expires_in: int = Field(description="Seconds the code stays valid")
    resend_after: int = Field(description="Seconds before another code may be asked for")


class LoginIn(Schema):
    phone: str = Field(max_length=32)
    code: str = Field(max_length=12, description="The 6-digit code from the text message")


class FanOut(Schema):
    id: int
    phone: str
    nickname: str
    display_name: str
    created_at: dt.datetime


class LoginOut(FanOut):
    registered: bool = Field(description="True when this login created the account")


def _fan(fan: Fan) -> dict:
    return {"id": fan.pk, "phone": fan.phone, "nickname": fan.nickname, "display_name": fan.display_name, "created_at": fan.created_at}


@router.post("/public/sms-codes", response={201: CodeSent, **ERRORS, 429: ErrorOut}, summary="Send a login code by SMS")
def send_code(request: HttpRequest, payload: PhoneIn):
    sent = services.request_code(phone=payload.phone, ip=request_ip(request))
    return Status(201, {"phone": sent.phone, "expires_in": int(services.CODE_TTL.total_seconds()), "resend_after": services.PHONE_GAP})


@router.post("/public/sessions", response={200: LoginOut, **ERRORS}, summary="Log in (or register) with the code")
def create_session(request: HttpRequest, payload: LoginIn):
    fan, registered = services.verify_code(phone=payload.phone, code=payload.code, ip=request_ip(request))
    log_in(request, fan)
    return Status(200, {**_fan(fan), "registered": registered})


@router.delete("/public/sessions", response={204: None, **ERRORS}, summary="Log out")
def delete_session(request: HttpRequest):
    log_out(request)
    return Status(204, None)


class MeOut(FanOut):
    csrf_token: str = Field(description="Send as X-CSRFToken with this fan's writes (comments, likes, letters …)")


@router.get("/public/me", response={200: MeOut, **ERRORS}, summary="The logged-in app user")
def me(request: HttpRequest, response: HttpResponse):
    fan = current_fan(request)
    if fan is None:
        raise services.NotLoggedIn()
    _private(response)
    return Status(200, {**_fan(fan), "csrf_token": get_token(request)})


class FavoriteOut(Schema):
    id: int = Field(description="The article's id (as in /public/articles/{id})")
    headline: str
    kept_at: dt.datetime


def _logged_in(request: HttpRequest) -> Fan:
    fan = current_fan(request)
    if fan is None:
        raise services.NotLoggedIn()
    return fan


_writer = fan_for_write


def _private(response: HttpResponse) -> None:
    # Per reader: no shared cache (nginx, a CDN, the service worker) may keep or hand it on.
    response["Cache-Control"] = "private, no-store"


@router.get("/public/me/favorites", response={200: list[FavoriteOut], **ERRORS}, summary="My kept articles that are still live")
def list_favorites(request: HttpRequest):
    from rongmei.distribution import selectors

    return [
        {"id": s.pk, "headline": selectors.live_content(s)["headline"], "kept_at": s.kept_at}
        for s in services.favorites(_logged_in(request))
    ]


@router.put("/public/me/favorites/{article_id}", response={204: None, **ERRORS}, summary="Keep an article")
def keep_favorite(request: HttpRequest, article_id: Id):
    services.set_favorite(fan=_writer(request), story_id=article_id, keep=True)
    return Status(204, None)


@router.delete("/public/me/favorites/{article_id}", response={204: None, **ERRORS}, summary="Let a kept article go")
def drop_favorite(request: HttpRequest, article_id: Id):
    services.set_favorite(fan=_writer(request), story_id=article_id, keep=False)
    return Status(204, None)


# --- the article and column pages' per-reader state ---------------------------------------------


class CarryingColumn(Schema):
    slug: str
    name: str
    following: bool = Field(description="Whether the logged-in fan follows it (false when anonymous)")


class ArticleStateOut(Schema):
    logged_in: bool
    kept: bool
    liked: bool
    likes: int = Field(description="How many app users like the article")
    following_column: bool = Field(description="Whether the fan follows a column carrying this article")
    columns: list[CarryingColumn] = Field(description="The shown columns carrying this article, in the app's order")
    unread_notifications: int = Field(description="Unread messages of the fan's notification center (0 when anonymous)")
    csrf_token: str = Field(description="Send as X-CSRFToken with this fan's writes; empty when anonymous")


class ColumnStateOut(Schema):
    logged_in: bool
    following: bool
    followers: int
    unread_notifications: int
    csrf_token: str = Field(description="Send as X-CSRFToken with this fan's writes; empty when anonymous")


def _csrf(request: HttpRequest, fan: Fan | None) -> str:
    # Only for a logged-in fan: an anonymous reader of a static page gets no cookie from us.
    return get_token(request) if fan is not None else ""


@router.get(
    "/public/articles/{article_id}/state",
    response={200: ArticleStateOut, **ERRORS},
    summary="What this reader sees of an article: kept, liked, likes, following its column",
)
def article_state(request: HttpRequest, response: HttpResponse, article_id: Id):
    fan = current_fan(request)
    state = selectors.article_state(fan=fan, story_id=article_id)
    if state is None:
        raise services.NotFound(_("This article is not published (any more)."), field="article")
    _private(response)
    return {**state, "csrf_token": _csrf(request, fan)}


@router.get(
    "/public/columns/{column_slug}/state",
    response={200: ColumnStateOut, **ERRORS},
    summary="What this reader sees of a column: following it, how many follow it",
)
def column_state(request: HttpRequest, response: HttpResponse, column_slug: str):
    column = services.followable_column(column_slug)
    fan = current_fan(request)
    _private(response)
    return {**selectors.column_state(fan=fan, column=column), "csrf_token": _csrf(request, fan)}


# --- likes (点赞) ------------------------------------------------------------------------------


class LikeOut(Schema):
    liked: bool
    likes: int = Field(description="How many app users like the article now")


@router.put("/public/me/likes/{article_id}", response={200: LikeOut, **ERRORS}, summary="Like an article")
def like_article(request: HttpRequest, article_id: Id):
    liked = services.like(fan=_writer(request), story_id=article_id)
    return {"liked": liked, "likes": selectors.like_count(article_id)}


@router.delete("/public/me/likes/{article_id}", response={200: LikeOut, **ERRORS}, summary="Take a like back")
def unlike_article(request: HttpRequest, article_id: Id):
    liked = services.unlike(fan=_writer(request), story_id=article_id)
    return {"liked": liked, "likes": selectors.like_count(article_id)}


# --- column follows (关注栏目) -------------------------------------------------------------------


class FollowOut(Schema):
    slug: str
    name: str
    icon: str
    url: str = Field(description="The column's page")
    followed_at: dt.datetime


def _follow(follow) -> dict:
    column = follow.column
    return {
        "slug": column.slug,
        "name": column.name,
        "icon": column.icon,
        "url": reverse("portal:column", args=[column.slug]),
        "followed_at": follow.created_at,
    }


@router.get("/public/me/follows", response={200: list[FollowOut], **ERRORS}, summary="The columns I follow")
def list_follows(request: HttpRequest):
    return [_follow(f) for f in selectors.followed_columns(_logged_in(request))]


@router.put("/public/me/follows/{column_slug}", response={204: None, **ERRORS}, summary="Follow a column")
def follow_column(request: HttpRequest, column_slug: str):
    services.follow(fan=_writer(request), column_slug=column_slug)
    return Status(204, None)


@router.delete("/public/me/follows/{column_slug}", response={204: None, **ERRORS}, summary="Stop following a column")
def unfollow_column(request: HttpRequest, column_slug: str):
    services.unfollow(fan=_writer(request), column_slug=column_slug)
    return Status(204, None)


# --- the notification center (消息) --------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="A short code, e.g. column.new_story, comment.approved")
    text: str
    url: str = Field(description="Where the message leads; may be empty")
    created_at: dt.datetime
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page; null at the end")
    unread: int


class NotificationsQuery(Schema):
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(20, ge=1, le=selectors.NOTIFICATIONS_MAX)


class ReadIn(Schema):
    ids: list[Id] | None = Field(
        None, max_length=services.MAX_READ_IDS, description="The notifications to mark read; all unread ones when left out"
    )


class ReadOut(Schema):
    marked: int = Field(description="How many changed from unread to read")
    unread: int


class UnreadOut(Schema):
    unread: int


def _note(note) -> dict:
    return {
        "id": note.pk,
        "kind": note.kind,
        "text": note.text,
        "url": note.url,
        "created_at": note.created_at,
        "read": note.read_at is not None,
    }


@router.get("/public/me/notifications", response={200: NotificationPage, **ERRORS}, summary="My notifications, newest first")
def list_notifications(request: HttpRequest, response: HttpResponse, filters: Query[NotificationsQuery]):
    fan = _logged_in(request)
    page, next_cursor = selectors.notifications(fan, cursor=filters.cursor, limit=filters.limit)
    _private(response)
    return {"items": [_note(n) for n in page], "next_cursor": next_cursor, "unread": selectors.unread_count(fan)}


@router.post("/public/me/notifications/read", response={200: ReadOut, **ERRORS}, summary="Mark notifications read (all, or some)")
def read_notifications(request: HttpRequest, payload: ReadIn):
    fan = _writer(request)
    marked = services.mark_read(fan=fan, ids=payload.ids)
    return {"marked": marked, "unread": selectors.unread_count(fan)}


@router.get("/public/me/notifications/unread-count", response={200: UnreadOut, **ERRORS}, summary="How many notifications are unread")
def unread_notifications(request: HttpRequest, response: HttpResponse):
    fan = _logged_in(request)
    _private(response)
    return {"unread": selectors.unread_count(fan)}


# --- my data: download and account deletion (rongmei.fans.privacy) ------------------------------


@router.get(
    "/public/me/data",
    response={200: dict, **ERRORS},
    summary="Everything we keep about me (account, questions, comments, volunteer record …) as JSON",
)
def my_data(request: HttpRequest, response: HttpResponse):
    fan = _logged_in(request)
    _private(response)
    return privacy.export_own_data(fan=fan)


class DeletionCodeSent(Schema):
    expires_in: int = Field(description="Seconds the code stays valid")
    resend_after: int = Field(description="Seconds before another code may be asked for")


@router.post(
    "/public/me/deletion-codes",
    response={201: DeletionCodeSent, **ERRORS, 429: ErrorOut},
    summary="Send a code to my own number to delete my account",
)
def send_deletion_code(request: HttpRequest):
    fan = _writer(request)
    privacy.request_deletion_code(fan=fan, ip=request_ip(request))
    return Status(201, {"expires_in": int(services.CODE_TTL.total_seconds()), "resend_after": services.PHONE_GAP})


class DeletionIn(Schema):
    code: str = Field(max_length=12, description="The 6-digit code from the deletion text message")
    confirm: bool = Field(description="Must be true: the person confirmed that the account and its data go for good")


@router.post(
    "/public/me/deletion",
    response={204: None, **ERRORS},
    summary="Delete my account (personal data removed, public content kept as a deleted user's); logs out",
)
def delete_account(request: HttpRequest, payload: DeletionIn):
    fan = _writer(request)
    privacy.delete_account(fan=fan, code=payload.code, confirmed=payload.confirm, ip=request_ip(request))
    log_out(request)
    return Status(204, None)
