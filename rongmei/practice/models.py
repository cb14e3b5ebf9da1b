"""新时代文明实践: the practice network (center, institutes, stations), volunteer teams and
volunteers, the service loop (点单 → 派单 → 接单 → 评单), activities with sign-up and QR check-in,
the hours and points ledger, the points store.

State changes go through rongmei.practice.services; every credit of hours or points is one
``LedgerEntry`` whose ``key`` is unique, so a repeated check-in or a retried task never credits
twice."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.core.crypto import EncryptedTextField


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Site(models.Model):
    """A place of the practice network: the county center (中心), a town's institute (所), a
    village's station (站)."""

    class Kind(models.TextChoices):
        CENTER = "center", _("Practice center")
        INSTITUTE = "institute", _("Practice institute")
        STATION = "station", _("Practice station")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("belongs to"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    place = models.ForeignKey("core.Place", verbose_name=_("town or village"), null=True, blank=True, on_delete=models.SET_NULL)
    address = models.CharField(_("address"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("practice site")
        verbose_name_plural = _("practice sites")

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """An app user registered as a volunteer, by real name and with consent to the handling of
    their personal data (个人信息处理同意)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    fan = models.OneToOneField("fans.Fan", verbose_name=_("app user"), on_delete=models.PROTECT, related_name="volunteer")
    # Encrypted at rest (rongmei.core.crypto): sort by it in Python, never in SQL. Emptied when the
    # volunteer deletes their account or has been inactive past the retention period.
    real_name = EncryptedTextField(_("real name"), max_length=20)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("when available"), max_length=100, blank=True)
    site = models.ForeignKey(Site, verbose_name=_("nearest practice site"), null=True, blank=True, on_delete=models.SET_NULL)
    consent_version = models.CharField(_("consent version"), max_length=20)
    consented_at = models.DateTimeField(_("consented at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("personal data removed at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-registered_at"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return self.real_name if self.anonymised_at is None else str(_("Deleted user"))


class VolunteerTeam(models.Model):
    site = models.ForeignKey(Site, verbose_name=_("practice site"), on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("what the team does"), max_length=300, blank=True)
    services = models.JSONField(_("services offered"), default=list, blank=True)
    leader = models.ForeignKey(
        Volunteer, verbose_name=_("leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    members = models.ManyToManyField(Volunteer, verbose_name=_("members"), related_name="teams", blank=True)
    topic = models.OneToOneField("community.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_team")
    chat_room = models.OneToOneField("community.ChatRoom", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_team")

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """A resident's order for a service (点单), dispatched to a team (派单), taken by a volunteer
    (接单), served and rated (评单)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        DISPATCHED = "dispatched", _("Dispatched to a team")
        TAKEN = "taken", _("Taken by a volunteer")
        SERVING = "serving", _("Being served")
        DONE = "done", _("Done, to be rated")
        RATED = "rated", _("Rated")
        CANCELLED = "cancelled", _("Cancelled")

    resident = models.ForeignKey("fans.Fan", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="service_requests")
    category = models.CharField(_("service"), max_length=30)
    description = models.TextField(_("what is needed"), max_length=1000)
    place = models.ForeignKey("core.Place", verbose_name=_("town or village"), null=True, blank=True, on_delete=models.SET_NULL)
    # Encrypted at rest; emptied after the retention period (rongmei.practice.privacy).
    address = EncryptedTextField(_("address"), max_length=120)
    wanted_on = models.DateField(_("wanted on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REQUESTED, db_index=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    team = models.ForeignKey(
        VolunteerTeam, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("service finished at"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rating_skill = models.PositiveSmallIntegerField(_("skill"), null=True, blank=True)
    rating_attitude = models.PositiveSmallIntegerField(_("attitude"), null=True, blank=True)
    rating_effect = models.PositiveSmallIntegerField(_("effect"), null=True, blank=True)
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # The QR the volunteer scans on arrival and when leaving (shown on the resident's phone).
    token = models.CharField(max_length=32, default=new_token, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")


class Activity(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Planned")
        PUBLISHED = "published", _("Open for sign-up")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), max_length=3000)
    site = models.ForeignKey(Site, verbose_name=_("practice site"), on_delete=models.PROTECT, related_name="activities")
    team = models.ForeignKey(
        VolunteerTeam, verbose_name=_("organizing team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    address = models.CharField(_("address"), max_length=120)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("check-in radius (m)"), default=300)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    points_per_hour = models.PositiveSmallIntegerField(_("points per hour"), default=10)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    checkin_token = models.CharField(max_length=32, default=new_token, unique=True, editable=False)
    coverage_lead = models.OneToOneField(
        "newsroom.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_activity"
    )
    topic = models.OneToOneField("community.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_activity")
    chat_room = models.OneToOneField(
        "community.ChatRoom", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice_activity"
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    class State(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITING = "waiting", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, db_index=True)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"], name="practice_signup_once")]


class LedgerEntry(models.Model):
    """One credit (or debit) of service hours or points. ``key`` names what it is for
    (``activity:12:volunteer:7:hours``): the database refuses a second entry with the same key."""

    class Kind(models.TextChoices):
        HOURS = "hours", _("Service hours")
        POINTS = "points", pgettext_lazy("practice", "Points")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=8, decimal_places=2)
    key = models.CharField(max_length=80, unique=True)
    note = models.CharField(_("for"), max_length=120)
    created_at = models.DateTimeField(_("credited at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")


class StoreItem(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    points = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("in stock"))
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["points", "name"]
        verbose_name = _("store item")
        verbose_name_plural = _("store items")

    def __str__(self) -> str:
        return self.name


class Exchange(models.Model):
    class State(models.TextChoices):
        ORDERED = "ordered", _("To collect")
        COLLECTED = "collected", _("Collected")
        CANCELLED = "cancelled", _("Cancelled, points returned")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="exchanges")
    item = models.ForeignKey(StoreItem, on_delete=models.PROTECT, related_name="exchanges")
    points = models.PositiveIntegerField(_("points"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ORDERED)
    created_at = models.DateTimeField(_("exchanged at"), default=timezone.now)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("points exchange")
        verbose_name_plural = _("points exchanges")
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="practice_exchange_points_positive")]


class ActivityPhoto(models.Model):
    """A photo of an activity, uploaded by the practice center's staff and shown on the public
    activity page once the activity is public. Stored re-encoded, without the camera's metadata
    (EXIF carries where the picture was taken)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="practice/activities/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")


class TypicalCase(models.Model):
    """A typical case (先进典型) the practice center showcases: a volunteer, a team or a piece of
    work, with a summary, a photo, and the newsroom's story about it when there is one. Shown on
    the public pages only when published."""

    title = models.CharField(_("title"), max_length=60)
    summary = models.TextField(_("summary"), max_length=2000)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="typical_cases"
    )
    team = models.ForeignKey(
        VolunteerTeam,
        verbose_name=pgettext_lazy("practice", "team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="typical_cases",
    )
    story = models.ForeignKey(
        "newsroom.Story", verbose_name=_("the newsroom's story"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    photo = models.ImageField(_("photo"), upload_to="practice/cases/%Y/%m/", blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    published = models.BooleanField(_("shown to the public"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "-created_at", "id"]
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")

    def __str__(self) -> str:
        return self.title
