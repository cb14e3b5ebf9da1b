"""The data center's own data: the staff assessment rules (绩效考核规则). Figures themselves are
never stored here: they are counted from the working tables when asked (rongmei/dashboard/
assessment.py), so a table always agrees with the pages it summarizes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rongmei.accounts.models import Role


class Measure(models.TextChoices):
    """What a person did in a month, counted from the working tables (assessment.MEASURES)."""

    STORIES_FILED = "stories_filed", _("Stories filed")
    STORIES_PUBLISHED = "stories_published", _("Stories published (adopted)")
    PUBLICATIONS = "publications", _("Publications on a channel")
    READS = "reads", _("Reads of their stories")
    APPROVALS = "approvals", _("Review approvals")
    ASSIGNMENTS_DONE = "assignments_done", _("Assignments completed")
    LIVE_ROOMS = "live_rooms", _("Live rooms run")
    INQUIRIES_HANDLED = "inquiries_handled", _("问政 steps handled")


class AssessmentRule(models.Model):
    """Points for one measure: ``points`` for every ``per`` units (e.g. 1 point per 1,000 reads),
    for people of ``role`` (blank: everybody assessed). A publications rule may name a channel
    (blank: every channel). Changed by administrators and the chief editor, audited."""

    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True, help_text=_("Blank: every role assessed."))
    channel = models.ForeignKey(
        "distribution.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Publications only; blank: every channel."),
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    per = models.PositiveIntegerField(_("per how many"), default=1)
    active = models.BooleanField(_("in force"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measure", "role", "channel_id", "id"]
        verbose_name = _("assessment rule")
        verbose_name_plural = _("assessment rules")
        constraints = [
            models.CheckConstraint(condition=Q(per__gte=1), name="dashboard_rule_per_positive"),
            models.CheckConstraint(
                condition=Q(channel__isnull=True) | Q(measure="publications"), name="dashboard_rule_channel_only_publications"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.points}/{self.per}"


class ChannelDay(models.Model):
    """One day's figures of one of the center's external channels (WeChat official account,
    Weibo, Douyin, WeChat Channels …), as its platform's back office shows them: imported from an
    uploaded table or fetched through the channel's adapter. Our own website and app are not
    here: their figures come from our readership rollups."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded table")
        ADAPTER = "adapter", _("Fetched from the platform")

    channel = models.ForeignKey("distribution.Channel", verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    followers = models.PositiveIntegerField(_("followers"), null=True, blank=True)
    posts = models.PositiveIntegerField(_("posts"), default=0)
    reads = models.PositiveIntegerField(_("reads or plays"), default=0)
    top_reads = models.PositiveIntegerField(_("reads of the day's most read post"), default=0)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    shares = models.PositiveIntegerField(_("shares"), default=0)
    comments = models.PositiveIntegerField(_("comments"), default=0)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["channel", "-day"]
        verbose_name = _("channel figures of a day")
        verbose_name_plural = _("channel figures by day")
        constraints = [models.UniqueConstraint(fields=["channel", "day"], name="dashboard_channelday_unique")]


class ReachWeights(models.Model):
    """The weights of the reach index (传播力指数): per channel code (the public indices weight
    WeChat, Weibo, Douyin and Channels 30/25/25/20) and per component of a channel's index. One
    row; changed by the chief editor and administrators, audited."""

    channels = models.JSONField(_("channel weights"), default=dict)
    components = models.JSONField(_("component weights"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reach index weights")
        verbose_name_plural = _("reach index weights")


class AssessmentMonth(models.Model):
    """A closed month of the staff assessment: its table frozen as it stood, with the rules it was
    counted with, so a later change of the rules or a late edit does not change a month already
    judged. Closed by the chief editor or an administrator after the month's end."""

    month = models.DateField(_("month"), unique=True)  # the first day
    rules = models.JSONField(_("rules counted with"), default=list)
    rows = models.JSONField(_("the table"), default=list)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("closed assessment month")
        verbose_name_plural = _("closed assessment months")
