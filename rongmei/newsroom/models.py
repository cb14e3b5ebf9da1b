from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.accounts.models import Role


class Lead(models.Model):
    """A tip (线索) that may become a plan."""

    class Source(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        HOTLINE = "hotline", _("Hotline")
        CITIZEN_TIP = "citizen_tip", _("Citizen tip")
        PARTNER = "partner", _("Partner")
        WIRE = "wire", _("Wire")
        INQUIRY = "inquiry", _("问政")
        PRACTICE = "practice", _("Civilization practice center")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        PLANNED = "planned", _("Turned into a plan")
        DISCARDED = "discarded", _("Discarded")

    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=5000)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.REPORTER)
    source_contact = models.CharField(_("contact"), max_length=100, blank=True)
    place = models.ForeignKey("core.Place", verbose_name=_("town or village"), null=True, blank=True, on_delete=models.SET_NULL)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="leads")
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    discard_reason = models.CharField(_("reason for discarding"), max_length=300, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    similar = models.ManyToManyField("self", through="LeadSimilarity", symmetrical=False, related_name="+", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")

    def __str__(self) -> str:
        return self.title


class LeadSimilarity(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="similarities")
    other = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()

    class Meta:
        verbose_name = _("similar lead")
        verbose_name_plural = _("similar leads")
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["lead", "other"], name="unique_lead_similarity")]


class LeadAttachment(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="leads/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]


class Plan(models.Model):
    """A story plan (选题): proposed in a team, approved by its lead or the chief editor."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    title = models.CharField(_("title"), max_length=80)
    summary = models.TextField(_("angle and outline"), max_length=5000, blank=True)
    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="plans")
    lead = models.ForeignKey(Lead, verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="plans")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="proposed_plans"
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    planned_date = models.DateField(_("planned date"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    channels = models.ManyToManyField("distribution.Channel", verbose_name=_("target channels"), blank=True)

    class Meta:
        ordering = ["-planned_date", "-id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.title


class Coverage(models.Model):
    """One product of a plan (报道形式): text, photos, video … with its deadline."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        PHOTO = "photo", _("Photos")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        LIVE = "live", _("Live")
        SHORT_VIDEO = "short_video", _("Short video")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="coverages")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    deadline = models.DateTimeField(_("deadline"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")

    def __str__(self) -> str:
        return f"{self.plan.title} · {self.get_kind_display()}"


class Assignment(models.Model):
    """A coverage given to one person (派单)."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Waiting for answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.OFFERED, Status.ACCEPTED)

    coverage = models.ForeignKey(Coverage, verbose_name=_("coverage"), on_delete=models.CASCADE, related_name="assignments")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("dispatched by"), on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OFFERED, db_index=True)
    note = models.CharField(_("instructions"), max_length=300, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.deadline < timezone.now()


class ReviewStep(models.Model):
    """One level of a team's review chain (三审). A team without steps uses DEFAULT_REVIEW_CHAIN."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="review_steps")
    level = models.PositiveSmallIntegerField(_("level"))
    name = models.CharField(_("name"), max_length=20)
    role = models.CharField(_("reviewer role"), max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["team", "level"]
        verbose_name = _("review level")
        verbose_name_plural = _("review levels")
        constraints = [models.UniqueConstraint(fields=["team", "level"], name="unique_review_level_per_team")]


class Story(models.Model):
    """A manuscript (稿件). Its working copy lives here; StoryVersion rows are immutable snapshots."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Signed off")
        PUBLISHED = "published", _("Published")
        RETRACTED = "retracted", _("Retracted")

    team = models.ForeignKey("accounts.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="stories")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="stories")
    assignment = models.OneToOneField(Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="story")
    headline = models.CharField(_("headline"), max_length=80)
    subtitle = models.CharField(_("subtitle"), max_length=120, blank=True)
    intro = models.TextField(_("lead paragraph"), max_length=1000, blank=True)
    body = models.TextField(_("body"), blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    place = models.ForeignKey("core.Place", verbose_name=_("town or village"), null=True, blank=True, on_delete=models.SET_NULL)
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("authors"), related_name="stories")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    review_level = models.PositiveSmallIntegerField(_("current review level"), default=0)
    current_version = models.ForeignKey("StoryVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    word_count = models.PositiveIntegerField(_("characters"), default=0)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def __str__(self) -> str:
        return self.headline


class StoryVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise TypeError("Story versions are immutable")


class StoryVersion(models.Model):
    """An immutable snapshot of a story; reviews and approvals belong to one version."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    headline = models.CharField(_("headline"), max_length=80)
    subtitle = models.CharField(_("subtitle"), max_length=120, blank=True)
    intro = models.TextField(_("lead paragraph"), blank=True)
    body = models.TextField(_("body"), blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    word_count = models.PositiveIntegerField(_("characters"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = StoryVersionQuerySet.as_manager()

    class Meta:
        ordering = ["story", "number"]
        verbose_name = _("story version")
        verbose_name_plural = _("story versions")
        constraints = [models.UniqueConstraint(fields=["story", "number"], name="unique_story_version_number")]

    def __str__(self) -> str:
        return f"{self.headline} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Story versions are immutable")
        super().save(*args, **kwargs)


class SafetyOverride(models.Model):
    """The chief editor let a version with block-level sensitive-word hits into review."""

    version = models.ForeignKey(StoryVersion, on_delete=models.PROTECT, related_name="safety_overrides")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason for override"), max_length=500)
    hits = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sensitive-word override")
        verbose_name_plural = _("sensitive-word overrides")


class Approval(models.Model):
    """One reviewer's approval of one level of one version."""

    version = models.ForeignKey(StoryVersion, on_delete=models.PROTECT, related_name="approvals")
    level = models.PositiveSmallIntegerField(_("level"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["version", "level"]
        constraints = [
            models.UniqueConstraint(fields=["version", "level"], name="one_approval_per_level"),
            models.UniqueConstraint(fields=["version", "reviewer"], name="one_level_per_reviewer"),
        ]


class ReviewComment(models.Model):
    """A reviewer's remark, optionally anchored to a passage of the version's plain text."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(StoryVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    text = models.CharField(_("comment"), max_length=1000)
    quote = models.CharField(_("quoted passage"), max_length=300, blank=True)
    anchor_start = models.PositiveIntegerField(null=True, blank=True)
    anchor_end = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "id"]


class EditLock(models.Model):
    """Who is editing a story now. Expires unless the editor's page renews it."""

    story = models.OneToOneField(Story, on_delete=models.CASCADE, related_name="edit_lock")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acquired_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("edit lock")
        verbose_name_plural = _("edit locks")

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()
