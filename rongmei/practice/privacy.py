"""新时代文明实践's part of a person's data (rongmei.core.privacy): the volunteer record and the
service requests of an app user, their anonymisation when the account is deleted, and the
retention sweep.

An anonymised volunteer keeps their row, sign-ups, hours and points ledger (the statistics and the
activities' attendance stay right) but loses the real name, skills and availability and is
suspended; they leave their teams. A resident's service request keeps what was served and how it
was rated, not the address."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rongmei.core import audit
from rongmei.core.privacy import iso
from rongmei.practice.models import Exchange, LedgerEntry, ServiceRequest, Volunteer

SWEEP_BATCH = 500
OPEN_REQUESTS = (ServiceRequest.State.REQUESTED, ServiceRequest.State.DISPATCHED, ServiceRequest.State.TAKEN)
ENDED_REQUESTS = (ServiceRequest.State.DONE, ServiceRequest.State.RATED, ServiceRequest.State.CANCELLED)


def _volunteer(volunteer: Volunteer) -> dict:
    totals = dict(volunteer.ledger.values("kind").annotate(total=Sum("amount")).values_list("kind", "total"))
    return {
        "real_name": volunteer.real_name,
        "skills": volunteer.skills,
        "availability": volunteer.availability,
        "nearest_site": volunteer.site.name if volunteer.site else None,
        "status": volunteer.status,
        "registered_at": iso(volunteer.registered_at),
        "consent_version": volunteer.consent_version,
        "consented_at": iso(volunteer.consented_at),
        "teams": sorted(volunteer.teams.values_list("name", flat=True)),
        "service_hours": str(totals.get(LedgerEntry.Kind.HOURS) or 0),
        "points": str(totals.get(LedgerEntry.Kind.POINTS) or 0),
        "sign_ups": [
            {
                "activity": s.activity.title,
                "starts_at": iso(s.activity.starts_at),
                "state": s.state,
                "signed_up_at": iso(s.created_at),
                "checked_in_at": iso(s.checked_in_at),
                "checked_out_at": iso(s.checked_out_at),
            }
            for s in volunteer.signups.select_related("activity").order_by("created_at", "pk")
        ],
        "ledger": [
            {"kind": e.kind, "amount": str(e.amount), "for": e.note, "at": iso(e.created_at)}
            for e in volunteer.ledger.order_by("created_at", "pk")
        ],
        "exchanges": [
            {"item": e.item.name, "points": e.points, "state": e.state, "at": iso(e.created_at)}
            for e in Exchange.objects.filter(volunteer=volunteer).select_related("item").order_by("created_at", "pk")
        ],
    }


def export(fan) -> dict:
    volunteer = Volunteer.objects.filter(fan=fan).select_related("site").first()
    requests = [
        {
            "service": r.category,
            "what_is_needed": r.description,
            "address": r.address,
            "state": r.state,
            "requested_at": iso(r.created_at),
            "wanted_on": r.wanted_on.isoformat() if r.wanted_on else None,
            "rating": {"skill": r.rating_skill, "attitude": r.rating_attitude, "effect": r.rating_effect, "comment": r.rating_comment}
            if r.rated_at
            else None,
        }
        for r in ServiceRequest.objects.filter(resident=fan).order_by("created_at", "pk")
    ]
    return {"volunteer": _volunteer(volunteer) if volunteer else None, "service_requests": requests}


def anonymise_volunteer(volunteer: Volunteer, now: dt.datetime) -> None:
    """Call inside a transaction."""
    volunteer.real_name = ""
    volunteer.skills = []
    volunteer.availability = ""
    volunteer.status = Volunteer.Status.SUSPENDED
    volunteer.anonymised_at = now
    volunteer.save(update_fields=["real_name", "skills", "availability", "status", "anonymised_at"])
    volunteer.teams.clear()
    volunteer.led_teams.update(leader=None)


def erase(fan, now: dt.datetime) -> dict:
    """The account is being deleted: the volunteer record is anonymised; the resident's open
    service requests are cancelled (nobody may come to an address we no longer know) and every
    request loses its address."""
    volunteer = Volunteer.objects.select_for_update().filter(fan=fan).first()
    if volunteer is not None and volunteer.anonymised_at is None:
        anonymise_volunteer(volunteer, now)
    cancelled = ServiceRequest.objects.filter(resident=fan, state__in=OPEN_REQUESTS).update(
        state=ServiceRequest.State.CANCELLED, cancel_reason=_("The resident deleted their account.")
    )
    requests = list(ServiceRequest.objects.filter(resident=fan).exclude(address=""))
    for request in requests:
        request.address = ""
        request.save(update_fields=["address"])
    return {"volunteer": int(volunteer is not None), "service_requests": len(requests), "cancelled": cancelled}


def sweep(now: dt.datetime, retention: dict) -> dict:
    """Anonymise volunteers without any activity (sign-up, check-in or out, credit, service) for
    ``volunteer_inactive_days``; empty the address of requests ended ``service_address_days`` ago."""
    cutoff = now - dt.timedelta(days=retention["volunteer_inactive_days"])
    idle = (
        Volunteer.objects.filter(anonymised_at__isnull=True, registered_at__lt=cutoff)
        .exclude(signups__created_at__gte=cutoff)
        .exclude(signups__checked_out_at__gte=cutoff)
        .exclude(ledger__created_at__gte=cutoff)
        .exclude(services__taken_at__gte=cutoff)
        .exclude(exchanges__created_at__gte=cutoff)
        .order_by("pk")
    )
    volunteers = 0
    for volunteer in idle[:SWEEP_BATCH]:
        anonymise_volunteer(volunteer, now)
        audit.record(
            "privacy.retention",
            actor=None,
            subject=volunteer,
            summary=_("Volunteer %(n)s anonymised: inactive past the retention period") % {"n": volunteer.pk},
            data={"days": retention["volunteer_inactive_days"]},
        )
        volunteers += 1

    address_cutoff = now - dt.timedelta(days=retention["service_address_days"])
    ended = (
        ServiceRequest.objects.filter(state__in=ENDED_REQUESTS)
        .exclude(address="")
        .annotate(ended_at=Coalesce("rated_at", "finished_at", "created_at"))
        .filter(Q(ended_at__lt=address_cutoff))
        .order_by("pk")
    )
    addresses = 0
    for request in ended[:SWEEP_BATCH]:
        request.address = ""
        request.save(update_fields=["address"])
        audit.record(
            "privacy.retention",
            actor=None,
            subject=request,
            summary=_("Address of service request %(n)s removed: retention period over") % {"n": request.pk},
            data={"days": retention["service_address_days"]},
        )
        addresses += 1
    return {"volunteers": volunteers, "service_addresses": addresses}
