from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    """A publishing channel of the center. Publishing to it comes with the distribution issue."""

    class Code(models.TextChoices):
        NEWSPAPER = "newspaper", _("Newspaper")
        RADIO = "radio", _("Radio")
        TV = "tv", _("Television")
        WEBSITE = "website", _("Website")
        GOV_SITE = "gov_site", _("Government website")
        WECHAT_OA = "wechat_oa", _("WeChat official account")
        APP = "app", _("App")
        DOUYIN = "douyin", _("Douyin")
        KUAISHOU = "kuaishou", _("Kuaishou")
        WECHAT_CHANNELS = "wechat_channels", _("WeChat Channels")
        WEIBO = "weibo", _("Weibo")

    code = models.CharField(_("code"), max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(_("name"), max_length=40)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    # A Fernet token (see rongmei.distribution.credentials); never shown again after entry.
    credentials = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    needs_review = models.BooleanField(
        _("channel version needs its own review"),
        default=False,
        help_text=_("When on, this channel publishes a story only after its channel version is approved."),
    )

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)


class Publication(models.Model):
    """One story version on one channel. (story, version, channel) is the idempotency key:
    publishing twice, a double click or a retried task finds this row instead of making another."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RENDERING = "rendering", _("Rendering")
        SENDING = "sending", _("Sending")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Failed, needs a hand")
        RETRACTING = "retracting", _("Retracting")
        RETRACTED = "retracted", _("Retracted")

    story = models.ForeignKey("newsroom.Story", verbose_name=_("story"), on_delete=models.PROTECT, related_name="publications")
    version = models.ForeignKey("newsroom.StoryVersion", verbose_name=_("version"), on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="publications")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    payload = models.JSONField(_("what was sent"), default=dict, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retracted_at = models.DateTimeField(_("retracted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(fields=["story", "version", "channel"], name="one_publication_per_version_and_channel"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="publication_due")]

    def __str__(self) -> str:
        return f"{self.story_id} v{self.version_id} → {self.channel_id}"

    @property
    def key(self) -> str:
        """The idempotency key sent to the channel (stable across retries)."""
        return f"rongmei-{self.story_id}-{self.version_id}-{self.channel_id}"


class PublicationAttempt(models.Model):
    """One call to a channel: sending or retracting, how it ended and how long it took."""

    class Kind(models.TextChoices):
        SEND = "send", _("Send")
        RETRACT = "retract", _("Retract")

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        TRANSIENT = "transient", _("Failed, retryable")
        PERMANENT = "permanent", _("Failed")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="attempt_log")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SEND)
    started_at = models.DateTimeField(_("time"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["publication", "started_at", "id"]
        verbose_name = _("publication attempt")
        verbose_name_plural = _("publication attempts")


class ChannelVersion(models.Model):
    """One story version made for one channel (多次生成): generated from the version by the channel's
    formatter (rongmei.distribution.formatters), then adjustable by the channel editor. A channel
    whose ``needs_review`` is on publishes only an approved channel version."""

    class State(models.TextChoices):
        GENERATED = "generated", _("Generated")
        EDITED = "edited", _("Edited")
        APPROVED = "approved", _("Approved")

    version = models.ForeignKey(
        "newsroom.StoryVersion", verbose_name=_("story version"), on_delete=models.CASCADE, related_name="channel_versions"
    )
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="channel_versions")
    content = models.JSONField(_("content"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.GENERATED, db_index=True)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("edited by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["version", "channel__sort_order", "id"]
        verbose_name = _("channel version")
        verbose_name_plural = _("channel versions")
        constraints = [models.UniqueConstraint(fields=["version", "channel"], name="one_channel_version_per_version_and_channel")]

    def __str__(self) -> str:
        return f"{self.version_id} → {self.channel_id}"


class DeliveryProgress(models.Model):
    """What a multi-step send has already done on a platform without idempotency keys (an
    uploaded video's id, "a post call is in flight", the time of the first post call), kept
    between attempts: adapters/progress.Progress. In the database, not a cache, because losing it
    could mean posting twice."""

    key = models.CharField(max_length=64, unique=True)  # a digest of (adapter scope, publication key)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("delivery progress")
        verbose_name_plural = _("delivery progress")
