"""The app user's login for the public app: ask for a code, log in with it (registers a new number),
log out, who am I. The login lives in the session cookie (see rongmei.fans.auth).

Register in rongmei/api/urls.py: ``api.add_router("", fans_api.router)``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from rongmei.api.schemas import ERRORS, ErrorOut, Id
from rongmei.core.middleware import request_ip
from rongmei.fans import services
from rongmei.fans.auth import current_fan, log_in, log_out
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


@router.get("/public/me", response={200: FanOut, **ERRORS}, summary="The logged-in app user")
def me(request: HttpRequest):
    fan = current_fan(request)
    if fan is None:
        raise services.NotLoggedIn()
    return Status(200, _fan(fan))


class FavoriteOut(Schema):
    id: int = Field(description="The article's id (as in /public/articles/{id})")
    headline: str
    kept_at: dt.datetime


def _logged_in(request: HttpRequest) -> Fan:
    fan = current_fan(request)
    if fan is None:
        raise services.NotLoggedIn()
    return fan


@router.get("/public/me/favorites", response={200: list[FavoriteOut], **ERRORS}, summary="My kept articles that are still live")
def list_favorites(request: HttpRequest):
    from rongmei.distribution import selectors

    return [
        {"id": s.pk, "headline": selectors.live_content(s)["headline"], "kept_at": s.kept_at}
        for s in services.favorites(_logged_in(request))
    ]


@router.put("/public/me/favorites/{article_id}", response={204: None, **ERRORS}, summary="Keep an article")
def keep_favorite(request: HttpRequest, article_id: Id):
    services.set_favorite(fan=_logged_in(request), story_id=article_id, keep=True)
    return Status(204, None)


@router.delete("/public/me/favorites/{article_id}", response={204: None, **ERRORS}, summary="Let a kept article go")
def drop_favorite(request: HttpRequest, article_id: Id):
    services.set_favorite(fan=_logged_in(request), story_id=article_id, keep=False)
    return Status(204, None)
