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
    # The chat hub's latest count of viewers in all processes (rongmei.live.chat.store.flush_counters).
    viewers_now = models.PositiveIntegerField(_("current viewers"), default=0)
    viewers_at = models.DateTimeField(_("viewers counted at"), null=True, blank=True)
    likes = models.PositiveIntegerField(_("likes"), default=0)
    replay_asset = models.ForeignKey(
        "media.Asset", verbose_name=_("replay"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Chat (弹幕) settings, changed by the hosts through rongmei.live.chat.services.
    chat_open = models.BooleanField(_("chat open"), default=True)
    chat_premoderated = models.BooleanField(
        _("pre-moderated chat"), default=False, help_text=_("Messages appear only after a host approves them (sensitive events).")
    )
    chat_slow_seconds = models.PositiveSmallIntegerField(
        _("slow mode (seconds)"), default=0, help_text=_("At most one message per viewer in this many seconds; 0 is off.")
    )
    chat_min_account_hours = models.PositiveSmallIntegerField(
        _("new-account gate (hours)"), default=0, help_text=_("App users registered more recently than this may not send.")
    )
    pinned_text = models.CharField(_("pinned announcement"), max_length=200, blank=True)
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


class ChatMessage(models.Model):
    """A chat (弹幕) message in a live room, kept for the replay (its time from the start of the
    stream is ``created_at - room.started_at``). Written by an app user, or by a host (staff).

    ``visible`` messages go to every viewer; ``pending`` ones (pre-moderated rooms, or held by the
    sensitive-word filter) only to the hosts until one approves; ``removed`` ones vanish from every
    viewer's list (a host removed it, or banned its author)."""

    class Status(models.TextChoices):
        VISIBLE = "visible", _("Shown")
        PENDING = "pending", _("Awaiting review")
        REMOVED = "removed", _("Removed")
        REJECTED = "rejected", _("Not shown")

    class Kind(models.TextChoices):
        CHAT = "chat", _("Chat")
        HOST = "host", _("From the host")

    room = models.ForeignKey(LiveRoom, verbose_name=_("live room"), on_delete=models.CASCADE, related_name="chat_messages")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("host"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name shown"), max_length=30)
    body = models.CharField(_("text"), max_length=200)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.CHAT)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.VISIBLE)
    highlighted = models.BooleanField(_("highlighted"), default=False)
    hits = models.JSONField(_("sensitive words"), default=list, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("moderator"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        indexes = [
            models.Index(fields=["room", "status", "id"], name="live_chat_room_status"),
            models.Index(fields=["room", "fan", "created_at"], name="live_chat_room_fan"),
        ]

    def __str__(self) -> str:
        return self.body[:40]


class ChatSanction(models.Model):
    """A mute (may not send until ``until``) or a ban (may not send, and is disconnected; the recent
    messages are removed) of an app user in one live room. Lifted by deleting or by ``until``."""

    class Kind(models.TextChoices):
        MUTE = "mute", _("Muted")
        BAN = "ban", _("Banned")

    room = models.ForeignKey(LiveRoom, verbose_name=_("live room"), on_delete=models.CASCADE, related_name="chat_sanctions")
    fan = models.ForeignKey("fans.Fan", verbose_name=_("app user"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: for the whole event."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat sanction")
        verbose_name_plural = _("chat sanctions")
        constraints = [models.UniqueConstraint(fields=["room", "fan", "kind"], name="live_sanction_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.fan_id} @ {self.room_id}"

    def active(self, now=None) -> bool:
        return self.until is None or self.until > (now or timezone.now())
