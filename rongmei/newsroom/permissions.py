"""Who may do what in the newsroom. Services call these before every state change; templates
and selectors use them to show only the buttons a person may press."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rongmei.accounts.models import NEWSROOM_ROLES, Role, Team


@dataclass(frozen=True)
class Step:
    level: int
    name: str
    role: str


DEFAULT_REVIEW_CHAIN = (
    Step(1, _("First review"), Role.EDITOR),
    Step(2, _("Second review"), Role.COLUMN_LEAD),
    Step(3, _("Final review"), Role.CHIEF_EDITOR),
)


def review_chain(team: Team) -> tuple[Step, ...]:
    steps = getattr(team, "_review_chain_cache", None)
    if steps is None:
        # Sorted here rather than with order_by() so a prefetch of review_steps is used.
        rows = sorted(team.review_steps.all(), key=lambda r: r.level)
        steps = tuple(Step(r.level, r.name, r.role) for r in rows) if rows else DEFAULT_REVIEW_CHAIN
        team._review_chain_cache = steps
    return steps


def is_staff_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in (*NEWSROOM_ROLES, Role.OPERATOR, Role.ADMIN))


def is_newsroom(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in NEWSROOM_ROLES)


def in_team(user, team: Team) -> bool:
    if team.lead_id == user.pk:
        return True
    cache = getattr(user, "_team_ids_cache", None)
    if cache is None:
        cache = set(user.teams.values_list("id", flat=True))
        user._team_ids_cache = cache
    return team.pk in cache


def leads_team(user, team: Team) -> bool:
    """Column lead of this team, or the chief editor (who leads every team)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.role == Role.CHIEF_EDITOR:
        return True
    return user.role == Role.COLUMN_LEAD and in_team(user, team)


def can_file_lead(user) -> bool:
    return is_staff_member(user)


def can_discard_lead(user, lead) -> bool:
    if not is_newsroom(user):
        return False
    if lead.reported_by_id == user.pk or user.role in (Role.EDITOR, Role.CHIEF_EDITOR):
        return True
    return lead.team is not None and leads_team(user, lead.team)


def can_propose_plan(user, team: Team) -> bool:
    return is_newsroom(user) and (user.role == Role.CHIEF_EDITOR or in_team(user, team))


def can_decide_plan(user, plan) -> bool:
    return leads_team(user, plan.team)


def can_dispatch(user, team: Team) -> bool:
    return leads_team(user, team)


def can_be_dispatched(user) -> bool:
    return bool(user.is_active and user.role in NEWSROOM_ROLES)


def can_write_in(user, team: Team) -> bool:
    return is_newsroom(user) and (user.role == Role.CHIEF_EDITOR or in_team(user, team))


def is_author(user, story) -> bool:
    ids = getattr(story, "_author_ids_cache", None)
    if ids is None:
        ids = {a.pk for a in story.authors.all()}
        story._author_ids_cache = ids
    return user.pk in ids


def can_edit_story(user, story) -> bool:
    from rongmei.newsroom.models import Story

    # A published story may be edited too: that is a correction (a new version through review;
    # the published version stays out until the correction is signed off and published).
    if story.state not in (Story.State.DRAFT, Story.State.IN_REVIEW, Story.State.APPROVED, Story.State.PUBLISHED):
        return False
    if not is_newsroom(user):
        return False
    if is_author(user, story) or user.role == Role.CHIEF_EDITOR:
        return True
    return user.role in (Role.EDITOR, Role.COLUMN_LEAD) and in_team(user, story.team)


def can_submit_story(user, story) -> bool:
    from rongmei.newsroom.models import Story

    return story.state == Story.State.DRAFT and is_newsroom(user) and (is_author(user, story) or leads_team(user, story.team))


def can_set_authors(user, story) -> bool:
    """The byline changes only in a draft (authors may not review), by an author or the team's lead."""
    from rongmei.newsroom.models import Story

    return story.state == Story.State.DRAFT and (is_author(user, story) or leads_team(user, story.team))


def can_force_unlock(user, story) -> bool:
    return leads_team(user, story.team)


def approved_levels(version) -> dict[int, int]:
    """level → reviewer id, for the approvals of a version."""
    cached = getattr(version, "_approvals_cache", None)
    if cached is None:
        cached = dict(version.approvals.values_list("level", "reviewer_id"))
        version._approvals_cache = cached
    return cached


def review_refusal(user, story, level: int | None = None) -> str | None:
    """Why ``user`` may not review ``story`` at ``level`` (default: its current level), or None."""
    from rongmei.newsroom.models import Story

    if story.state != Story.State.IN_REVIEW or story.current_version is None:
        return str(_("This story is not waiting for review."))
    level = level or story.review_level
    chain = review_chain(story.team)
    step = next((s for s in chain if s.level == level), None)
    if step is None:
        return str(_("This team has no review level %(level)s.") % {"level": level})
    if not (user and user.is_authenticated and user.is_active) or user.role != step.role:
        return str(_("%(level)s must be done by a %(role)s.") % {"level": step.name, "role": Role(step.role).label})
    if step.role == Role.COLUMN_LEAD and not in_team(user, story.team):
        return str(_("Only a column lead of %(team)s may do %(level)s.") % {"team": story.team.name, "level": step.name})
    if is_author(user, story) or story.current_version.created_by_id == user.pk:
        # Whoever saved the version under review wrote (part of) it: they may not approve it.
        return str(_("Nobody may review their own story."))
    if user.pk in approved_levels(story.current_version).values():
        return str(_("You have already approved another level of this version; one person approves one level only."))
    return None


def can_review(user, story) -> bool:
    return review_refusal(user, story) is None
