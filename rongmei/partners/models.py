"""The self-media partner network (自媒体互联互通): partners and their accounts, contributions to the
newsroom, cooperation tasks, quarterly quotas, posts with their readership, scoring, honours.

State changes go through rongmei.partners.services; scoring is rongmei.partners.scoring."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    """A self-media organization of the network (泌阳微帮, 泌阳在线 …)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Cooperating")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    name = models.CharField(_("organization"), max_length=60, unique=True)
    operator_name = models.CharField(_("operator"), max_length=30, help_text=_("The person who runs the accounts."))
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    place = models.ForeignKey("core.Place", verbose_name=_("town"), null=True, blank=True, on_delete=models.SET_NULL)
    description = models.CharField(_("description"), max_length=300, blank=True)
    agreement_no = models.CharField(_("agreement number"), max_length=40, blank=True)
    agreement_start = models.DateField(_("agreement from"), null=True, blank=True)
    agreement_end = models.DateField(_("agreement until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logins"),
        related_name="partner_orgs",
        blank=True,
        help_text=_("Accounts with the role self-media partner that act for this organization."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("self-media partner")
        verbose_name_plural = _("self-media partners")

    def __str__(self) -> str:
        return self.name


class Platform(models.TextChoices):
    WECHAT = "wechat_oa", _("WeChat Official Account")
    CHANNELS = "wechat_channels", _("WeChat Channels")
    DOUYIN = "douyin", _("Douyin")
    KUAISHOU = "kuaishou", _("Kuaishou")
    WEIBO = "weibo", _("Weibo")
    TOUTIAO = "toutiao", _("Toutiao")
    BILIBILI = "bilibili", _("Bilibili")
    OTHER = "other", _("Other")


class Account(models.Model):
    """One account of a partner on one platform."""

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="accounts")
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    name = models.CharField(_("account name"), max_length=60)
    handle = models.CharField(
        _("account ID"), max_length=80, blank=True, help_text=_("The ID on the platform (WeChat ID, Douyin number …).")
    )
    url = models.URLField(_("home page"), blank=True)
    followers = models.PositiveIntegerField(_("followers"), default=0)
    # Credentials for fetching readership through the platform's adapter (adapters/), encrypted
    # with distribution.credentials; empty: figures are entered by hand or uploaded.
    fetch_settings = models.TextField(blank=True, editable=False)
    last_fetched_at = models.DateTimeField(_("figures fetched at"), null=True, blank=True)
    last_fetch_error = models.CharField(_("last fetch error"), max_length=300, blank=True)

    class Meta:
        ordering = ["partner", "platform", "name"]
        verbose_name = _("partner account")
        verbose_name_plural = _("partner accounts")
        constraints = [models.UniqueConstraint(fields=["platform", "name"], name="partners_account_platform_name")]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.name}"


class Quarter(models.Model):
    """A quarter of the year: the period of quotas, scores and awards. Closing it freezes its scores."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("quarter"), choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4")])
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The scoring rule as it was when the quarter closed (weights, tiers), shown with the scores.
    rule = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("quarter")
        verbose_name_plural = _("quarters")
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="partners_quarter_unique")]

    def __str__(self) -> str:
        return str(_("%(year)s Q%(n)s") % {"year": self.year, "n": self.number})

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the quarter."""
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    @property
    def code(self) -> str:
        """``2026-4``: how a quarter is named in URLs."""
        return f"{self.year}-{self.number}"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


class Quota(models.Model):
    """A partner's targets for one quarter (发稿任务)."""

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="quotas")
    quarter = models.ForeignKey(Quarter, verbose_name=_("quarter"), on_delete=models.CASCADE, related_name="quotas")
    posts = models.PositiveIntegerField(_("posts"), default=0)
    originals = models.PositiveIntegerField(_("original pieces"), default=0)
    reposts = models.PositiveIntegerField(_("reposts"), default=0)
    tasks = models.PositiveIntegerField(_("tasks completed"), default=0)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    METRICS = ("posts", "originals", "reposts", "tasks")

    class Meta:
        verbose_name = _("quarterly quota")
        verbose_name_plural = _("quarterly quotas")
        constraints = [models.UniqueConstraint(fields=["partner", "quarter"], name="partners_quota_unique")]


class Post(models.Model):
    """A piece a partner published on its own account, with its readership (阅读量)."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        REPOST = "repost", _("Repost")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        UPLOAD = "upload", _("Uploaded file")
        ADAPTER = "adapter", _("Fetched from the platform")
        TASK = "task", _("Repost task")

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="posts")
    account = models.ForeignKey(Account, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    title = models.CharField(_("title"), max_length=120)
    url = models.URLField(_("link"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ORIGINAL)
    reads = models.PositiveIntegerField(_("reads"), default=0)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    # The platform's own id of the piece (from an adapter), so a second fetch updates the figures.
    external_id = models.CharField(max_length=80, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("partner post")
        verbose_name_plural = _("partner posts")
        constraints = [
            models.UniqueConstraint(fields=["partner", "url"], condition=~Q(url=""), name="partners_post_url"),
            models.UniqueConstraint(fields=["account", "external_id"], condition=~Q(external_id=""), name="partners_post_external"),
        ]

    def __str__(self) -> str:
        return self.title


class Contribution(models.Model):
    """A lead or a draft story a partner sends into the newsroom (投稿), attributed to the partner."""

    class Kind(models.TextChoices):
        LEAD = "lead", _("Lead")
        STORY = "story", _("Draft story")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the newsroom")
        ADOPTED = "adopted", _("Adopted")
        DECLINED = "declined", _("Not adopted")

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="contributions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"), max_length=20000)
    place = models.ForeignKey("core.Place", verbose_name=_("town or village"), null=True, blank=True, on_delete=models.SET_NULL)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    lead = models.OneToOneField("newsroom.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="contribution")
    story = models.OneToOneField("newsroom.Story", null=True, blank=True, on_delete=models.SET_NULL, related_name="contribution")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return self.title


class ContributionFile(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="partners/contributions/%Y/%m/", max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        ordering = ["id"]


class Task(models.Model):
    """A cooperation task given to partners: a feature film, hosting an event, or reposting named
    center articles within a time window."""

    class Kind(models.TextChoices):
        FEATURE = "feature", _("Feature film")
        EVENT = "event", _("Host an event")
        REPOST = "repost", _("Repost")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("what to do"), max_length=2000, blank=True)
    starts_at = models.DateTimeField(_("from"))
    due_at = models.DateTimeField(_("until"), db_index=True)
    stories = models.ManyToManyField("newsroom.Story", verbose_name=_("articles to repost"), blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name = _("cooperation task")
        verbose_name_plural = _("cooperation tasks")

    def __str__(self) -> str:
        return self.title


class TaskAssignment(models.Model):
    """One partner's part in a task: open → reported (with the post's link) → done | rejected
    (the partner may report again while the window is open)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        REPORTED = "reported", _("Reported, to be checked")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Not accepted")

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments")
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="task_assignments")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    report_url = models.URLField(_("link to the post"), max_length=500, blank=True)
    report_note = models.CharField(_("note"), max_length=300, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    check_note = models.CharField(_("check note"), max_length=300, blank=True)

    class Meta:
        ordering = ["task", "partner"]
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")
        constraints = [models.UniqueConstraint(fields=["task", "partner"], name="partners_assignment_unique")]


class ScoringRule(models.Model):
    """How partners are scored (one row, edited by operators). Weights are relative; each
    component is scored 0–100 and the total is their weighted mean."""

    weight_quota = models.PositiveSmallIntegerField(_("weight of quota completion"), default=40)
    weight_reads = models.PositiveSmallIntegerField(_("weight of readership"), default=30)
    weight_adopted = models.PositiveSmallIntegerField(_("weight of adopted contributions"), default=20)
    weight_tasks = models.PositiveSmallIntegerField(_("weight of tasks done"), default=10)
    adopted_full = models.PositiveSmallIntegerField(
        _("adoptions for full marks"), default=3, help_text=_("This many adopted contributions in a quarter score 100.")
    )
    # [{"name": "一等奖", "count": 1, "min_score": 60}, …] best first: the next `count` places
    # in the ranking get this tier if their total reaches min_score.
    tiers = models.JSONField(_("award tiers"), default=list)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")


class Score(models.Model):
    """A partner's frozen score for a closed quarter, with its breakdown."""

    quarter = models.ForeignKey(Quarter, on_delete=models.CASCADE, related_name="scores")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="scores")
    total = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    rank = models.PositiveSmallIntegerField(_("rank"))
    tier = models.CharField(_("award"), max_length=30, blank=True)
    breakdown = models.JSONField(default=dict)

    class Meta:
        ordering = ["quarter", "rank"]
        constraints = [models.UniqueConstraint(fields=["quarter", "partner"], name="partners_score_unique")]


class Honour(models.Model):
    """An honour a partner received: a quarterly award (made when the quarter closes, with a
    certificate) or another honour recorded by an operator (优秀网络文明传播者 …)."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Quarterly award")
        HONOUR = "honour", _("Honour")

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="honours")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.HONOUR)
    title = models.CharField(_("title"), max_length=80)
    issuer = models.CharField(_("awarded by"), max_length=60)
    awarded_on = models.DateField(_("awarded on"))
    quarter = models.ForeignKey(Quarter, null=True, blank=True, on_delete=models.PROTECT, related_name="honours")
    certificate_no = models.CharField(_("certificate number"), max_length=30, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        constraints = [
            models.UniqueConstraint(fields=["certificate_no"], condition=~Q(certificate_no=""), name="partners_certificate_no"),
        ]

    def __str__(self) -> str:
        return self.title


class Alert(models.Model):
    """A warning about a partner: silent for two weeks, or a quota at risk near the quarter's end.
    ``key`` makes each situation raise one alert, however often the check runs."""

    class Kind(models.TextChoices):
        SILENT = "silent", _("Silent")
        QUOTA_RISK = "quota_risk", _("Quota at risk")

    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=60)
    message = models.CharField(_("message"), max_length=300)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner alert")
        verbose_name_plural = _("partner alerts")
        constraints = [models.UniqueConstraint(fields=["partner", "kind", "key"], name="partners_alert_unique")]
