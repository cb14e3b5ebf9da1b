"""Typical cases (先进典型): the volunteers, teams and pieces of work the practice center puts
forward, each with a summary, a photo and, when the newsroom wrote about it, the story. Staff
curate them at /practice/manage/cases/; the public reads the published ones at /practice/cases/
and on the practice center's page.

A case may name a story only while that story is live on our site; if the story is retracted
later, the case stays and its link disappears (``story_url`` asks each time)."""

from __future__ import annotations

import re
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError
from rongmei.core.input import clean_text
from rongmei.core.storage import delete_after_commit
from rongmei.practice import photos
from rongmei.practice.models import TypicalCase, Volunteer, VolunteerTeam
from rongmei.practice.services import _require_coordinator

CASES_PAGE = 50

_STORY_LINK = re.compile(r"(?:^|/)news/([0-9]{1,18})/?(?:[?#].*)?$")


def story_number(value: str) -> int | None:
    """The story a staff member means by ``value``: its number ("123") or the address of its
    public page ("https://…/news/123/"); None when empty. DomainError when it is neither."""
    value = (value or "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    found = _STORY_LINK.search(value)
    if found is None:
        raise DomainError(_("Give the article's number or the address of its page on our site (…/news/123/)."), field="story")
    return int(found.group(1))


def live_story(story_id: int | None):
    """The story when it is live on our site, else None."""
    if story_id is None:
        return None
    from rongmei.distribution import selectors as distribution

    return distribution.published_stories().filter(pk=story_id).prefetch_related(None).first()


def story_url(case: TypicalCase) -> str:
    """The public address of the case's story while it is live; "" otherwise."""
    from rongmei.portal.selectors import story_url as url_of

    story = live_story(case.story_id)
    return url_of(story) if story is not None else ""


@transaction.atomic
def save_case(
    *,
    actor,
    case: TypicalCase | None = None,
    title: str,
    summary: str,
    volunteer: Volunteer | None = None,
    team: VolunteerTeam | None = None,
    story: str = "",
    photo=None,
    remove_photo: bool = False,
    position: int = 0,
    published: bool = False,
) -> TypicalCase:
    """Create (``case`` None) or change a typical case. ``story`` is the article's number or public
    address; it must be live on our site. ``photo`` (an upload) replaces the photo, re-encoded
    without its metadata like activity photos."""
    _require_coordinator(actor)
    title = clean_text(title, field="title", label=_("Title"), min_len=2, max_len=60)
    summary = clean_text(summary, field="summary", label=_("Summary"), min_len=10, max_len=2000)
    story_id = story_number(story)
    if story_id is not None and live_story(story_id) is None:
        raise DomainError(_("Article %(n)s is not published on our site.") % {"n": story_id}, field="story")
    newly_named = volunteer is not None and (case is None or case.volunteer_id != volunteer.pk)
    if newly_named and volunteer.status != Volunteer.Status.ACTIVE:
        raise DomainError(_("%(v)s is not an active volunteer.") % {"v": volunteer.real_name}, field="volunteer")
    if not 0 <= int(position) <= 999:
        raise DomainError(_("The position is a number from 0 to 999."), field="position")
    picture = photos.clean_upload(photo, field="photo")[0] if photo else None
    created = case is None
    if created:
        case = TypicalCase(created_by=actor)
    else:
        case = TypicalCase.objects.select_for_update().get(pk=case.pk)
    old_photo = case.photo.name if case.photo else ""
    case.title, case.summary = title, summary
    case.volunteer, case.team, case.story_id = volunteer, team, story_id
    case.position, case.published = int(position), bool(published)
    storage = TypicalCase._meta.get_field("photo").storage
    written = ""
    try:
        if picture is not None:
            case.photo.save(f"{uuid.uuid4().hex}.jpg", ContentFile(picture), save=False)
            written = case.photo.name
        elif remove_photo:
            case.photo = ""
        case.save()
        audit.record(
            "practice.case_create" if created else "practice.case_change",
            actor=actor,
            subject=case,
            summary=(_("Typical case added: %(t)s") if created else _("Typical case changed: %(t)s")) % {"t": case.title},
            data={"published": case.published, "story": story_id},
        )
    except BaseException:
        if written:
            storage.delete(written)  # a refused save leaves no file behind
        raise
    if old_photo and old_photo != (case.photo.name if case.photo else ""):
        delete_after_commit([old_photo])
    return case


def _public_view(case: TypicalCase) -> TypicalCase:
    """What the public sees of a case: its story's address while live (``url``), and no name of a
    volunteer suspended since (the rankings hide them too)."""
    if case.volunteer is not None and case.volunteer.status != Volunteer.Status.ACTIVE:
        case.volunteer = None
    return case


def published_cases(limit: int | None = None) -> list[TypicalCase]:
    """The cases the public sees, in the staff's order; each with ``url`` (its story's public
    address while live, else "")."""
    from rongmei.distribution import selectors as distribution
    from rongmei.portal.selectors import story_url as url_of

    qs = TypicalCase.objects.filter(published=True).select_related("volunteer", "team")
    cases = list(qs[:limit] if limit else qs[:CASES_PAGE])
    ids = {c.story_id for c in cases if c.story_id}
    live = {s.pk: s for s in distribution.published_stories().filter(pk__in=ids).prefetch_related(None)} if ids else {}
    for case in cases:
        story = live.get(case.story_id)
        case.url = url_of(story) if story is not None else ""
        _public_view(case)
    return cases


def public_case(pk: int) -> TypicalCase | None:
    case = TypicalCase.objects.filter(pk=pk, published=True).select_related("volunteer", "team").first()
    if case is not None:
        case.url = story_url(case)
        _public_view(case)
    return case
