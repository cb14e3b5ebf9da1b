from __future__ import annotations

import re

import nh3
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Role, User
from rongmei.core import audit, safety, text
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.notify import notify
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import SafetyOverride, Story, StoryVersion
from rongmei.newsroom.services._util import clean_text, strip_controls
from rongmei.newsroom.services.assignments import complete_for_story
from rongmei.newsroom.services.locks import acquire_lock, check_lock

CONTENT_FIELDS = ("headline", "subtitle", "intro", "body", "source", "keywords")
MAX_BODY_CHARS = 200_000
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "img",
    "figure",
    "figcaption",
    "hr",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}


class SafetyBlocked(DomainError):
    """Submission stopped by block-level sensitive words; ``hits`` says which and where."""

    status = 422

    def __init__(self, hits: list[safety.Hit]) -> None:
        words = "、".join(dict.fromkeys(h.word for h in hits))
        super().__init__(
            _(
                "Sensitive words that block submission: %(words)s. Change the text, or ask the chief editor to override with a written reason."
            )
            % {"words": words},
            code="sensitive_words",
        )
        self.hits = hits


_DIV_RE = re.compile(r"<(/?)div\b[^>]*>", re.IGNORECASE)


def sanitize_body(markup: str) -> str:
    # Browsers' editors and pasted pages wrap paragraphs in <div>: keep them as paragraphs
    # rather than letting the sanitizer drop the tag and merge the text.
    markup = _DIV_RE.sub(r"<\1p>", strip_controls(markup))
    return nh3.clean(markup, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"})


def _clean_fields(fields: dict) -> dict:
    cleaned = {}
    if "headline" in fields:
        cleaned["headline"] = clean_text(fields["headline"], field="headline", label=_("Headline"), max_len=80)
    if "subtitle" in fields:
        cleaned["subtitle"] = clean_text(fields["subtitle"], field="subtitle", label=_("Subtitle"), max_len=120, required=False)
    if "intro" in fields:
        cleaned["intro"] = clean_text(fields["intro"], field="intro", label=_("Lead paragraph"), max_len=1000, required=False)
    if "source" in fields:
        cleaned["source"] = clean_text(fields["source"], field="source", label=_("Source"), max_len=60, required=False)
    if "body" in fields:
        body = sanitize_body(fields["body"] or "")
        if len(body) > MAX_BODY_CHARS:
            raise DomainError(_("The body is too long (at most %(n)s characters of markup).") % {"n": MAX_BODY_CHARS}, field="body")
        cleaned["body"] = body
    if "keywords" in fields:
        raw = fields["keywords"] or []
        if isinstance(raw, str):
            raw = raw.replace("，", ",").replace("、", ",").split(",")
        words = [strip_controls(w).strip()[:20] for w in raw if isinstance(w, str) and strip_controls(w).strip()]
        cleaned["keywords"] = list(dict.fromkeys(words))[:10]
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    return cleaned


def story_word_count(intro: str, body: str) -> int:
    return text.count_chars(intro + "\n" + text.plain_text(body))


def reading_minutes(story_or_version) -> int:
    return text.reading_minutes(story_or_version.word_count, settings.RONGMEI["READING_CHARS_PER_MINUTE"])


def suggest_keywords(*, headline: str, intro: str, body: str) -> list[str]:
    return text.keywords(f"{headline}\n{headline}\n{intro}\n{text.plain_text(body)}")


@transaction.atomic
def create_story(
    *,
    actor,
    team,
    headline: str,
    subtitle: str = "",
    intro: str = "",
    body: str = "",
    source: str = "",
    keywords=None,
    place=None,
    plan=None,
) -> Story:
    if team is None:
        raise DomainError(_("Choose a team."), field="team")
    if not perms.can_write_in(actor, team):
        raise NotAllowed(_("Only members of %(team)s may write stories there.") % {"team": team.name})
    fields = _clean_fields(
        {"headline": headline, "subtitle": subtitle, "intro": intro, "body": body, "source": source, "keywords": keywords or []}
    )
    story = Story.objects.create(
        team=team, plan=plan, place=place, created_by=actor, word_count=story_word_count(fields["intro"], fields["body"]), **fields
    )
    story.authors.add(actor)
    audit.record(
        "story.create", actor=actor, subject=story, summary=_("Created story: %(t)s") % {"t": story.headline}, to_state=story.state
    )
    return story


def _lock_story(story: Story) -> Story:
    return Story.objects.select_for_update(of=("self",)).select_related("team", "current_version").get(pk=story.pk)


@transaction.atomic
def autosave(*, actor, story: Story, **fields) -> Story:
    """Store the working copy (no version); takes or renews the actor's edit lock."""
    story = _lock_story(story)
    if not perms.can_edit_story(actor, story):
        raise NotAllowed(_("You may not edit this story."))
    acquire_lock(actor=actor, story=story)
    _apply_fields(story, fields)
    return story


def _apply_fields(story: Story, fields: dict) -> None:
    """Validate and store fields of the working copy. Call inside the transaction that locked the story."""
    if not fields:
        return
    cleaned = _clean_fields(fields)
    for name, value in cleaned.items():
        setattr(story, name, value)
    story.word_count = story_word_count(story.intro, story.body)
    story.updated_at = timezone.now()
    story.save(update_fields=[*cleaned.keys(), "word_count", "updated_at"])


def _safety_gate(actor, story: Story, override_reason: str) -> tuple[list[safety.Hit], list[safety.Hit]]:
    """All hits and the blocking ones in the working copy; raises unless nothing blocks or the chief overrides."""
    hits = safety.scan(version_text(story))
    blocking = safety.blocking(hits)
    if blocking and not (actor.role == Role.CHIEF_EDITOR and (override_reason or "").strip()):
        raise SafetyBlocked(blocking)
    return hits, blocking


def _record_override(actor, story: Story, version: StoryVersion, blocking: list[safety.Hit], reason: str) -> None:
    reason = reason.strip()
    SafetyOverride.objects.create(version=version, by=actor, reason=reason[:500], hits=[h.as_dict() for h in blocking])
    audit.record(
        "story.safety_override",
        actor=actor,
        subject=story,
        summary=_("Chief editor overrode sensitive words %(w)s: %(r)s") % {"w": "、".join(h.word for h in blocking), "r": reason},
        data={"version": version.number, "hits": [h.as_dict() for h in blocking]},
    )


def _content_of(obj) -> dict:
    return {name: getattr(obj, name) for name in CONTENT_FIELDS}


def _snapshot(actor, story: Story, note: str, *, force_new: bool = False) -> tuple[StoryVersion, bool]:
    """The version holding the working copy: the current one if unchanged, else a new one."""
    current = story.current_version
    if current is not None and not force_new and _content_of(current) == _content_of(story):
        return current, False
    number = (current.number if current else 0) + 1
    version = StoryVersion.objects.create(
        story=story, number=number, created_by=actor, note=(note or "")[:200], word_count=story.word_count, **_content_of(story)
    )
    story.current_version = version
    story.save(update_fields=["current_version"])
    audit.record("story.version", actor=actor, subject=story, summary=_("Saved version %(n)s") % {"n": number}, data={"version": number})
    return version, True


def _restart_review(actor, story: Story, version: StoryVersion) -> None:
    previous = story.state
    story.state = Story.State.IN_REVIEW
    story.review_level = perms.review_chain(story.team)[0].level
    story.signed_off_at = None
    story.signed_off_by = None
    story.save(update_fields=["state", "review_level", "signed_off_at", "signed_off_by"])
    audit.record(
        "story.review_restart",
        actor=actor,
        subject=story,
        summary=_("Edited after review started: version %(n)s goes through review again") % {"n": version.number},
        from_state=previous,
        to_state=story.state,
        data={"version": version.number},
    )
    notify_reviewers(story, exclude=actor)


@transaction.atomic
def save_version(*, actor, story: Story, note: str = "", override_reason: str = "", **fields) -> StoryVersion:
    """Save the working copy (with any given fields) as an immutable version.

    A changed version of a story in review or signed off restarts its review: approvals
    belong to the version they were given to. Such a version passes the same sensitive-word
    gate as a submission, so an edit during review cannot slip blocked words past it.

    On a published story this is a correction (更正): the note saying what was corrected is
    required, the changed fields are recorded, and the new version goes through review; what is
    published stays as it is until the correction is signed off and published in its turn.
    """
    story = _lock_story(story)
    if not perms.can_edit_story(actor, story):
        raise NotAllowed(_("You may not edit this story."))
    check_lock(actor, story)
    _apply_fields(story, fields)
    correcting = story.state == Story.State.PUBLISHED
    in_review = story.state in (Story.State.IN_REVIEW, Story.State.APPROVED, Story.State.PUBLISHED)
    previous = story.current_version
    changed = previous is None or _content_of(previous) != _content_of(story)
    if correcting and changed and not (note or "").strip():
        raise DomainError(_("Say what this correction changes (it is shown with the corrected story)."), field="note")
    blocking: list[safety.Hit] = []
    if in_review and changed:
        _hits, blocking = _safety_gate(actor, story, override_reason)
    version, created = _snapshot(actor, story, note)
    if blocking:
        _record_override(actor, story, version, blocking, override_reason)
    if created and correcting:
        fields_changed = [name for name in CONTENT_FIELDS if getattr(previous, name) != getattr(version, name)]
        audit.record(
            "story.correction",
            actor=actor,
            subject=story,
            summary=_("Correction, version %(n)s: %(note)s") % {"n": version.number, "note": version.note},
            data={"version": version.number, "replaces": previous.number, "fields": fields_changed, "note": version.note},
        )
    if created and in_review:
        _restart_review(actor, story, version)
    return version


def version_text(version_or_story) -> str:
    """The text that content safety scans: every field a reader sees."""
    v = version_or_story
    return "\n".join([v.headline, v.subtitle, v.intro, text.plain_text(v.body)])


def reviewers_for(story: Story, level: int | None = None):
    """Active people who could review ``story`` at ``level`` (default: its current level)."""
    level = level or story.review_level
    step = next((s for s in perms.review_chain(story.team) if s.level == level), None)
    if step is None:
        return User.objects.none()
    qs = User.objects.filter(is_active=True, role=step.role).exclude(pk__in=story.authors.values("pk"))
    if story.current_version_id is not None:
        qs = qs.exclude(pk=story.current_version.created_by_id)
    if step.role == Role.COLUMN_LEAD:
        qs = qs.filter(Q(teams=story.team) | Q(pk=story.team.lead_id))
    return qs.distinct()


def notify_reviewers(story: Story, *, exclude=None) -> None:
    step = next(s for s in perms.review_chain(story.team) if s.level == story.review_level)
    notify(
        reviewers_for(story),
        kind="review",
        text=_("Waiting for your %(level)s: %(t)s") % {"level": step.name, "t": story.headline},
        url=f"/newsroom/stories/{story.pk}/",
        exclude=exclude,
    )


@transaction.atomic
def submit_story(*, actor, story: Story, override_reason: str = "", **fields) -> Story:
    """Send a draft into review at the first level of its team's chain.

    Block-level sensitive words stop it, unless the chief editor overrides with a written
    reason (kept with the version and in the audit log). On any refusal the draft stays as it was
    saved: nothing typed is lost.
    """
    story = _lock_story(story)
    if story.state != Story.State.DRAFT:
        raise StateConflict(_("Only a draft can be submitted for review."))
    if not perms.can_submit_story(actor, story):
        raise NotAllowed(_("Only an author of the story may submit it."))
    check_lock(actor, story)
    _apply_fields(story, fields)
    clean_text(story.headline, field="headline", label=_("Headline"), min_len=4, max_len=80)
    if not text.plain_text(story.body).strip():
        raise DomainError(_("The body is empty."), field="body")
    hits, blocking = _safety_gate(actor, story, override_reason)
    # A version that was already reviewed (then returned) is not reused: a resubmission starts
    # review on a clean slate, without the approvals given before the return.
    reviewed = story.current_version is not None and story.current_version.approvals.exists()
    version, _created = _snapshot(actor, story, note="", force_new=reviewed)
    if blocking:
        _record_override(actor, story, version, blocking, override_reason)
    story.state = Story.State.IN_REVIEW
    story.review_level = perms.review_chain(story.team)[0].level
    story.save(update_fields=["state", "review_level"])
    complete_for_story(story, actor=actor)
    audit.record(
        "story.submit",
        actor=actor,
        subject=story,
        summary=_("Submitted version %(n)s for review") % {"n": version.number},
        from_state=Story.State.DRAFT,
        to_state=story.state,
        data={"version": version.number, "flagged": [h.as_dict() for h in hits if h.severity != "block"]},
    )
    notify_reviewers(story, exclude=actor)
    return story


@transaction.atomic
def set_authors(*, actor, story: Story, authors) -> Story:
    """Set a story's byline (e.g. add the photographer of the same coverage).

    Only while it is a draft: authors may not review their own story, so changing them during
    review would change who may approve it.
    """
    story = _lock_story(story)
    if story.state != Story.State.DRAFT:
        raise StateConflict(_("Authors can be changed only while the story is a draft."))
    if not perms.can_set_authors(actor, story):
        raise NotAllowed(_("Only an author or the column lead may change the authors."))
    authors = list(dict.fromkeys(authors))
    if not authors:
        raise DomainError(_("A story needs at least one author."), field="authors")
    if any(not perms.is_newsroom(a) for a in authors):
        raise DomainError(_("Only newsroom staff can be authors."), field="authors")
    before = sorted(a.display_name for a in story.authors.all())
    story.authors.set(authors)
    story._author_ids_cache = {a.pk for a in authors}
    after = sorted(a.display_name for a in authors)
    if before != after:
        audit.record(
            "story.authors",
            actor=actor,
            subject=story,
            summary=_("Authors: %(a)s") % {"a": "、".join(after)},
            data={"before": before, "after": after},
        )
    return story
