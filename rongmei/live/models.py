from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_stream_key() -> str:
    return "lk_" + secrets.token_urlsafe(18)


class LiveRoom(models.Model):
    """A live room (直播间): ``scheduled → live → ended → replay``.

    In push mode an encoder (OBS, a hardware box) publishes to the RTMP ingest with the room's
    stream key; nginx asks the app (``on_publish``) before it accepts the stream. In pull mode the
    app relays a source address (RTMP, HLS, SRT or a file) through ffmpeg."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Not started")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        REPLAY = "replay", _("Replay")

    class Ingest(models.TextChoices):
        PUSH = "push", _("Push (RTMP from an encoder)")
        PULL = "pull", _("Pull (relay an address or a file)")

    title = models.CharField(_("title"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    cover = models.ImageField(_("cover"), upload_to="live/covers/%Y/%m/", blank=True)
    column = models.ForeignKey(
        "portal.Column", verbose_name=_("column"), null=True, blank=True, on_delete=models.SET_NULL, related_name="live_rooms"
    )
    scheduled_at = models.DateTimeField(_("scheduled start"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED, db_index=True)
    ingest = models.CharField(_("ingest"), max_length=4, choices=Ingest.choices, default=Ingest.PUSH)
    pull_url = models.CharField(_("source address (pull mode)"), max_length=500, blank=True)
    stream_key = models.CharField(_("stream key"), max_length=40, unique=True, default=new_stream_key, editable=False)
    started_at = models.DateTimeField(_("went live"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    publisher_address = models.GenericIPAddressField(_("encoder address"), null=True, blank=True)
    views_total = models.PositiveIntegerField(_("views"), default=0)
    viewers_peak = models.PositiveIntegerField(_("peak concurrent viewers"), default=0)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    replay_asset = models.ForeignKey(
        "media.Asset", verbose_name=_("replay"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        verbose_name = _("live room")
        verbose_name_plural = _("live rooms")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/live/{self.pk}/"
