"""The link from the practice center to the newsroom: an activity asks for coverage and becomes
a lead (线索) for the newsroom's 新时代文明实践 team. The lead is filed through the newsroom's own
service, so it is checked, deduplicated and announced like any other lead."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.accounts.models import Team
from rongmei.core import audit
from rongmei.core.exceptions import NotAllowed, StateConflict
from rongmei.newsroom.models import Lead
from rongmei.newsroom.services import create_lead
from rongmei.practice import services
from rongmei.practice.models import Activity

PRACTICE_TEAM_NAME = "新时代文明实践"
COVERAGE_SOURCE = Lead.Source.PRACTICE


def practice_team() -> Team | None:
    return Team.objects.filter(name=PRACTICE_TEAM_NAME).first()


def _town_place(activity: Activity):
    """The activity's core.Place: its site's, else the institute's above a station."""
    site = activity.site
    while site is not None:
        if site.place_id:
            return site.place
        site = site.parent
    return None


def _description(activity: Activity) -> str:
    start = timezone.localtime(activity.starts_at)
    end = timezone.localtime(activity.ends_at)
    same_day = start.date() == end.date()
    when = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}" if same_day else f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"
    lines = [
        _("Time: %(w)s") % {"w": when},
        _("Address: %(a)s") % {"a": activity.address},
        _("Practice site: %(s)s") % {"s": activity.site.name},
    ]
    if activity.team_id:
        lines.append(_("Organizing team: %(t)s") % {"t": activity.team.name})
    lines.append(_("Places: %(n)s") % {"n": activity.capacity})
    return "\n".join(lines) + "\n\n" + activity.description


@transaction.atomic
def request_coverage(*, actor, activity: Activity) -> Lead:
    """The practice center asks the newsroom to cover an activity: one lead per activity, filed
    for the newsroom team named 新时代文明实践 (no team when there is none), linked from the
    activity. A second request is refused."""
    if not services.is_coordinator(actor):
        raise NotAllowed(_("Only the practice center's staff may do this."))
    activity = Activity.objects.select_for_update(of=("self",)).select_related("site", "team").get(pk=activity.pk)
    if activity.coverage_lead_id is not None:
        raise StateConflict(_("Coverage of this activity was requested already."))
    if activity.state == Activity.State.CANCELLED:
        raise StateConflict(_("A cancelled activity cannot be covered."))
    title = (_("Practice activity: %(t)s") % {"t": activity.title})[:80]
    lead = create_lead(
        actor=actor,
        title=title,
        description=_description(activity),
        source=COVERAGE_SOURCE,
        source_contact=activity.site.name[:100],
        place=_town_place(activity),
        team=practice_team(),
    )
    activity.coverage_lead = lead
    activity.save(update_fields=["coverage_lead"])
    audit.record(
        "practice.coverage",
        actor=actor,
        subject=activity,
        summary=_("Coverage requested from the newsroom: %(t)s") % {"t": activity.title},
        data={"lead": lead.pk},
    )
    return lead
