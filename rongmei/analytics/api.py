"""Public API of readership counting (registered in rongmei/api/urls.py): the first-party beacon
and an article's counters. No login, no cookies needed.

The beacon takes a batch of events as JSON. ``navigator.sendBeacon`` sends a string body as
``text/plain;charset=UTF-8``; django-ninja parses every body as JSON whatever its content type,
so that works too (tests/test_api.py checks it).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from rongmei.analytics import selectors, services
from rongmei.analytics.conf import setting
from rongmei.api.schemas import ERRORS, MAX_SMALL, Id
from rongmei.core.exceptions import DomainError

router = Router(tags=["public app: analytics"], auth=None)


class ArticleNotFound(DomainError):
    status = 404

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="not_found")


class BeaconEventIn(Schema):
    # A closed list. An ad's click is counted by its redirect (/ops/c/<creative>/), not here.
    type: Literal["view", "read", "play", "share", "ad_view"] = Field(
        description="What happened; ad_view: an ad's creative was at least half in view for a second"
    )
    path: str = Field(
        min_length=1,
        max_length=services.MAX_PATH,
        description="The page's path, e.g. /news/12/ (starts with /, at most 500 characters); not stored",
    )
    device: str = Field(
        min_length=8,
        max_length=64,
        description="A random id the page keeps in localStorage: 8–64 letters, digits, - or _. "
        "Stored only as a hash with a salt of the day, which is deleted after the day",
        json_schema_extra={"pattern": r"^[A-Za-z0-9_-]{8,64}$"},
    )
    article: Id | None = Field(None, description="The article (story id) of the page; read from the path when absent")
    column: str | None = Field(None, min_length=1, max_length=40, description="A column's short name, on a column page")
    channel: Literal["web", "app", "wechat"] | None = Field(
        None, description="Where it is read; without it wechat if the User-Agent has MicroMessenger, else web"
    )
    seconds: int | None = Field(None, ge=0, le=MAX_SMALL, description="Seconds on the page (for read)")
    ts: dt.datetime | None = Field(None, description="When it happened, within the last 24 hours; the time received without it")
    creative: Id | None = Field(
        None,
        description="The ad's creative, for ad_view (required there, ignored otherwise); an impression of a creative "
        "that is not in a running campaign is left out",
    )


class BeaconIn(Schema):
    events: list[BeaconEventIn] = Field(description="1 to 50 events", json_schema_extra={"minItems": 1, "maxItems": 50})


class CountersOut(Schema):
    article: int
    views: int = Field(description="Page views, all time")
    reads: int = Field(description="Reads: stayed 15 seconds or scrolled to the end")
    plays: int
    shares: int


@router.post(
    "/public/beacon",
    response={204: None, **ERRORS},
    summary="Count page views, reads, plays, shares and ad impressions (the site's own beacon)",
    description="A batch of up to 50 events as JSON; text/plain bodies (navigator.sendBeacon) are read as JSON "
    "too. Answers 204 at once: events are buffered and written in bulk. A bad event refuses the whole batch "
    "(422). An article that is not live, or an unknown column, is left out of the event; an ad impression of a "
    "creative that is not running is left out.",
)
def beacon(request: HttpRequest, payload: BeaconIn):
    services.ingest(payload.events, user_agent=request.headers.get("User-Agent", ""))
    return Status(204, None)


@router.get(
    "/public/articles/{article_id}/counters",
    response={200: CountersOut, **ERRORS},
    summary="How often an article was viewed, read, played and shared",
)
def counters(request: HttpRequest, response: HttpResponse, article_id: Id):
    result = selectors.article_counters(article_id)
    if result is None:
        raise ArticleNotFound(_("This article is not published (any more)."), field="article")
    # The same for every reader: shared caches may keep it as briefly as we do.
    response["Cache-Control"] = f"public, max-age={setting('COUNTERS_CACHE_SECONDS')}"
    return result
