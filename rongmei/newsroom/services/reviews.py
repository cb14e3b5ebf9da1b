from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit, text
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.notify import notify
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import Approval, ReviewComment, Story
from rongmei.newsroom.services._util import clean_text, strip_controls
from rongmei.newsroom.services.stories import notify_reviewers


def _lock(story: Story) -> Story:
    return Story.objects.select_for_update(of=("self",)).select_related("team", "current_version").get(pk=story.pk)


def _check_reviewer(actor, story: Story, version_number: int | None) -> None:
    if story.state != Story.State.IN_REVIEW:
        raise StateConflict(_("This story is not waiting for review."))
    if version_number is not None and story.current_version.number != version_number:
        raise StateConflict(
            _("The story changed while you were reading: version %(n)s is now under review.") % {"n": story.current_version.number},
            code="stale_version",
        )
    refusal = perms.review_refusal(actor, story)
    if refusal:
        raise NotAllowed(refusal)


def _step_name(story: Story, level: int) -> str:
    return str(next(s.name for s in perms.review_chain(story.team) if s.level == level))


@transaction.atomic
def approve(*, actor, story: Story, comment: str = "", version_number: int | None = None) -> Story:
    """Approve the current level of the current version; the last level signs the story off (签发)."""
    story = _lock(story)
    _check_reviewer(actor, story, version_number)
    level = story.review_level
    version = story.current_version
    Approval.objects.create(version=version, level=level, reviewer=actor, comment=strip_controls(comment).strip()[:500])
    chain = perms.review_chain(story.team)
    authors = list(story.authors.all())
    previous = story.state
    if level == chain[-1].level:
        story.state = Story.State.APPROVED
        story.signed_off_at = timezone.now()
        story.signed_off_by = actor
        story.save(update_fields=["state", "signed_off_at", "signed_off_by"])
        audit.record(
            "story.sign_off",
            actor=actor,
            subject=story,
            summary=_("%(level)s passed; version %(n)s signed off") % {"level": _step_name(story, level), "n": version.number},
            from_state=previous,
            to_state=story.state,
            data={"version": version.number, "level": level},
        )
        notify(
            authors, kind="review", text=_("Signed off: %(t)s") % {"t": story.headline}, url=f"/newsroom/stories/{story.pk}/", exclude=actor
        )
    else:
        story.review_level = next(s.level for s in chain if s.level > level)
        story.save(update_fields=["review_level"])
        audit.record(
            "story.approve",
            actor=actor,
            subject=story,
            summary=_("%(level)s passed (version %(n)s)") % {"level": _step_name(story, level), "n": version.number},
            from_state=previous,
            to_state=story.state,
            data={"version": version.number, "level": level, "next_level": story.review_level},
        )
        notify_reviewers(story, exclude=actor)
    return story


def _anchored(version, quote: str, start: int | None, end: int | None) -> tuple[str, int | None, int | None]:
    quote = strip_controls(quote).strip()
    if not quote:
        return "", None, None
    body_text = text.plain_text(version.body)
    if start is not None and end is not None and 0 <= start < end <= len(body_text) and body_text[start:end] == quote:
        return quote[:300], start, end
    found = body_text.find(quote)
    if found < 0:
        raise DomainError(_("The quoted passage is not in this version of the text."), field="quote")
    return quote[:300], found, found + len(quote)


@transaction.atomic
def add_comment(*, actor, story: Story, text_: str, quote: str = "", start: int | None = None, end: int | None = None) -> ReviewComment:
    """A remark on the current version, optionally anchored to a passage of its body."""
    story = _lock(story)
    if story.current_version is None:
        raise StateConflict(_("Save a version before commenting."))
    if not (perms.can_review(actor, story) or perms.can_edit_story(actor, story)):
        raise NotAllowed(_("You may not comment on this story."))
    body = clean_text(text_, field="text", label=_("Comment"), max_len=1000)
    quote, start, end = _anchored(story.current_version, quote, start, end)
    comment = ReviewComment.objects.create(
        story=story,
        version=story.current_version,
        author=actor,
        level=story.review_level if story.state == Story.State.IN_REVIEW else 0,
        text=body,
        quote=quote,
        anchor_start=start,
        anchor_end=end,
    )
    audit.record(
        "story.comment",
        actor=actor,
        subject=story,
        summary=_("Commented: %(t)s") % {"t": body[:80]},
        data={"comment": comment.pk, "quote": quote},
    )
    return comment


@transaction.atomic
def return_story(*, actor, story: Story, reason: str, comments=(), version_number: int | None = None) -> Story:
    """Send the story back to its authors with a reason and anchored comments; review starts over."""
    story = _lock(story)
    _check_reviewer(actor, story, version_number)
    reason = clean_text(reason, field="reason", label=_("Reason for returning"), max_len=1000)
    version = story.current_version
    level = story.review_level
    ReviewComment.objects.create(story=story, version=version, author=actor, level=level, text=reason)
    for c in comments:
        quote, start, end = _anchored(version, c.get("quote", ""), c.get("start"), c.get("end"))
        ReviewComment.objects.create(
            story=story,
            version=version,
            author=actor,
            level=level,
            text=clean_text(c.get("text"), field="comments", label=_("Comment"), max_len=1000),
            quote=quote,
            anchor_start=start,
            anchor_end=end,
        )
    story.state = Story.State.DRAFT
    story.review_level = 0
    story.save(update_fields=["state", "review_level"])
    audit.record(
        "story.return",
        actor=actor,
        subject=story,
        summary=_("Returned at %(level)s: %(r)s") % {"level": _step_name(story, level), "r": reason},
        from_state=Story.State.IN_REVIEW,
        to_state=story.state,
        data={"version": version.number, "level": level},
    )
    notify(
        list(story.authors.all()),
        kind="review",
        text=_("Returned for changes: %(t)s") % {"t": story.headline},
        url=f"/newsroom/stories/{story.pk}/",
        exclude=actor,
    )
    return story
