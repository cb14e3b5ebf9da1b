"""Reads of 新时代文明实践 for the public phone pages (/practice/): what is open, the rankings, the
typical cases, and who may see a service request. Writes go through rongmei.practice.services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rongmei.practice import services
from rongmei.practice.models import Activity, Exchange, LedgerEntry, ServiceRequest, SignUp, StoreItem, Volunteer, VolunteerTeam

RANKING_SIZE = 10
OPEN_ACTIVITIES_MAX = 20
COLUMN_STORIES_MAX = 10
HOME_CASES_MAX = 5
PRACTICE_COLUMN = "新时代文明实践"  # the portal column of the practice team's published stories
LEDGER_MAX = 50

State = ServiceRequest.State
HOURS = LedgerEntry.Kind.HOURS
POINTS = LedgerEntry.Kind.POINTS


# --- the practice center's page -----------------------------------------------------------------------


def open_activities(now: dt.datetime | None = None) -> list[Activity]:
    """Activities open for sign-up that have not ended, soonest first, with ``registered`` (places taken)."""
    now = now or timezone.now()
    return list(
        Activity.objects.filter(state=Activity.State.PUBLISHED, ends_at__gt=now)
        .select_related("site")
        .annotate(registered=Count("signups", filter=Q(signups__state=SignUp.State.REGISTERED)))
        .order_by("starts_at", "id")[:OPEN_ACTIVITIES_MAX]
    )


def teams() -> list[VolunteerTeam]:
    return list(VolunteerTeam.objects.select_related("site", "topic").annotate(member_count=Count("members", distinct=True)))


def volunteer_ranking(limit: int = RANKING_SIZE) -> list[Volunteer]:
    """The volunteers with the most service hours (``hours``), active ones only."""
    return list(
        Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
        .annotate(hours=Sum("ledger__amount", filter=Q(ledger__kind=HOURS)))
        .filter(hours__gt=0)
        .order_by("-hours", "pk")[:limit]
    )


def team_ranking(limit: int = RANKING_SIZE) -> list[VolunteerTeam]:
    """Teams by the service hours of their members (``hours``)."""
    return list(
        VolunteerTeam.objects.annotate(hours=Sum("members__ledger__amount", filter=Q(members__ledger__kind=HOURS)))
        .filter(hours__gt=0)
        .order_by("-hours", "pk")[:limit]
    )


def column_stories(limit: int = COLUMN_STORIES_MAX) -> tuple[object | None, list[dict]]:
    """The portal's 新时代文明实践 column and cards (portal.selectors.card) of its latest live
    stories, when the portal has such a column; otherwise (None, [])."""
    from rongmei.portal import pages
    from rongmei.portal import selectors as portal
    from rongmei.portal.models import Column

    column = Column.objects.filter(name=PRACTICE_COLUMN, active=True).first()
    if column is None or column.kind != Column.Kind.ARTICLES:
        return None, []
    return column, portal.cards(pages.column_stories(column)[:limit])


# --- activities -------------------------------------------------------------------------------------


def public_activity(pk: int) -> Activity | None:
    """An activity the public may see (not one still being planned), with ``registered`` and ``waiting``."""
    return (
        Activity.objects.exclude(state=Activity.State.DRAFT)
        .select_related("site", "team", "topic", "chat_room")
        .annotate(
            registered=Count("signups", filter=Q(signups__state=SignUp.State.REGISTERED)),
            waiting=Count("signups", filter=Q(signups__state=SignUp.State.WAITING)),
        )
        .filter(pk=pk)
        .first()
    )


def signup_of(activity: Activity, volunteer: Volunteer | None) -> SignUp | None:
    if volunteer is None:
        return None
    return SignUp.objects.filter(activity=activity, volunteer=volunteer).exclude(state=SignUp.State.CANCELLED).first()


def activity_by_token(token: str) -> Activity | None:
    if not token:
        return None
    return Activity.objects.exclude(state=Activity.State.DRAFT).filter(checkin_token=token).first()


def activity_credit(signup: SignUp) -> Decimal | None:
    """The hours credited for this sign-up, or None."""
    entry = LedgerEntry.objects.filter(key=f"activity:{signup.activity_id}:volunteer:{signup.volunteer_id}:hours").first()
    return entry.amount if entry else None


# --- service requests ---------------------------------------------------------------------------------


@dataclass
class RequestView:
    service: ServiceRequest
    as_resident: bool
    as_taker: bool
    as_member: bool

    @property
    def can_take(self) -> bool:
        return self.as_member and self.service.state == State.DISPATCHED

    @property
    def can_scan(self) -> bool:
        return self.as_taker and self.service.state in (State.TAKEN, State.SERVING)

    @property
    def shows_qr(self) -> bool:
        return self.as_resident and self.service.state in (State.TAKEN, State.SERVING)

    @property
    def can_rate(self) -> bool:
        return self.as_resident and self.service.state == State.DONE

    def steps(self) -> list[dict]:
        """Each step of the loop with its time (None while to come)."""
        s = self.service
        steps = [
            {"name": "requested", "label": _("Requested"), "at": s.created_at},
            {
                "name": "dispatched",
                "label": _("Dispatched to %(t)s") % {"t": s.team.name} if s.team else _("Dispatched"),
                "at": s.dispatched_at,
            },
            {"name": "taken", "label": _("Taken by %(v)s") % {"v": s.volunteer.real_name} if s.volunteer else _("Taken"), "at": s.taken_at},
            {"name": "started", "label": _("Service started"), "at": s.started_at},
            {"name": "finished", "label": _("Service finished"), "at": s.finished_at},
            {"name": "rated", "label": _("Rated"), "at": s.rated_at},
        ]
        return steps


def request_view(pk: int, *, fan) -> RequestView | None:
    """The request as this app user may see it: its resident, the volunteer who took it, or a member
    of the team it was dispatched to. None for anybody else (the page answers 404)."""
    if fan is None:
        return None
    service = ServiceRequest.objects.select_related("team", "volunteer", "place").filter(pk=pk).first()
    if service is None:
        return None
    volunteer = services.volunteer_of(fan)
    as_resident = service.resident_id == fan.pk
    as_taker = volunteer is not None and service.volunteer_id == volunteer.pk
    as_member = volunteer is not None and service.team_id is not None and service.team.members.filter(pk=volunteer.pk).exists()
    if not (as_resident or as_taker or as_member):
        return None
    return RequestView(service=service, as_resident=as_resident, as_taker=as_taker, as_member=as_member)


def requests_of_resident(fan, limit: int = 50) -> list[ServiceRequest]:
    return list(ServiceRequest.objects.filter(resident=fan)[:limit])


def team_requests(volunteer: Volunteer, limit: int = 50) -> list[ServiceRequest]:
    """Requests dispatched to the volunteer's teams and still open to take."""
    return list(ServiceRequest.objects.filter(team__members=volunteer, state=State.DISPATCHED).select_related("team").distinct()[:limit])


# --- the volunteer's own page --------------------------------------------------------------------------


def volunteer_page(volunteer: Volunteer) -> dict:
    totals = dict(
        LedgerEntry.objects.filter(volunteer=volunteer).order_by().values("kind").annotate(s=Sum("amount")).values_list("kind", "s")
    )
    return {
        "hours": totals.get(HOURS) or Decimal("0"),
        "points": totals.get(POINTS) or Decimal("0"),
        "ledger": list(LedgerEntry.objects.filter(volunteer=volunteer)[:LEDGER_MAX]),
        "signups": list(
            SignUp.objects.filter(volunteer=volunteer)
            .exclude(state=SignUp.State.CANCELLED)
            .select_related("activity")
            .order_by("-activity__starts_at")[:50]
        ),
        "taken": list(ServiceRequest.objects.filter(volunteer=volunteer)[:50]),
        "open_requests": team_requests(volunteer),
        "store": list(StoreItem.objects.filter(active=True, stock__gt=0)),
        "exchanges": list(Exchange.objects.filter(volunteer=volunteer).select_related("item")[:50]),
    }
