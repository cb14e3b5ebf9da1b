from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.notify import notify
from rongmei.newsroom import permissions as perms
from rongmei.newsroom.models import Coverage, Lead, Plan
from rongmei.newsroom.services._util import check_date, clean_text, strip_controls


def _check_coverage(kind: str, deadline: dt.datetime | None) -> None:
    if kind not in Coverage.Kind.values:
        raise DomainError(_("Unknown coverage kind."), field="coverages")
    if deadline is None:
        raise DomainError(_("Every coverage needs a deadline."), field="coverages")
    if timezone.is_naive(deadline):
        raise DomainError(_("The deadline needs a time zone."), field="coverages")
    check_date(deadline, field="coverages", label=_("Deadline"))


@transaction.atomic
def propose_plan(
    *,
    actor,
    team,
    title: str,
    planned_date: dt.date | None,
    summary: str = "",
    channels: Iterable = (),
    coverages: Iterable[tuple[str, dt.datetime, str]] = (),
    lead: Lead | None = None,
) -> Plan:
    """Propose a plan in a team, with its target channels and coverages (kind, deadline, note)."""
    if team is None:
        raise DomainError(_("Choose a team."), field="team")
    if not perms.can_propose_plan(actor, team):
        raise NotAllowed(_("Only members of %(team)s may propose plans there.") % {"team": team.name})
    title = clean_text(title, field="title", label=_("Title"), min_len=4, max_len=80)
    summary = clean_text(summary, field="summary", label=_("Angle and outline"), max_len=5000, required=False)
    if planned_date is None:
        raise DomainError(_("Choose the planned date."), field="planned_date")
    check_date(planned_date, field="planned_date", label=_("Planned date"))
    coverages = list(coverages)
    for kind, deadline, _note in coverages:
        _check_coverage(kind, deadline)
    plan = Plan.objects.create(team=team, title=title, summary=summary, planned_date=planned_date, proposed_by=actor, lead=lead)
    plan.channels.set(list(channels))
    Coverage.objects.bulk_create(
        [Coverage(plan=plan, kind=kind, deadline=deadline, note=strip_controls(note)[:300]) for kind, deadline, note in coverages]
    )
    audit.record("plan.propose", actor=actor, subject=plan, summary=_("Proposed plan: %(t)s") % {"t": title}, to_state=plan.status)
    if team.lead is not None:
        notify(
            [team.lead],
            kind="plan",
            text=_("Plan waiting for approval: %(t)s") % {"t": title},
            url=f"/newsroom/plans/{plan.pk}/",
            exclude=actor,
        )
    return plan


@transaction.atomic
def plan_from_lead(*, actor, lead: Lead, team, planned_date, title: str = "", summary: str = "", channels=(), coverages=()) -> Plan:
    """Turn a new lead into a proposed plan; the lead is marked as planned."""
    lead = Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk)
    if lead.status != Lead.Status.NEW:
        raise StateConflict(_("This lead has already been handled."))
    plan = propose_plan(
        actor=actor,
        team=team,
        title=title or lead.title,
        summary=summary or lead.description,
        planned_date=planned_date,
        channels=channels,
        coverages=coverages,
        lead=lead,
    )
    lead.status = Lead.Status.PLANNED
    lead.save(update_fields=["status"])
    audit.record(
        "lead.plan",
        actor=actor,
        subject=lead,
        summary=_("Turned into plan: %(t)s") % {"t": plan.title},
        from_state=Lead.Status.NEW,
        to_state=lead.status,
        data={"plan": plan.pk},
    )
    return plan


@transaction.atomic
def add_coverage(*, actor, plan: Plan, kind: str, deadline: dt.datetime, note: str = "") -> Coverage:
    plan = Plan.objects.select_for_update(of=("self",)).select_related("team").get(pk=plan.pk)
    if not (plan.proposed_by_id == actor.pk or perms.leads_team(actor, plan.team)):
        raise NotAllowed(_("Only the proposer or the team's lead may add coverages."))
    if plan.status == Plan.Status.REJECTED:
        raise StateConflict(_("This plan was rejected."))
    _check_coverage(kind, deadline)
    coverage = Coverage.objects.create(plan=plan, kind=kind, deadline=deadline, note=strip_controls(note)[:300])
    audit.record(
        "plan.add_coverage",
        actor=actor,
        subject=plan,
        summary=_("Added coverage: %(k)s") % {"k": coverage.get_kind_display()},
        data={"coverage": coverage.pk, "kind": kind, "deadline": deadline.isoformat()},
    )
    return coverage


def _decide(*, actor, plan: Plan, status: str, note: str) -> Plan:
    plan = Plan.objects.select_for_update(of=("self",)).select_related("team", "proposed_by").get(pk=plan.pk)
    if not perms.can_decide_plan(actor, plan):
        raise NotAllowed(_("Only the column lead of %(team)s or the chief editor may decide on this plan.") % {"team": plan.team.name})
    if plan.status != Plan.Status.PROPOSED:
        raise StateConflict(_("This plan has already been decided."))
    previous = plan.status
    plan.status = status
    plan.decided_by = actor
    plan.decided_at = timezone.now()
    plan.decision_note = note
    plan.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    verb = _("approved") if status == Plan.Status.APPROVED else _("rejected")
    audit.record(
        f"plan.{'approve' if status == Plan.Status.APPROVED else 'reject'}",
        actor=actor,
        subject=plan,
        summary=_("Plan %(verb)s: %(t)s") % {"verb": verb, "t": plan.title} + (f"（{note}）" if note else ""),
        from_state=previous,
        to_state=status,
    )
    notify(
        [plan.proposed_by],
        kind="plan",
        text=_("Your plan was %(verb)s: %(t)s") % {"verb": verb, "t": plan.title},
        url=f"/newsroom/plans/{plan.pk}/",
        exclude=actor,
    )
    return plan


@transaction.atomic
def approve_plan(*, actor, plan: Plan, note: str = "") -> Plan:
    return _decide(actor=actor, plan=plan, status=Plan.Status.APPROVED, note=(note or "").strip()[:300])


@transaction.atomic
def reject_plan(*, actor, plan: Plan, note: str) -> Plan:
    note = clean_text(note, field="note", label=_("Reason"), max_len=300)
    return _decide(actor=actor, plan=plan, status=Plan.Status.REJECTED, note=note)
