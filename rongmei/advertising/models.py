"""Advertising in the app and the website (the operations area, /ops/ads/).

A ``Campaign`` of a client (sold alone or with a project) runs in one ``AdSlot`` from ``starts_at``
to ``ends_at`` with one or more ``Creative`` (a picture from the media library, a link, an alt
text), a frequency cap per device and day (applied in the reader's browser, so that the answer
of the public ads API is the same for everybody and can be cached) and, optionally, the columns
it targets (none: everywhere).

Campaign: ``draft → in_review → approved``; ``in_review → draft`` (sent back with a reason);
``approved ⇄ paused``; ``ended`` from any state. An approved campaign is *running* while
``starts_at <= now < ends_at`` (``Campaign.is_running``). Creatives change only in draft. An
approved or paused campaign whose end has passed stays in its state (no background job moves it)
but is shown as expired (``Campaign.display_state``).

Impressions and clicks are readership events (rongmei.analytics, kinds ``ad_view`` and
``ad_click`` with the creative's id); nothing is counted here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AdSlot(models.Model):
    """Where ads show. The five slots are created by the migration; their codes are what the
    public API and the templates ask for."""

    class Code(models.TextChoices):
        SPLASH = "splash", _("Splash screen (开屏)")
        BANNER = "banner", _("Banner")
        IN_FEED = "in_feed", _("In the feed")
        ARTICLE_BOTTOM = "article_bottom", _("Article bottom")
        LIVE_ROOM = "live_room", _("Live room")

    code = models.CharField(_("code"), max_length=20, choices=Code.choices, unique=True)
    name = models.CharField(_("name"), max_length=30)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    placement = models.CharField(_("where it shows"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ad slot")
        verbose_name_plural = _("ad slots")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("campaign state", "Draft")
        IN_REVIEW = "in_review", pgettext_lazy("campaign state", "In review")
        APPROVED = "approved", pgettext_lazy("campaign state", "Approved")
        PAUSED = "paused", pgettext_lazy("campaign state", "Paused")
        ENDED = "ended", pgettext_lazy("campaign state", "Ended")

    client = models.ForeignKey("business.Client", verbose_name=_("client"), on_delete=models.PROTECT, related_name="campaigns")
    project = models.ForeignKey(
        "business.Project", verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=100)
    slot = models.ForeignKey(AdSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="campaigns")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # Impressions per device per day; applied in the browser (localStorage), see the module doc.
    frequency_cap = models.PositiveSmallIntegerField(_("frequency cap (per device per day)"), default=3)
    # None: every column and page of the slot.
    columns = models.ManyToManyField("portal.Column", verbose_name=_("target columns"), blank=True, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    # The content-safety and ad-law hits of the creatives when sent to review: [{word, category, context, creative}].
    safety_hits = models.JSONField(_("content-safety hits"), default=list, blank=True)
    review_note = models.CharField(_("reviewer's note"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who paused it (None when not paused): a pause by the chief editor or an administrator is
    # lifted only by one of them (rongmei.advertising.services.may_resume).
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("paused by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    # What the pages show for an approved or paused campaign whose end has passed (not a stored state).
    EXPIRED = "expired"
    EXPIRED_LABEL = pgettext_lazy("campaign state", "Expired")

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("ad campaign")
        verbose_name_plural = _("ad campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="advertising_campaign_ends_after_start"),
            models.CheckConstraint(condition=Q(frequency_cap__gte=1), name="advertising_campaign_cap_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_running(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.APPROVED and self.starts_at <= now < self.ends_at

    def is_expired(self, now=None) -> bool:
        """Approved or paused with its end passed: it runs no more, though no one ended it."""
        now = now or timezone.now()
        return self.state in (self.State.APPROVED, self.State.PAUSED) and self.ends_at <= now

    @property
    def display_state(self) -> str:
        """The state the pages show (a CSS class too): ``expired`` or the stored state."""
        return self.EXPIRED if self.is_expired() else self.state

    @property
    def display_state_label(self) -> str:
        return str(self.EXPIRED_LABEL) if self.is_expired() else str(self.get_state_display())


class Creative(models.Model):
    """One picture with its link. The picture is a media-library image; the public sees its web
    rendition only (never the original), served by the advertising app while the campaign runs."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="creatives")
    asset = models.ForeignKey("media.Asset", verbose_name=_("picture"), on_delete=models.PROTECT, related_name="+")
    # Where a click goes: a page of this site or an http(s) address (checked by the services).
    link = models.CharField(_("link"), max_length=500)
    alt_text = models.CharField(_("text"), max_length=60, help_text=_("Shown with the picture and read out by screen readers."))
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["campaign", "id"]
        verbose_name = _("creative")
        verbose_name_plural = _("creatives")

    def __str__(self) -> str:
        return self.alt_text
