"""The interface every readership adapter implements.

An adapter reads, from one platform, the pieces an account published in a span of days with
their readership figures. It only reads: recording the figures is
rongmei.partners.readership's work (one write path, services.upsert_post). Errors a person
reads are specific and never carry a secret: ``FetchError`` with ``transient`` telling whether
trying again later may help (timeouts, a busy platform) or someone must change something first
(a wrong secret, an account without the right to the statistics API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class FetchedPost:
    """One piece as the platform reports it. ``external_id`` is the platform's own id, so a second
    fetch updates the figures of the same post; ``reads`` is the total since publication."""

    external_id: str
    title: str
    url: str
    published_on: dt.date
    reads: int


class FetchError(Exception):
    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.message = str(message)[:300]
        self.transient = transient


class ReadershipAdapter:
    """Subclasses set ``platform`` (a partners.models.Platform value) and ``fields``: what an
    operator enters, as (name, required, secret) like distribution's settings_util.FIELDS."""

    platform: str = ""
    fields: tuple[tuple[str, bool, bool], ...] = ()

    def __init__(self, settings: dict, *, account_name: str = "") -> None:
        self.settings = dict(settings)
        self.account_name = account_name

    def fetch(self, *, since: dt.date, until: dt.date) -> list[FetchedPost]:
        """The pieces published from ``since`` to ``until`` (both included) with their figures.
        Raises FetchError; never returns a partial list silently."""
        raise NotImplementedError
