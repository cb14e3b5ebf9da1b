from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.notify import notify
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import Assignment, Coverage, Plan, Story
from rongmei.newsroom.services._util import check_date, clean_text, strip_controls
from rongmei.newsroom.tasks import schedule_overdue_check


def _url(assignment: Assignment) -> str:
    return f"/newsroom/assignments/{assignment.pk}/"


@transaction.atomic
def assign(*, actor, coverage: Coverage, assignee, deadline: dt.datetime | None = None, note: str = "") -> Assignment:
    """Give a coverage of an approved plan to a person (派单)."""
    coverage = Coverage.objects.select_related("plan__team").get(pk=coverage.pk)
    plan = coverage.plan
    if not perms.can_dispatch(actor, plan.team):
        raise NotAllowed(_("Only the column lead of %(team)s or the chief editor may dispatch.") % {"team": plan.team.name})
    if plan.status != Plan.Status.APPROVED:
        raise StateConflict(_("Only coverages of an approved plan can be dispatched."))
    if assignee is None or not perms.can_be_dispatched(assignee):
        raise DomainError(_("This person cannot be dispatched."), field="assignee")
    if coverage.assignments.filter(status__in=Assignment.OPEN_STATUSES, assignee=assignee).exists():
        raise StateConflict(_("%(name)s already has this coverage.") % {"name": assignee.display_name})
    deadline = deadline or coverage.deadline
    if timezone.is_naive(deadline):
        raise DomainError(_("The deadline needs a time zone."), field="deadline")
    check_date(deadline, field="deadline", label=_("Deadline"))
    assignment = Assignment.objects.create(
        coverage=coverage, assignee=assignee, assigned_by=actor, deadline=deadline, note=strip_controls(note).strip()[:300]
    )
    audit.record(
        "assignment.create",
        actor=actor,
        subject=assignment,
        summary=_("Dispatched %(name)s: %(t)s · %(k)s")
        % {"name": assignee.display_name, "t": plan.title, "k": coverage.get_kind_display()},
        to_state=assignment.status,
        data={"plan": plan.pk, "coverage": coverage.pk, "assignee": assignee.pk},
    )
    transaction.on_commit(lambda: schedule_overdue_check(assignment))
    notify(
        [assignee],
        kind="assignment",
        text=_("New assignment: %(t)s · %(k)s, due %(d)s")
        % {"t": plan.title, "k": coverage.get_kind_display(), "d": timezone.localtime(deadline).strftime("%m-%d %H:%M")},
        url=_url(assignment),
    )
    return assignment


def _locked(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("coverage__plan__team", "assigned_by", "assignee")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def accept_assignment(*, actor, assignment: Assignment) -> Assignment:
    """The assignee takes the assignment; a draft story for the coverage is opened for them."""
    assignment = _locked(assignment)
    if assignment.assignee_id != actor.pk:
        raise NotAllowed(_("Only the assignee may answer this assignment."))
    if assignment.status != Assignment.Status.OFFERED:
        raise StateConflict(_("This assignment has already been answered."))
    assignment.status = Assignment.Status.ACCEPTED
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "responded_at"])
    plan = assignment.coverage.plan
    story = Story.objects.create(team=plan.team, plan=plan, assignment=assignment, headline=plan.title[:80], created_by=actor, source="")
    story.authors.add(actor)
    audit.record(
        "assignment.accept",
        actor=actor,
        subject=assignment,
        summary=_("Accepted the assignment"),
        from_state=Assignment.Status.OFFERED,
        to_state=assignment.status,
        data={"story": story.pk},
    )
    audit.record("story.create", actor=actor, subject=story, summary=_("Opened story for the assignment"), to_state=story.state)
    notify(
        [assignment.assigned_by],
        kind="assignment",
        text=_("%(name)s accepted: %(t)s") % {"name": actor.display_name, "t": plan.title},
        url=_url(assignment),
    )
    return assignment


@transaction.atomic
def decline_assignment(*, actor, assignment: Assignment, reason: str) -> Assignment:
    assignment = _locked(assignment)
    if assignment.assignee_id != actor.pk:
        raise NotAllowed(_("Only the assignee may answer this assignment."))
    if assignment.status != Assignment.Status.OFFERED:
        raise StateConflict(_("This assignment has already been answered."))
    reason = clean_text(reason, field="reason", label=_("Reason"), max_len=300)
    assignment.status = Assignment.Status.DECLINED
    assignment.decline_reason = reason
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "decline_reason", "responded_at"])
    audit.record(
        "assignment.decline",
        actor=actor,
        subject=assignment,
        summary=_("Declined the assignment: %(r)s") % {"r": reason},
        from_state=Assignment.Status.OFFERED,
        to_state=assignment.status,
    )
    notify(
        [assignment.assigned_by],
        kind="assignment",
        text=_("%(name)s declined %(t)s: %(r)s") % {"name": actor.display_name, "t": assignment.coverage.plan.title, "r": reason},
        url=_url(assignment),
    )
    return assignment


@transaction.atomic
def cancel_assignment(*, actor, assignment: Assignment, reason: str = "") -> Assignment:
    assignment = _locked(assignment)
    if not perms.can_dispatch(actor, assignment.coverage.plan.team):
        raise NotAllowed(_("Only the column lead or the chief editor may cancel an assignment."))
    if assignment.status not in Assignment.OPEN_STATUSES:
        raise StateConflict(_("This assignment is no longer open."))
    previous = assignment.status
    assignment.status = Assignment.Status.CANCELLED
    assignment.save(update_fields=["status"])
    audit.record(
        "assignment.cancel",
        actor=actor,
        subject=assignment,
        summary=_("Cancelled the assignment") + (f"：{reason}" if reason else ""),
        from_state=previous,
        to_state=assignment.status,
    )
    notify(
        [assignment.assignee],
        kind="assignment",
        text=_("Assignment cancelled: %(t)s") % {"t": assignment.coverage.plan.title},
        url=_url(assignment),
    )
    return assignment


def complete_for_story(story: Story, *, actor) -> None:
    """Mark the story's assignment done when the story first goes to review. Inside the caller's transaction."""
    if story.assignment_id is None:
        return
    assignment = Assignment.objects.select_for_update(of=("self",)).get(pk=story.assignment_id)
    if assignment.status != Assignment.Status.ACCEPTED:
        return
    assignment.status = Assignment.Status.DONE
    assignment.completed_at = timezone.now()
    assignment.save(update_fields=["status", "completed_at"])
    audit.record(
        "assignment.done",
        actor=actor,
        subject=assignment,
        summary=_("Story filed for review"),
        from_state=Assignment.Status.ACCEPTED,
        to_state=assignment.status,
        data={"story": story.pk},
    )


@transaction.atomic
def flag_overdue(*, assignment: Assignment, now=None) -> str:
    """Flag an open assignment past its deadline (once) and tell the assignee and the dispatcher.

    Called by the deadline task and by the sweep (`manage.py flag_overdue`). Returns what it did:
    "flagged", "not_due" (rescheduled for the deadline), "closed" or "already".
    """
    now = now or timezone.now()
    assignment = _locked(assignment)
    if assignment.status not in Assignment.OPEN_STATUSES:
        return "closed"
    if assignment.overdue_flagged_at is not None:
        return "already"
    if assignment.deadline > now:
        transaction.on_commit(lambda: schedule_overdue_check(assignment))
        return "not_due"
    assignment.overdue_flagged_at = now
    assignment.save(update_fields=["overdue_flagged_at"])
    plan = assignment.coverage.plan
    audit.record(
        "assignment.overdue",
        actor=None,
        subject=assignment,
        summary=_("Overdue: %(t)s · %(k)s was due %(d)s")
        % {
            "t": plan.title,
            "k": assignment.coverage.get_kind_display(),
            "d": timezone.localtime(assignment.deadline).strftime("%m-%d %H:%M"),
        },
        data={"deadline": assignment.deadline.isoformat()},
    )
    notify(
        [assignment.assignee, assignment.assigned_by],
        kind="overdue",
        text=_("Overdue assignment: %(t)s · %(k)s (%(name)s)")
        % {"t": plan.title, "k": assignment.coverage.get_kind_display(), "name": assignment.assignee.display_name},
        url=_url(assignment),
    )
    return "flagged"


def flag_all_overdue(*, now=None) -> int:
    """The sweep: flag every open assignment past its deadline not flagged yet. Returns how many."""
    now = now or timezone.now()
    due = Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES, deadline__lte=now, overdue_flagged_at__isnull=True)
    return sum(1 for assignment in due.only("pk") if flag_overdue(assignment=assignment, now=now) == "flagged")
