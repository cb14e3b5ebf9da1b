"""Reads of the newsroom, with the joins each screen and API list needs (no N+1 queries)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from rongmei.accounts.models import NEWSROOM_ROLES, Role, User
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import Assignment, Coverage, Lead, Plan, Story


def leads(*, status: str | None = None, team=None, query: str = "") -> QuerySet[Lead]:
    qs = Lead.objects.select_related("reported_by", "team", "place", "place__parent").annotate(
        similar_count=Count("similarities", distinct=True)
    )
    if status:
        qs = qs.filter(status=status)
    if team is not None:
        qs = qs.filter(team=team)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(description__icontains=query))
    return qs


def plans(*, status: str | None = None, team=None) -> QuerySet[Plan]:
    qs = Plan.objects.select_related("team", "proposed_by", "decided_by", "lead").prefetch_related(
        "channels",
        Prefetch(
            "coverages",
            queryset=Coverage.objects.prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("assignee"))),
        ),
    )
    if status:
        qs = qs.filter(status=status)
    if team is not None:
        qs = qs.filter(team=team)
    return qs


def stories(*, state: str | None = None, team=None, author=None) -> QuerySet[Story]:
    qs = Story.objects.select_related("team", "current_version", "created_by").prefetch_related("authors")
    if state:
        qs = qs.filter(state=state)
    if team is not None:
        qs = qs.filter(team=team)
    if author is not None:
        qs = qs.filter(authors=author)
    return qs


def waiting_for_review(user) -> list[Story]:
    """Stories whose current review level this person may do now."""
    if not perms.is_newsroom(user) or user.role not in (Role.EDITOR, Role.COLUMN_LEAD, Role.CHIEF_EDITOR):
        return []
    candidates = list(stories(state=Story.State.IN_REVIEW).select_related("team__lead"))
    _prime_review_caches(candidates)
    return [s for s in candidates if perms.can_review(user, s)]


def _prime_review_caches(story_list: list[Story]) -> None:
    """Fill the caches that permissions.review_chain/approved_levels would otherwise fill with
    one query per story: two queries in all, whatever the number of stories."""
    from collections import defaultdict

    from rongmei.newsroom.models import Approval, ReviewStep

    steps = defaultdict(list)
    for row in ReviewStep.objects.filter(team_id__in={s.team_id for s in story_list}).order_by("team_id", "level"):
        steps[row.team_id].append(perms.Step(row.level, row.name, row.role))
    approvals = defaultdict(dict)
    version_ids = [s.current_version_id for s in story_list if s.current_version_id]
    for version_id, level, reviewer_id in Approval.objects.filter(version_id__in=version_ids).values_list(
        "version_id", "level", "reviewer_id"
    ):
        approvals[version_id][level] = reviewer_id
    for story in story_list:
        story.team._review_chain_cache = tuple(steps[story.team_id]) or perms.DEFAULT_REVIEW_CHAIN
        if story.current_version is not None:
            story.current_version._approvals_cache = approvals[story.current_version_id]


def assignments(*, assignee=None, open_only: bool = False, team=None) -> QuerySet[Assignment]:
    qs = Assignment.objects.select_related("coverage__plan__team", "assignee", "assigned_by").prefetch_related("story")
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if open_only:
        qs = qs.filter(status__in=Assignment.OPEN_STATUSES)
    if team is not None:
        qs = qs.filter(coverage__plan__team=team)
    return qs


def overdue_assignments(*, team=None) -> QuerySet[Assignment]:
    return assignments(open_only=True, team=team).filter(deadline__lt=timezone.now())


def overdue_for(user) -> QuerySet[Assignment] | None:
    """Overdue assignments a dispatcher watches: every team for the chief editor, their own teams
    for a column lead, none for anyone else."""
    if user.role == Role.CHIEF_EDITOR:
        return overdue_assignments()
    if user.role == Role.COLUMN_LEAD:
        return overdue_assignments().filter(Q(coverage__plan__team__members=user) | Q(coverage__plan__team__lead=user)).distinct()
    return None


def dispatch_board(day: dt.date | None = None) -> list[dict]:
    """Who in the newsroom is busy or free on a day: their open assignments due that day or overdue."""
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    people = (
        User.objects.filter(is_active=True, role__in=[Role.REPORTER, Role.PHOTOGRAPHER])
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES, deadline__lt=end)
                .select_related("coverage__plan")
                .order_by("deadline"),
                to_attr="open_assignments",
            ),
            "teams",
        )
        .order_by("role", "id")
    )
    rows = []
    for person in people:
        todays = [a for a in person.open_assignments if a.deadline >= start]
        overdue = [a for a in person.open_assignments if a.deadline < start or a.is_overdue]
        rows.append({"person": person, "today": todays, "overdue": overdue, "busy": bool(todays or overdue)})
    return rows


def calendar(start: dt.date, days: int = 7) -> dict[dt.date, dict]:
    """Plans by planned date and coverages by deadline, for the planning calendar."""
    end = start + dt.timedelta(days=days)
    tz_start = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    tz_end = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    grid = {start + dt.timedelta(days=i): {"plans": [], "coverages": []} for i in range(days)}
    for plan in (
        Plan.objects.filter(planned_date__gte=start, planned_date__lt=end).exclude(status=Plan.Status.REJECTED).select_related("team")
    ):
        grid[plan.planned_date]["plans"].append(plan)
    coverages = Coverage.objects.filter(deadline__gte=tz_start, deadline__lt=tz_end).exclude(plan__status=Plan.Status.REJECTED)
    for coverage in coverages.select_related("plan__team").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("assignee"))
    ):
        grid[timezone.localdate(coverage.deadline)]["coverages"].append(coverage)
    return grid


def team_board(team=None) -> dict[str, list[Story]]:
    """Stories of a team (or all) in columns by state."""
    qs = stories(team=team).exclude(state=Story.State.RETRACTED)
    board: dict[str, list[Story]] = {
        state: [] for state in (Story.State.DRAFT, Story.State.IN_REVIEW, Story.State.APPROVED, Story.State.PUBLISHED)
    }
    for story in qs[:400]:
        board.setdefault(story.state, []).append(story)
    return board


def newsroom_people() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=NEWSROOM_ROLES).order_by("role", "id")


def public_stories() -> QuerySet[Story]:
    """Signed-off stories, newest first, for the plain public page (distribution comes later)."""
    return (
        Story.objects.filter(state__in=(Story.State.APPROVED, Story.State.PUBLISHED))
        .select_related("current_version", "team")
        .order_by("-signed_off_at", "-id")
    )


# --- reads added for the newsroom screens -------------------------------------------------


def review_level_names(team_ids) -> dict[tuple[int, int], str]:
    """(team id, level) → level name for these teams, in one query; DEFAULT_REVIEW_CHAIN fills the rest."""
    from rongmei.newsroom.models import ReviewStep

    team_ids = set(team_ids)
    names: dict[tuple[int, int], str] = {}
    configured: set[int] = set()
    for team_id, level, name in ReviewStep.objects.filter(team_id__in=team_ids).values_list("team_id", "level", "name"):
        names[(team_id, level)] = name
        configured.add(team_id)
    for team_id in team_ids - configured:
        for step in perms.DEFAULT_REVIEW_CHAIN:
            names[(team_id, step.level)] = str(step.name)
    return names


def story_detail(pk: int) -> Story:
    """One story with what its detail page shows; raises Story.DoesNotExist."""
    return (
        Story.objects.select_related("team", "team__lead", "current_version", "created_by", "plan", "assignment", "signed_off_by")
        # story_assets: the media app's link rows (media depends on newsroom, not the reverse;
        # only the reverse relation's name is used here).
        .prefetch_related("authors", "story_assets__asset")
        .get(pk=pk)
    )


def versions_of(story: Story):
    return story.versions.select_related("created_by").order_by("-number")


def notifications_for(user, *, limit: int | None = None):
    qs = user.notifications.all()
    return qs[:limit] if limit else qs


def lead_detail(pk: int) -> Lead:
    return Lead.objects.select_related("reported_by", "team", "place", "place__parent").prefetch_related("attachments", "plans").get(pk=pk)


def similar_leads(lead: Lead):
    from rongmei.newsroom.models import LeadSimilarity

    return LeadSimilarity.objects.filter(lead=lead).select_related("other", "other__reported_by").order_by("-score")


def plan_detail(pk: int) -> Plan:
    return (
        Plan.objects.select_related("team", "team__lead", "proposed_by", "decided_by", "lead")
        .prefetch_related(
            "channels",
            Prefetch(
                "coverages",
                queryset=Coverage.objects.prefetch_related(
                    Prefetch("assignments", queryset=Assignment.objects.select_related("assignee").prefetch_related("story"))
                ),
            ),
        )
        .get(pk=pk)
    )
