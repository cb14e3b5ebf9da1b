"""The caller, their API tokens, notifications, and the reference lists (teams, channels, places)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from rongmei.accounts import services as account_services
from rongmei.accounts.models import ApiToken, Team
from rongmei.api.schemas import ERRORS, Id, Offset, PlaceRef, TeamRef, UserRef, page
from rongmei.core import notify
from rongmei.core.exceptions import NotAllowed
from rongmei.core.models import Notification, Place

router = Router(tags=["accounts"])


class MeOut(UserRef):
    role_label: str
    teams: list[TeamRef]
    led_teams: list[TeamRef]
    auth_method: str = Field(description="session or token")

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_teams(obj) -> list:
        return list(obj.teams.all())

    @staticmethod
    def resolve_led_teams(obj) -> list:
        return list(obj.led_teams.all())


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who am I")
def me(request):
    user = request.auth
    user.auth_method = getattr(request, "auth_method", "session")
    return user


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="The first characters of the key, to recognize it.")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool

    @staticmethod
    def resolve_active(obj) -> bool:
        return obj.revoked_at is None and (obj.expires_at is None or obj.expires_at > timezone.now())


class TokenCreateIn(Schema):
    name: str = Field(min_length=1, max_length=60)
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Empty: never expires.")


class TokenCreatedOut(Schema):
    token: TokenOut
    key: str = Field(description="The raw key, shown only in this response. Send it as Authorization: Bearer <key>.")


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="My API tokens")
def list_tokens(request):
    return ApiToken.objects.filter(user=request.auth)


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, summary="Create an API token")
def create_token(request, payload: TokenCreateIn):
    # A token must not mint tokens: a leaked one would outlive its own revocation.
    if getattr(request, "auth_method", "") == "token":
        raise NotAllowed(_("Create API tokens on your profile page, not with another token."))
    token, raw = account_services.create_token(actor=request.auth, name=payload.name, expires_in_days=payload.expires_in_days, via="api")
    return Status(201, {"token": token, "key": raw})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke an API token")
def revoke_token(request, token_id: Id):
    token = get_object_or_404(ApiToken, pk=token_id)
    account_services.revoke_token(actor=request.auth, token=token)
    return Status(204, None)


class TeamOut(TeamRef):
    description: str
    lead: UserRef | None
    member_count: int


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, tags=["reference"], summary="Teams (栏目小组)")
def teams(request):
    return Team.objects.select_related("lead").annotate(member_count=Count("members"))


class PlaceOut(PlaceRef):
    parent_id: int | None


class PlaceFilter(Schema):
    town: Id | None = Field(None, description="Only the villages of this town")


@router.get("/places", response={200: list[PlaceOut], **ERRORS}, tags=["reference"], summary="Towns and villages of the county")
def places(request, filters: Query[PlaceFilter]):
    qs = Place.objects.select_related("parent")
    if filters.town is not None:
        qs = qs.filter(parent_id=filters.town)
    return qs


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilter(Schema):
    unread: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: Offset = 0


@router.get("/notifications", response={200: NotificationPage, **ERRORS}, tags=["notifications"], summary="My notifications")
def notifications(request, filters: Query[NotificationFilter]):
    qs = Notification.objects.filter(recipient=request.auth)
    unread = qs.filter(read_at__isnull=True).count()
    if filters.unread:
        qs = qs.filter(read_at__isnull=True)
    return {**page(qs, filters.limit, filters.offset), "unread": unread}


class NotificationsReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=1000, description="Which to mark read; empty or missing: all of mine.")


class NotificationsReadOut(Schema):
    marked: int
    unread: int


@router.post("/notifications/read", response={200: NotificationsReadOut, **ERRORS}, tags=["notifications"], summary="Mark read")
def notifications_read(request, payload: NotificationsReadIn):
    marked = notify.mark_read(request.auth, payload.ids)
    return {"marked": marked, "unread": Notification.objects.filter(recipient=request.auth, read_at__isnull=True).count()}
