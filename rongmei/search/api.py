"""GET /api/v1/search: full-text search of the published stories. Public: no login.

Register in rongmei/api/urls.py: ``api.add_router("", search_api.router)``.
"""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from rongmei.api.schemas import ERRORS, Id
from rongmei.search import backends

router = Router(tags=["search"])


class SearchFilter(Schema):
    # No max_length: a longer query is cut to 100 characters, not refused.
    q: str = Field("", description="The words to look for (Chinese is segmented with jieba); at most 100 characters count")
    team: Id | None = Field(None, description="Only stories of this team (column)")
    since: dt.date | None = Field(None, description="Published on or after this day")
    until: dt.date | None = Field(None, description="Published on or before this day")
    limit: int = Field(20, ge=1, le=50)
    offset: int = Field(0, ge=0, le=1000)


class HitOut(Schema):
    id: int = Field(description="The story's id; its page is /news/{id}/")
    headline: str = Field(description="HTML: the headline escaped, the query's words in <mark>")
    snippet: str = Field(description="HTML: a piece of the intro and body around the first match, escaped, words in <mark>")
    team_id: int
    team: str = Field(description="The team's (column's) name")
    published_at: dt.datetime

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.story_id


class SearchPage(Schema):
    total: int = Field(description="How many stories match")
    limit: int
    offset: int
    items: list[HitOut] = Field(description="Best match first")


@router.get(
    "/search",
    auth=None,
    response={200: SearchPage, **ERRORS},
    summary="Search the published stories",
    operation_id="search_stories",
)
def search(request, filters: Query[SearchFilter]):
    total, hits = backends.search(
        filters.q,
        team=filters.team,
        since=filters.since,
        until=filters.until,
        limit=filters.limit,
        offset=filters.offset,
    )
    return {"total": total, "limit": filters.limit, "offset": filters.offset, "items": hits}
