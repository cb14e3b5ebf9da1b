"""Every change in civilization practice goes through one function here: who may, the change,
the audit line in the same transaction, the notifications. Hours and points are credited only
through ``credit`` (one LedgerEntry per key: a repeated check-in, a retried request or a double
click never credits twice)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rongmei.accounts.models import Role, User
from rongmei.core import audit
from rongmei.core.exceptions import DomainError, NotAllowed, StateConflict
from rongmei.core.input import clean_text, strip_controls
from rongmei.core.notify import notify
from rongmei.practice.models import Activity, Exchange, LedgerEntry, ServiceRequest, SignUp, Site, StoreItem, Volunteer, VolunteerTeam

CONSENT_VERSION = "2026-11"
COORDINATOR_ROLES = (Role.OPERATOR, Role.ADMIN, Role.CHIEF_EDITOR)
SERVICE_POINTS = 10  # points for a service done, besides its hours
RATING_BONUS = 5  # more points when the resident rates every aspect 5
MAX_SERVICE_HOURS = Decimal("8")
EARTH_RADIUS_M = 6_371_000

State = ServiceRequest.State


# --- who may ------------------------------------------------------------------------------------


def is_coordinator(user) -> bool:
    """The practice center's staff: dispatch requests, run activities, the store, statistics."""
    return bool(user and user.is_authenticated and user.is_active and user.role in COORDINATOR_ROLES)


def _require_coordinator(actor) -> None:
    if not is_coordinator(actor):
        raise NotAllowed(_("Only the practice center's staff may do this."))


def volunteer_of(fan) -> Volunteer | None:
    if fan is None:
        return None
    return Volunteer.objects.filter(fan=fan, status=Volunteer.Status.ACTIVE).first()


def _require_volunteer(fan) -> Volunteer:
    volunteer = volunteer_of(fan)
    if volunteer is None:
        raise NotAllowed(_("Register as a volunteer first."))
    return volunteer


def _coordinators() -> list[User]:
    return list(User.objects.filter(role=Role.OPERATOR, is_active=True))


def _tell_fan(fan, text: str, url: str = "") -> None:
    from rongmei.fans.notify import notify_fan

    notify_fan(fan, kind="practice", text=text, url=url)


# --- place ---------------------------------------------------------------------------------------


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _check_location(activity: Activity, latitude, longitude) -> None:
    if activity.latitude is None or activity.longitude is None:
        return  # no location set for the activity: the QR alone proves presence
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise DomainError(_("Allow the phone to share its location to check in here."), field="location") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(_("The phone sent a location that is not on the earth."), field="location")
    away = distance_m(lat, lng, activity.latitude, activity.longitude)
    if away > activity.radius_m:
        raise DomainError(
            _("You are %(d)s m from the activity; check in within %(r)s m of it.") % {"d": round(away), "r": activity.radius_m},
            field="location",
        )


# --- the ledger ------------------------------------------------------------------------------------


def credit(volunteer: Volunteer, *, kind: str, amount: Decimal, key: str, note: str) -> LedgerEntry | None:
    """Credit hours or points once per key; None when this key was credited before."""
    try:
        with transaction.atomic():
            return LedgerEntry.objects.create(volunteer=volunteer, kind=kind, amount=amount, key=key, note=note[:120])
    except IntegrityError:
        return None


def balance(volunteer: Volunteer, kind: str) -> Decimal:
    total = LedgerEntry.objects.filter(volunteer=volunteer, kind=kind).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0")


def _hours(start: dt.datetime, end: dt.datetime, *, cap: Decimal) -> Decimal:
    """Whole quarter hours between start and end, at most ``cap``."""
    quarters = Decimal(int((end - start).total_seconds() // 900))
    return min(cap, quarters / 4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- volunteers and teams -------------------------------------------------------------------------------


def audit_ref(volunteer: Volunteer) -> str:
    """How the audit log names a volunteer: by number, never by real name. The log is append-only
    and kept for good, while the name is encrypted and goes at deletion or after retention."""
    return f"#{volunteer.pk}"


@transaction.atomic
def register_volunteer(*, fan, real_name: str, consent: bool, skills=(), availability: str = "", site=None) -> Volunteer:
    """An app user becomes a volunteer. Registering by real name needs their consent to the
    handling of their personal information (the version they agreed to is kept)."""
    if fan is None:
        raise NotAllowed(_("Log in with your mobile number first."))
    if not consent:
        raise DomainError(_("Agree to how your personal information is handled to register."), field="consent")
    # A record anonymised after years without activity (rongmei.practice.privacy) registers anew.
    earlier = Volunteer.objects.select_for_update().filter(fan=fan).first()
    if earlier is not None and earlier.anonymised_at is None:
        raise StateConflict(_("You are registered as a volunteer already."))
    real_name = clean_text(real_name, field="real_name", label=_("Real name"), min_len=2, max_len=20)
    cleaned_skills = []
    for skill in skills:
        skill = strip_controls(str(skill)).strip()[:20]
        if skill and skill not in cleaned_skills:
            cleaned_skills.append(skill)
    fields = {
        "real_name": real_name,
        "skills": cleaned_skills[:10],
        "availability": strip_controls(availability).strip()[:100],
        "site": site,
        "consent_version": CONSENT_VERSION,
        "consented_at": timezone.now(),
    }
    if earlier is None:
        volunteer = Volunteer.objects.create(fan=fan, **fields)
    else:
        for name, value in fields.items():
            setattr(earlier, name, value)
        earlier.status, earlier.anonymised_at = Volunteer.Status.ACTIVE, None
        earlier.save()
        volunteer = earlier
    audit.record(
        "practice.volunteer", actor=None, subject=volunteer, summary=_("Volunteer registered: %(n)s") % {"n": audit_ref(volunteer)}
    )
    return volunteer


@transaction.atomic
def join_team(*, team: VolunteerTeam, volunteer: Volunteer, actor=None, fan=None) -> None:
    """The practice center's staff (``actor``) or the team's leader (``fan``) adds a member."""
    is_leader = fan is not None and team.leader is not None and team.leader.fan_id == fan.pk
    if not (is_coordinator(actor) or is_leader):
        raise NotAllowed(_("Only the practice center's staff or the team's leader may add members."))
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise StateConflict(_("%(v)s is suspended as a volunteer and cannot join a team.") % {"v": volunteer.real_name})
    if team.members.filter(pk=volunteer.pk).exists():
        return
    team.members.add(volunteer)
    audit.record(
        "practice.team_member",
        actor=actor if is_coordinator(actor) else None,
        subject=team,
        summary=_("%(v)s joined %(t)s") % {"v": audit_ref(volunteer), "t": team.name},
    )


@transaction.atomic
def create_team(*, actor, site: Site, name: str, description: str = "", leader: Volunteer | None = None, offered=()) -> VolunteerTeam:
    """A volunteer team of a practice site, with its topic page and chat room."""
    _require_coordinator(actor)
    name = clean_text(name, field="name", label=_("Name"), min_len=2, max_len=40)
    if VolunteerTeam.objects.filter(name=name).exists():
        raise DomainError(_("A team named %(n)s exists already.") % {"n": name}, field="name")
    team = VolunteerTeam.objects.create(
        site=site,
        name=name,
        description=strip_controls(description).strip()[:300],
        leader=leader,
        services=[strip_controls(str(x)).strip()[:20] for x in offered if str(x).strip()][:10],
    )
    if leader is not None:
        team.members.add(leader)
    open_conversation(actor=actor, team=team)
    audit.record("practice.team", actor=actor, subject=team, summary=_("Volunteer team formed: %(n)s") % {"n": name})
    return team


def open_conversation(*, actor, activity: Activity | None = None, team: VolunteerTeam | None = None) -> None:
    """Give an activity or a team its topic page (/huati/…) and chat room, through the community
    services (their moderation applies). Call inside the caller's transaction; safe to repeat."""
    from rongmei.community import chat, topics
    from rongmei.community.models import Topic

    subject = activity or team
    if subject is None or (subject.topic_id and subject.chat_room_id):
        return
    kind = "activity" if activity is not None else "team"
    title = activity.title if activity is not None else team.name
    about = (
        _("The topic of the practice activity %(t)s") % {"t": title}
        if activity
        else _("The topic of the volunteer team %(t)s") % {"t": title}
    )
    if not subject.topic_id:
        name = title[:30]
        if Topic.objects.filter(name=name).exists():
            name = f"{title[:22]}·{subject.pk}"
        subject.topic = topics.create_topic(
            actor=actor, slug=f"practice-{kind}-{subject.pk}", name=name, description=about, premoderated=False
        )
    if not subject.chat_room_id:
        subject.chat_room = chat.create_room(actor=actor, name=title[:40], description=about)
    subject.save(update_fields=["topic", "chat_room"])


# --- the service loop: 点单 → 派单 → 接单 → 评单 ---------------------------------------------------------


def _locked(service: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(of=("self",)).select_related("team", "volunteer", "resident").get(pk=service.pk)


def _timeline(service: ServiceRequest, action: str, summary: str, before: str, actor=None) -> None:
    audit.record(f"practice.service_{action}", actor=actor, subject=service, summary=summary, from_state=before, to_state=service.state)


@transaction.atomic
def request_service(*, fan, category: str, description: str, address: str, place=None, wanted_on: dt.date | None = None) -> ServiceRequest:
    """点单: a resident orders a service from the app."""
    if fan is None:
        raise NotAllowed(_("Log in with your mobile number first."))
    category = clean_text(category, field="category", label=_("Service"), max_len=30)
    description = clean_text(description, field="description", label=_("What is needed"), min_len=5, max_len=1000)
    address = clean_text(address, field="address", label=pgettext("practice", "Address"), max_len=120)
    if wanted_on is not None and wanted_on < timezone.localdate():
        raise DomainError(_("The day wanted cannot be in the past."), field="wanted_on")
    service = ServiceRequest.objects.create(
        resident=fan, category=category, description=description, address=address, place=place, wanted_on=wanted_on
    )
    _timeline(service, "request", _("Service requested: %(c)s") % {"c": category}, "")
    notify(
        _coordinators(),
        kind="practice",
        text=_("New service request: %(c)s") % {"c": category},
        url=f"/practice/manage/requests/{service.pk}/",
    )
    return service


@transaction.atomic
def dispatch(*, actor, service: ServiceRequest, team: VolunteerTeam) -> ServiceRequest:
    """派单: the center gives the request to a team."""
    _require_coordinator(actor)
    service = _locked(service)
    if service.state not in (State.REQUESTED, State.DISPATCHED):
        raise StateConflict(_("This request is past dispatching (%(s)s).") % {"s": service.get_state_display()})
    before = service.state
    service.team, service.state, service.dispatched_at, service.dispatched_by = team, State.DISPATCHED, timezone.now(), actor
    service.save()
    _timeline(service, "dispatch", _("Dispatched to %(t)s") % {"t": team.name}, before, actor)
    for member in team.members.select_related("fan"):
        _tell_fan(
            member.fan,
            _("A service for your team: %(c)s, %(a)s") % {"c": service.category, "a": service.address},
            f"/practice/requests/{service.pk}/",
        )
    _tell_fan(service.resident, _("Your request went to %(t)s.") % {"t": team.name}, f"/practice/requests/{service.pk}/")
    return service


@transaction.atomic
def take(*, fan, service: ServiceRequest) -> ServiceRequest:
    """接单: a volunteer of the team takes the request. The first to take it has it."""
    volunteer = _require_volunteer(fan)
    service = _locked(service)
    if service.state != State.DISPATCHED:
        raise StateConflict(_("This request is not open to take (%(s)s).") % {"s": service.get_state_display()})
    if not service.team.members.filter(pk=volunteer.pk).exists():
        raise NotAllowed(_("Only the members of %(t)s may take this request.") % {"t": service.team.name})
    service.volunteer, service.state, service.taken_at = volunteer, State.TAKEN, timezone.now()
    service.save()
    _timeline(service, "take", _("Taken by %(v)s") % {"v": volunteer.real_name}, State.DISPATCHED)
    _tell_fan(service.resident, _("%(v)s will come to help you.") % {"v": volunteer.real_name}, f"/practice/requests/{service.pk}/")
    return service


def _check_token(service: ServiceRequest, token: str) -> None:
    if not token or token != service.token:
        raise DomainError(_("This QR code does not belong to the request: scan the one on the resident's phone."), field="token")


@transaction.atomic
def start_service(*, fan, service: ServiceRequest, token: str) -> ServiceRequest:
    """The volunteer arrives and scans the resident's QR code. Scanning again changes nothing."""
    volunteer = _require_volunteer(fan)
    service = _locked(service)
    if service.volunteer_id != volunteer.pk:
        raise NotAllowed(_("This request was taken by another volunteer."))
    _check_token(service, token)
    if service.state == State.SERVING:
        return service
    if service.state != State.TAKEN:
        raise StateConflict(_("This service cannot start now (%(s)s).") % {"s": service.get_state_display()})
    service.state, service.started_at = State.SERVING, timezone.now()
    service.save()
    _timeline(service, "start", _("Service started"), State.TAKEN)
    return service


@transaction.atomic
def finish_service(*, fan, service: ServiceRequest, token: str) -> ServiceRequest:
    """The volunteer scans again when done: the hours (quarter hours, at most 8) and points are
    credited once, and the resident is asked to rate."""
    volunteer = _require_volunteer(fan)
    service = _locked(service)
    if service.volunteer_id != volunteer.pk:
        raise NotAllowed(_("This request was taken by another volunteer."))
    _check_token(service, token)
    if service.state in (State.DONE, State.RATED):
        return service
    if service.state != State.SERVING:
        raise StateConflict(_("Scan the resident's QR code on arrival first."))
    service.state, service.finished_at = State.DONE, timezone.now()
    service.save()
    hours = _hours(service.started_at, service.finished_at, cap=MAX_SERVICE_HOURS)
    label = _("Service: %(c)s") % {"c": service.category}
    if hours > 0:
        credit(volunteer, kind=LedgerEntry.Kind.HOURS, amount=hours, key=f"service:{service.pk}:hours", note=label)
    credit(volunteer, kind=LedgerEntry.Kind.POINTS, amount=Decimal(SERVICE_POINTS), key=f"service:{service.pk}:points", note=label)
    _timeline(service, "finish", _("Service done: %(h)s hours") % {"h": hours}, State.SERVING)
    _tell_fan(service.resident, _("The service is done. Please rate it."), f"/practice/requests/{service.pk}/")
    return service


RATING_FIELDS = ("skill", "attitude", "effect")


@transaction.atomic
def rate(*, fan, service: ServiceRequest, skill, attitude, effect, comment: str = "") -> ServiceRequest:
    """评单: the resident rates skill, attitude and effect, 1–5 each, once."""
    service = _locked(service)
    if fan is None or service.resident_id != fan.pk:
        raise NotAllowed(_("Only the resident who asked may rate the service."))
    if service.state != State.DONE:
        raise StateConflict(_("The service can be rated once it is done, and only once."))
    values = {}
    for name, value in zip(RATING_FIELDS, (skill, attitude, effect), strict=True):
        value = int(value) if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()) else 0
        if not 1 <= value <= 5:
            raise DomainError(_("Give 1 to 5 stars."), field=name)
        values[name] = value
    service.rating_skill, service.rating_attitude, service.rating_effect = values["skill"], values["attitude"], values["effect"]
    service.rating_comment = strip_controls(comment).strip()[:300]
    service.state, service.rated_at = State.RATED, timezone.now()
    service.save()
    if all(v == 5 for v in values.values()):
        credit(
            service.volunteer,
            kind=LedgerEntry.Kind.POINTS,
            amount=Decimal(RATING_BONUS),
            key=f"service:{service.pk}:rating",
            note=_("Full marks from the resident"),
        )
    _timeline(
        service, "rate", _("Rated %(s)s/%(a)s/%(e)s") % {"s": values["skill"], "a": values["attitude"], "e": values["effect"]}, State.DONE
    )
    _tell_fan(service.volunteer.fan, _("The resident rated your service."), f"/practice/requests/{service.pk}/")
    return service


@transaction.atomic
def cancel_request(*, actor=None, fan=None, service: ServiceRequest, reason: str) -> ServiceRequest:
    service = _locked(service)
    if not (is_coordinator(actor) or (fan is not None and service.resident_id == fan.pk)):
        raise NotAllowed(_("Only the resident or the practice center may cancel the request."))
    if service.state in (State.SERVING, State.DONE, State.RATED, State.CANCELLED):
        raise StateConflict(_("This request cannot be cancelled now (%(s)s).") % {"s": service.get_state_display()})
    before = service.state
    service.cancel_reason = clean_text(reason, field="reason", label=_("Reason"), min_len=2, max_len=300)
    service.state = State.CANCELLED
    service.save()
    _timeline(service, "cancel", _("Cancelled: %(r)s") % {"r": service.cancel_reason}, before, actor if is_coordinator(actor) else None)
    return service


# --- activities ---------------------------------------------------------------------------------------


@transaction.atomic
def create_activity(
    *,
    actor,
    title: str,
    description: str,
    site: Site,
    address: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity,
    team=None,
    latitude=None,
    longitude=None,
    radius_m=300,
    points_per_hour=10,
) -> Activity:
    _require_coordinator(actor)
    title = clean_text(title, field="title", label=_("Title"), min_len=2, max_len=60)
    description = clean_text(description, field="description", label=_("Description"), max_len=3000)
    address = clean_text(address, field="address", label=pgettext("practice", "Address"), max_len=120)
    if ends_at <= starts_at:
        raise DomainError(_("The activity must end after it starts."), field="ends_at")
    if ends_at - starts_at > dt.timedelta(days=3):
        raise DomainError(_("An activity lasts at most three days: make several."), field="ends_at")
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= 10000:
        raise DomainError(_("Places lie between 1 and 10,000."), field="capacity")
    radius_m = _whole(radius_m, field="radius_m", low=10, high=5000, message=_("The check-in radius lies between 10 and 5,000 m."))
    points_per_hour = _whole(
        points_per_hour, field="points_per_hour", low=0, high=1000, message=_("Points per hour lie between 0 and 1,000.")
    )
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), field="latitude")
    if latitude is not None:
        try:
            latitude, longitude = float(latitude), float(longitude)
        except (TypeError, ValueError):
            raise DomainError(_("Latitude and longitude are numbers."), field="latitude") from None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise DomainError(_("The place is not on the earth: check latitude and longitude."), field="latitude")
    activity = Activity.objects.create(
        title=title,
        description=description,
        site=site,
        team=team,
        address=address,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        points_per_hour=points_per_hour,
        created_by=actor,
    )
    audit.record(
        "practice.activity", actor=actor, subject=activity, summary=_("Activity planned: %(t)s") % {"t": title}, to_state=activity.state
    )
    return activity


def _whole(value, *, field: str, low: int, high: int, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(message, field=field) from None
    if not low <= number <= high:
        raise DomainError(message, field=field)
    return number


def _locked_activity(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


@transaction.atomic
def publish_activity(*, actor, activity: Activity) -> Activity:
    _require_coordinator(actor)
    activity = _locked_activity(activity)
    if activity.state != Activity.State.DRAFT:
        raise StateConflict(_("Only a planned activity can be published."))
    activity.state = Activity.State.PUBLISHED
    activity.save(update_fields=["state"])
    open_conversation(actor=actor, activity=activity)
    audit.record(
        "practice.activity_publish",
        actor=actor,
        subject=activity,
        summary=_("Activity open for sign-up: %(t)s") % {"t": activity.title},
        from_state=Activity.State.DRAFT,
        to_state=activity.state,
    )
    return activity


@transaction.atomic
def sign_up(*, fan, activity: Activity) -> SignUp:
    """A volunteer signs up: registered while places are free, else on the waiting list."""
    volunteer = _require_volunteer(fan)
    activity = _locked_activity(activity)
    if activity.state != Activity.State.PUBLISHED:
        raise StateConflict(_("This activity is not open for sign-up."))
    if timezone.now() >= activity.ends_at:
        raise StateConflict(_("This activity is over."))
    existing = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if existing is not None and existing.state != SignUp.State.CANCELLED:
        return existing
    taken = SignUp.objects.filter(activity=activity, state=SignUp.State.REGISTERED).count()
    state = SignUp.State.REGISTERED if taken < activity.capacity else SignUp.State.WAITING
    if existing is not None:
        existing.state, existing.created_at = state, timezone.now()
        existing.save(update_fields=["state", "created_at"])
        signup = existing
    else:
        signup = SignUp.objects.create(activity=activity, volunteer=volunteer, state=state)
    audit.record(
        "practice.signup",
        actor=None,
        subject=activity,
        summary=_("%(v)s: %(s)s") % {"v": audit_ref(volunteer), "s": signup.get_state_display()},
    )
    return signup


@transaction.atomic
def cancel_sign_up(*, fan, activity: Activity) -> SignUp:
    """A volunteer withdraws; the first on the waiting list takes the place and is told."""
    volunteer = _require_volunteer(fan)
    activity = _locked_activity(activity)
    signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).exclude(state=SignUp.State.CANCELLED).first()
    if signup is None:
        raise StateConflict(_("You are not signed up for this activity."))
    if signup.checked_in_at is not None:
        raise StateConflict(_("You have checked in already."))
    if timezone.now() >= activity.ends_at:
        raise StateConflict(_("This activity is over."))
    was_registered = signup.state == SignUp.State.REGISTERED
    signup.state = SignUp.State.CANCELLED
    signup.save(update_fields=["state"])
    if was_registered:
        first = SignUp.objects.filter(activity=activity, state=SignUp.State.WAITING).order_by("created_at", "id").first()
        if first is not None:
            first.state = SignUp.State.REGISTERED
            first.save(update_fields=["state"])
            _tell_fan(
                first.volunteer.fan,
                _("A place came free: you are registered for %(t)s.") % {"t": activity.title},
                f"/practice/activities/{activity.pk}/",
            )
    audit.record("practice.signup_cancel", actor=None, subject=activity, summary=_("%(v)s withdrew") % {"v": audit_ref(volunteer)})
    return signup


def _check_activity_token(activity: Activity, token: str) -> None:
    if not token or token != activity.checkin_token:
        raise DomainError(_("This QR code is not the activity's: scan the one shown at the activity."), field="token")


@transaction.atomic
def check_in(*, fan, activity: Activity, token: str, latitude=None, longitude=None) -> SignUp:
    """Scan the activity's QR code on arrival, within its radius, from half an hour before the
    start until its end. A second scan changes nothing."""
    volunteer = _require_volunteer(fan)
    activity = _locked_activity(activity)
    _check_activity_token(activity, token)
    signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=volunteer, state=SignUp.State.REGISTERED).first()
    if signup is None:
        raise StateConflict(_("You are not registered for this activity (a place on the waiting list is not enough)."))
    if signup.checked_in_at is not None:
        return signup
    now = timezone.now()
    if now < activity.starts_at - dt.timedelta(minutes=30) or now > activity.ends_at:
        raise StateConflict(_("Check-in opens half an hour before the start and closes at the end."))
    _check_location(activity, latitude, longitude)
    signup.checked_in_at = now
    signup.save(update_fields=["checked_in_at"])
    audit.record("practice.checkin", actor=None, subject=activity, summary=_("%(v)s checked in") % {"v": audit_ref(volunteer)})
    return signup


@transaction.atomic
def check_out(*, fan, activity: Activity, token: str, latitude=None, longitude=None) -> SignUp:
    """Scan again when leaving: the hours between check-in and check-out (within the activity's
    time, in quarter hours) and their points are credited once, whatever is scanned again."""
    volunteer = _require_volunteer(fan)
    activity = _locked_activity(activity)
    _check_activity_token(activity, token)
    signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=volunteer, state=SignUp.State.REGISTERED).first()
    if signup is None or signup.checked_in_at is None:
        raise StateConflict(_("Check in first."))
    if signup.checked_out_at is not None:
        return signup
    _check_location(activity, latitude, longitude)
    now = timezone.now()
    signup.checked_out_at = now
    signup.save(update_fields=["checked_out_at"])
    credit_activity(signup)
    audit.record("practice.checkout", actor=None, subject=activity, summary=_("%(v)s checked out") % {"v": audit_ref(volunteer)})
    return signup


def credit_activity(signup: SignUp) -> None:
    """Hours within the activity's time and points per hour, once per volunteer and activity."""
    activity = signup.activity
    start = max(signup.checked_in_at, activity.starts_at)
    end = min(signup.checked_out_at or activity.ends_at, activity.ends_at)
    if end <= start:
        return
    cap = Decimal((activity.ends_at - activity.starts_at).total_seconds() / 3600).quantize(Decimal("0.01"))
    hours = _hours(start, end, cap=cap)
    if hours <= 0:
        return
    label = _("Activity: %(t)s") % {"t": activity.title}
    credit(
        signup.volunteer,
        kind=LedgerEntry.Kind.HOURS,
        amount=hours,
        key=f"activity:{activity.pk}:volunteer:{signup.volunteer_id}:hours",
        note=label,
    )
    points = (hours * activity.points_per_hour).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    credit(
        signup.volunteer,
        kind=LedgerEntry.Kind.POINTS,
        amount=points,
        key=f"activity:{activity.pk}:volunteer:{signup.volunteer_id}:points",
        note=label,
    )


@transaction.atomic
def finish_activity(*, actor, activity: Activity) -> Activity:
    """After the end: those who checked in but never out are credited up to the end."""
    _require_coordinator(actor)
    activity = _locked_activity(activity)
    if activity.state != Activity.State.PUBLISHED:
        raise StateConflict(_("Only an activity open for sign-up can be finished."))
    if timezone.now() < activity.ends_at:
        raise StateConflict(_("The activity has not ended yet."))
    for signup in (
        activity.signups.filter(state=SignUp.State.REGISTERED).exclude(checked_in_at=None).select_related("volunteer", "activity")
    ):
        credit_activity(signup)
    activity.state = Activity.State.FINISHED
    activity.save(update_fields=["state"])
    audit.record(
        "practice.activity_finish",
        actor=actor,
        subject=activity,
        summary=_("Activity finished: %(t)s") % {"t": activity.title},
        from_state=Activity.State.PUBLISHED,
        to_state=activity.state,
    )
    return activity


# --- the points store ------------------------------------------------------------------------------------


@transaction.atomic
def exchange(*, fan, item: StoreItem) -> Exchange:
    """Spend points on an item of the store; stock and balance are checked under lock."""
    volunteer = _require_volunteer(fan)
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)  # one exchange at a time per volunteer
    item = StoreItem.objects.select_for_update().get(pk=item.pk)
    if not item.active or item.stock < 1:
        raise StateConflict(_("%(i)s is not in stock.") % {"i": item.name})
    if balance(volunteer, LedgerEntry.Kind.POINTS) < item.points:
        raise DomainError(_("You need %(n)s points for %(i)s.") % {"n": item.points, "i": item.name}, field="item")
    item.stock -= 1
    item.save(update_fields=["stock"])
    record = Exchange.objects.create(volunteer=volunteer, item=item, points=item.points)
    LedgerEntry.objects.create(
        volunteer=volunteer,
        kind=LedgerEntry.Kind.POINTS,
        amount=-Decimal(item.points),
        key=f"exchange:{record.pk}",
        note=_("Exchanged for %(i)s") % {"i": item.name},
    )
    audit.record(
        "practice.exchange",
        actor=None,
        subject=record,
        summary=_("%(v)s exchanged %(n)s points for %(i)s") % {"v": audit_ref(volunteer), "n": item.points, "i": item.name},
    )
    return record
