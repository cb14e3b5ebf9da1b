"""Schemas shared by several endpoints: references to people, teams, places, and errors."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from rongmei.newsroom.services._util import EARLIEST_YEAR, LATEST_YEAR

# Every number a request sends is bounded: an unbounded one reaches the database as an integer it
# cannot hold (a 500 on SQLite, an error on PostgreSQL) instead of a 422 naming the field.
MAX_ID = 2**63 - 1
MAX_SMALL = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id in a path, query or body."""
Number = Annotated[int, Field(ge=1, le=MAX_SMALL)]
"""A small positive count or sequence number, e.g. a version number."""
Offset = Annotated[int, Field(ge=0, le=MAX_SMALL)]
"""A character offset or a paging offset."""


def _in_years(value: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise PydanticCustomError("year_out_of_range", "Between the years {a} and {b}", {"a": EARLIEST_YEAR, "b": LATEST_YEAR})
    return value


Day = Annotated[dt.date, AfterValidator(_in_years)]
"""A date within the years the newsroom accepts."""


class ErrorOut(Schema):
    detail: str = Field(description="A message for people (in the request's language).")
    code: str = Field(description="A stable machine-readable code, e.g. forbidden, conflict, locked, sensitive_words.")
    field: str | None = Field(None, description="The input field the error is about, if any.")
    hits: list[dict[str, Any]] | None = Field(None, description="Sensitive-word hits (code sensitive_words).")
    errors: list[dict[str, Any]] | None = Field(None, description="Every invalid field (HTTP 422).")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class UserRef(Schema):
    id: int
    username: str
    name: str
    role: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class TeamRef(Schema):
    id: int
    name: str
    slug: str


class PlaceRef(Schema):
    id: int
    name: str
    kind: str
    full_name: str

    @staticmethod
    def resolve_full_name(obj) -> str:
        return str(obj)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime given without a time zone is read in the center's local time."""
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def page(qs, limit: int, offset: int) -> dict:
    return {"count": qs.count(), "limit": limit, "offset": offset, "items": list(qs[offset : offset + limit])}
